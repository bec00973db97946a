"""Helpers for the streaming tests. Models: random-initialised, with every parameter and batch-norm statistic perturbed so
no layer is an identity or a zero (a freshly built denoiser predicts exactly zero noise)."""

import numpy as np
import torch

from lifting.config import build_model, model_config
from lifting.keypoints import Keypoints2D


def assert_close_at_scale(out: torch.Tensor, ref: torch.Tensor) -> None:
    """allclose with float32 round-off judged against the output's scale (1e-6 of its largest value, at least
    1e-6): an untrained denoiser sampled in a few steps gives |x_0| up to ~100."""
    scale = ref.abs().max().clamp(min=1.0)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6 * float(scale))


def perturbed(kind: str, profile: str = "tiny", seed: int = 0):
    torch.manual_seed(seed)
    model = build_model(model_config(kind, profile)).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            base = 1.0 if name.endswith("bn.weight") else 0.0
            p.copy_(base + 0.1 * torch.randn(p.shape, generator=g) + (0.9 * p if base == 0.0 else 0))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.1 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))
    return model


def keypoints_sequence(n: int, seed: int = 0, size=(640, 480), missing=(), low_conf=()) -> list:
    """A smooth random 2D motion; frames in `missing` are None; (frame, joint) pairs in `low_conf` get conf 0.05."""
    rng = np.random.default_rng(seed)
    base = rng.uniform([200, 100], [440, 400], size=(17, 2))
    out = []
    for f in range(n):
        if f in missing:
            out.append(None)
            continue
        xy = base + 20 * np.sin(0.1 * f + np.arange(17))[:, None] + rng.normal(0, 1, (17, 2))
        conf = np.full(17, 0.9, np.float32)
        for ff, j in low_conf:
            if ff == f:
                conf[j] = 0.05
        out.append(Keypoints2D(xy=xy.astype(np.float32), confidence=conf, bbox=np.zeros(4), image_size=size))
    return out
