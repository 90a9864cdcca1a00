# SPDX-License-Identifier: Apache-2.0
"""TorchScript stand-ins for the motion metrics' models, with the real call
signatures and output layouts (tools/export/ makes the real ones):
  raft_things.pt  forward(image1, image2, iters=12, test_mode=False) -> (flow_low, flow_up)
                  (B, 3, H, W) RGB 0..255, H and W multiples of 8; flow_up (B, 2, H, W)
  amt_s.pt        forward(img0, img1, embt, scale_factor=1.0) -> imgt_pred (B, 3, H, W)
                  RGB 0..1, H and W multiples of int(16 / scale_factor)
  dpflow.pt       forward(images (B, 2, 3, H, W) BGR 0..1) -> flows (B, 1, 2, H, W)
The flow stand-ins return the true shift between two shifted frames: the
integer shift (within +-6 pixels) that best maps the first frame onto the
second, the same at every pixel.  With `wiggle` > 0 they add a small term
that depends on the pixels (channel order, value range and padding all
change it), so the whole-score comparisons see any preprocessing error; the
models written with wiggle 0 give flows that can be checked by hand.  The
AMT stand-in predicts the middle frame as the average of its neighbours
(exact for a static clip), plus a pixel-dependent term that vanishes when
the neighbours are equal, and blurs through scale_factor as AMT resizes.

usage: make_flow_models.py OUT_DIR [WIGGLE]"""
import sys
from typing import Tuple

import torch
import torch.nn.functional as F

def best_shift(a: torch.Tensor, b: torch.Tensor, radius: int, margin: int) -> torch.Tensor:
    """(B, 2) float (dx, dy) minimising mean |b(x + d) - a(x)| over the interior."""
    n, _, h, w = a.shape
    best = torch.full([n], 1e30, dtype=a.dtype)
    out = torch.zeros(n, 2, dtype=a.dtype)
    core = a[:, :, margin:h - margin, margin:w - margin]
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            cand = b[:, :, margin + dy:h - margin + dy, margin + dx:w - margin + dx]
            err = (cand - core).abs().mean([1, 2, 3])
            better = err < best
            best = torch.where(better, err, best)
            out[:, 0] = torch.where(better, torch.full_like(err, float(dx)), out[:, 0])
            out[:, 1] = torch.where(better, torch.full_like(err, float(dy)), out[:, 1])
    return out


class RAFT(torch.nn.Module):
    def __init__(self, wiggle: float):
        super().__init__()
        self.wiggle = wiggle

    def forward(self, image1: torch.Tensor, image2: torch.Tensor, iters: int = 12,
                test_mode: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        if iters != 20 or not test_mode:
            raise RuntimeError("stand-in wants iters=20, test_mode=True")
        if image1.dim() != 4 or image1.size(1) != 3 or image1.shape != image2.shape:
            raise RuntimeError("stand-in wants two (B, 3, H, W) tensors")
        h, w = image1.size(2), image1.size(3)
        if h % 8 != 0 or w % 8 != 0:
            raise RuntimeError("RAFT stand-in: H and W must be multiples of 8")
        shift = best_shift(image1, image2, 6, 14)
        flow = shift[:, :, None, None].expand(-1, -1, h, w).clone()
        if self.wiggle > 0:
            d = (image1[:, 0] - 0.5 * image1[:, 2] - 0.25 * image2[:, 1]) / 255.0
            flow[:, 0] += self.wiggle * torch.tanh(3.0 * d)
            flow[:, 1] += self.wiggle * torch.sin(4.0 * d)
        return flow[:, :, ::8, ::8] / 8.0, flow


class AMT(torch.nn.Module):
    def __init__(self, wiggle: float):
        super().__init__()
        self.wiggle = wiggle

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, embt: torch.Tensor,
                scale_factor: float = 1.0) -> torch.Tensor:
        if img0.dim() != 4 or img0.size(1) != 3 or img0.shape != img1.shape:
            raise RuntimeError("stand-in wants two (B, 3, H, W) tensors")
        if embt.shape != (img0.size(0), 1, 1, 1):
            raise RuntimeError("stand-in wants embt of shape (B, 1, 1, 1)")
        div = int(16 / scale_factor)
        h, w = img0.size(2), img0.size(3)
        if h % div != 0 or w % div != 0:
            raise RuntimeError("AMT stand-in: H and W must be multiples of int(16 / scale_factor)")
        avg = embt * img0 + (1.0 - embt) * img1
        if scale_factor != 1.0:
            small = F.interpolate(avg, scale_factor=scale_factor, mode="bilinear", align_corners=False)
            avg = F.interpolate(small, size=[h, w], mode="bilinear", align_corners=False)
        if self.wiggle > 0:
            avg = avg + self.wiggle * (img1 - img0) * torch.tanh(8.0 * (img0 - 0.4))
        return torch.clamp(avg, 0.0, 1.0)


class DPFlow(torch.nn.Module):
    def __init__(self, wiggle: float):
        super().__init__()
        self.wiggle = wiggle

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 5 or images.size(1) != 2 or images.size(2) != 3:
            raise RuntimeError("stand-in wants (B, 2, 3, H, W)")
        a, b = images[:, 0], images[:, 1]
        h, w = a.size(2), a.size(3)
        flow = best_shift(a, b, 6, 6).reshape(-1, 2, 1, 1).expand(-1, -1, h, w).clone()
        if self.wiggle > 0:
            d = a[:, 0] - 0.5 * a[:, 2] - 0.25 * b[:, 1]  # BGR: channel 0 is blue
            flow[:, 0] += self.wiggle * 20.0 * torch.tanh(3.0 * d)
            flow[:, 1] += self.wiggle * 20.0 * torch.sin(4.0 * d)
        return flow.unsqueeze(1)


out = sys.argv[1]
wiggle = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
torch.jit.script(RAFT(wiggle)).save(out + "/raft_things.pt")
torch.jit.script(AMT(wiggle)).save(out + "/amt_s.pt")
torch.jit.script(DPFlow(wiggle)).save(out + "/dpflow_things.pt")
