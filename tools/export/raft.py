# SPDX-License-Identifier: Apache-2.0
"""Export RAFT to raft_things.pt for vbench.dynamic_degree.

The module's contract (what the plugin calls):
    forward(image1, image2, iters: int = 12, test_mode: bool = False) -> (flow_low, flow_up)
    image1, image2: (B, 3, H, W) float32 RGB 0..255, H and W multiples of 8
    flow_up: (B, 2, H, W) float32 in pixels; the plugin calls iters=20, test_mode=True.

Upstream (default): VBench's own RAFT (vbench/third_party/RAFT/core/raft.py, args small=False,
mixed_precision=False, alternate_corr=False, dropout=0) with raft-things.pth (a DataParallel
state_dict: the 'module.' prefixes are stripped), traced at one padded size (RAFT's coordinate
grids follow the traced size): export one file per resolution you evaluate.

    python3 tools/export/raft.py --vbench /path/to/VBench --weights raft-things.pth \
        --height 480 --width 832 -o raft_things.pt

--torchvision-random builds torchvision's raft_large (python3-torchvision) with random weights
instead, scripted (any size), behind the same contract: RAFT's input normalisation 2*(x/255)-1
is done in the wrapper, since torchvision's RAFT expects [-1, 1].  It tests the export and
loading path only.  torchvision's state_dict layout is NOT upstream's: raft-things.pth names
fnet/cnet/update_block.{encoder,gru,flow_head,mask} where torchvision has feature_encoder/
context_encoder/update_block.{motion_encoder,recurrent_block,flow_head}/mask_predictor, with
other sub-module names, so raft-things.pth does not load into it without a key mapping.
"""
import argparse
import sys
from typing import Tuple

import torch
import torch.nn.functional as F


class Traced(torch.nn.Module):
    """Upstream RAFT at iters=20, test_mode=True (the only call the metric makes)."""

    def __init__(self, raft):
        super().__init__()
        self.raft = raft

    def forward(self, image1, image2):
        return self.raft(image1, image2, iters=20, test_mode=True)


class Contract(torch.nn.Module):
    """Upstream's call signature around a traced RAFT that only knows iters=20, test_mode=True."""

    def __init__(self, traced):
        super().__init__()
        self.traced = traced

    def forward(self, image1: torch.Tensor, image2: torch.Tensor, iters: int = 12,
                test_mode: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        if iters != 20 or not test_mode:
            raise RuntimeError("raft_things.pt was exported for iters=20, test_mode=True")
        return self.traced(image1, image2)


class TorchvisionRAFT(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image1: torch.Tensor, image2: torch.Tensor, iters: int = 12,
                test_mode: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        if not test_mode:
            raise RuntimeError("only test_mode=True is exported")
        flows = self.model(2 * (image1 / 255.0) - 1.0, 2 * (image2 / 255.0) - 1.0, num_flow_updates=iters)
        flow_up = flows[-1]
        flow_low = F.avg_pool2d(flow_up, 8) / 8.0
        return flow_low, flow_up


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default="raft_things.pt")
    ap.add_argument("--vbench", help="VBench checkout (its vbench/third_party/RAFT)")
    ap.add_argument("--weights", help="raft-things.pth")
    ap.add_argument("--height", type=int, help="padded frame height (multiple of 8)")
    ap.add_argument("--width", type=int, help="padded frame width (multiple of 8)")
    ap.add_argument("--device", default="cpu", help="trace on this device (use the one you evaluate on)")
    ap.add_argument("--torchvision-random", action="store_true",
                    help="torchvision raft_large with random weights (tests the export path)")
    a = ap.parse_args()
    torch.manual_seed(0)
    if a.torchvision_random:
        from torchvision.models.optical_flow import raft_large
        module = torch.jit.script(TorchvisionRAFT(raft_large(weights=None).eval()))
    else:
        if not (a.vbench and a.weights and a.height and a.width):
            ap.error("--vbench, --weights, --height and --width are needed (or --torchvision-random)")
        if a.height % 8 or a.width % 8:
            ap.error("--height and --width must be multiples of 8 (the padded size)")
        sys.path.insert(0, a.vbench)
        from argparse import Namespace
        from vbench.third_party.RAFT.core.raft import RAFT
        raft = RAFT(Namespace(small=False, mixed_precision=False, alternate_corr=False, dropout=0.0))
        state = torch.load(a.weights, map_location="cpu")
        raft.load_state_dict({k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()})
        raft = raft.to(a.device).eval()
        x = torch.rand(1, 3, a.height, a.width, device=a.device) * 255
        with torch.no_grad():
            traced = torch.jit.trace(Traced(raft), (x, x.roll(2, 3)), check_trace=False)
        module = torch.jit.script(Contract(traced))
    module.save(a.output)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
