"""Detector-like corruption of clean (projected) 2D keypoints, so that a lifter trained on mocap sees what a
real 2D detector feeds it: per-joint Gaussian jitter of a few pixels, occasional gross outliers, left/right
swaps, and missed joints (dropouts, returned as a mask and zeroed like occlusions). Seeded, in pixels.

Defaults (`DetectorNoise()`), for a 1000-pixel-wide image (Human3.6M) and scaled with the image width:
- sigma_px = 3.0: Gaussian std per coordinate, times a per-joint factor (`JOINT_SIGMA_SCALE`: wrists ×1.5,
  ankles and elbows ×1.3, the virtual hip/spine joints ×1.2, others ×1). The code's `noisy` mode uses 5 px.
- outlier_p = 0.01 per (frame, joint): the joint jumps by a N(0, outlier_px = 40 px) displacement
  (clipped to the image), like a detector locking on the wrong limb or background.
- swap_p = 0.005 per frame: left and right joints exchanged for that frame.
- dropout_p = 0.01 per (frame, joint): the joint is missed (mask True; zero it in normalised coordinates)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifting.data.camera import image_coordinates, normalize_screen_coordinates
from lifting.skeleton import FLIP_PERMUTATION

# Per-joint factor on sigma_px, H36M-17 order.
JOINT_SIGMA_SCALE: tuple[float, ...] = (
    1.2,  # pelvis (virtual, between the hips)
    1.2, 1.0, 1.3,  # right hip, knee, ankle
    1.2, 1.0, 1.3,  # left hip, knee, ankle
    1.2, 1.0, 1.0, 1.0,  # spine, thorax, neck/nose, head
    1.0, 1.3, 1.5,  # left shoulder, elbow, wrist
    1.0, 1.3, 1.5,  # right shoulder, elbow, wrist
)  # fmt: skip


@dataclass
class DetectorNoise:
    sigma_px: float = 3.0
    outlier_p: float = 0.01
    outlier_px: float = 40.0
    swap_p: float = 0.005
    dropout_p: float = 0.01
    reference_width: float = 1000.0  # the pixel values above are for an image this wide


def add_detector_noise(
    x_px: np.ndarray,
    image_size: tuple[float, float],
    rng: np.random.Generator,
    params: DetectorNoise | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """x_px (..., L, J, 2) pixels -> (noisy pixels, same shape; dropped (..., L, J) bool)."""
    p = params or DetectorNoise()
    w, h = float(image_size[0]), float(image_size[1])
    scale = w / p.reference_width
    x = np.array(x_px, dtype=np.float64, copy=True)
    shape = x.shape[:-1]  # (..., L, J)
    nj = shape[-1]
    joint_scale = np.asarray(JOINT_SIGMA_SCALE if nj == len(JOINT_SIGMA_SCALE) else (1.0,) * nj)

    if p.swap_p > 0 and nj == len(FLIP_PERMUTATION):
        swap = rng.random(shape[:-1]) < p.swap_p  # (..., L)
        x[swap] = x[swap][..., list(FLIP_PERMUTATION), :]
    x += rng.normal(size=x.shape) * (p.sigma_px * scale * joint_scale)[:, None]
    if p.outlier_p > 0:
        out = rng.random(shape) < p.outlier_p
        x[out] += rng.normal(size=(int(out.sum()), 2)) * p.outlier_px * scale
        x[out] = np.clip(x[out], 0.0, [w - 1, h - 1])
    dropped = rng.random(shape) < p.dropout_p if p.dropout_p > 0 else np.zeros(shape, dtype=bool)
    return x, dropped


def add_detector_noise_normalized(
    x_norm: np.ndarray,
    image_size: tuple[float, float],
    rng: np.random.Generator,
    params: DetectorNoise | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The same on normalised screen coordinates (..., L, J, 2): to pixels, corrupt, back. Dropped joints
    are returned as a mask, not zeroed."""
    w, h = image_size
    noisy, dropped = add_detector_noise(
        image_coordinates(np.asarray(x_norm, np.float64), w, h), (w, h), rng, params
    )
    return normalize_screen_coordinates(noisy, w, h).astype(np.asarray(x_norm).dtype), dropped
