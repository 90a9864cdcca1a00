#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export MUSIQ with the SPAQ checkpoint (pyiqa) to TorchScript for vbench.imaging_quality.

    python3 tools/export/musiq_spaq.py musiq_spaq.pt

Needs the `pyiqa` package (pip install pyiqa), which downloads
https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/musiq_spaq_ckpt-358bb6af.pth

Model file: musiq_spaq.pt, forward(x: (N, 3, H, W) float32 in [0, 1]) -> (N, 1), the MOS
(about 0..100).  MUSIQ's own preprocessing ((x - 0.5) * 2, the multiscale patches at
longer sides 224 and 384 plus the native-resolution ones) depends on H and W, so the
module is scripted (torch.jit.script), never traced; when pyiqa's version cannot be
scripted the export stops with TorchScript's message.  Checked against the eager module
at two sizes (VBench feeds frames whose longer side is at most 512)."""
import sys

import torch


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    import pyiqa
    net = pyiqa.create_metric("musiq-spaq", device="cpu", as_loss=False).net.eval()
    ts = torch.jit.script(net)
    ts.save(sys.argv[1])
    loaded = torch.jit.load(sys.argv[1])
    g = torch.Generator().manual_seed(0)
    for h, w in ((288, 512), (512, 384)):
        x = torch.rand(1, 3, h, w, generator=g)
        with torch.no_grad():
            want, got = net(x).reshape(-1), loaded(x).reshape(-1)
        err = (want - got).abs().max().item()
        print(f"{sys.argv[1]}: exported vs eager at {h}x{w}: {want.tolist()} vs {got.tolist()}")
        if err > 1e-4 * max(1.0, want.abs().max().item()):
            sys.exit("exported module differs from the eager one")


if __name__ == "__main__":
    main()
