# SPDX-License-Identifier: Apache-2.0
"""A PaSST stand-in with the real model file's call signature (plugins/audio/_passt/passt.h):
forward(mel (1, 1, 128, T)) -> (logits (1, 527), features (1, 768)).  Like PaSST it
starts with a 16x16 patch convolution with stride 10, so inputs of fewer than 16 mel
frames fail as the real network does.  Usage: make_passt.py OUT_DIR"""
import os
import sys

import torch
from torch import nn


class PasstStandIn(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(1, 48, kernel_size=16, stride=10)
        self.proj = nn.Linear(96, 768)
        self.head = nn.Sequential(nn.LayerNorm(768), nn.Linear(768, 527))

    def forward(self, x):
        p = torch.relu(self.patch(x))                       # (1, 48, 12, t)
        f = torch.cat([p.mean(dim=(2, 3)), p.amax(dim=(2, 3))], dim=1)
        features = torch.tanh(self.proj(f)) * 3.0
        logits = self.head(features) * 2.0
        return logits, features


torch.manual_seed(1234)
m = torch.jit.script(PasstStandIn().eval())
m.save(os.path.join(sys.argv[1], "passt_s_swa_p16_128_ap476.pt"))
