"""Diffusion for pose lifting: the cosine schedule, the training loss (L2) and sampling.

The network predicts ε (the paper's parametrisation, `prediction="epsilon"`) or the clean pose x0
(`prediction="sample"`); either way the model answers `predict_noise`, so diffusers' schedulers own the reverse
steps and DDPM (the paper's 50-step ancestral loop), DDIM and DPM-Solver are one argument apart. The loss is
the L2 error of what the network predicts. H hypotheses are sampled as one batch."""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np
import torch

from lifting.stream_defaults import SAMPLERS  # one definition, in the torch-free module the CLI reads

NUM_TRAIN_STEPS = 50
PREDICTIONS = ("epsilon", "sample")  # what the network outputs: the noise ε or the clean pose x0


class NoisePredictor(Protocol):
    def condition(self, x2d: torch.Tensor) -> torch.Tensor: ...

    def predict_noise(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor: ...


class TrainableNoisePredictor(NoisePredictor, Protocol):
    prediction: str  # one of PREDICTIONS: what `network_output` is, ε or x0

    def network_output(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor: ...


def cosine_betas(num_steps: int = NUM_TRAIN_STEPS, s: float = 0.008, max_beta: float = 0.5) -> np.ndarray:
    """Nichol & Dhariwal's cosine schedule, β capped at 0.5 as in the paper's code: (T,)."""

    def alpha_bar(u: float) -> float:
        return math.cos((u + s) / (1 + s) * math.pi / 2) ** 2

    return np.array(
        [min(1 - alpha_bar((i + 1) / num_steps) / alpha_bar(i / num_steps), max_beta) for i in range(num_steps)]
    )


@lru_cache(maxsize=8)
def alphas_cumprod(num_steps: int = NUM_TRAIN_STEPS) -> torch.Tensor:
    """(T,) ᾱ_t, cached (computed once per T; callers must not modify it)."""
    return torch.from_numpy(np.cumprod(1 - cosine_betas(num_steps))).float()


def _abar_at(abar: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """ᾱ_t for t (B,) indices into abar (T,), shaped to broadcast over `like` (B, ...)."""
    return abar.to(like.device)[t].view(-1, *([1] * (like.ndim - 1)))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    """x_t = √ᾱ_t x0 + √(1-ᾱ_t) ε, with t (B,) indices into abar (T,)."""
    a = _abar_at(abar, t, x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def noise_from_x0(x_t: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    """The ε that q_sample pairs with x0 at x_t: (x_t − √ᾱ_t x0) / √(1 − ᾱ_t); t (B,) indices into abar (T,)."""
    a = _abar_at(abar, t, x_t)
    return (x_t - a.sqrt() * x0) / (1 - a).sqrt()


def diffusion_loss(
    model: TrainableNoisePredictor, x3d: torch.Tensor, cond: torch.Tensor, num_steps: int = NUM_TRAIN_STEPS
) -> torch.Tensor:
    """The L2 training objective, t uniform, for a batch (B, L, J, 3): the paper's ‖ε − ε_θ(x_t, cond, t)‖², or
    ‖x0 − x0_θ(x_t, cond, t)‖² for a model that predicts the clean pose (`model.prediction == "sample"`)."""
    t = torch.randint(0, num_steps, (x3d.shape[0],), device=x3d.device)
    noise = torch.randn_like(x3d)
    x_t = q_sample(x3d, t, noise, alphas_cumprod(num_steps))
    target = x3d if model.prediction == "sample" else noise
    return torch.mean((target - model.network_output(x_t, cond, t)) ** 2)


def make_scheduler(sampler: str, steps: int, num_train_steps: int = NUM_TRAIN_STEPS):
    # One scheduler per thread: multistep solvers keep state while sampling.
    return _make_scheduler(sampler, steps, num_train_steps, threading.get_ident())


@lru_cache(maxsize=64)
def _make_scheduler(sampler: str, steps: int, num_train_steps: int, _thread: int):
    """A diffusers scheduler over our cosine schedule, with `steps` inference steps set."""
    from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler

    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if not 1 <= steps <= num_train_steps:
        raise ValueError(f"steps must be between 1 and {num_train_steps}, got {steps}")
    common = dict(num_train_timesteps=num_train_steps, trained_betas=cosine_betas(num_train_steps).tolist())
    if sampler == "ddpm":
        sched = DDPMScheduler(
            **common, clip_sample=False, variance_type="fixed_small", timestep_spacing="trailing"
        )
    elif sampler == "ddim":
        sched = DDIMScheduler(**common, clip_sample=False, set_alpha_to_one=True, timestep_spacing="trailing")
    else:
        sched = DPMSolverMultistepScheduler(
            **common, algorithm_type="dpmsolver++", solver_order=2, timestep_spacing="linspace", lower_order_final=True
        )
    sched.set_timesteps(steps)
    return sched


def default_steps_for(sampler: str) -> int:
    return NUM_TRAIN_STEPS if sampler == "ddpm" else 5


@torch.no_grad()
def sample(
    model: NoisePredictor,
    cond: torch.Tensor,
    hypotheses: int = 5,
    steps: int = 5,
    sampler: str = "ddim",
    generator: torch.Generator | list[torch.Generator] | None = None,
    shape: tuple[int, ...] | None = None,
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """Reverse diffusion from noise for every window of `cond` (B, L, J, ·), H hypotheses batched.

    Returns (B, H, L, J, 3). `shape` overrides the per-window sample shape (default (L, J, 3)).
    noise: the starting noise (B, H, *shape) instead of a draw from `generator`; it sets H and the shape, and the
    sampler runs in its dtype (a draw is made in float32 and takes the dtype of `cond`).
    generator: one generator for the whole batch, or a list of B, one per window (with `noise`): then DDPM's
    per-step noise for each window comes from its own generator, so a window's samples do not depend on the
    others in the batch. DDIM (η = 0) and DPM-Solver++ draw nothing after the start."""
    b = cond.shape[0]
    per_window = isinstance(generator, list | tuple)
    if noise is not None:
        hypotheses, sample_shape = noise.shape[1], tuple(noise.shape[2:])
        x = noise.reshape(b * hypotheses, *sample_shape).to(cond.device)
    elif per_window:
        raise ValueError("one generator per window needs the starting noise (noise=)")
    else:
        sample_shape = shape or (*cond.shape[1:-1], 3)
        # Drawn in float32 on the CPU whatever the model's device and dtype, so a seed gives the same start
        # everywhere.
        x = torch.randn((b * hypotheses, *sample_shape), generator=generator, device="cpu")
        x = x.to(cond.device, cond.dtype)
    cond_h = cond.repeat_interleave(hypotheses, dim=0)  # (B·H, L, J, C)
    sched = make_scheduler(sampler, steps)
    sched.set_timesteps(steps)  # also resets a multistep solver's history
    for t in sched.timesteps:
        t_batch = torch.full((b * hypotheses,), int(t), device=cond.device, dtype=torch.long)
        eps = model.predict_noise(x, cond_h, t_batch)
        if per_window and sampler == "ddpm":  # each window's H rows step with its own generator
            rows = [slice(i * hypotheses, (i + 1) * hypotheses) for i in range(b)]
            stepped = [sched.step(eps[r], t, x[r], generator=g).prev_sample for r, g in zip(rows, generator)]
            x = torch.cat(stepped)
        else:  # the other samplers draw nothing here
            x = sched.step(eps, t, x, generator=None if per_window else generator).prev_sample
    return x.reshape(b, hypotheses, *sample_shape)


def summarise_hypotheses(samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, H, L, J, 3) -> mean (B, L, J, 3) and per-joint std (B, L, J): the RMS distance of the hypotheses
    to their mean (0 for H = 1)."""
    mean = samples.mean(dim=1)
    std = ((samples - mean[:, None]) ** 2).sum(-1).mean(dim=1).sqrt()
    return mean, std
