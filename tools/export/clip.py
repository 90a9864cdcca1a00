#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export OpenAI CLIP (clip.load) to TorchScript for the VBench CLIP metrics.

    python3 tools/export/clip.py ViT-B/32 clip_vit_b32.pt   # background_consistency, appearance_style
    python3 tools/export/clip.py ViT-L/14 clip_vit_l14.pt   # aesthetic_quality

Needs the `clip` package (pip install git+https://github.com/openai/CLIP), which downloads
https://openaipublic.azureedge.net/clip/models/40d3657159146b8fcb3ed0dc4f4d87a9ba12cb9ea2a7e3ac4e30ca8efc9be25d/ViT-B-32.pt
https://openaipublic.azureedge.net/clip/models/b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt

Methods of the model file (fp32; fveval converts it to fp16 itself with precision=fp16,
the `auto` default on a cuda device, as clip.load does there):
  encode_image(x: (N, 3, 224, 224) float32, CLIP-normalised) -> (N, D)
  encode_text(ids: (N, 77) int64, clip.tokenize output)       -> (N, D)
D = 512 (ViT-B/32) or 768 (ViT-L/14).  Both methods are traced (fixed 224 x 224 input;
encode_text's end-of-text pooling is an argmax, which a trace keeps), then checked against
the eager module on other inputs."""
import sys

import torch


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    import clip
    name, path = sys.argv[1:]
    model, _ = clip.load(name, device="cpu", jit=False)
    model = model.float().eval()
    g = torch.Generator().manual_seed(0)
    img = torch.randn(2, 3, 224, 224, generator=g)
    ids = clip.tokenize(["a photo of a cat", "Van Gogh style"])
    with torch.no_grad():
        ts = torch.jit.trace_module(model, {"encode_image": img, "encode_text": ids})
    ts.save(path)
    loaded = torch.jit.load(path)
    img2 = torch.randn(3, 3, 224, 224, generator=g)
    ids2 = clip.tokenize(["a dog running on the beach", "oil painting", "x"])
    with torch.no_grad():
        for what, want, got in (("encode_image", model.encode_image(img2), loaded.encode_image(img2)),
                                ("encode_text", model.encode_text(ids2), loaded.encode_text(ids2))):
            err = (want - got).abs().max().item()
            print(f"{path}: {what} exported vs eager: {tuple(got.shape)}, max |diff| {err:.3g}")
            if err > 1e-4 * max(1.0, want.abs().max().item()):
                sys.exit("exported module differs from the eager one")


if __name__ == "__main__":
    main()
