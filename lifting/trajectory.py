"""The person's root (pelvis) position in the camera frame, from the 2D keypoints (pixels) and the lifted
root-relative 3D pose (metres), by linear least squares under a pinhole camera.

The lifter predicts a pose relative to the pelvis; where that pose stands in front of the camera follows from how
it projects: with focal f (from a field of view) and principal point c = image centre, the translation T minimises
Σ_j w_j ‖π(X_j + T) − u_j‖². Multiplying out the division gives equations linear in T (per joint and axis):
    f·t_x − (u_j − c_x)·t_z = (u_j − c_x)·Z_j − f·X_j          (and the same for y)
solved by weighted least squares, then once more with each row divided by the first estimate of its depth
(Z_j + t_z), so the solution minimises the pixel error rather than a depth-weighted one.

Axes: camera frame, metres, x right, y down, z forward (OpenCV)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lifting.data.camera import project_to_2d

DEFAULT_FOV_DEG = 55.0  # across the longer image side; webcams ~55-65°, phone main cameras ~60-70°
MIN_JOINTS = 6  # confident joints needed for a reliable root
MAX_RESIDUAL = (
    0.08  # RMS reprojection error, as a fraction of the 2D pose's size, above which a root is unreliable
)
MIN_DEPTH_M, MAX_DEPTH_M = 0.5, 50.0


@dataclass
class RootEstimate:
    root: np.ndarray  # (3,) pelvis position in the camera frame, metres (NaN when it could not be solved)
    reliable: bool
    residual_px: float  # weighted RMS reprojection error, pixels
    joints_used: int
    reason: str = ""  # why it is unreliable ("" when reliable)


def focal_from_fov(image_size: tuple[int, int], fov_deg: float = DEFAULT_FOV_DEG) -> float:
    """Focal length in pixels for a field of view (degrees) across the longer side of a (width, height) image."""
    if not 1.0 <= fov_deg <= 179.0:
        raise ValueError(f"field of view must be between 1 and 179 degrees, got {fov_deg}")
    return 0.5 * max(image_size) / math.tan(math.radians(fov_deg) / 2)


def intrinsics(image_size: tuple[int, int], fov_deg: float = DEFAULT_FOV_DEG) -> tuple[float, np.ndarray]:
    """(focal in pixels, principal point (2,) = the image centre)."""
    w, h = image_size
    return focal_from_fov(image_size, fov_deg), np.array([w / 2.0, h / 2.0])


def solve_root(
    pose: np.ndarray,
    xy: np.ndarray,
    weights: np.ndarray,
    image_size: tuple[int, int],
    fov_deg: float = DEFAULT_FOV_DEG,
    min_joints: int = MIN_JOINTS,
) -> RootEstimate:
    """Root translation T (3,) for one frame.

    pose (J, 3) root-relative 3D in metres, camera axes; xy (J, 2) pixels; weights (J,) ≥ 0 (detector confidences;
    0 leaves a joint out). Unreliable when fewer than `min_joints` joints have weight, when the depth is not in
    [0.5 m, 50 m], or when the reprojection error is large."""
    pose = np.asarray(pose, dtype=np.float64)
    xy = np.asarray(xy, dtype=np.float64)
    w = np.where(np.isfinite(weights), np.asarray(weights, dtype=np.float64), 0.0)
    used = w > 0
    n = int(used.sum())
    nan = np.full(3, np.nan)
    if n < 2:
        return RootEstimate(nan, False, math.nan, n, "too few confident joints")
    f, c = intrinsics(image_size, fov_deg)
    X, uv, wj = pose[used], xy[used] - c, w[used]
    depth_scale = np.ones(n)
    t = nan
    for _ in range(2):
        # rows: [f, 0, -u] · T = u Z - f X ;  [0, f, -v] · T = v Z - f Y
        a = np.zeros((2 * n, 3))
        a[0::2, 0] = f
        a[1::2, 1] = f
        a[0::2, 2] = -uv[:, 0]
        a[1::2, 2] = -uv[:, 1]
        b = np.empty(2 * n)
        b[0::2] = uv[:, 0] * X[:, 2] - f * X[:, 0]
        b[1::2] = uv[:, 1] * X[:, 2] - f * X[:, 1]
        sw = np.repeat(np.sqrt(wj) / depth_scale, 2)
        t, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        z = X[:, 2] + t[2]
        if not np.all(z > 1e-3):
            break
        depth_scale = z
    z = X[:, 2] + t[2]
    if not np.all(np.isfinite(t)) or not np.all(z > 1e-3):
        return RootEstimate(t, False, math.nan, n, "pose behind the camera")
    proj = f * (X[:, :2] + t[:2]) / z[:, None]
    err = np.sum((proj - uv) ** 2, axis=1)
    residual = float(np.sqrt(np.sum(wj * err) / np.sum(wj)))
    size = float(np.max(np.ptp(uv, axis=0))) if n > 1 else 0.0
    if n < min_joints:
        return RootEstimate(t, False, residual, n, "too few confident joints")
    if not MIN_DEPTH_M <= t[2] <= MAX_DEPTH_M:
        return RootEstimate(t, False, residual, n, f"implausible depth {t[2]:.2f} m")
    if size <= 0 or residual > MAX_RESIDUAL * size:
        return RootEstimate(t, False, residual, n, f"large reprojection error ({residual:.1f} px)")
    return RootEstimate(t, True, residual, n)


def project(points: np.ndarray, image_size: tuple[int, int], fov_deg: float = DEFAULT_FOV_DEG) -> np.ndarray:
    """Camera-frame points (..., 3) -> pixels (..., 2) with the same pinhole model (for overlays and tests)."""
    f, c = intrinsics(image_size, fov_deg)
    return project_to_2d(np.asarray(points, dtype=np.float64), np.array([f, f]), c)
