# SPDX-License-Identifier: Apache-2.0
"""Export ptlflow's DPFlow ("things") to dpflow_things.pt for the optical_flow metrics.

The module's contract (what the plugins call):
    forward(images) -> flows
    images: (B, 2, 3, H, W) float32 BGR in [0, 1] (ptlflow IOAdapter.prepare_inputs of uint8 BGR)
    flows: (B, 1, 2, H, W) or (B, 2, H, W) float32 in pixels, padding removed; [:, 0] = u (x)

Upstream: ptlflow.get_model("dpflow", ckpt_path="things") (dpflow-things-2012b5d6.ckpt), called
as model({"images": images})["flows"].  DPFlow derives its pyramid depth and padding from the
input size, so the module is traced at one size: export one file per resolution you evaluate.
Any other flow model exported to the same contract can stand in for it.

    pip install ptlflow   # brings DPFlow and its checkpoint loader
    python3 tools/export/dpflow.py --height 480 --width 832 [--ckpt things] -o dpflow_things.pt
"""
import argparse

import torch


class Traced(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        return self.model({"images": images})["flows"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default="dpflow_things.pt")
    ap.add_argument("--model", default="dpflow", help="ptlflow model name")
    ap.add_argument("--ckpt", default="things", help="ptlflow checkpoint name or local .ckpt path")
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--device", default="cpu", help="trace on this device (use the one you evaluate on)")
    a = ap.parse_args()
    import ptlflow
    model = ptlflow.get_model(a.model, ckpt_path=a.ckpt).to(a.device).eval()
    x = torch.rand(1, 2, 3, a.height, a.width, device=a.device)
    with torch.no_grad():
        traced = torch.jit.trace(Traced(model), (x,), check_trace=False, strict=False)
    traced.save(a.output)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
