#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export Synchformer for audio.desync (plugins/audio/desync/README.md gives the contract).

    python3 tools/export/synchformer.py --checkpoint synchformer_state_dict.pth \
        --out MODEL_DIR/synchformer.pt

Checkpoint: https://github.com/hkchengrex/MMAudio/releases/download/v0.1/synchformer_state_dict.pth
(the state_dict FastVideo's audio.desync loads: av-benchmark's DeSync model, Synchformer run
24-01-04T16-39-21).  Module code: FastVideo's vendored copy
(`fastvideo.third_party.eval.synchformer`, https://github.com/hao-ai-lab/FastVideo) or
hkchengrex/av-benchmark (`av_bench.synchformer`), importable from this Python or from
--code-dir; it needs einops, timm, omegaconf and transformers, and MotionFormer reads
its divided_224_16x4.yaml beside its source (downloaded from facebookresearch/Motionformer
when absent).

The module is exported as it is, three methods traced from it (what FastVideo does around
them, the segmenting, the mel, the windows and the argmax, runs in C):
  extract_vfeats(float32 (B, 1, 16, 3, 224, 224)) -> (B, 1, 8, 768)  one video segment per item
  extract_afeats(float32 (1, S, 1, 128, 66))      -> (1, S, 6, 768)
  compare_v_a(float32 (1, 14, 8, 768), (1, 14, 6, 768)) -> (1, 21) offset logits
MotionFormer and AST flatten (B, S) and encode each segment alone, and their reshapes
read those sizes from the input, so the trace keeps B and S free; the script checks
other sizes than the traced ones against the eager module before saving.
"""
import argparse
import sys

import torch


class SynchformerExport(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def extract_vfeats(self, vis):
        return self.net.extract_vfeats(vis)

    def extract_afeats(self, aud):
        return self.net.extract_afeats(aud)

    def compare_v_a(self, vis, aud):
        return self.net.compare_v_a(vis, aud)

    def forward(self, vis, aud):
        return self.net.compare_v_a(vis, aud)


def load_class():
    try:
        from fastvideo.third_party.eval.synchformer import Synchformer
    except ImportError:
        from av_bench.synchformer.synchformer import Synchformer
    return Synchformer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="synchformer_state_dict.pth")
    ap.add_argument("--out", required=True, help="where to write synchformer.pt")
    ap.add_argument("--code-dir", help="a FastVideo or av-benchmark checkout to import the module from")
    args = ap.parse_args()
    if args.code_dir:
        sys.path.insert(0, args.code_dir)
    net = load_class()().eval()
    net.load_state_dict(torch.load(args.checkpoint, map_location="cpu", weights_only=True))
    wrapper = SynchformerExport(net).eval()
    torch.manual_seed(0)
    vis = torch.randn(2, 1, 16, 3, 224, 224)
    aud = torch.randn(1, 3, 1, 128, 66)
    vf, af = torch.randn(1, 14, 8, 768), torch.randn(1, 14, 6, 768)
    with torch.no_grad():
        traced = torch.jit.trace_module(
            wrapper, {"extract_vfeats": vis, "extract_afeats": aud, "compare_v_a": (vf, af)},
            check_trace=False)
        checks = [("extract_vfeats", (torch.randn(1, 1, 16, 3, 224, 224),)),
                  ("extract_vfeats", (torch.randn(3, 1, 16, 3, 224, 224),)),
                  ("extract_afeats", (torch.randn(1, 14, 1, 128, 66),)),
                  ("extract_afeats", (torch.randn(1, 28, 1, 128, 66),)),
                  ("compare_v_a", (torch.randn(1, 14, 8, 768), torch.randn(1, 14, 6, 768)))]
        for name, inputs in checks:
            want = getattr(wrapper, name)(*inputs)
            got = getattr(traced, name)(*inputs)
            if want.shape != got.shape or not torch.allclose(want, got, rtol=1e-4, atol=1e-5):
                raise SystemExit(f"traced {name} differs from eager on {[tuple(i.shape) for i in inputs]}")
            print(f"{name} {[tuple(i.shape) for i in inputs]} -> {tuple(got.shape)}: "
                  f"max |traced - eager| = {(want - got).abs().max().item():.3g}")
    traced.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
