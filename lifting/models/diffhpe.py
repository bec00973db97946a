"""The two conditional noise predictors of the paper.

- DiffHPEWrapper: E2D = h*(x2D) from a frozen pre-trained MixSTE, E3D_t = Linear(3 -> C)(x3D_t),
  ε_θ([E3D_t, E2D], t). Only the Linear and ε_θ train.
- DiffHPE2D: ε_θ([x3D_t, x2D], t) with the raw normalised 2D.
Both expose `condition(x2d)` (computed once per window) and `predict_noise(x_t, cond, t)` (every step)."""

from __future__ import annotations

import torch
from torch import nn

from lifting.models.gcn_denoiser import GCNDenoiser
from lifting.models.mixste import MixSTE


class DiffHPEWrapper(nn.Module):
    def __init__(self, mixste: MixSTE, denoiser: GCNDenoiser):
        super().__init__()
        self.mixste = mixste
        for p in self.mixste.parameters():
            p.requires_grad_(False)
        self.lift_x3d = nn.Linear(3, mixste.channels)
        self.denoiser = denoiser

    def train(self, mode: bool = True):
        super().train(mode)
        self.mixste.eval()  # frozen: dropout and drop-path stay off
        return self

    @torch.no_grad()
    def condition(self, x2d: torch.Tensor) -> torch.Tensor:
        """(B, L, J, 2) -> E2D (B, L, J, C)."""
        return self.mixste.backbone(x2d)

    def mixste_pose(self, cond: torch.Tensor) -> torch.Tensor:
        """The frozen MixSTE's own 3D prediction from E2D: (B, L, J, 3)."""
        return self.mixste.head(cond)

    def predict_noise(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.denoiser(torch.cat([self.lift_x3d(x_t), cond], dim=-1), t)


class DiffHPE2D(nn.Module):
    def __init__(self, denoiser: GCNDenoiser):
        super().__init__()
        self.denoiser = denoiser

    def condition(self, x2d: torch.Tensor) -> torch.Tensor:
        return x2d

    def predict_noise(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.denoiser(torch.cat([x_t, cond], dim=-1), t)
