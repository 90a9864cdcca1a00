# SPDX-License-Identifier: Apache-2.0
# Small TorchScript modules and tensors for the libfveval-torch test:
#   toy.pt     forward(x, scale: bool = False, k: int = 1) -> x * 2 (+k) (x 10 if scale)
#              encode_image(x) -> (x.sum(-1), x.mean())  (a tuple)
#              label() -> int (not tensors)
#              encode_text(ids: int64 (B, L)) -> ids * 3 + 1 as float, and
#                  ids.dtype == torch.int64 (1.0 / 0.0): integer inputs arrive as int64
#              dtype_of(x) -> (x * 2, 1.0 if x is half else 0.0, 1.0 if the weight is half)
#              named() -> {"b": ..., "a": ...}: dict values in insertion order
#   plain.pt   torch.save of a 2x3 tensor (for tensor_load)
import sys
from typing import Dict

import torch


class Toy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor, scale: bool = False, k: int = 1) -> torch.Tensor:
        y = x * 2 + k
        if scale:
            y = y * 10
        return y

    @torch.jit.export
    def encode_image(self, x: torch.Tensor):
        return x.sum(-1), x.mean()

    @torch.jit.export
    def label(self) -> int:
        return 7

    @torch.jit.export
    def encode_text(self, ids: torch.Tensor):
        is_i64 = torch.tensor(1.0 if ids.dtype == torch.int64 else 0.0)
        return (ids * 3 + 1).float(), is_i64

    @torch.jit.export
    def dtype_of(self, x: torch.Tensor):
        x_half = torch.tensor(1.0 if x.dtype == torch.float16 else 0.0)
        w_half = torch.tensor(1.0 if self.weight.dtype == torch.float16 else 0.0)
        return x * 2, x_half, w_half

    @torch.jit.export
    def named(self) -> Dict[str, torch.Tensor]:
        return {"b": torch.tensor([2.0]), "a": torch.tensor([1.0])}


out = sys.argv[1]
torch.jit.script(Toy()).save(out + "/toy.pt")
torch.save(torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4, out + "/plain.pt")
