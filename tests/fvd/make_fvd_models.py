# SPDX-License-Identifier: Apache-2.0
# TorchScript stand-ins for FVD's extractors, with the real models' call
# signatures and output shapes, whose features are simple functions of the
# input tensor (pooled values plus a grid of sampled pixels, projected by a
# fixed random matrix), so preprocessing errors change them:
#   i3d_torchscript.pt     forward(x (B,3,T,224,224), rescale, resize, return_features) -> (B, 400)
#   clip_vit_b32_image.pt  forward(pixel_values (N,3,224,224)) -> (N, 512)
#   videomae_base.pt       forward(pixel_values (B,16,3,224,224)) -> (B, 1568, 768)
import sys

import torch
import torch.nn.functional as F


def proj(rows, cols, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g) / cols ** 0.5


class I3D(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", proj(400, 192 + 240, 1))

    def forward(self, x: torch.Tensor, rescale: bool = True, resize: bool = True,
                return_features: bool = False) -> torch.Tensor:
        if rescale or resize or not return_features:
            raise RuntimeError("stand-in wants rescale=False, resize=False, return_features=True")
        if x.dim() != 5 or x.size(1) != 3 or x.size(2) < 10 or x.size(3) != 224 or x.size(4) != 224:
            raise RuntimeError("stand-in wants (B, 3, T >= 10, 224, 224)")
        pooled = F.adaptive_avg_pool3d(x, [4, 4, 4]).flatten(1)
        sampled = x[:, :, x.size(2) // 2, 5::23, 7::29].flatten(1)
        return torch.cat([pooled, sampled], 1) @ self.w.t()


class CLIPImage(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", proj(512, 192 + 360, 2))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = pixel_values
        if x.dim() != 4 or x.size(1) != 3 or x.size(2) != 224 or x.size(3) != 224:
            raise RuntimeError("stand-in wants (N, 3, 224, 224)")
        pooled = F.adaptive_avg_pool2d(x, [8, 8]).flatten(1)
        sampled = x[:, :, 3::19, 5::23].flatten(1)
        return torch.cat([pooled, sampled], 1) @ self.w.t()


class VideoMAE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", proj(1536, 768, 3))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = pixel_values
        if x.dim() != 5 or x.size(1) != 16 or x.size(2) != 3 or x.size(3) != 224 or x.size(4) != 224:
            raise RuntimeError("stand-in wants (B, 16, 3, 224, 224)")
        b = x.size(0)
        tokens = x.reshape(b, 8, 2, 3, 14, 16, 14, 16).permute(0, 1, 4, 6, 2, 3, 5, 7).reshape(b, 1568, 1536)
        return torch.tanh(tokens @ self.w)


out = sys.argv[1]
torch.jit.script(I3D()).save(out + "/i3d_torchscript.pt")
torch.jit.script(CLIPImage()).save(out + "/clip_vit_b32_image.pt")
torch.jit.script(VideoMAE()).save(out + "/videomae_base.pt")
