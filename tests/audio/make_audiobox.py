# SPDX-License-Identifier: Apache-2.0
"""Audiobox Aesthetics stand-in with the real call signatures (tools/export/audiobox_aesthetics.py):
forward(wav float32 (B, 1, 160000), mask (B, 1, 160000)) -> (CE, CU, PC, PQ), four (B,)
tensors; target_transform() -> float64 (4, 2) of (mean, std).  Like upstream it turns the
sample mask into a frame mask the way WavLM's forward_padding_mask does (blocks of
T // frames samples, a frame padded when its whole block is) and averages frame features
over the valid frames; a masked sum over every sample makes each sample count.
Usage: make_audiobox.py DIR  (writes DIR/audiobox_aesthetics.pt)"""
import os
import sys

import torch


class StandIn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(7)
        # WavLM's conv stack has a 400-sample receptive field and a 320-sample stride
        self.conv = torch.nn.Conv1d(1, 8, 400, stride=320)
        with torch.no_grad():
            self.conv.weight.copy_(torch.randn(8, 1, 400, generator=g) * 0.05)
            self.conv.bias.copy_(torch.randn(8, generator=g) * 0.1)
        self.register_buffer("every", torch.randn(160000, generator=g) * 0.01)
        self.heads = torch.nn.Linear(9, 4)
        with torch.no_grad():
            self.heads.weight.copy_(torch.randn(4, 9, generator=g))
            self.heads.bias.copy_(torch.randn(4, generator=g) * 0.1)
        self.register_buffer("transform", torch.tensor(
            [[5.63, 1.31], [6.12, 1.72], [3.94, 2.21], [6.81, 1.13]], dtype=torch.float64))

    def forward(self, wav: torch.Tensor, mask: torch.Tensor):
        valid = (mask != 0).squeeze(1)                      # (B, T)
        x = wav.squeeze(1)
        feats = torch.tanh(self.conv(x.unsqueeze(1)))       # (B, 8, frames)
        frames = feats.size(2)
        extra = x.size(1) % frames
        pad = ~valid[:, : x.size(1) - extra]
        pad = pad.reshape(x.size(0), frames, -1).all(-1)    # forward_padding_mask
        keep = (~pad).to(feats.dtype).unsqueeze(1)
        pooled = (feats * keep).sum(-1) / keep.sum(-1).clamp(min=1)
        every = torch.tanh((x * valid.to(x.dtype) * self.every).sum(-1, keepdim=True))
        embed = torch.nn.functional.normalize(torch.cat([pooled, every], -1), dim=-1)
        out = self.heads(embed)
        return out[:, 0], out[:, 1], out[:, 2], out[:, 3]

    @torch.jit.export
    def target_transform(self) -> torch.Tensor:
        return self.transform


torch.jit.script(StandIn().eval()).save(os.path.join(sys.argv[1], "audiobox_aesthetics.pt"))
