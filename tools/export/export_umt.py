#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export VBench's human_action classifier (UMT ViT-L/16, Kinetics-400) to TorchScript.

The model is built exactly as vbench/human_action.py builds it (timm create_model of
"vit_large_patch16_224" from vbench.third_party.umt.models, num_classes=400,
all_frames=16, tubelet_size=1, use_learnable_pos_emb=False, use_mean_pooling=True,
init_scale=0.001, use_checkpoint=False, checkpoint loaded with strict=False) and its
forward traced as it is:
  forward(video float32 (1, 3, 16, 224, 224)) -> (1, 400) logits (before the sigmoid)

Needs: a VBench checkout (https://github.com/Vchitect/VBench), torch, timm; the
checkpoint l16_ptk710_ftk710_ftk400_f16_res224.pth from
https://huggingface.co/OpenGVLab/VBench_Used_Models.

  python3 tools/export/export_umt.py --vbench-dir VBench \
      --checkpoint l16_ptk710_ftk710_ftk400_f16_res224.pth -o umt_l16_k400.pt
"""
import argparse
import sys

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vbench-dir", required=True, help="a VBench checkout (the directory holding vbench/)")
    ap.add_argument("--checkpoint", required=True, help="l16_ptk710_ftk710_ftk400_f16_res224.pth")
    ap.add_argument("-o", "--output", default="umt_l16_k400.pt")
    args = ap.parse_args()
    sys.path.insert(0, args.vbench_dir)
    from timm.models import create_model
    import vbench.third_party.umt.models  # noqa: F401  (registers vit_large_patch16_224)

    model = create_model("vit_large_patch16_224", pretrained=False, num_classes=400, all_frames=16,
                         tubelet_size=1, use_learnable_pos_emb=False, fc_drop_rate=0., drop_rate=0.,
                         drop_path_rate=0.2, attn_drop_rate=0., drop_block_rate=None,
                         use_checkpoint=False, checkpoint_num=16, use_mean_pooling=True,
                         init_scale=0.001)
    state = torch.load(args.checkpoint, map_location="cpu")
    print(model.load_state_dict(state, strict=False))
    model.eval()
    x = torch.randn(1, 3, 16, 224, 224)
    with torch.no_grad():
        traced = torch.jit.trace(model, x)
        diff = (model(x) - traced(x)).abs().max().item()
    print("forward: (1, 400), max |traced - eager| = %.3g" % diff)
    traced.save(args.output)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
