#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export ViCLIP (VBench's overall_consistency / temporal_style model) to TorchScript.

Writes one archive with two methods, the module's own towers exported as they are:
  encode_vision(video float32 (1, 8, 3, 224, 224)) -> (1, 768)   ViCLIP.encode_vision(x, test=True)
  encode_text(ids int64 (1, 32)) -> (1, 768)                    ViCLIP.text_encoder(ids)
Token ids come from fveval's C CLIP tokenizer (context 32, truncated), so the string
tokenizer inside ViCLIP.encode_text is left out.  Gradient checkpointing (upstream's
vision_encoder_checkpoint_num = 24) is switched off first: numerically a no-op, and
torch.utils.checkpoint does not trace.

Needs: a VBench checkout (https://github.com/Vchitect/VBench, for vbench/third_party/ViCLIP),
torch, timm, einops; the checkpoint ViClip-InternVid-10M-FLT.pth from
https://huggingface.co/OpenGVLab/VBench_Used_Models.

  python3 tools/export/export_viclip.py --vbench-dir VBench \
      --checkpoint ViClip-InternVid-10M-FLT.pth -o viclip_l14_internvid_10m_flt.pt
"""
import argparse
import sys

import torch


class ViCLIPExport(torch.nn.Module):
    def __init__(self, viclip):
        super().__init__()
        self.viclip = viclip

    def encode_vision(self, video):
        return self.viclip.encode_vision(video, test=True)

    def encode_text(self, ids):
        return self.viclip.text_encoder(ids)

    def forward(self, video):
        return self.encode_vision(video)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vbench-dir", required=True, help="a VBench checkout (the directory holding vbench/)")
    ap.add_argument("--checkpoint", required=True, help="ViClip-InternVid-10M-FLT.pth")
    ap.add_argument("-o", "--output", default="viclip_l14_internvid_10m_flt.pt")
    args = ap.parse_args()
    sys.path.insert(0, args.vbench_dir)
    from vbench.third_party.ViCLIP.simple_tokenizer import SimpleTokenizer
    from vbench.third_party.ViCLIP.viclip import ViCLIP

    model = ViCLIP(tokenizer=SimpleTokenizer(), pretrain=args.checkpoint).eval()
    model.vision_encoder.transformer.checkpoint_num = 0
    wrapper = ViCLIPExport(model).eval()
    video = torch.randn(1, 8, 3, 224, 224)
    ids = torch.zeros(1, 32, dtype=torch.int64)
    ids[0, :3] = torch.tensor([49406, 320, 49407])
    with torch.no_grad():
        traced = torch.jit.trace_module(wrapper, {"encode_vision": video, "encode_text": ids})
        for name, arg in (("encode_vision", video), ("encode_text", ids)):
            want = getattr(wrapper, name)(arg)
            got = getattr(traced, name)(arg)
            diff = (want - got).abs().max().item()
            print("%s: %s, max |traced - eager| = %.3g" % (name, tuple(got.shape), diff))
    traced.save(args.output)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
