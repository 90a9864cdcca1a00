#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export the CLAP checkpoint laion/clap-htsat-fused (transformers' ClapModel) for
audio.clap_score.

Writes, into --out:
  clap_htsat_fused.pt            TorchScript with two methods:
      get_audio_features(input_features float32 (1, 4, 1001, 64), is_longer int64 (1, 1))
          -> float32 (1, 512)
      get_text_features(input_ids int64 (1, L), attention_mask int64 (1, L))
          -> float32 (1, 512)
  clap_htsat_fused.vocab.json    the checkpoint's vocab.json (RoBERTa byte-level BPE)
  clap_htsat_fused.merges.txt    the checkpoint's merges.txt

Each method is ClapModel's own get_audio_features / get_text_features, traced as it is:
the encoder's pooled output through the projection (Linear, ReLU, Linear) and then
F.normalize(dim=-1), so both embeddings are unit vectors (transformers 4.x returns that
tensor; 5.x returns a ModelOutput whose pooler_output is the same tensor, which is what the
wrapper takes).  is_longer is handed to the model as the bool tensor the feature extractor
makes; the trace runs with is_longer = [[True]], the value ClapFeatureExtractor gives every
batch of one (the fusion branch of the patch embedding is a Python `if` fixed by the
trace; fveval always passes 1).  The text side is traced on one length and checked on
others: RoBERTa's graph has no length-dependent Python branches.

Before saving, the module is compared with the eager model on the processor's features of
a short and a long clip and on several texts (1e-4 absolute on the embeddings); the script
refuses to write a file that disagrees.

  pip install torch transformers
  python3 tools/export/clap.py --out MODEL_DIR [--checkpoint laion/clap-htsat-fused]
"""
import argparse
import os
import shutil
import sys

import numpy as np
import torch
from torch import nn

NAME = "clap_htsat_fused"


def tensor_of(out):
    # transformers >= 5: a ModelOutput whose pooler_output is the projected, normalised embedding
    return out if torch.is_tensor(out) else out.pooler_output


class AudioSide(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_features, is_longer):
        return tensor_of(self.model.get_audio_features(input_features=input_features,
                                                       is_longer=is_longer.bool()))


class TextSide(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return tensor_of(self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask))


class Clap(nn.Module):
    def __init__(self, audio, text):
        super().__init__()
        self.audio = audio
        self.text = text

    @torch.jit.export
    def get_audio_features(self, input_features: torch.Tensor, is_longer: torch.Tensor) -> torch.Tensor:
        return self.audio(input_features, is_longer)

    @torch.jit.export
    def get_text_features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.text(input_ids, attention_mask)

    def forward(self, input_features: torch.Tensor, is_longer: torch.Tensor) -> torch.Tensor:
        return self.audio(input_features, is_longer)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="model directory to write into")
    ap.add_argument("--checkpoint", default="laion/clap-htsat-fused")
    ap.add_argument("--revision", default=None)
    args = ap.parse_args()

    from huggingface_hub import hf_hub_download
    from transformers import ClapModel, ClapProcessor

    model = ClapModel.from_pretrained(args.checkpoint, revision=args.revision).eval()
    processor = ClapProcessor.from_pretrained(args.checkpoint, revision=args.revision)
    rng = np.random.default_rng(0)
    t = np.arange(3 * 48000) / 48000
    short = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    long = (0.1 * rng.standard_normal(14 * 48000)).astype(np.float32)
    feats = []
    for clip in (short, long):
        np.random.seed(0)  # the crops of clips over 10 s are np.random.choice draws
        f = processor(audio=clip, sampling_rate=48000, return_tensors="pt")
        assert bool(f["is_longer"].all()), "a batch of one is always is_longer = [[True]]"
        feats.append((f["input_features"].float(), f["is_longer"].to(torch.int64)))
    texts = ["the sound of a cat", "A dog barks while rain falls; it's loud!",
             "a " * 100, "日本語 🐱 <mask> test"]
    tokens = [processor.tokenizer([s], padding=True, return_tensors="pt") for s in texts]

    with torch.no_grad():
        audio = torch.jit.trace(AudioSide(model), feats[0], strict=False)
        text = torch.jit.trace(TextSide(model), (tokens[0]["input_ids"], tokens[0]["attention_mask"]),
                               strict=False)
        module = torch.jit.script(Clap(audio, text))
        worst = 0.0
        for x, flag in feats:
            want = tensor_of(model.get_audio_features(input_features=x, is_longer=flag.bool()))
            got = module.get_audio_features(x, flag)
            worst = max(worst, (want - got).abs().max().item())
        for tok in tokens:
            want = tensor_of(model.get_text_features(input_ids=tok["input_ids"],
                                                     attention_mask=tok["attention_mask"]))
            got = module.get_text_features(tok["input_ids"], tok["attention_mask"])
            worst = max(worst, (want - got).abs().max().item())
            if got.shape != (1, 512) or abs(got.norm().item() - 1) > 1e-4:
                sys.exit(f"clap.py: the text embedding is {tuple(got.shape)}, norm {got.norm().item()}")
    if worst > 1e-4:
        sys.exit(f"clap.py: the TorchScript module differs from the model by {worst:g}; nothing written")
    os.makedirs(args.out, exist_ok=True)
    module.save(os.path.join(args.out, NAME + ".pt"))
    for src, dst in (("vocab.json", NAME + ".vocab.json"), ("merges.txt", NAME + ".merges.txt")):
        shutil.copyfile(hf_hub_download(args.checkpoint, src, revision=args.revision),
                        os.path.join(args.out, dst))
    print(f"wrote {NAME}.pt, {NAME}.vocab.json, {NAME}.merges.txt into {args.out} "
          f"(largest difference from the eager model {worst:.2e})")


if __name__ == "__main__":
    main()
