#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export ImageBind-huge for audio.imagebind_score: plugins/audio/imagebind_score/README.md
gives the contract.

    python3 tools/export/imagebind.py --out MODEL_DIR/imagebind_huge.pt [--checkpoint imagebind_huge.pth]

Needs ImageBind at the revision FastVideo pins
(`pip install git+https://github.com/facebookresearch/ImageBind@53680b02d7e37b19b124fa37bae4b6c98c38f5be`
or a checkout on PYTHONPATH, with its requirements: timm, ...).  The checkpoint is the
official state dict https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth
(downloaded through torch.hub's cache when --checkpoint is not given), loaded into
`imagebind_model.imagebind_huge(pretrained=False)` as FastVideo does.

Exported: two methods running ImageBindModel.forward's per-modality path
(preprocessor, trunk, head, postprocessor) on the flattened clips, without the
final mean over clips (the metric takes it in C):
  embed_vision(float (1, 15, 3, 2, 224, 224)) -> (15, 1024)  L2-normalised rows
  embed_audio(float (1, 3, 1, 128, 204))      -> (3, 1024)   L2-normalised rows x 20
The module is traced on those shapes (the only ones the metric passes); the script
checks that the mean of the traced rows equals the eager model's output on random
inputs.
"""
import argparse

import torch
from torch import nn

URL = "https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth"


class ImageBindEmbed(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def _embed(self, key, x):
        m = self.model
        x = x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])
        v = m.modality_preprocessors[key](**{key: x})
        head_inputs = v["head"]
        v = m.modality_trunks[key](**v["trunk"])
        v = m.modality_heads[key](v, **head_inputs)
        return m.modality_postprocessors[key](v)

    def embed_vision(self, x):
        return self._embed("vision", x)

    def embed_audio(self, x):
        return self._embed("audio", x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint", help="imagebind_huge.pth (default: download " + URL + ")")
    ap.add_argument("--device", default="cpu", help="where to trace and check (cpu, cuda)")
    args = ap.parse_args()
    from imagebind.models import imagebind_model

    model = imagebind_model.imagebind_huge(pretrained=False)
    if args.checkpoint:
        state = torch.load(args.checkpoint, map_location="cpu")
    else:
        state = torch.hub.load_state_dict_from_url(URL, map_location="cpu", progress=True)
    model.load_state_dict(state)
    model = model.eval().to(args.device)
    wrapper = ImageBindEmbed(model).eval()
    g = torch.Generator().manual_seed(0)
    vision = torch.randn(1, 15, 3, 2, 224, 224, generator=g).to(args.device)
    audio = torch.randn(1, 3, 1, 128, 204, generator=g).to(args.device)
    with torch.no_grad():
        traced = torch.jit.trace_module(
            wrapper, {"embed_vision": (vision,), "embed_audio": (audio,)}, check_trace=False)
        want = model({"vision": vision, "audio": audio})
        for key, x, s in (("vision", vision, 15), ("audio", audio, 3)):
            got = getattr(traced, "embed_" + key)(x).reshape(1, s, -1).mean(dim=1)
            if not torch.allclose(got, want[key], rtol=1e-4, atol=1e-5):
                raise SystemExit(f"traced embed_{key} differs from ImageBindModel.forward")
    traced.cpu().save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
