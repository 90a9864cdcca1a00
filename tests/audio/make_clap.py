# SPDX-License-Identifier: Apache-2.0
"""A CLAP stand-in with the real model file's methods (plugins/audio/clap_score/README.md):

    get_audio_features(input_features float32 (1, 4, 1001, 64), is_longer int64 (1, 1)) -> (1, 32)
    get_text_features(input_ids int64 (1, L), attention_mask int64 (1, L)) -> (1, 32)

both L2-normalised, as ClapModel's are.  Like the real text encoder it has RoBERTa's 514
position embeddings indexed from padding_idx + 1, so more than 512 tokens fail, and the
audio side uses is_longer (the fusion branch).  The embedding table covers the vocabulary
given.  Usage: make_clap.py VOCAB.json OUT.pt"""
import json
import sys

import torch
from torch import nn
import torch.nn.functional as F


class ClapStandIn(nn.Module):
    def __init__(self, vocab_size: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(64)
        self.conv = nn.Conv2d(4, 8, kernel_size=(16, 4), stride=(8, 4))
        self.fusion = nn.Parameter(torch.randn(16) * 0.5)
        self.audio_projection = nn.Sequential(nn.Linear(16, 48), nn.ReLU(), nn.Linear(48, 32))
        self.word = nn.Embedding(vocab_size, 24, padding_idx=1)
        self.position = nn.Embedding(514, 24, padding_idx=1)
        self.text_projection = nn.Sequential(nn.Linear(48, 48), nn.ReLU(), nn.Linear(48, 32))
        with torch.no_grad():
            self.bn.running_mean.uniform_(-60, -20)
            self.bn.running_var.uniform_(100, 400)

    @torch.jit.export
    def get_audio_features(self, input_features: torch.Tensor, is_longer: torch.Tensor) -> torch.Tensor:
        x = self.bn(input_features.transpose(1, 3)).transpose(1, 3)    # HTSAT's norm over mel bins
        x = torch.relu(self.conv(x))
        h = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        h = h + (is_longer == 1).to(h.dtype) * self.fusion
        return F.normalize(self.audio_projection(h), dim=-1)

    @torch.jit.export
    def get_text_features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = input_ids.ne(1).int()                                    # RoBERTa's position ids
        positions = torch.cumsum(mask, dim=1).type_as(mask) * mask + 1
        h = self.word(input_ids) + self.position(positions.long())
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = torch.cat([torch.tanh(h[:, 0]), (h * m).sum(1) / m.sum(1)], dim=1)
        return F.normalize(self.text_projection(pooled), dim=-1)

    def forward(self, input_features: torch.Tensor, is_longer: torch.Tensor) -> torch.Tensor:
        return self.get_audio_features(input_features, is_longer)


torch.manual_seed(4321)
vocab = json.load(open(sys.argv[1], encoding="utf-8"))
m = torch.jit.script(ClapStandIn(max(vocab.values()) + 1).eval())
m.save(sys.argv[2])
