"""Robustness of the streaming lifter to a hidden limb: how far its 3D pose moves when some joints' 2D is hidden
(confidence 0) for a few frames, what `diffhpe bench --robustness` reports."""

from __future__ import annotations

import copy

import numpy as np

from lifting.errors import UserError

RIGHT_LEG = (1, 2, 3)  # H36M-17: right hip, knee, ankle


def robustness(lifter, kps, joints=RIGHT_LEG, start: int | None = None, length: int = 10) -> dict:
    """Lift `kps` as given and with `joints` hidden (confidence 0) for `length` frames; how far (mm) the 3D pose
    moves, over the hidden frames, for the hidden joints and for all joints (root-relative). Frames where the
    detector saw nobody are left as they are."""
    n = len(kps)
    if n < length + 2:
        raise UserError(f"robustness needs more than {length + 2} frames, got {n}")
    start = (n - length) // 2 if start is None else start
    hidden = copy.deepcopy(kps)
    for f in range(start, start + length):
        if hidden[f] is not None:
            hidden[f].confidence[list(joints)] = 0.0
    a = lifter.lift_sequence(kps)
    b = lifter.lift_sequence(hidden)
    sl = slice(start, start + length)
    pa = np.stack([r.pose for r in a])[sl].astype(np.float64)  # (length, J, 3)
    pb = np.stack([r.pose for r in b])[sl].astype(np.float64)
    ma = np.stack([r.mixste_pose for r in a])[sl].astype(np.float64)
    mb = np.stack([r.mixste_pose for r in b])[sl].astype(np.float64)
    d = np.linalg.norm(pa - pb, axis=-1) * 1000  # (length, J) mm
    dm = np.linalg.norm(ma - mb, axis=-1) * 1000
    sa = np.stack([r.std for r in a])[sl]  # (length, J) metres
    sb = np.stack([r.std for r in b])[sl]
    return {
        "frames": [start, start + length],
        "hidden_joints": list(joints),
        "mean_mm_hidden_joints": float(d[:, list(joints)].mean()),
        "max_mm_hidden_joints": float(d[:, list(joints)].max()),
        "mean_mm_all_joints": float(d.mean()),
        "mixste_mean_mm_hidden_joints": float(dm[:, list(joints)].mean()),
        "std_mm_hidden_joints_visible": float(sa[:, list(joints)].mean() * 1000),
        "std_mm_hidden_joints_hidden": float(sb[:, list(joints)].mean() * 1000),
        "options": lifter.options(),
    }
