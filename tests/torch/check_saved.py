# SPDX-License-Identifier: Apache-2.0
# Python's torch.load must read a tensor libfveval-torch saved.
import sys

import torch

t = torch.load(sys.argv[1])
assert t.dtype == torch.float32 and list(t.shape) == [2, 2], t
assert torch.equal(t, torch.tensor([[1.5, -2.0], [0.25, 8.0]])), t
print("ok")
