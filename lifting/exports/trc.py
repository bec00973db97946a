"""TRC export (OpenSim, as Pose2Sim and Sports2D write it): the 17 joints as markers named as in our CSV.

Units millimetres; axes of `world.to_world`: Y up, floor at Y = 0, X = the person's left when facing the
camera, Z towards the camera. Tab-separated: the file-type line, the header of DataRate, CameraRate,
NumFrames, NumMarkers, Units, OrigDataRate, OrigDataStartFrame, OrigNumFrames and its values, the marker
names (each over its three columns), the X1 Y1 Z1 ... row, a blank line, then one row per frame: Frame# (from
1), Time (s), X Y Z per marker. A joint without a position (before the first reliable root) is left empty,
which OpenSim reads as a missing marker (NaN)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.export import atomic_write
from lifting.skeleton import JOINT_NAMES

MM = 1000.0


def trc_text(
    positions: np.ndarray, fps: float, time_s: np.ndarray | None = None, name: str = "poses.trc"
) -> str:
    """(T, 17, 3) world metres -> the TRC file's text."""
    x = np.asarray(positions, dtype=np.float64) * MM
    t, j = x.shape[:2]
    time_s = np.arange(t) / fps if time_s is None else np.asarray(time_s, dtype=np.float64)
    rate = f"{fps:.6g}"
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{rate}\t{t}\t{j}\tmm\t{rate}\t1\t{t}",
        "Frame#\tTime\t" + "\t".join(f"{n}\t\t" for n in JOINT_NAMES).rstrip("\t"),
        "\t\t" + "\t".join(f"X{k}\tY{k}\tZ{k}" for k in range(1, j + 1)),
        "",
    ]
    for f in range(t):
        cells = ["" if not np.isfinite(v) else f"{v:.3f}" for v in x[f].ravel()]
        lines.append(f"{f + 1}\t{time_s[f]:.6f}\t" + "\t".join(cells))
    return "\n".join(lines) + "\n"


def write_trc(
    path: str | os.PathLike, positions: np.ndarray, fps: float, time_s: np.ndarray | None = None
) -> Path:
    """Write a clip (T, 17, 3), world metres (Y up, floor at 0), atomically."""
    if not (fps and np.isfinite(fps) and fps > 0):
        raise UserError(f"frame rate must be a positive number, got {fps!r}")
    positions = np.asarray(positions)
    if positions.ndim != 3 or positions.shape[1:] != (len(JOINT_NAMES), 3) or len(positions) == 0:
        raise UserError(f"positions must have shape (T, 17, 3), got {positions.shape}")
    text = trc_text(positions, fps, time_s, Path(path).name)

    def write(f):
        f.write(text.encode("utf-8"))

    return atomic_write(path, write)
