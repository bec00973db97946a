"""Camera frame -> a Y-up world for the exports (BVH, TRC, joint angles).

Our poses are in the camera frame (x right, y down, z forward, metres). The camera's tilt is unknown. By default
(vertical="camera") the camera's -y is taken as up, i.e. the camera is assumed level: exact for a level camera,
off by the camera's tilt otherwise. vertical="pose" estimates it from the pose instead: the mean over the clip
of the unit vector from the midpoint of the ankles to the thorax; right for people standing or walking upright
with their feet under them, but a wide or lunging stance, a forward-leaning runner or a clip spent lying down
tilts it (on the bundled sample, a sideways lunge, it comes out 32 degrees from the camera's up, which is
nearly level there), so it is not the default.

World axes (right-handed, as BVH and OpenSim expect): Y up; Z horizontal, pointing from the scene back
towards the camera; X = Y x Z (the camera's right when it is level). A person facing the camera faces +Z and
has their left side at +X. Origin: X = Z = 0 below the pelvis of the first frame that has one; Y = 0 on the
floor, estimated as the 5th percentile over frames of the lower ankle's height minus an ankle height (8 cm)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifting.data.mocap_geometry import ANKLE_HEIGHT
from lifting.errors import UserError
from lifting.skeleton import JOINT_INDEX

VERTICALS = ("pose", "camera")
_J = JOINT_INDEX


@dataclass
class World:
    positions: np.ndarray  # (T, 17, 3) metres, Y up, floor at Y = 0; NaN where the input had none
    rotation: np.ndarray  # (3, 3) world = rotation @ (camera - origin_cam)
    origin_cam: np.ndarray  # (3,) the world origin in camera coordinates
    vertical: str


def valid_frames(positions: np.ndarray) -> np.ndarray:
    """(T, 17, 3) -> (T,) frames whose 17 joints are all finite."""
    return np.isfinite(positions).all(axis=(1, 2))


def estimate_up(positions: np.ndarray) -> np.ndarray:
    """(T, 17, 3) camera frame -> (3,) unit up vector in camera coordinates: the mean direction from the
    midpoint of the ankles to the thorax."""
    x = positions[valid_frames(positions)]
    v = x[:, _J["thorax"]] - (x[:, _J["left_ankle"]] + x[:, _J["right_ankle"]]) / 2  # (T', 3)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    v = v[n[:, 0] > 1e-6] / n[n[:, 0] > 1e-6]
    m = v.mean(axis=0) if len(v) else np.zeros(3)
    if np.linalg.norm(m) < 0.3:  # the directions cancel out (the person turns upside down): no vertical
        raise UserError("cannot estimate the vertical from the poses; use the camera's (--vertical camera)")
    return m / np.linalg.norm(m)


def world_rotation(up_cam: np.ndarray) -> np.ndarray:
    """(3,) unit up vector in camera coordinates -> (3, 3) rotation whose rows are the world X, Y, Z axes in
    camera coordinates: Y = up, Z = the camera's -z made horizontal, X = Y x Z."""
    y = np.asarray(up_cam, dtype=np.float64)
    back = np.array([0.0, 0.0, -1.0])
    z = back - (back @ y) * y
    if np.linalg.norm(z) < 1e-6:  # looking straight down or up: use the camera's y instead
        z = np.array([0.0, 1.0, 0.0]) - y[1] * y
    z /= np.linalg.norm(z)
    return np.stack([np.cross(y, z), y, z])


def to_world(positions: np.ndarray, vertical: str = "camera") -> World:
    """(T, 17, 3) camera-frame positions -> World (see the module docstring). UserError when no frame has
    all joints."""
    if vertical not in VERTICALS:
        raise UserError(f"vertical must be one of {', '.join(VERTICALS)}, got {vertical!r}")
    positions = np.asarray(positions, dtype=np.float64)
    ok = valid_frames(positions)
    if not ok.any():
        raise UserError("no frame has 3D positions for all 17 joints; nothing to export")
    up = estimate_up(positions) if vertical == "pose" else np.array([0.0, -1.0, 0.0])
    rot = world_rotation(up)
    first = positions[np.argmax(ok)]
    rotated = positions @ rot.T  # (T, 17, 3)
    lower_ankle = np.minimum(rotated[ok, _J["left_ankle"], 1], rotated[ok, _J["right_ankle"], 1])
    floor = float(np.percentile(lower_ankle, 5)) - ANKLE_HEIGHT
    origin_world = np.array([(first @ rot.T)[_J["pelvis"], 0], floor, (first @ rot.T)[_J["pelvis"], 2]])
    return World(rotated - origin_world, rot, rot.T @ origin_world, vertical)


def fill_missing(positions: np.ndarray) -> tuple[np.ndarray, int]:
    """Frames without all joints take the nearest frame that has them (formats without gaps, e.g. BVH).
    Returns (filled (T, 17, 3), how many frames were filled)."""
    ok = valid_frames(positions)
    if ok.all():
        return positions, 0
    good = np.flatnonzero(ok)
    t = np.arange(len(positions))
    nearest = good[np.clip(np.searchsorted(good, t), 0, len(good) - 1)]
    before = good[np.clip(np.searchsorted(good, t) - 1, 0, len(good) - 1)]
    nearest = np.where(np.abs(before - t) <= np.abs(nearest - t), before, nearest)
    return positions[nearest], int((~ok).sum())
