"""Joint angles from 3D joint positions (sports and health), in degrees per frame, and their CSV and plot.

Body frames (built per frame from the pose, so the angles do not depend on the camera, except the trunk's):
- pelvis: left = right hip -> left hip; up = pelvis -> spine made perpendicular to it; forward = left x up.
- thorax: left = right shoulder -> left shoulder; up = spine -> thorax made perpendicular; forward = left x up.
Sagittal plane = (forward, up); frontal plane = (left, up).

Angles (columns `<side>_<name>` for side left and right, then the trunk):
- knee_flexion: the angle between thigh (hip -> knee) and shank (knee -> ankle) in the plane of the three
  joints: 0 for a straight leg, 90 at a right angle. elbow_flexion: the same for upper arm and forearm.
- hip_flexion: the thigh's angle in the pelvis's sagittal plane, from pointing down (0) towards forward
  (positive; 90 = thigh horizontal in front; negative = extension, thigh behind). Empty (NaN) when the thigh
  lies within 10 degrees of the pelvis's left-right axis, where this projection has no direction.
- hip_abduction: the thigh's angle out of the pelvis's sagittal plane, positive away from the body's
  midline (sideways), negative across it (adduction).
- shoulder_flexion / shoulder_abduction: the same for the upper arm (shoulder -> elbow) in the thorax frame
  (flexion 90 = arm forward horizontal, 180 = overhead; abduction 90 = arm straight out to the side).
- trunk_lean_forward / trunk_lean_sideways: the trunk (pelvis -> thorax) against the vertical, in the
  vertical plane through the pelvis's forward direction (positive forward) and through its left direction
  (positive towards the person's left). The vertical is the world's (see `world.to_world`: the camera's up
  unless estimated from the pose), so the trunk lean is only as good as that."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.export import atomic_write
from lifting.skeleton import JOINT_INDEX

_J = JOINT_INDEX
SIDES = ("left", "right")
SIDE_ANGLES = (
    "knee_flexion",
    "elbow_flexion",
    "hip_flexion",
    "hip_abduction",
    "shoulder_flexion",
    "shoulder_abduction",
)
ANGLE_NAMES: tuple[str, ...] = tuple(f"{s}_{a}" for a in SIDE_ANGLES for s in SIDES) + (
    "trunk_lean_forward",
    "trunk_lean_sideways",
)
UNDEFINED_WITHIN_DEG = 10.0  # a flexion is NaN when the segment is this close to the left-right axis


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def _frame(x: np.ndarray, right: str, left: str, low: str, high: str) -> tuple[np.ndarray, ...]:
    """(T, 17, 3) -> left, up, forward unit vectors (T, 3) each."""
    lft = _unit(x[:, _J[left]] - x[:, _J[right]])
    up = x[:, _J[high]] - x[:, _J[low]]
    up = _unit(up - _dot(up, lft)[:, None] * lft)
    return lft, up, np.cross(lft, up)


def _between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (degrees) between vectors a and b (T, 3)."""
    return np.degrees(np.arccos(np.clip(_dot(_unit(a), _unit(b)), -1.0, 1.0)))


def _flexion_abduction(v, lft, up, fwd, side: str) -> tuple[np.ndarray, np.ndarray]:
    out = lft if side == "left" else -lft
    u = _unit(v)
    flexion = np.degrees(np.arctan2(_dot(u, fwd), -_dot(u, up)))
    flexion[np.abs(_dot(u, out)) > np.cos(np.radians(UNDEFINED_WITHIN_DEG))] = np.nan
    abduction = np.degrees(np.arcsin(np.clip(_dot(u, out), -1.0, 1.0)))
    return flexion, abduction


def joint_angles(positions: np.ndarray, up: np.ndarray = (0.0, 1.0, 0.0)) -> dict[str, np.ndarray]:
    """(T, 17, 3) positions (any units; `up` is the world's vertical, Y by default) -> {name: (T,) degrees}
    for ANGLE_NAMES (see the module docstring). Frames with missing joints give NaN."""
    x = np.asarray(positions, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (17, 3):
        raise UserError(f"positions must have shape (T, 17, 3), got {x.shape}")
    up_w = _unit(np.asarray(up, dtype=np.float64))
    p_left, p_up, p_fwd = _frame(x, "right_hip", "left_hip", "pelvis", "spine")
    t_left, t_up, t_fwd = _frame(x, "right_shoulder", "left_shoulder", "spine", "thorax")
    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        hip, knee, ankle = (x[:, _J[f"{side}_{n}"]] for n in ("hip", "knee", "ankle"))
        shoulder, elbow, wrist = (x[:, _J[f"{side}_{n}"]] for n in ("shoulder", "elbow", "wrist"))
        out[f"{side}_knee_flexion"] = _between(knee - hip, ankle - knee)
        out[f"{side}_elbow_flexion"] = _between(elbow - shoulder, wrist - elbow)
        out[f"{side}_hip_flexion"], out[f"{side}_hip_abduction"] = _flexion_abduction(
            knee - hip, p_left, p_up, p_fwd, side
        )
        out[f"{side}_shoulder_flexion"], out[f"{side}_shoulder_abduction"] = _flexion_abduction(
            elbow - shoulder, t_left, t_up, t_fwd, side
        )
    trunk = x[:, _J["thorax"]] - x[:, _J["pelvis"]]
    fwd_h = _unit(p_fwd - _dot(p_fwd, up_w)[:, None] * up_w)  # the pelvis's forward, made horizontal
    left_h = np.cross(up_w, fwd_h)
    out["trunk_lean_forward"] = np.degrees(np.arctan2(_dot(trunk, fwd_h), _dot(trunk, up_w)))
    out["trunk_lean_sideways"] = np.degrees(np.arctan2(_dot(trunk, left_h), _dot(trunk, up_w)))
    return {name: out[name] for name in ANGLE_NAMES}


def write_angles_csv(
    path: str | os.PathLike, angles: dict[str, np.ndarray], frame: np.ndarray, time_s: np.ndarray
) -> Path:
    """One row per frame: frame, time_s, then ANGLE_NAMES in degrees (2 decimals; empty where undefined)."""
    import csv

    def write(f):
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        w = csv.writer(text, lineterminator="\n")
        w.writerow(["frame", "time_s", *ANGLE_NAMES])
        for i in range(len(frame)):
            cells = ["" if not np.isfinite(angles[n][i]) else f"{angles[n][i]:.2f}" for n in ANGLE_NAMES]
            w.writerow([str(int(frame[i])), f"{time_s[i]:.4f}", *cells])
        text.flush()
        text.detach()

    return atomic_write(path, write)


# Plot panels: (title, angle name without the side, or the two trunk names).
PANELS = (
    ("Knee flexion", "knee_flexion"),
    ("Elbow flexion", "elbow_flexion"),
    ("Hip flexion", "hip_flexion"),
    ("Hip abduction", "hip_abduction"),
    ("Shoulder flexion", "shoulder_flexion"),
    ("Shoulder abduction", "shoulder_abduction"),
    ("Trunk lean", None),
)


def write_angles_plot(
    path: str | os.PathLike, angles: dict[str, np.ndarray], time_s: np.ndarray, title: str = ""
) -> Path:
    """A PNG with one panel per angle (left and right in one panel), degrees over seconds, atomically."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, safe beside the Qt app

    fig = Figure(figsize=(10, 12), dpi=100, layout="constrained")
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    for ax, (label, name) in zip(axes, PANELS):
        lines = (
            [("forward", "trunk_lean_forward"), ("sideways (+ left)", "trunk_lean_sideways")]
            if name is None
            else [(s, f"{s}_{name}") for s in SIDES]
        )
        for (text, key), colour in zip(lines, ("tab:blue", "tab:red")):
            ax.plot(time_s, angles[key], color=colour, lw=1.2, label=text)
        ax.set_ylabel(f"{label} (°)")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)

    def write(f):
        fig.savefig(f, format="png")

    return atomic_write(path, write)
