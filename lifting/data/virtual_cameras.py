"""Virtual cameras for motion capture clips: Human3.6M-like intrinsics, a random azimuth, elevation and
distance, aimed at the person's mean position, with the whole motion kept inside the image. Seeded.

Conventions: the world is the converted clips' (and Human3.6M's) frame, metres, **z up**, floor at z = 0.
A camera's frame is OpenCV's: x right, y down, z forward (the optical axis); its orientation quaternion
(w, x, y, z) rotates camera -> world and its translation is its position in the world, as `dataset.Camera`
and Human3.6M. Elevation is the angle of the camera above the target's horizontal plane (positive: looking
down at the person)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifting.data.dataset import Camera
from lifting.errors import UserError

WORLD_UP = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class CameraSampling:
    """How virtual cameras are drawn. Defaults follow Human3.6M's four cameras (focal 1145-1150 px,
    1000 x 1000 or 1000 x 1002 images, principal point within ~10 px of (512, 508)), placed 3-7 m away."""

    azimuth_deg: tuple[float, float] = (0.0, 360.0)
    elevation_deg: tuple[float, float] = (-10.0, 30.0)
    distance_m: tuple[float, float] = (3.0, 7.0)
    focal_px: tuple[float, float] = (1140.0, 1150.0)
    center_px: tuple[float, float] = (512.0, 515.0)
    center_jitter_px: float = 8.0
    res_w: int = 1000
    res_h: tuple[int, ...] = (1000, 1002)
    margin_px: float = 10.0  # every joint of every frame at least this far inside the image
    min_height_m: float = 0.3  # camera above the floor
    tries: int = 100  # draws per distance range before the range is widened (x1.5, up to 4 times)


def rotation_to_quaternion(r: np.ndarray) -> np.ndarray:
    """Rotation matrix (3, 3) -> unit quaternion (w, x, y, z) with w >= 0."""
    m = np.asarray(r, dtype=np.float64)
    t = np.trace(m)
    if t > 0:
        s = np.sqrt(t + 1.0) * 2
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    q = np.asarray(q)
    q /= np.linalg.norm(q)
    return q if q[0] >= 0 else -q


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Orientation quaternion (camera -> world) of an OpenCV camera at `position` looking at `target`, level
    (its x axis horizontal, y pointing down-ish)."""
    forward = np.asarray(target, np.float64) - np.asarray(position, np.float64)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, WORLD_UP)
    if np.linalg.norm(right) < 1e-6:  # looking straight up or down
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return rotation_to_quaternion(np.stack([right, down, forward], axis=1))


def in_view(camera: Camera, points: np.ndarray, margin_px: float = 0.0, min_depth: float = 0.5) -> bool:
    """Whether every world point (..., 3) lies in front of the camera and projects inside its image."""
    x = camera.world_to_camera(np.asarray(points, np.float64).reshape(-1, 3))
    if np.any(x[:, 2] < min_depth):
        return False
    uv = camera.project(x)
    lo, hi = margin_px, np.array([camera.res_w, camera.res_h]) - margin_px
    return bool(np.all(uv >= lo) and np.all(uv <= hi))


def random_camera(
    points: np.ndarray,
    rng: np.random.Generator,
    sampling: CameraSampling | None = None,
    camera_id: str = "virtual",
) -> Camera:
    """A camera aimed at the mean of `points` (N, J, 3) world metres that keeps all of them in its image.
    Draws are rejected until one fits; when the motion spans more than the distance range allows, the range
    is widened (x1.5, up to 4 times), as a real camera would be moved back."""
    s = sampling or CameraSampling()
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    target = pts.mean(axis=0)
    lo, hi = s.distance_m
    for _widen in range(5):
        for _ in range(s.tries):
            az = np.radians(rng.uniform(*s.azimuth_deg))
            el = np.radians(rng.uniform(*s.elevation_deg))
            dist = rng.uniform(lo, hi)
            position = target + dist * np.array(
                [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)]
            )
            res_h = int(rng.choice(s.res_h))
            f = rng.uniform(*s.focal_px)
            cam = Camera(
                id=camera_id,
                orientation=look_at(position, target),
                translation=position,
                focal=np.array([f, f * (1 + rng.normal(0, 1e-3))]),
                center=np.asarray(s.center_px, np.float64) + rng.uniform(-1, 1, 2) * s.center_jitter_px,
                res_w=s.res_w,
                res_h=res_h,
            )
            if position[2] >= s.min_height_m and in_view(cam, pts, s.margin_px):
                return cam
        lo, hi = hi, hi * 1.5
    raise UserError(
        f"no camera up to {hi:.0f} m away keeps this motion in view (it spans "
        f"{np.ptp(pts, axis=0).round(1).tolist()} m); split the clip"
    )


def cameras_for_clip(
    points: np.ndarray, count: int, rng: np.random.Generator, sampling: CameraSampling | None = None
) -> list[Camera]:
    """`count` independent virtual cameras for one clip (N, J, 3), ids 'virtual0', 'virtual1', ..."""
    return [random_camera(points, rng, sampling, f"virtual{k}") for k in range(count)]
