"""Read a pose CSV written by DiffHPE (`diffhpe lift`, the app's export) back into arrays, for `diffhpe export`.

Both forms of the file are accepted: the older one with '#' comment lines (one of them JSON with "fps") above
the header row, and the plain one (header row first) with its metadata in a JSON sidecar beside it
(`out.csv` -> `out.json`). Only the joint columns `<joint>_x/_y/_z` of the 17 H36M joints are required;
`frame` and `time_s` are used when present. The frame rate comes from, in this order: the `fps` argument
(the CLI's --fps), the sidecar's "fps", a '#' comment's "fps", the `time_s` column."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.skeleton import JOINT_NAMES


@dataclass
class PoseTable:
    positions: np.ndarray  # (T, 17, 3) metres, camera frame (x right, y down, z forward); NaN where empty
    frame: np.ndarray  # (T,) video frame index
    time_s: np.ndarray  # (T,) seconds
    fps: float
    fps_from: str  # where the frame rate came from, for messages
    path: str = ""

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])


def _json_fps(meta) -> float | None:
    """ "fps" at the top level of a JSON object or one level down."""
    if not isinstance(meta, dict):
        return None
    for value in [meta.get("fps")] + [v.get("fps") for v in meta.values() if isinstance(v, dict)]:
        try:
            fps = float(value)
        except (TypeError, ValueError):
            continue
        if np.isfinite(fps) and fps > 0:
            return fps
    return None


def _sidecar_fps(path: Path) -> float | None:
    side = path.with_suffix(".json")
    if not side.is_file():
        return None
    try:
        return _json_fps(json.loads(side.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _cell(v: str, path: Path, line: int, column: str) -> float:
    if v.strip() == "":
        return np.nan
    try:
        return float(v)
    except ValueError:
        raise UserError(f"{path}: line {line}, column {column}: {v!r} is not a number") from None


def read_pose_csv(path: str | os.PathLike, fps: float | None = None) -> PoseTable:
    """Read a DiffHPE pose CSV (see the module docstring). UserError for anything else."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: file not found" if not p.exists() else f"{p}: not a file")
    if fps is not None and not (np.isfinite(fps) and fps > 0):
        raise UserError(f"--fps must be a positive number, got {fps!r}")
    try:
        with open(p, encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError:
        raise UserError(f"{p}: not a DiffHPE pose CSV (not a text file)") from None
    except OSError as exc:
        raise UserError(f"{p}: cannot read it ({exc.strerror or exc})") from None

    comment_fps = None
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        text = lines[start].lstrip("#").strip()
        if text.startswith("{"):
            try:
                comment_fps = comment_fps or _json_fps(json.loads(text))
            except ValueError:
                pass
        start += 1
    if start >= len(lines):
        raise UserError(f"{p}: not a DiffHPE pose CSV (no header row)")
    rows = list(csv.reader(lines[start:]))
    header = [h.strip() for h in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    wanted = [f"{j}_{a}" for j in JOINT_NAMES for a in "xyz"]
    missing = [c for c in wanted if c not in col]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise UserError(f"{p}: not a DiffHPE pose CSV (missing columns: {shown})")
    body = [(start + 2 + i, r) for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]
    if not body:
        raise UserError(f"{p}: the CSV has a header but no rows")
    for line, r in body:
        if len(r) < len(header):
            raise UserError(f"{p}: line {line} has {len(r)} cells, the header has {len(header)}")

    def column(name: str) -> np.ndarray:
        i = col[name]
        return np.array([_cell(r[i], p, line, name) for line, r in body], dtype=np.float64)

    positions = np.stack([column(c) for c in wanted], axis=-1).reshape(len(body), len(JOINT_NAMES), 3)
    frame = column("frame") if "frame" in col else np.arange(len(body), dtype=np.float64)
    if np.isnan(frame).any():
        raise UserError(f"{p}: the frame column has empty cells")
    time_s = column("time_s") if "time_s" in col else None

    fps_from = "--fps"
    if fps is None:
        for value, where in ((_sidecar_fps(p), "the JSON sidecar"), (comment_fps, "the CSV's comment line")):
            if value is not None:
                fps, fps_from = value, where
                break
    if fps is None and time_s is not None and len(body) > 1:
        ok = np.isfinite(time_s)
        span_t = time_s[ok][-1] - time_s[ok][0] if ok.sum() > 1 else 0.0
        span_f = frame[ok][-1] - frame[ok][0] if ok.sum() > 1 else 0.0
        if span_t > 0 and span_f > 0:
            fps, fps_from = round(float(span_f / span_t), 3), "the time_s column"
    if fps is None:
        raise UserError(f"{p}: cannot tell the frame rate (no sidecar JSON, no time_s column); give --fps")
    if time_s is None or np.isnan(time_s).any():
        time_s = frame / fps
    return PoseTable(positions, frame.astype(np.int64), time_s, float(fps), fps_from, str(p))
