# SPDX-License-Identifier: Apache-2.0
# Small TorchScript modules and tensors for the libfveval-torch test:
#   toy.pt     forward(x, scale: bool = False, k: int = 1) -> x * 2 (+k) (x 10 if scale)
#              encode_image(x) -> (x.sum(-1), x.mean())  (a tuple)
#              label() -> int (not tensors)
#   plain.pt   torch.save of a 2x3 tensor (for tensor_load)
import sys

import torch


class Toy(torch.nn.Module):
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


out = sys.argv[1]
torch.jit.script(Toy()).save(out + "/toy.pt")
torch.save(torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4, out + "/plain.pt")
