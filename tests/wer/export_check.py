# SPDX-License-Identifier: Apache-2.0
"""tools/export/whisper.py's cached decoder, scripted, against a plain
full-prefix computation of Whisper's decoder (no cache), on a random model
with Hugging Face's WhisperForConditionalGeneration attribute layout: the
key/value cache (prompt of several tokens, then one token per step), the
causal mask, position embeddings after the cache, cross-attention and the tied
output projection must give the same last-position logits, and the module
must round-trip through torch.jit.save/load.  (transformers is not in Debian:
the script's own check against the real model runs where it is installed.)
"""
import importlib.util
import io
import sys

import torch
from torch import nn

spec = importlib.util.spec_from_file_location("whisper_export", sys.argv[1])
wx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wx)

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_hf_whisper  # noqa: E402

D, H, L, V, MELS = 16, 2, 2, 60, 80
hf = fake_hf_whisper.make(D, H, L, V, MELS)


def attention(a, x, kv, causal):
    q = a.q_proj(x) * (D // H) ** -0.5
    k, v = a.k_proj(kv), a.v_proj(kv)
    split = lambda t: t.view(1, t.size(1), H, D // H).transpose(1, 2)
    w = split(q) @ split(k).transpose(2, 3)
    if causal:
        n = x.size(1)
        w = w.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), 1), float("-inf"))
    o = (w.softmax(-1) @ split(v)).transpose(1, 2).reshape(1, x.size(1), D)
    return a.out_proj(o)


def full_prefix_logits(feats, ids):
    enc = hf.model.encoder(feats)[0]
    dec = hf.model.decoder
    x = dec.embed_tokens(ids) + dec.embed_positions.weight[: ids.size(1)]
    for l in dec.layers:
        x = x + attention(l.self_attn, l.self_attn_layer_norm(x), l.self_attn_layer_norm(x), True)
        x = x + attention(l.encoder_attn, l.encoder_attn_layer_norm(x), enc, False)
        x = x + l.fc2(torch.nn.functional.gelu(l.fc1(l.final_layer_norm(x))))
    return (dec.layer_norm(x)[:, -1] @ hf.proj_out.weight.t())


m = torch.jit.script(wx.CachedWhisper(hf, MELS).eval())
buf = io.BytesIO()
torch.jit.save(m, buf)
buf.seek(0)
m = torch.jit.load(buf)
feats = torch.randn(1, MELS, 3000)
ids = [1, 7, 9, 3, 11, 42, 5, 0]
worst = 0.0
with torch.no_grad():
    for rep in range(2):  # begin() must reset the cache
        m.begin(feats)
        got = m.step(torch.tensor([ids[:4]]))
        worst = max(worst, float((got - full_prefix_logits(feats, torch.tensor([ids[:4]]))).abs().max()))
        for n in range(5, len(ids) + 1):
            got = m.step(torch.tensor([[ids[n - 1]]]))
            want = full_prefix_logits(feats, torch.tensor([ids[:n]]))
            worst = max(worst, float((got - want).abs().max()))
print(f"cached vs full-prefix logits: max |diff| = {worst:.3g}")
sys.exit(0 if worst < 1e-5 else 1)
