#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export a Hugging Face Whisper checkpoint for audio.wer.

Writes, into --out:
  whisper-<size>.pt                      TorchScript: begin(input_features) and step(input_ids)
  whisper-<size>.vocab.json              the checkpoint's tokenizer vocabulary
  whisper-<size>.added_tokens.json       its special tokens
  whisper-<size>.generation_config.json  its generation config (suppress lists, lang_to_id, ...)

The module holds the upstream weights unchanged: the encoder is
WhisperEncoder traced as-is (its input is always (1, n_mels, 3000)); the
decoder is WhisperDecoder's computation written out with a key/value cache
(the same layers, weights and order of operations: pre-norm self-attention
with q scaled by head_dim**-0.5, cross-attention over the encoder output,
GELU MLP, final layer norm, logits through the tied token embedding), so
that decoding costs O(tokens) instead of re-running the whole prefix.
Before saving, the script checks the module against the Hugging Face model
(last-position logits for several prompts, and greedy tokens of generate()
on --check-audio when given) and refuses to write a file that disagrees.

  pip install torch transformers   (and librosa for --check-audio)
  python3 tools/export/whisper.py --model openai/whisper-base --out MODEL_DIR
"""
import argparse
import math
import os
import shutil
import sys
from typing import List

import torch
from torch import nn


class EncoderOut(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_features):
        return self.encoder(input_features, return_dict=False)[0]


class Attention(nn.Module):
    """WhisperAttention's projections, with the cache handled by the caller."""

    def __init__(self, a, heads: int):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = a.q_proj, a.k_proj, a.v_proj, a.out_proj
        self.heads = heads
        self.head_dim = a.q_proj.out_features // heads
        self.scaling = self.head_dim ** -0.5

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, past: int, causal: bool) -> torch.Tensor:
        w = torch.matmul(q, k.transpose(2, 3))
        if causal:
            n, total = q.size(2), k.size(2)
            i = torch.arange(n, device=q.device).unsqueeze(1) + past
            j = torch.arange(total, device=q.device).unsqueeze(0)
            w = w.masked_fill(j > i, float("-inf"))
        w = torch.softmax(w.float(), dim=-1).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2)
        b, t = o.size(0), o.size(1)
        return self.out_proj(o.reshape(b, t, self.heads * self.head_dim))


class DecoderLayer(nn.Module):
    def __init__(self, layer, heads: int):
        super().__init__()
        self.self_attn = Attention(layer.self_attn, heads)
        self.cross_attn = Attention(layer.encoder_attn, heads)
        self.self_attn_layer_norm = layer.self_attn_layer_norm
        self.encoder_attn_layer_norm = layer.encoder_attn_layer_norm
        self.final_layer_norm = layer.final_layer_norm
        self.fc1, self.fc2 = layer.fc1, layer.fc2

    def cross_kv(self, enc: torch.Tensor):
        a = self.cross_attn
        return a.split(a.k_proj(enc)), a.split(a.v_proj(enc))

    def forward(self, x, k_cache, v_cache, cross_k, cross_v, past: int):
        a = self.self_attn
        h = self.self_attn_layer_norm(x)
        q = a.split(a.q_proj(h) * a.scaling)
        k = torch.cat([k_cache, a.split(a.k_proj(h))], dim=2)
        v = torch.cat([v_cache, a.split(a.v_proj(h))], dim=2)
        x = x + a.attend(q, k, v, past, True)
        c = self.cross_attn
        h = self.encoder_attn_layer_norm(x)
        x = x + c.attend(c.split(c.q_proj(h) * c.scaling), cross_k, cross_v, 0, False)
        h = self.final_layer_norm(x)
        x = x + self.fc2(torch.nn.functional.gelu(self.fc1(h)))
        return x, k, v


class CachedWhisper(nn.Module):
    k_cache: List[torch.Tensor]
    v_cache: List[torch.Tensor]
    cross_k: List[torch.Tensor]
    cross_v: List[torch.Tensor]

    def __init__(self, hf, n_mels: int):
        super().__init__()
        cfg = hf.config
        assert cfg.activation_function == "gelu", cfg.activation_function
        dec = hf.model.decoder
        self.encoder = torch.jit.trace(EncoderOut(hf.model.encoder).eval(), torch.zeros(1, n_mels, 3000))
        self.embed_tokens = dec.embed_tokens
        self.embed_positions = dec.embed_positions.weight
        self.layers = nn.ModuleList([DecoderLayer(l, cfg.decoder_attention_heads) for l in dec.layers])
        self.layer_norm = dec.layer_norm
        self.proj_out = hf.proj_out.weight
        self.n_layers = len(dec.layers)
        self.k_cache, self.v_cache, self.cross_k, self.cross_v = [], [], [], []

    @torch.jit.export
    def begin(self, input_features: torch.Tensor) -> torch.Tensor:
        enc = self.encoder(input_features.to(self.proj_out.dtype))
        self.cross_k, self.cross_v, self.k_cache, self.v_cache = [], [], [], []
        for layer in self.layers:
            k, v = layer.cross_kv(enc)
            self.cross_k.append(k)
            self.cross_v.append(v)
            self.k_cache.append(k[:, :, :0])
            self.v_cache.append(v[:, :, :0])
        return enc

    @torch.jit.export
    def step(self, input_ids: torch.Tensor) -> torch.Tensor:
        past = self.k_cache[0].size(2)
        n = input_ids.size(1)
        x = self.embed_tokens(input_ids) + self.embed_positions[past:past + n]
        i = 0
        for layer in self.layers:
            x, k, v = layer(x, self.k_cache[i], self.v_cache[i], self.cross_k[i], self.cross_v[i], past)
            self.k_cache[i] = k
            self.v_cache[i] = v
            i += 1
        x = self.layer_norm(x[:, -1:])
        return torch.matmul(x[:, 0], self.proj_out.t()).float()


def check(hf, module, n_mels, audio):
    torch.manual_seed(0)
    feats = torch.randn(1, n_mels, 3000) * 0.5
    gen = hf.generation_config
    prompts = [[gen.decoder_start_token_id], [gen.decoder_start_token_id, 50259, 50359, 50363, 440, 2068]]
    with torch.no_grad():
        for ids in prompts:
            want = hf(input_features=feats, decoder_input_ids=torch.tensor([ids])).logits[:, -1]
            module.begin(feats)
            got = module.step(torch.tensor([ids[:1]]))
            if len(ids) > 1:
                for t in ids[1:]:
                    got = module.step(torch.tensor([[t]]))
            err = float((got - want).abs().max())
            print(f"prompt of {len(ids)} tokens: max |logits - HF| = {err:.3g}")
            if err > 1e-3:
                sys.exit("the exported decoder disagrees with the Hugging Face model")
    if audio:
        import librosa
        from transformers import WhisperProcessor
        proc = WhisperProcessor.from_pretrained(hf.name_or_path)
        wav, _ = librosa.load(audio, sr=16000, mono=True)
        f = proc(wav, sampling_rate=16000, return_tensors="pt").input_features
        want = hf.generate(f, max_new_tokens=64)[0].tolist()
        print("generate():", proc.batch_decode([want], skip_special_tokens=True)[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="openai/whisper-base")
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-audio", help="a speech file to print generate()'s transcription for")
    a = ap.parse_args()
    from transformers import WhisperForConditionalGeneration, WhisperTokenizer
    hf = WhisperForConditionalGeneration.from_pretrained(a.model, torch_dtype=torch.float32).eval()
    hf.config.use_cache = True
    n_mels = hf.config.num_mel_bins
    if n_mels != 80:
        sys.exit(f"{a.model} has {n_mels} mel bins; audio.wer's front-end computes 80 "
                 "(tiny, base, small, medium, large-v2; not large-v3)")
    module = torch.jit.script(CachedWhisper(hf, n_mels).eval())
    check(hf, module, n_mels, a.check_audio)
    size = a.model.split("whisper-")[-1]
    os.makedirs(a.out, exist_ok=True)
    module.save(os.path.join(a.out, f"whisper-{size}.pt"))
    tmp = os.path.join(a.out, f".whisper-{size}-tokenizer")
    WhisperTokenizer.from_pretrained(a.model).save_pretrained(tmp)
    for f in ("vocab.json", "added_tokens.json"):
        shutil.copy(os.path.join(tmp, f), os.path.join(a.out, f"whisper-{size}.{f}"))
    shutil.rmtree(tmp)
    hf.generation_config.to_json_file(os.path.join(a.out, f"whisper-{size}.generation_config.json"))
    print("wrote", a.out)


if __name__ == "__main__":
    main()
