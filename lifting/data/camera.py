"""Camera geometry as pure functions (VideoPose3D conventions): world <-> camera frame, projection,
screen-coordinate normalisation. Quaternions are (w, x, y, z) and rotate camera -> world, as in H36M."""

from __future__ import annotations

import numpy as np


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4), broadcasting q over v."""
    q = np.broadcast_to(q, v.shape[:-1] + (4,))
    qvec = q[..., 1:]
    uv = np.cross(qvec, v)
    uuv = np.cross(qvec, uv)
    return v + 2 * (q[..., :1] * uv + uuv)


def qinverse(q: np.ndarray) -> np.ndarray:
    out = np.array(q, dtype=np.float64, copy=True)
    out[..., 1:] *= -1
    return out


def world_to_camera(x: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    """World points (..., 3) -> camera frame, with R the camera orientation quaternion, t its position."""
    return qrot(qinverse(R), x - t)


def camera_to_world(x: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    return qrot(R, x) + t


def project_to_2d(
    x: np.ndarray,
    focal: np.ndarray,
    center: np.ndarray,
    radial: np.ndarray | None = None,
    tangential: np.ndarray | None = None,
) -> np.ndarray:
    """Pinhole projection (with optional H36M radial/tangential distortion) of camera-frame points
    (..., 3) to pixels (..., 2). focal and center are (2,) pixels."""
    xy = x[..., :2] / x[..., 2:3]
    if radial is not None and tangential is not None:
        # VideoPose3D's H36M distortion model (normalised coordinates clamped to [-1, 1] first).
        xy = np.clip(xy, -1, 1)
        r2 = np.sum(xy**2, axis=-1, keepdims=True)
        radial_term = 1 + radial[0] * r2 + radial[1] * r2**2 + radial[2] * r2**3
        tan_term = np.sum(tangential * xy, axis=-1, keepdims=True)
        xy = xy * (radial_term + tan_term) + tangential * r2
    return focal * xy + center


def unproject_from_2d(uv: np.ndarray, depth: np.ndarray, focal: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Inverse of the distortion-free projection: pixels (..., 2) and depth (...) -> camera points (..., 3)."""
    xy = (uv - center) / focal
    return np.concatenate([xy * depth[..., None], depth[..., None]], axis=-1)


def normalize_screen_coordinates(x: np.ndarray, w: int | float, h: int | float) -> np.ndarray:
    """Pixels -> [-1, 1] along the width, aspect ratio kept: (x/w*2 - 1, y/w*2 - h/w)."""
    assert x.shape[-1] == 2
    return x / w * 2 - np.array([1, h / w], dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


def image_coordinates(x: np.ndarray, w: int | float, h: int | float) -> np.ndarray:
    """Inverse of normalize_screen_coordinates."""
    assert x.shape[-1] == 2
    return (x + np.array([1, h / w])) * w / 2
