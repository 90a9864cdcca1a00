# SPDX-License-Identifier: Apache-2.0
"""A random-initialised model with Hugging Face WhisperForConditionalGeneration's
attribute layout (what tools/export/whisper.py reads), for tests and bench/wer.sh."""
import types

import torch
from torch import nn


def make(D=16, H=2, L=2, V=60, MELS=80, POS=448, seed=0):
    torch.manual_seed(seed)

    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.q_proj, self.k_proj = nn.Linear(D, D), nn.Linear(D, D, bias=False)
            self.v_proj, self.out_proj = nn.Linear(D, D), nn.Linear(D, D)

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.self_attn, self.encoder_attn = Attn(), Attn()
            self.self_attn_layer_norm, self.encoder_attn_layer_norm = nn.LayerNorm(D), nn.LayerNorm(D)
            self.final_layer_norm = nn.LayerNorm(D)
            self.fc1, self.fc2 = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    class Encoder(nn.Module):
        """Whisper's stem (two convolutions, the second with stride 2) and layers stand-in."""
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(MELS, D, 3, padding=1)
            self.conv2 = nn.Conv1d(D, D, 3, stride=2, padding=1)
            self.proj, self.layer_norm = nn.Linear(D, D), nn.LayerNorm(D)

        def forward(self, x, return_dict: bool = False):
            x = nn.functional.gelu(self.conv2(nn.functional.gelu(self.conv1(x)))).transpose(1, 2)
            return (self.layer_norm(x + self.proj(x)),)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(V, D)
            self.embed_positions = nn.Embedding(POS, D)
            self.layers = nn.ModuleList([Layer() for _ in range(L)])
            self.layer_norm = nn.LayerNorm(D)

    hf = nn.Module()
    hf.model = nn.Module()
    hf.model.encoder, hf.model.decoder = Encoder(), Decoder()
    hf.proj_out = nn.Linear(D, V, bias=False)
    hf.proj_out.weight = hf.model.decoder.embed_tokens.weight
    hf.config = types.SimpleNamespace(activation_function="gelu", decoder_attention_heads=H)
    return hf.eval()
