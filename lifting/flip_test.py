"""Test-time flip augmentation (as in VideoPose3D and MixSTE): each window is lifted twice, as seen and
mirrored (x -> -x, left and right joints swapped), and the two results, the second mirrored back, are averaged.
In normalised screen coordinates (x / w * 2 - 1) a horizontal mirror of the image is x -> -x, and in the camera
frame its 3D pose is the mirrored pose."""

from __future__ import annotations

import torch

from lifting.skeleton import FLIP_PERMUTATION

FLIP_SEED_OFFSET = 1_000_003  # the mirrored windows draw their own noise, not the plain windows' again


def flip_pose_tensor(x: torch.Tensor) -> torch.Tensor:
    """(..., J, D) 2D or 3D joints mirrored about x = 0, left and right swapped (a copy)."""
    sign = torch.ones(x.shape[-1], dtype=x.dtype, device=x.device)
    sign[0] = -1
    return x[..., list(FLIP_PERMUTATION), :] * sign


def fold_flipped(t: torch.Tensor, b: int) -> torch.Tensor:
    """(2B, ..., J, D) results of B windows followed by their mirrored copies -> (B, ..., J, D) averages."""
    return 0.5 * (t[:b] + flip_pose_tensor(t[b:]))


def fold_flipped_std(std: torch.Tensor, b: int) -> torch.Tensor:
    """(2B, ..., J) per-joint spreads, as `fold_flipped`: the mirrored half's joints swapped back, averaged."""
    return 0.5 * (std[:b] + std[b:][..., list(FLIP_PERMUTATION)])
