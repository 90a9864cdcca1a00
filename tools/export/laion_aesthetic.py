#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export the LAION aesthetic predictor head for vbench.aesthetic_quality.

    curl -LO https://raw.githubusercontent.com/LAION-AI/aesthetic-predictor/main/sa_0_4_vit_l_14_linear.pth
    python3 tools/export/laion_aesthetic.py sa_0_4_vit_l_14_linear.pth laion_aesthetic_vit_l14.pt
    python3 tools/export/laion_aesthetic.py --random-init SEED laion_aesthetic_vit_l14.pt   (tests)

Model file: laion_aesthetic_vit_l14.pt, forward(x: (N, 768) float32, L2-normalised CLIP
ViT-L/14 image features) -> (N, 1): nn.Linear(768, 1) with that state_dict (loaded with
weights_only=True where torch supports it), scripted and checked against the eager one."""
import sys

import torch


def main():
    args = sys.argv[1:]
    head = torch.nn.Linear(768, 1)
    if len(args) == 3 and args[0] == "--random-init":
        torch.manual_seed(int(args[1]))
        head = torch.nn.Linear(768, 1)
        path = args[2]
    elif len(args) == 2:
        try:
            sd = torch.load(args[0], map_location="cpu", weights_only=True)
        except TypeError:  # torch < 1.13
            sd = torch.load(args[0], map_location="cpu")
        head.load_state_dict(sd)
        path = args[1]
    else:
        sys.exit(__doc__)
    head = head.eval()
    torch.jit.script(head).save(path)
    x = torch.nn.functional.normalize(torch.randn(5, 768, generator=torch.Generator().manual_seed(0)), dim=-1)
    with torch.no_grad():
        err = (head(x) - torch.jit.load(path)(x)).abs().max().item()
    print(f"{path}: exported vs eager: max |diff| {err:.3g}")
    if err > 1e-6:
        sys.exit("exported module differs from the eager one")


if __name__ == "__main__":
    main()
