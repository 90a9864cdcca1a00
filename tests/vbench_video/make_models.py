#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# TorchScript stand-ins with the real call signatures of the VBench video models
# (small, random but fixed weights), written to DIR:
#   viclip_l14_internvid_10m_flt.pt  encode_vision(float (1, 8, 3, 224, 224)) -> (1, 768)
#                                    encode_text(int64 (1, 32)) -> (1, 768)
#   umt_l16_k400.pt                  forward(float (1, 3, 16, 224, 224)) -> (1, 400) logits
# The UMT stand-in puts class 0 ("riding a bike") far above the 0.85 threshold, class 1
# ("marching") at sigmoid 0.849996 (over the threshold only after VBench's 4-decimal
# rounding), and every other class at content-dependent logits well below it.
# Usage: make_models.py DIR
import math
import sys

import torch
import torch.nn.functional as F


class ViCLIPStandIn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(11)
        self.vis = torch.nn.Parameter(torch.randn(8 * 3 * 16, 768, generator=g) * 0.05)
        self.tpos = torch.nn.Parameter(torch.randn(8, 3, 1, 1, generator=g))
        self.emb = torch.nn.Parameter(torch.randn(49408, 16, generator=g))
        self.txt = torch.nn.Parameter(torch.randn(32, 768, generator=g) * 0.2)

    @torch.jit.export
    def encode_vision(self, x):
        # (1, 8, 3, 224, 224): a 4x4 pooled view of each frame, weighted per frame.
        b = x.shape[0]
        f = F.adaptive_avg_pool2d(x.reshape(b * 8, 3, 224, 224), 4).reshape(b, 8, 3, 4, 4)
        f = f * self.tpos.unsqueeze(0)
        return f.reshape(b, -1) @ self.vis

    @torch.jit.export
    def encode_text(self, ids):
        # (1, 32) int64: the EOT position (argmax, as CLIP) and the mean of the embeddings.
        e = self.emb[ids]                                     # (1, 32, 16)
        eot = e[torch.arange(ids.shape[0]), ids.argmax(dim=-1)]
        return torch.cat([eot, e.mean(dim=1)], dim=-1) @ self.txt

    def forward(self, x):
        return self.encode_vision(x)


class UMTStandIn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(7)
        w = torch.randn(3 * 16 * 2 * 2, 400, generator=g) * 0.05
        w[:, :2] = 0
        self.w = torch.nn.Parameter(w)
        b = torch.full((400,), -1.0)
        b[0] = 5.0
        b[1] = math.log(0.849996 / (1 - 0.849996))
        self.b = torch.nn.Parameter(b)

    def forward(self, x):
        # (1, 3, 16, 224, 224): a 2x2 pooled view of each of the 16 frames.
        f = F.adaptive_avg_pool3d(x, (16, 2, 2)).reshape(x.shape[0], -1)
        return f @ self.w + self.b


def main():
    out = sys.argv[1]
    with torch.no_grad():
        torch.jit.script(ViCLIPStandIn().eval()).save(out + "/viclip_l14_internvid_10m_flt.pt")
        torch.jit.script(UMTStandIn().eval()).save(out + "/umt_l16_k400.pt")


if __name__ == "__main__":
    main()
