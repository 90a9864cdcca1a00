# SPDX-License-Identifier: Apache-2.0
"""An ImageBind stand-in with the real model file's methods
(plugins/audio/imagebind_score/README.md):
  embed_vision(float (1, 15, 3, 2, 224, 224)) -> (15, 1024), rows L2-normalised
  embed_audio(float (1, 3, 1, 128, 204))      -> (3, 1024), rows L2-normalised x 20
Like ImageBind it starts with a (2, 14, 14) tube convolution on the video and a
16x16 stride-10 patch convolution on the fbank, so every crop, frame and mel
frame reaches the output.  Both embeddings share a fixed direction, so scores lie
around 0.3 as ImageBind's do (a cosine near 0 would make relative comparisons
meaningless).  Usage: make_imagebind.py OUT_DIR"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn


class ImageBindStandIn(nn.Module):
    def __init__(self):
        super().__init__()
        self.tube = nn.Conv3d(3, 8, kernel_size=(2, 14, 14), stride=(2, 14, 14))
        self.vproj = nn.Linear(8 * 16 * 16, 1024)
        self.patch = nn.Conv2d(1, 8, kernel_size=16, stride=10)
        self.aproj = nn.Linear(8 * 12 * 19, 1024)
        self.register_buffer("shared", torch.randn(1024) * 0.8)

    def forward(self, x):
        return self.embed_vision(x)

    @torch.jit.export
    def embed_vision(self, x):
        b, s = x.shape[0], x.shape[1]
        x = x.reshape(b * s, 3, 2, 224, 224)
        f = torch.tanh(self.tube(x)).flatten(1)
        return F.normalize(self.vproj(f) + self.shared, dim=-1)

    @torch.jit.export
    def embed_audio(self, x):
        b, s = x.shape[0], x.shape[1]
        x = x.reshape(b * s, 1, 128, 204)
        f = torch.tanh(self.patch(x)).flatten(1)
        return F.normalize(self.aproj(f) + self.shared, dim=-1) * 20.0


torch.manual_seed(4321)
m = ImageBindStandIn().eval()
with torch.no_grad():  # larger weights: the stand-in's embeddings then vary with the input
    m.vproj.weight.mul_(8.0)
    m.aproj.weight.mul_(8.0)
torch.jit.script(m).save(os.path.join(sys.argv[1], "imagebind_huge.pt"))
