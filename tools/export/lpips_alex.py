#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export LPIPS v0.1 with AlexNet features (lpips.LPIPS(net="alex")) to TorchScript for
common.lpips.  Model file: lpips_alex.pt, forward(in0, in1) with two (N, 3, H, W) float32
tensors in [-1, 1] (H, W >= 31) -> (N, 1, 1, 1) distances.

    python3 tools/export/lpips_alex.py lpips_alex.pt
        needs the `lpips` package (pip install lpips); it downloads torchvision's AlexNet
        weights https://download.pytorch.org/models/alexnet-owt-7be5be79.pth and ships
        lpips/weights/v0.1/alex.pth (https://github.com/richzhang/PerceptualSimilarity).
    python3 tools/export/lpips_alex.py --random-init SEED lpips_alex.pt
        the same network built from torchvision's AlexNet with random weights (no download),
        for testing the export: tests/vbimg uses it as common.lpips's stand-in.

The module is traced (its forward has no data-dependent control flow and every shape it
uses follows the input), then checked against the eager module at a second size."""
import sys

import torch
import torch.nn as nn


class ScalingLayer(nn.Module):
    """lpips.ScalingLayer: (x - shift) / scale."""

    def __init__(self):
        super().__init__()
        self.register_buffer("shift", torch.tensor([-.030, -.088, -.188])[None, :, None, None])
        self.register_buffer("scale", torch.tensor([.458, .448, .450])[None, :, None, None])

    def forward(self, x):
        return (x - self.shift) / self.scale


class LPIPSAlexRandom(nn.Module):
    """lpips.LPIPS(net="alex", version="0.1", lpips=True, spatial=False) in eval mode, built
    from torchvision's AlexNet: feature slices [0:2] [2:5] [5:8] [8:10] [10:12], channel-wise
    unit norm (eps 1e-10 added to the norm), squared difference, 1x1 conv without bias,
    spatial mean, sum over the five layers."""

    def __init__(self, seed):
        super().__init__()
        import torchvision
        torch.manual_seed(seed)
        features = torchvision.models.alexnet().features
        cuts = [(0, 2), (2, 5), (5, 8), (8, 10), (10, 12)]
        self.scaling_layer = ScalingLayer()
        self.slices = nn.ModuleList(nn.Sequential(*[features[i] for i in range(a, b)]) for a, b in cuts)
        chns = [64, 192, 384, 256, 256]
        self.lins = nn.ModuleList(nn.Sequential(nn.Dropout(), nn.Conv2d(c, 1, 1, 1, 0, bias=False)) for c in chns)
        for lin in self.lins:  # the real weights are non-negative
            lin[1].weight.data.abs_()

    def forward(self, in0, in1):
        x0, x1 = self.scaling_layer(in0), self.scaling_layer(in1)
        val = torch.zeros(in0.shape[0], 1, 1, 1, dtype=in0.dtype, device=in0.device)
        for s, lin in zip(self.slices, self.lins):
            x0, x1 = s(x0), s(x1)
            f0 = x0 / (torch.sqrt(torch.sum(x0 ** 2, dim=1, keepdim=True)) + 1e-10)
            f1 = x1 / (torch.sqrt(torch.sum(x1 ** 2, dim=1, keepdim=True)) + 1e-10)
            val = val + lin((f0 - f1) ** 2).mean([2, 3], keepdim=True)
        return val


def export(net, path):
    net = net.eval()
    g = torch.Generator().manual_seed(0)
    ex = (torch.rand(2, 3, 64, 64, generator=g) * 2 - 1, torch.rand(2, 3, 64, 64, generator=g) * 2 - 1)
    with torch.no_grad():
        ts = torch.jit.trace(net, ex)
        ts.save(path)
        # a size the trace did not see: the exported module must follow it
        a, b = torch.rand(3, 3, 47, 90, generator=g) * 2 - 1, torch.rand(3, 3, 47, 90, generator=g) * 2 - 1
        want = net(a, b).reshape(-1)
        got = torch.jit.load(path)(a, b).reshape(-1)
    err = (want - got).abs().max().item()
    print(f"{path}: exported vs eager at 47x90: max |diff| {err:.3g}")
    if not err <= 1e-6 * max(1.0, want.abs().max().item()):
        sys.exit("exported module differs from the eager one")


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--random-init":
        export(LPIPSAlexRandom(int(args[1])), args[2])
    elif len(args) == 1:
        import lpips
        export(lpips.LPIPS(net="alex", version="0.1", verbose=False), args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
