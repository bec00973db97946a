"""Helpers for the streaming tests. Models: random-initialised, with every parameter and batch-norm statistic perturbed so
no layer is an identity or a zero (a freshly built denoiser predicts exactly zero noise)."""

import numpy as np
import torch

from lifting.config import build_model, model_config
from lifting.keypoints import Keypoints2D

# Whole sampler runs are compared in float64: float32 round-off grows through the steps by an amount that depends on
# the CPU's kernels (3 steps of an untrained denoiser, |x_0| ~ 100: 16 float32 ulps of the scale on one machine,
# 25 on another, which failed a fixed 1e-6 bound). In float64 the same growth is ~10 ulps (2e-15 of the scale);
# 1e4 ulps (2.2e-12 of the scale) is still far below what a real bug moves (>= 1e-8 of the scale for a 1e-7
# change to one fused weight), so the bound holds on any CPU without hiding a wrong fast path.
GROWTH_ULPS = 1e4


def assert_same_samples(out: torch.Tensor, ref: torch.Tensor) -> None:
    """out == ref up to float64 round-off grown through a few sampler steps, judged against the output's scale."""
    assert out.dtype == ref.dtype == torch.float64, "compare sampler runs in float64"
    scale = float(ref.abs().max().clamp(min=1.0))
    atol = GROWTH_ULPS * torch.finfo(torch.float64).eps * scale
    torch.testing.assert_close(out, ref, rtol=0.0, atol=atol)


def perturbed_float64(kind: str, profile: str = "tiny", seed: int = 0):
    """`perturbed`, in float64 (the fast twin built from it computes in float64 too)."""
    return perturbed(kind, profile, seed).double()


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
