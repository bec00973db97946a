"""Builds a tiny Human3.6M in exactly the VideoPose3D npz format: a known synthetic motion (a rigid,
left/right-symmetric 17-joint body walking in a circle and swinging its limbs) written as 32-joint world
coordinates, and 2D obtained by projecting it through the real H36M cameras (with their lens distortion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lifting.data.h36m import KEPT_JOINTS, h36m_cameras_for

# A standing body, metres, z up, facing +y; left at +x. Exactly symmetric under x -> -x with left/right swapped.
TEMPLATE_17 = np.array(
    [
        [0.0, 0.0, 0.95],  # pelvis
        [-0.13, 0.0, 0.95], [-0.13, 0.0, 0.52], [-0.13, -0.02, 0.08],  # right hip, knee, ankle
        [0.13, 0.0, 0.95], [0.13, 0.0, 0.52], [0.13, -0.02, 0.08],  # left hip, knee, ankle
        [0.0, 0.0, 1.18], [0.0, 0.0, 1.45], [0.0, 0.03, 1.55], [0.0, 0.0, 1.70],  # spine, thorax, neck, head
        [0.17, 0.0, 1.42], [0.19, 0.0, 1.14], [0.20, 0.02, 0.90],  # left shoulder, elbow, wrist
        [-0.17, 0.0, 1.42], [-0.19, 0.0, 1.14], [-0.20, 0.02, 0.90],  # right shoulder, elbow, wrist
    ]
)  # fmt: skip

# Subject -> action -> (frames of 3D, extra 2D frames per camera: CPN-like length mismatches).
LAYOUT: dict[str, dict[str, tuple[int, tuple[int, int, int, int]]]] = {
    "S1": {"Walking 1": (100, (3, 3, 3, 3)), "TakingPhoto": (20, (0, 0, 0, 0))},
    "S5": {"Walking": (64, (0, 1, 0, 0))},
    "S9": {"Walking 1": (90, (0, 0, 0, 0)), "Photo": (60, (0, -2, 0, 1))},
}


def _rot_x(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def _rot_z(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def synthetic_motion_17(n: int, phase: float = 0.0) -> np.ndarray:
    """(n, 17, 3) world metres: limbs swing about their hip/shoulder (rigid segments), the body turns and
    walks on a 1 m circle around the capture-space centre."""
    t = np.arange(n) / 50.0 + phase
    swing = 0.5 * np.sin(2 * np.pi * 1.0 * t)  # (n,)
    x = np.broadcast_to(TEMPLATE_17, (n, 17, 3)).copy()
    for chain, sign in (((1, 2, 3), 1), ((4, 5, 6), -1), ((11, 12, 13), -1), ((14, 15, 16), 1)):
        pivot = TEMPLATE_17[chain[0]]
        R = _rot_x(sign * swing)  # (n, 3, 3)
        for j in chain[1:]:
            x[:, j] = pivot + np.einsum("nij,j->ni", R, TEMPLATE_17[j] - pivot)
    yaw = 2 * np.pi * 0.1 * t
    x = np.einsum("nij,nkj->nki", _rot_z(yaw), x)
    trajectory = np.stack([np.cos(yaw), np.sin(yaw), np.zeros_like(yaw)], -1)  # (n, 3)
    return x + trajectory[:, None]


def to_32_joints(x17: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 17, 3) -> (n, 32, 3): the 17 joints at their H36M-32 slots, junk in the 15 removed ones."""
    out = rng.normal(scale=5.0, size=(x17.shape[0], 32, 3))
    out[:, list(KEPT_JOINTS)] = x17
    return out


def build_h36m_npz(folder: Path, seed: int = 0) -> dict[str, Path]:
    """Writes data_3d_h36m.npz, data_2d_h36m_cpn_ft_h36m_dbb.npz and data_2d_h36m_gt.npz into folder and
    returns their paths ('3d', 'cpn', 'gt'). The motion is re-created by `expected_world(subject, action)`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    positions_3d: dict = {}
    positions_2d: dict = {}
    for subject, actions in LAYOUT.items():
        cams = h36m_cameras_for(subject)
        positions_3d[subject], positions_2d[subject] = {}, {}
        for action, (n, extra) in actions.items():
            longest = n + max(0, *extra)
            world = expected_world(subject, action, longest)
            positions_3d[subject][action] = to_32_joints(world[:n], rng)
            views = []
            for cam, e in zip(cams, extra):
                views.append(cam.project(cam.world_to_camera(world[: n + e])))
            positions_2d[subject][action] = views
    metadata = {
        "layout_name": "h36m",
        "num_joints": 17,
        "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
    }
    paths = {
        "3d": folder / "data_3d_h36m.npz",
        "cpn": folder / "data_2d_h36m_cpn_ft_h36m_dbb.npz",
        "gt": folder / "data_2d_h36m_gt.npz",
    }
    np.savez_compressed(paths["3d"], positions_3d=positions_3d)
    np.savez_compressed(paths["cpn"], positions_2d=positions_2d, metadata=metadata)
    np.savez_compressed(paths["gt"], positions_2d=positions_2d, metadata=metadata)
    return paths


def expected_world(subject: str, action: str, n: int | None = None) -> np.ndarray:
    """The (n, 17, 3) world motion written for (subject, action); n defaults to the stored 3D length."""
    subjects, actions = list(LAYOUT), list(LAYOUT[subject])
    phase = 0.37 * subjects.index(subject) + 0.11 * actions.index(action)
    return synthetic_motion_17(LAYOUT[subject][action][0] if n is None else n, phase)


def expected_length(subject: str, action: str) -> int:
    """Frames kept after trimming 3D and every 2D view to the common length."""
    n, extra = LAYOUT[subject][action]
    return n + min(0, *extra)
