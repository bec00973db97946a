"""The two conditional noise predictors of the paper.

- DiffHPEWrapper: E2D = h*(x2D) from a frozen pre-trained MixSTE, E3D_t = Linear(3 -> C)(x3D_t),
  ε_θ([E3D_t, E2D], t). Only the Linear and ε_θ train.
- DiffHPE2D: ε_θ([x3D_t, x2D], t) with the raw normalised 2D.
Both expose `condition(x2d)` (computed once per window) and `predict_noise(x_t, cond, t)` (every step). The
network's output is ε (the paper) or, with `prediction="sample"`, the clean pose x0, turned into the matching ε
by `predict_noise` so every sampler works unchanged."""

from __future__ import annotations

import torch
from torch import nn

from lifting.diffusion import PREDICTIONS, alphas_cumprod, noise_from_x0
from lifting.models.gcn_denoiser import GCNDenoiser
from lifting.models.mixste import MixSTE


class _Parametrisation(nn.Module):
    """What the network predicts, and the conversion of its output to ε."""

    def __init__(self, prediction: str, num_steps: int):
        super().__init__()
        if prediction not in PREDICTIONS:
            raise ValueError(f"unknown prediction {prediction!r}; choose one of {', '.join(PREDICTIONS)}")
        self.prediction = prediction
        self.register_buffer("abar", alphas_cumprod(num_steps), persistent=False)  # (T,)

    def to_noise(self, out: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return out if self.prediction == "epsilon" else noise_from_x0(x_t, out, t, self.abar)

    def predict_noise(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.to_noise(self.network_output(x_t, cond, t), x_t, t)


class DiffHPEWrapper(_Parametrisation):
    def __init__(self, mixste: MixSTE, denoiser: GCNDenoiser, prediction: str = "epsilon"):
        super().__init__(prediction, denoiser.num_steps)
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

    def network_output(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.denoiser(torch.cat([self.lift_x3d(x_t), cond], dim=-1), t)


class DiffHPE2D(_Parametrisation):
    def __init__(self, denoiser: GCNDenoiser, prediction: str = "epsilon"):
        super().__init__(prediction, denoiser.num_steps)
        self.denoiser = denoiser

    def condition(self, x2d: torch.Tensor) -> torch.Tensor:
        return x2d

    def network_output(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.denoiser(torch.cat([x_t, cond], dim=-1), t)
