# SPDX-License-Identifier: Apache-2.0
"""A Synchformer stand-in with the real model file's methods and layouts
(plugins/audio/desync/README.md):
  extract_vfeats(vis (B, S, 16, 3, 224, 224)) -> (B, S, 8, 768)
  extract_afeats(aud (B, S, 1, 128, 66))      -> (B, S, 6, 768)
  compare_v_a(vis (B, 14, 8, 768), aud (B, 14, 6, 768)) -> (B, 21)
Like the real network each segment is encoded on its own (B and S flattened),
a video token covers two frames (MotionFormer's 2-frame tubelets) and an audio
token 16 mel frames every 10 (AST's patches).  Features are pooled values plus a
grid of sampled values, projected by fixed random matrices, so a preprocessing
error (crop offset, resize kernel, frame index, mel padding) changes them.
The logits are the window's feature statistics projected and scaled so that
their classes lie well apart.  Usage: make_synchformer.py OUT_DIR"""
import os
import sys

import torch
import torch.nn.functional as F


def proj(rows, cols, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g) / cols ** 0.5


V_IN = 2 * 3 * 16 + 2 * 3 * 10 * 8  # pooled 4x4 + pixels [5::23, 7::29] of both frames
A_IN = 16 + 12 * 4                  # pooled 4x4 of the patch + mel rows [3::11] at 4 times


class SynchformerStandIn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("wv", proj(768, V_IN, 11))
        self.register_buffer("wa", proj(768, A_IN, 12))
        self.register_buffer("wc", proj(21, 4 * 768, 13))

    @torch.jit.export
    def extract_vfeats(self, vis: torch.Tensor) -> torch.Tensor:
        if vis.dim() != 6 or vis.size(2) != 16 or vis.size(3) != 3 or vis.size(4) != 224 \
                or vis.size(5) != 224:
            raise RuntimeError("stand-in extract_vfeats wants (B, S, 16, 3, 224, 224)")
        b, s = vis.size(0), vis.size(1)
        x = vis.reshape(b * s * 8, 2 * 3, 224, 224)
        pooled = F.adaptive_avg_pool2d(x, [4, 4]).flatten(1)
        sampled = x[:, :, 5::23, 7::29].flatten(1)
        return (torch.cat([pooled, sampled], 1) @ self.wv.t()).reshape(b, s, 8, 768)

    @torch.jit.export
    def extract_afeats(self, aud: torch.Tensor) -> torch.Tensor:
        if aud.dim() != 5 or aud.size(2) != 1 or aud.size(3) != 128 or aud.size(4) != 66:
            raise RuntimeError("stand-in extract_afeats wants (B, S, 1, 128, 66)")
        b, s = aud.size(0), aud.size(1)
        x = aud.reshape(b * s, 128, 66)
        tokens = []
        for j in range(6):
            p = x[:, :, 10 * j:10 * j + 16]
            pooled = F.adaptive_avg_pool2d(p.unsqueeze(1), [4, 4]).flatten(1)
            sampled = p[:, 3::11, 0::5].flatten(1)
            tokens.append(torch.cat([pooled, sampled], 1) @ self.wa.t())
        return torch.stack(tokens, 1).reshape(b, s, 6, 768)

    @torch.jit.export
    def compare_v_a(self, vis: torch.Tensor, aud: torch.Tensor) -> torch.Tensor:
        if vis.dim() != 4 or vis.size(1) != 14 or vis.size(2) != 8 or vis.size(3) != 768:
            raise RuntimeError("stand-in compare_v_a wants vis (B, 14, 8, 768)")
        if aud.dim() != 4 or aud.size(1) != 14 or aud.size(2) != 6 or aud.size(3) != 768:
            raise RuntimeError("stand-in compare_v_a wants aud (B, 14, 6, 768)")
        stats = torch.cat([vis.mean((1, 2)), vis.std((1, 2)), aud.mean((1, 2)), aud.std((1, 2))], 1)
        return (stats @ self.wc.t()) * 20.0

    def forward(self, vis: torch.Tensor, aud: torch.Tensor) -> torch.Tensor:
        return self.compare_v_a(vis, aud)


m = torch.jit.script(SynchformerStandIn().eval())
m.save(os.path.join(sys.argv[1], "synchformer.pt"))
