#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Python + PyTorch eager baseline for bench/vbimg.sh: what fastvideo.eval does for the
image-feature metrics (ffmpeg-decoded frames as float32 / 255, torchvision preprocessing,
the model, upstream's post-processing), on the CPU.  It is tests/vbimg/ref.py's code.

usage: vbimg_baseline.py MODEL_DIR VOCAB METRIC[,METRIC...] FILE...
       VIT_SEED=N replaces dino_vitb16.pt by an eager torchvision vit_b_16 (random weights
       from seed N, heads = Identity), the network tools/export/dino_vitb16.py
       --random-torchvision N exports.
Prints the number of frames scored."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vbimg"))
import ref  # noqa: E402


def main():
    ref.model_dir, ref.vocab = sys.argv[1], sys.argv[2]
    metrics = sys.argv[3].split(",")
    if os.environ.get("VIT_SEED"):
        import torchvision
        torch.manual_seed(int(os.environ["VIT_SEED"]))
        net = torchvision.models.vit_b_16()
        net.heads = torch.nn.Identity()
        ref._models["dino_vitb16.pt"] = net.eval()
    frames = 0
    with torch.no_grad():
        for path in sys.argv[4:]:
            sample = {"video": path, "reference": path, "text_prompt": "a colourful painting"}
            for m in metrics:
                ref.FNS[m](sample)
            frames += 1
    print(frames)


if __name__ == "__main__":
    main()
