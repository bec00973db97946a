"""One entry point for the CLI (`diffhpe lift/export`) and the app: camera-frame poses -> BVH / TRC / angles.

Every output path is checked (writable, all different) before anything is computed or written, and each file
is written atomically, so a bad path leaves no file behind."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.export import check_writable
from lifting.exports.world import fill_missing, to_world


@dataclass
class ExportPaths:
    bvh: str | os.PathLike | None = None
    trc: str | os.PathLike | None = None
    angles: str | os.PathLike | None = None  # the CSV; its plot goes beside it as <stem>.png

    def all(self) -> list[Path]:
        out = [Path(p) for p in (self.bvh, self.trc, self.angles) if p]
        if self.angles:
            out.append(angles_plot_path(self.angles))
        return out

    def any(self) -> bool:
        return bool(self.bvh or self.trc or self.angles)


def angles_plot_path(angles_csv: str | os.PathLike) -> Path:
    p = Path(angles_csv)
    return p.with_suffix(".png") if p.suffix.lower() != ".png" else p.with_name(p.stem + "_plot.png")


def check_paths(paths: ExportPaths, others: list[Path | None] = ()) -> None:
    """UserError unless every output (and the plot beside the angles CSV) is writable and all differ from
    each other and from `others` (the command's other outputs)."""
    mine = paths.all()
    for p in mine:
        check_writable(p)
    every = [Path(p).resolve() for p in [*mine, *(o for o in others if o)]]
    if len(set(every)) < len(every):
        raise UserError("the output files must be different paths (the angles plot is <angles CSV stem>.png)")


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_exports(
    paths: ExportPaths,
    positions_cam: np.ndarray,
    fps: float,
    frame: np.ndarray | None = None,
    time_s: np.ndarray | None = None,
    vertical: str = "camera",
    title: str = "",
) -> ExportReport:
    """positions_cam (T, 17, 3): camera frame, metres, NaN where unknown. Writes what `paths` asks for."""
    check_paths(paths)
    if not (fps and np.isfinite(fps) and fps > 0):
        raise UserError(f"frame rate must be a positive number, got {fps!r}")
    x = np.asarray(positions_cam, dtype=np.float64)
    t = len(x)
    frame = np.arange(t) if frame is None else np.asarray(frame)
    time_s = frame / fps if time_s is None else np.asarray(time_s, dtype=np.float64)
    world = to_world(x, vertical)
    report = ExportReport()
    if paths.bvh:
        from lifting.exports.bvh import write_bvh

        filled, n = fill_missing(world.positions)
        if n:
            report.notes.append(
                f"BVH: {n} of {t} frames had no 3D position and hold the nearest frame's pose"
            )
        report.written.append(write_bvh(paths.bvh, filled, fps))
    if paths.trc:
        from lifting.exports.trc import write_trc

        report.written.append(write_trc(paths.trc, world.positions, fps, time_s))
    if paths.angles:
        from lifting.exports.angles import joint_angles, write_angles_csv, write_angles_plot

        angles = joint_angles(world.positions)
        report.written.append(write_angles_csv(paths.angles, angles, frame, time_s))
        report.written.append(write_angles_plot(angles_plot_path(paths.angles), angles, time_s, title))
    return report
