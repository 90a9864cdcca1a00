# SPDX-License-Identifier: Apache-2.0
# TorchScript stand-ins for the image-feature metrics' models, with the real call
# signatures and output shapes, whose outputs are simple functions of every input value
# (pooled values and a few sampled pixels, projected by fixed random matrices), so any
# preprocessing error changes them:
#   dino_vitb16.pt              forward(x (N,3,H,W), any H, W >= 16)    -> (N, 768)
#   clip_vit_b32.pt             encode_image(x (N,3,224,224))            -> (N, 512)
#                               encode_text(ids (N,77) int64)            -> (N, 512)
#   clip_vit_l14.pt             the same with 768-d outputs
#   laion_aesthetic_vit_l14.pt  forward(f (N,768))                       -> (N, 1)
#   musiq_spaq.pt               forward(x (N,3,H,W) in [0,1])            -> (N, 1), about 0..100
#   lpips_alex.pt               made by tools/export/lpips_alex.py --random-init (the real
#                               LPIPS network on torchvision's AlexNet, random weights)
import sys

import torch
import torch.nn.functional as F


def proj(rows, cols, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g) / cols ** 0.5


class DINO(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("patch", proj(16, 3 * 16 * 16, 10))
        self.register_buffer("w", proj(768, 32 + 48, 11))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.size(1) != 3 or x.size(2) < 16 or x.size(3) < 16:
            raise RuntimeError("stand-in wants (N, 3, H >= 16, W >= 16)")
        tokens = F.gelu(F.conv2d(x, self.patch.view(16, 3, 16, 16), stride=16)).flatten(2)
        pooled = F.adaptive_avg_pool2d(x, [4, 4]).flatten(1)
        feat = torch.cat([tokens.mean(2), tokens.amax(2), pooled], 1)
        return feat @ self.w.t()


class CLIP(torch.nn.Module):
    def __init__(self, dim: int, seed: int):
        super().__init__()
        self.register_buffer("w", proj(dim, 192 + 360, seed))
        self.register_buffer("emb", proj(49408, 64, seed + 1) * 8)
        self.register_buffer("wt", proj(dim, 128, seed + 2))
        # a direction shared by image and text features, so cosines are well away from 0
        self.register_buffer("common", proj(1, dim, seed + 3) * dim ** 0.5)

    @torch.jit.export
    def encode_image(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.size(1) != 3 or x.size(2) != 224 or x.size(3) != 224:
            raise RuntimeError("stand-in wants (N, 3, 224, 224)")
        pooled = F.adaptive_avg_pool2d(x, [8, 8]).flatten(1)
        sampled = x[:, :, 3::19, 5::23].flatten(1)
        return torch.cat([pooled, sampled], 1) @ self.w.t() + self.common

    @torch.jit.export
    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.dtype != torch.int64 or ids.dim() != 2 or ids.size(1) != 77:
            raise RuntimeError("stand-in wants (N, 77) int64 token ids")
        e = self.emb[ids]                                      # (N, 77, 64)
        eot = e[torch.arange(ids.size(0)), ids.argmax(dim=-1)]  # CLIP pools at the EOT token
        return torch.cat([eot, e.mean(1)], 1) @ self.wt.t() + self.common

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_image(x)


class MUSIQ(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", proj(1, 48 + 3, 20) * 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.size(1) != 3:
            raise RuntimeError("stand-in wants (N, 3, H, W)")
        x = (x - 0.5) * 2
        feat = torch.cat([F.adaptive_avg_pool2d(x, [4, 4]).flatten(1), x[:, :, ::7, ::5].mean([2, 3])], 1)
        return torch.sigmoid(feat @ self.w.t()) * 100


out = sys.argv[1]
torch.jit.script(DINO()).save(out + "/dino_vitb16.pt")
torch.jit.script(CLIP(512, 30)).save(out + "/clip_vit_b32.pt")
torch.jit.script(CLIP(768, 40)).save(out + "/clip_vit_l14.pt")
torch.manual_seed(50)
head = torch.nn.Linear(768, 1)
with torch.no_grad():
    head.weight.mul_(20)
    head.bias.fill_(5.0)
torch.jit.script(head).save(out + "/laion_aesthetic_vit_l14.pt")
torch.jit.script(MUSIQ()).save(out + "/musiq_spaq.pt")
