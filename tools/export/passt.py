#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export PaSST (passt_s_swa_p16_128_ap476) for audio.frechet_distance and
audio.kl_divergence: plugins/audio/_passt/passt.h gives the contract.

    python3 tools/export/passt.py --out MODEL_DIR/passt_s_swa_p16_128_ap476.pt

Needs `pip install hear21passt` (it downloads the checkpoint
https://github.com/kkoutini/PaSST/releases/download/v0.0.1-audioset/passt-s-f128-p16-s10-ap.476-swa.pt
through timm's pretrained loader).  What is exported is `get_basic_model(mode="all").net`,
the network without its mel front-end (AugmentMelSTFT runs in C, plugins/_audio):
forward(mel (1, 1, 128, T)) -> (logits (1, 527), features (1, 768)).

PaSST cuts its time positional embedding to the input width with a Python `if`;
tracing records the branch it takes, so the network is traced on a width below
the full 1000 frames (500): the cut is then recorded with the width as a traced
size, and any T up to 1000 (short KL tails, full 10 s windows) gives upstream's
result.  The script checks that on T = 1000 and T = 300 against the eager module.
"""
import argparse

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    from hear21passt.base import get_basic_model

    wrapper = get_basic_model(mode="all").eval()
    net = wrapper.net.eval()
    with torch.no_grad():
        traced = torch.jit.trace(net, torch.randn(1, 1, 128, 500), check_trace=False)
        for t in (1000, 300):
            x = torch.randn(1, 1, 128, t)
            want, got = net(x), traced(x)
            for a, b in zip(want, got):
                if not torch.allclose(a, b, rtol=1e-4, atol=1e-5):
                    raise SystemExit(f"traced PaSST differs from eager at T={t}")
    traced.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
