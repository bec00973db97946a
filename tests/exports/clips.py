"""Helpers of the export tests (also used by tests/cli): a real CMU clip converted to H36M-17 (constant bone
lengths), placed in front of a camera, and turned into LiftResults for our CSV writer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mocap"))
from mocap_files import DATA  # noqa: F401  (re-exported for the fixtures)

CLIP = "cmu_mocap/09/09_03.bvh"  # a short run, 52 frames at 50 fps after conversion


def camera_from_z_up(x: np.ndarray, tilt_deg: float = 0.0, distance: float = 4.0) -> np.ndarray:
    """World (z up, metres) -> camera frame (x right, y down, z forward) of a camera `distance` m away
    looking along world +y, pitched down by tilt_deg; (T, 17, 3)."""
    a = np.radians(tilt_deg)
    # level camera: x_cam = x, y_cam = -z, z_cam = y; then pitch about the camera's x axis
    level = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    pitch = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    cam = x @ (pitch @ level).T
    return cam + np.array([0.0, 0.0, distance])


def results_from_positions(cam: np.ndarray) -> list:
    """LiftResults (the lifter's output type) holding the camera-frame positions cam (T, 17, 3)."""
    from lifting.keypoints import LiftResult

    out = []
    for i, x in enumerate(cam):
        root = x[0].copy()
        out.append(
            LiftResult(
                frame=i, pose=x - root, std=np.zeros(17), mixste_pose=x - root, root=root, root_reliable=True,
                confidence=np.ones(17), person_seen=True, latency_frames=0,
            )
        )  # fmt: skip
    return out
