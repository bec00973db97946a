"""Virtual cameras around a motion: H36M-like intrinsics, random azimuth / elevation / distance, looking at the
person, with the whole motion kept in the image. World z up (H36M); camera frame x right, y down, z forward."""

from __future__ import annotations

import numpy as np

from lifting.data.dataset import Camera

RES = 1000
FOCAL = 1145.0  # H36M cameras: 1145-1150 px for 1000 px wide images


def rotation_to_quaternion(r: np.ndarray) -> np.ndarray:
    """3x3 rotation matrix -> unit quaternion (w, x, y, z)."""
    m = r
    tr = np.trace(m)
    if tr > 0:
        s = np.sqrt(tr + 1.0) * 2
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k]) * 2
        q = np.empty(4)
        q[0] = (m[k, j] - m[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (m[j, i] + m[i, j]) / s
        q[1 + k] = (m[k, i] + m[i, k]) / s
    q = np.asarray(q, dtype=np.float64)
    return q / np.linalg.norm(q)


def look_at_camera(position: np.ndarray, target: np.ndarray, focal: float, cam_id: str, res: int = RES) -> Camera:
    forward = target - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    r_cam_to_world = np.stack([right, down, forward], axis=1)
    return Camera(
        id=cam_id,
        orientation=rotation_to_quaternion(r_cam_to_world),
        translation=np.asarray(position, dtype=np.float64),
        focal=np.array([focal, focal]),
        center=np.array([res / 2, res / 2]),
        res_w=res,
        res_h=res,
    )


def in_view_fraction(cam: Camera, world: np.ndarray, margin: float = 0.02) -> float:
    """Fraction of frames whose 17 joints all project inside the image (with a margin) in front of the camera."""
    x = cam.world_to_camera(world)
    uv = cam.project(x, distort=False)
    lo, hi = margin * cam.res_w, (1 - margin) * cam.res_w
    ok = (x[..., 2] > 0.5).all(-1) & ((uv >= lo) & (uv <= hi)).all(axis=(-1, -2))
    return float(ok.mean())


def sample_cameras(
    world: np.ndarray,
    count: int,
    rng: np.random.Generator,
    distance=(3.0, 7.0),
    elevation_deg=(-10.0, 30.0),
    min_in_view: float = 0.98,
    prefix: str = "virtual",
) -> list[Camera]:
    """`count` cameras that see the motion (N, 17, 3) world metres z up; each retried with a farther distance
    until at least `min_in_view` of the frames are fully in the image."""
    target = world[:, 0].mean(axis=0)
    cams = []
    for c in range(count):
        best, best_frac = None, -1.0
        for attempt in range(12):
            az = rng.uniform(0, 2 * np.pi)
            el = np.deg2rad(rng.uniform(*elevation_deg))
            d = rng.uniform(*distance) * (1.0 + 0.25 * attempt)
            focal = FOCAL * rng.uniform(0.9, 1.1)
            pos = target + d * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
            aim = target + rng.normal(scale=0.1, size=3)
            cam = look_at_camera(pos, aim, focal, f"{prefix}{c}")
            frac = in_view_fraction(cam, world)
            if frac > best_frac:
                best, best_frac = cam, frac
            if frac >= min_in_view:
                break
        cams.append(best)
    return cams
