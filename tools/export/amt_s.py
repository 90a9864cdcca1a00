# SPDX-License-Identifier: Apache-2.0
"""Export AMT-S to amt_s.pt for vbench.motion_smoothness.

The module's contract (what the plugin calls):
    forward(img0, img1, embt, scale_factor: float = 1.0) -> imgt_pred
    img0, img1: (B, 3, H, W) float32 RGB in [0, 1], H and W multiples of int(16 / scale_factor)
    embt: (B, 1, 1, 1) float32, 0.5;  imgt_pred: (B, 3, H, W) in [0, 1]

Upstream: VBench's vbench/third_party/amt/networks/AMT-S.py Model(corr_radius=3, corr_lvls=4,
num_flows=3) (cfgs/AMT-S.yaml) with amt-s.pth's 'state_dict', called as
model(img0, img1, embt, scale_factor=s, eval=True)['imgt_pred'].  It is traced at one padded
size and one scale (AMT resizes by the scale and builds grids from the traced size), so export
one file per resolution and scale you evaluate; the wrapper refuses another scale_factor.

    python3 tools/export/amt_s.py --vbench /path/to/VBench --weights amt-s.pth \
        --height 480 --width 832 [--scale 1.0] -o amt_s.pt
"""
import argparse
import importlib.util
import os
import sys

import torch


class Traced(torch.nn.Module):
    def __init__(self, amt, scale):
        super().__init__()
        self.amt = amt
        self.scale = scale

    def forward(self, img0, img1, embt):
        return self.amt(img0, img1, embt, scale_factor=self.scale, eval=True)["imgt_pred"]


class Contract(torch.nn.Module):
    def __init__(self, traced, scale: float):
        super().__init__()
        self.traced = traced
        self.scale = scale

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, embt: torch.Tensor,
                scale_factor: float = 1.0) -> torch.Tensor:
        if scale_factor != self.scale:
            raise RuntimeError("amt_s.pt was exported for another scale_factor")
        return self.traced(img0, img1, embt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default="amt_s.pt")
    ap.add_argument("--vbench", required=True, help="VBench checkout (its vbench/third_party/amt)")
    ap.add_argument("--weights", required=True, help="amt-s.pth")
    ap.add_argument("--height", type=int, required=True, help="padded frame height")
    ap.add_argument("--width", type=int, required=True, help="padded frame width")
    ap.add_argument("--scale", type=float, default=1.0, help="AMT scale_factor (the plugin's details.scale)")
    ap.add_argument("--device", default="cpu", help="trace on this device (use the one you evaluate on)")
    a = ap.parse_args()
    div = int(16 / a.scale)
    if a.height % div or a.width % div:
        ap.error(f"--height and --width must be multiples of int(16 / scale) = {div}")
    sys.path.insert(0, a.vbench)
    path = os.path.join(a.vbench, "vbench/third_party/amt/networks/AMT-S.py")
    spec = importlib.util.spec_from_file_location("amt_s_network", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    amt = mod.Model(corr_radius=3, corr_lvls=4, num_flows=3)
    ckpt = torch.load(a.weights, map_location="cpu")
    amt.load_state_dict(ckpt["state_dict"])
    amt = amt.to(a.device).eval()
    x = torch.rand(1, 3, a.height, a.width, device=a.device)
    embt = torch.full((1, 1, 1, 1), 0.5, device=a.device)
    with torch.no_grad():
        traced = torch.jit.trace(Traced(amt, a.scale), (x, x.roll(2, 3), embt), check_trace=False)
    torch.jit.script(Contract(traced, a.scale)).save(a.output)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
