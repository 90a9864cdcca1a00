#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export DINO ViT-B/16 (torch.hub facebookresearch/dino:main, dino_vitb16) to TorchScript
for vbench.subject_consistency.  Model file: dino_vitb16.pt, forward(x) with x a
(N, 3, H, W) float32 ImageNet-normalised batch (any H, W: DINO's interpolate_pos_encoding
is part of the module) -> (N, 768) CLS features after the final norm.

    python3 tools/export/dino_vitb16.py dino_vitb16.pt
        torch.hub.load("facebookresearch/dino:main", "dino_vitb16"), weights
        https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth
    python3 tools/export/dino_vitb16.py --random-torchvision SEED vit.pt
        torchvision's vit_b_16 (DINO's shape: patch 16, 768 wide, 12 blocks, 12 heads) with
        random weights and heads = Identity, at 224 x 224 only: tests the export path.

torch.jit.script, not trace: the forward depends on the input size (the position-embedding
interpolation), which a trace would freeze.  The export is checked against the eager module."""
import sys

import torch


def export(net, path, sizes):
    net = net.eval()
    ts = torch.jit.script(net)
    ts.save(path)
    loaded = torch.jit.load(path)
    g = torch.Generator().manual_seed(0)
    for h, w in sizes:
        x = torch.randn(2, 3, h, w, generator=g)
        with torch.no_grad():
            want, got = net(x), loaded(x)
        err = (want - got).abs().max().item()
        print(f"{path}: exported vs eager at {h}x{w}: {tuple(got.shape)}, max |diff| {err:.3g}")
        if tuple(got.shape) != (2, 768) or not err <= 1e-5 * max(1.0, want.abs().max().item()):
            sys.exit("exported module differs from the eager one")


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--random-torchvision":
        import torchvision
        torch.manual_seed(int(args[1]))
        net = torchvision.models.vit_b_16()
        net.heads = torch.nn.Identity()
        export(net, args[2], [(224, 224)])
    elif len(args) == 1:
        net = torch.hub.load("facebookresearch/dino:main", "dino_vitb16")
        export(net, args[0], [(224, 224), (224, 388)])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
