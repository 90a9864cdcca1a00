#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export Audiobox Aesthetics (AesMultiOutput: WavLM + CE/CU/PC/PQ heads) for
audio.audiobox_aesthetics; plugins/audio/audiobox_aesthetics/README.md gives the contract.

    python3 tools/export/audiobox_aesthetics.py --checkpoint checkpoint.pt \\
        --out MODEL_DIR/audiobox_aesthetics.pt

Needs `pip install audiobox_aesthetics` (or --source-dir pointing at a checkout's src/ of
https://github.com/facebookresearch/audiobox-aesthetics) and the official checkpoint
`checkpoint.pt` of https://huggingface.co/facebook/audiobox-aesthetics (the same file as
https://dl.fbaipublicfiles.com/audiobox-aesthetics/checkpoint.pt).  The model is built
exactly as upstream's AesPredictor.setup_model does (model_cfg keys, target_transform,
state_dict with the "model." prefix removed).

The file holds two methods:
  forward(wav float32 (B, 1, 160000), mask (B, 1, 160000), bool or float32 with 1 = valid
          sample) -> (CE, CU, PC, PQ), four float32 (B,) tensors of raw head outputs:
          upstream's AesMultiOutput.forward({"wav": wav, "mask": mask != 0});
  target_transform() -> float64 (4, 2): (mean, std) per axis in CE, CU, PC, PQ order, so
          that pred = raw * std + mean (upstream's Normalize.inverse).

WavLM's fairseq-style code does not script; the network is traced on a batch of 2
windows (one of them half masked) and checked against the eager module on batches of
1 and 3 with other masks.  --random-init SEED skips the checkpoint (random weights and a
made-up target_transform), to check the export path without the download.
"""
import argparse
import re
import sys

import torch

AXES = ["CE", "CU", "PC", "PQ"]
WINDOW = 160000
CFG_KEYS = ["proj_num_layer", "proj_ln", "proj_act_fn", "proj_dropout", "nth_layer",
            "use_weighted_layer_sum", "precision", "normalize_embed", "output_dim"]


class Heads(torch.nn.Module):
    """AesMultiOutput.forward with the mask as a tensor argument, outputs as a tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, wav, mask):
        preds = self.model({"wav": wav, "mask": mask != 0})
        return tuple(preds[a] for a in AXES)


class Export(torch.nn.Module):
    def __init__(self, traced, transform):
        super().__init__()
        self.net = traced
        self.register_buffer("transform", transform)

    def forward(self, wav: torch.Tensor, mask: torch.Tensor):
        return self.net(wav, (mask != 0).to(torch.float32))

    @torch.jit.export
    def target_transform(self) -> torch.Tensor:
        return self.transform


def build(args):
    if args.source_dir:
        sys.path.insert(0, args.source_dir)
    from audiobox_aesthetics.model.aes import AesMultiOutput

    if args.random_init is not None:
        torch.manual_seed(args.random_init)
        tt = {a: {"mean": 5.0 + i, "std": 1.0 + 0.25 * i} for i, a in enumerate(AXES)}
        return AesMultiOutput(target_transform=tt).eval()
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    state = {re.sub("^model.", "", k): v for k, v in ckpt["state_dict"].items()}
    model = AesMultiOutput(**({k: ckpt["model_cfg"][k] for k in CFG_KEYS}
                              | {"target_transform": ckpt["target_transform"]}))
    model.load_state_dict(state)
    return model.eval()


def masks(lengths):
    m = torch.zeros(len(lengths), 1, WINDOW)
    for i, n in enumerate(lengths):
        m[i, :, :n] = 1
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", help="checkpoint.pt of facebook/audiobox-aesthetics")
    ap.add_argument("--out", required=True)
    ap.add_argument("--source-dir", help="src/ of an audiobox-aesthetics checkout")
    ap.add_argument("--random-init", type=int, metavar="SEED")
    args = ap.parse_args()
    if args.checkpoint is None and args.random_init is None:
        ap.error("--checkpoint is required (or --random-init SEED)")
    model = build(args)
    transform = torch.tensor([[model.target_transform[a]["mean"], model.target_transform[a]["std"]]
                              for a in AXES], dtype=torch.float64)
    # Upstream's autocast never turns on (enable_autocast compares the already mapped
    # torch dtype with the strings "16"/"bf16"), so its dtype is never used; torch < 2
    # still refuses a disabled CPU autocast of float32, so give it bfloat16.
    if not model.enable_autocast:
        model.precision = torch.bfloat16
    # GradMultiply (an autograd Function, identity in forward) does not trace; with
    # feature_grad_mult 0 WavLM takes its no_grad branch: the same forward values.
    model.wavlm_model.feature_grad_mult = 0.0
    heads = Heads(model).eval()
    with torch.inference_mode(False), torch.no_grad():
        torch.manual_seed(0)
        wav = 0.1 * torch.randn(2, 1, WINDOW)
        traced = torch.jit.trace(heads, (wav, masks([WINDOW, WINDOW // 2])), check_trace=False)
        exported = torch.jit.script(Export(traced, transform))
        for lengths in ([WINDOW], [WINDOW, 1600, 123457]):
            x = 0.1 * torch.randn(len(lengths), 1, WINDOW) * masks(lengths)
            want = heads(x, masks(lengths).bool())
            got = exported(x, masks(lengths))
            for a, w, g in zip(AXES, want, got):
                if w.shape != g.shape or not torch.allclose(w, g, rtol=1e-4, atol=1e-5):
                    raise SystemExit(f"traced model differs from eager on {a} for windows "
                                     f"of {lengths} valid samples: {w} vs {g}")
    exported.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
