"""Dropout whose random mask is cheap on a CPU.

torch's CPU Bernoulli sampler draws one number at a time: in a profile of a `paper` MixSTE training step on
this 2-core CPU, `bernoulli_` took 27 % of the step. `FastDropout` draws the same distribution (each element
kept independently with probability 1 - p, kept ones scaled by 1 / (1 - p)) from numpy's PCG64 random bytes,
16 bits per element (p exact to 1/65536), ~8× faster here. Its seed comes from torch's generator, so
`torch.manual_seed` still makes a run repeat exactly. On other devices, and outside training, it is
`torch.nn.functional.dropout`."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

_LEVELS = 1 << 16
NUMPY_MASKS = True  # False: torch's own sampler everywhere (scripts/train_throughput.py times both)


def cpu_keep_mask(shape: torch.Size, keep: float) -> torch.Tensor:
    """(shape) bool, each element True independently with probability `keep` (rounded to 1/65536)."""
    n = int(np.prod(shape))
    seed = int(torch.randint(0, 2**62, (1,)))  # from torch's RNG: manual_seed governs the masks too
    bits = np.random.default_rng(seed).integers(0, _LEVELS, n, dtype=np.uint16)
    threshold = round(keep * _LEVELS)
    return torch.from_numpy(bits.view(np.int16)).reshape(shape) < threshold - _LEVELS // 2


class FastDropout(nn.Dropout):
    """nn.Dropout (same arguments, state and distribution) with the CPU mask of `cpu_keep_mask`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0 or x.device.type != "cpu" or self.inplace or not NUMPY_MASKS:
            return F.dropout(x, self.p, self.training, self.inplace)
        keep = 1.0 - self.p
        if keep <= 0.0:
            return x * 0.0
        return x * (cpu_keep_mask(x.shape, keep).to(x.dtype) * (1.0 / keep))
