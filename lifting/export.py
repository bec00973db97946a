"""The one writer of lifted 3D poses, used by `diffhpe lift` and the app: CSV (one row per frame) with a JSON
metadata file beside it, and .npz.

CSV layout: a plain table, the header row first (`pandas.read_csv(path)`, `csv.DictReader`, spreadsheets):
    frame, time_s, person_seen, root_reliable,
    then for each of the 17 H36M joints: <joint>_x, <joint>_y, <joint>_z, <joint>_std, <joint>_conf
- x, y, z: camera frame, metres, x right, y down, z forward (OpenCV axes), the estimated root (pelvis)
  translation included; with `root_relative=True` the pelvis is the origin instead.
- std: spread of the diffusion hypotheses for that joint (RMS distance to their mean), metres; 0 for MixSTE.
- conf: the 2D detector's confidence for the joint, 0..1 (0 when nobody was detected).
- person_seen: 1 when the detector found a person in the frame (else the pose is inferred from the frames around).
- root_reliable: 1 when the root translation was solved from enough confident joints with a small reprojection
  error; otherwise the last reliable one is repeated (or the cells are empty when there was none yet).
Metadata (`out.csv` -> `out.json`, see `csv_metadata`): axes and units, fps, joint names, the columns, software
version, and when given the source video, detector, model and sampler settings.
Files are written atomically: temporary files in the same folder, renamed over the targets when all are complete."""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.keypoints import LiftResult
from lifting.skeleton import JOINT_NAMES

AXES_NOTE = "camera frame, metres, x right, y down, z forward (OpenCV)"


def check_writable(path: str | os.PathLike) -> Path:
    """Raise UserError unless `path` can be created or replaced as a file (checked before any work is done)."""
    p = Path(path).expanduser()
    if str(path) == "":
        raise UserError("empty output path")
    if p.is_dir():
        raise UserError(f"cannot write {p}: it is a folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {p}: the folder {parent} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise UserError(f"cannot write {p}: the file exists and is read-only")
    try:  # the real test (permissions, read-only file systems, full disks): create and remove a file there
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"cannot write {p}: {exc.strerror or exc}") from None
    return p


def atomic_write_all(
    items: Sequence[tuple[str | os.PathLike, Callable[[io.BufferedWriter], None]]],
) -> list[Path]:
    """For each (path, write): run write(file) on a temporary file beside `path`; when every one is complete,
    rename them over their paths. On any error the temporary files are removed and no path is touched."""
    paths = [check_writable(path) for path, _ in items]
    temps: list[str] = []
    try:
        for p, (_, write) in zip(paths, items):
            try:
                fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
            except OSError as exc:
                raise UserError(f"cannot write {p}: {exc.strerror or exc}") from None
            temps.append(tmp)
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        for tmp, p in zip(temps, paths):
            os.replace(tmp, p)
    except BaseException:
        for tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    return paths


def atomic_write(path: str | os.PathLike, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Run write(file) on a temporary file beside `path`, then rename it over `path`; on any error the temporary
    file is removed and `path` is left as it was."""
    return atomic_write_all([(path, write)])[0]


def write_json(path: str | os.PathLike, obj) -> Path:
    """A report as indented JSON at `path` (its folder made if needed), written atomically."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda f: f.write((json.dumps(obj, indent=1) + "\n").encode()))


def sidecar_path(csv_path: str | os.PathLike) -> Path:
    """Where the metadata of a pose CSV goes: the same name with .json (out.csv -> out.json)."""
    return Path(csv_path).expanduser().with_suffix(".json")


def software_version() -> str:
    try:
        return importlib.metadata.version("diffhpe")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never pip-installed
        return "unknown (not installed)"


def csv_header(joint_names: Sequence[str] = JOINT_NAMES) -> list[str]:
    cols = ["frame", "time_s", "person_seen", "root_reliable"]
    for name in joint_names:
        cols += [f"{name}_x", f"{name}_y", f"{name}_z", f"{name}_std", f"{name}_conf"]
    return cols


def _check_results(results: Sequence[LiftResult], fps: float) -> None:
    if not results:
        raise UserError("nothing to write: no lifted frames")
    if not (fps and np.isfinite(fps) and fps > 0):
        raise UserError(f"frame rate must be a positive number, got {fps!r}")


def positions(result: LiftResult, root_relative: bool = False) -> np.ndarray:
    """(17, 3) joint positions of a result: camera frame incl. the root translation, or root-relative."""
    pose = np.asarray(result.pose, dtype=np.float64)
    return pose if root_relative else pose + np.asarray(result.root, dtype=np.float64)


def _fmt(v: float, digits: int) -> str:
    return "" if not np.isfinite(v) else f"{v:.{digits}f}"


COLUMN_NOTES = {
    "frame": "frame index in the source, from 0",
    "time_s": "frame / fps, seconds",
    "person_seen": "1 when the detector found a person in the frame, else 0 (pose inferred from the frames around)",
    "root_reliable": "1 when the root translation was solved reliably in this frame, else 0 (last reliable one "
    "repeated, or empty cells before the first)",
    "<joint>_x, <joint>_y, <joint>_z": "joint position, metres, in the frame given by 'axes' and 'root'",
    "<joint>_std": "spread of the diffusion hypotheses for the joint (RMS distance to their mean), metres; "
    "0 for MixSTE",
    "<joint>_conf": "the 2D detector's confidence for the joint, 0..1 (0 when nobody was detected)",
}


def csv_metadata(
    results: Sequence[LiftResult],
    fps: float,
    *,
    root_relative: bool = False,
    source: str | None = None,
    detector: str | None = None,
    model: str | None = None,
    settings: dict | None = None,
) -> dict:
    """What the JSON beside a pose CSV holds. source, detector, model (checkpoint) and settings (the lifter's
    sampler and streaming options) are included when given."""
    meta = {
        "format": "diffhpe-poses-csv",
        "software": {"name": "diffhpe", "version": software_version()},
        "axes": AXES_NOTE,
        "units": {"position": "m", "std": "m", "conf": "0..1", "time_s": "s"},
        "root": "root-relative (pelvis = 0)" if root_relative else "root translation included",
        "root_relative": bool(root_relative),
        "fps": float(fps),
        "frames": len(results),
        "joints": list(JOINT_NAMES),
        "columns": COLUMN_NOTES,
    }
    for key, value in (("source", source), ("detector", detector), ("model", model)):
        if value is not None:
            meta[key] = str(value)
    if settings is not None:
        meta["settings"] = dict(settings)
    return meta


def write_csv(
    path: str | os.PathLike,
    results: Sequence[LiftResult],
    fps: float,
    *,
    root_relative: bool = False,
    digits: int = 5,
    source: str | None = None,
    detector: str | None = None,
    model: str | None = None,
    settings: dict | None = None,
) -> Path:
    """One row per result (frame order as given), the header row first; the metadata (`csv_metadata`) goes to
    `sidecar_path(path)`. Both are written atomically, together. Returns the CSV's path."""
    _check_results(results, fps)
    if Path(path).suffix.lower() == ".json":
        raise UserError(f"cannot write the CSV to {path}: its metadata goes to the .json of the same name")
    header = csv_header()
    meta = csv_metadata(
        results,
        fps,
        root_relative=root_relative,
        source=source,
        detector=detector,
        model=model,
        settings=settings,
    )
    # Settings hold plain values; anything else (a path, a device) is written as its text.
    meta_text = json.dumps(meta, indent=2, default=str, allow_nan=False) + "\n"

    def write(f):
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        w = csv.writer(text, lineterminator="\n")
        w.writerow(header)
        for r in results:
            xyz = positions(r, root_relative)
            std = np.asarray(r.std, dtype=np.float64)
            conf = np.asarray(r.confidence, dtype=np.float64)
            row = [
                str(int(r.frame)),
                f"{r.frame / fps:.4f}",
                str(int(r.person_seen)),
                str(int(r.root_reliable)),
            ]
            for j in range(len(JOINT_NAMES)):
                row += [_fmt(xyz[j, 0], digits), _fmt(xyz[j, 1], digits), _fmt(xyz[j, 2], digits)]
                row += [_fmt(std[j], digits), f"{conf[j]:.3f}"]
            w.writerow(row)
        text.flush()
        text.detach()

    def write_meta(f):
        f.write(meta_text.encode("utf-8"))

    return atomic_write_all([(path, write), (sidecar_path(path), write_meta)])[0]


def read_csv(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a file written by write_csv back: {'frame', 'time_s', 'person_seen', 'root_reliable' (T,),
    'positions' (T, 17, 3), 'std' (T, 17), 'confidence' (T, 17)}; empty cells are NaN."""
    with open(path, encoding="utf-8", newline="") as f:
        # Files written before the metadata moved to the .json began with '#' comment lines: skip those.
        rows = [row for row in csv.reader(line for line in f if not line.startswith("#"))]
    if not rows:
        raise UserError(f"{path} is not a DiffHPE pose CSV (it is empty)")
    header, body = rows[0], rows[1:]
    if header != csv_header():
        raise UserError(f"{path} is not a DiffHPE pose CSV (unexpected columns)")
    a = np.array([[float(v) if v != "" else np.nan for v in row] for row in body], dtype=np.float64).reshape(
        len(body), len(header)
    )
    per_joint = a[:, 4:].reshape(len(body), len(JOINT_NAMES), 5)
    return {
        "frame": a[:, 0].astype(int),
        "time_s": a[:, 1],
        "person_seen": a[:, 2].astype(bool),
        "root_reliable": a[:, 3].astype(bool),
        "positions": per_joint[..., :3],
        "std": per_joint[..., 3],
        "confidence": per_joint[..., 4],
    }


def read_metadata(csv_path: str | os.PathLike) -> dict:
    """The metadata written beside a pose CSV (`sidecar_path`)."""
    p = sidecar_path(csv_path)
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no metadata beside {csv_path}: {p} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read the metadata {p}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != "diffhpe-poses-csv":
        raise UserError(f"{p} is not the metadata of a DiffHPE pose CSV")
    return meta


def results_to_arrays(results: Sequence[LiftResult]) -> dict[str, np.ndarray]:
    """Stack results into arrays: pose (T, 17, 3) root-relative, root (T, 3), positions (T, 17, 3) with the root, ..."""
    pose = np.stack([np.asarray(r.pose, np.float32) for r in results])
    root = np.stack([np.asarray(r.root, np.float32) for r in results])
    return {
        "frame": np.array([r.frame for r in results], dtype=np.int64),
        "pose": pose,
        "root": root,
        "positions": pose + root[:, None, :],
        "std": np.stack([np.asarray(r.std, np.float32) for r in results]),
        "mixste_pose": np.stack([np.asarray(r.mixste_pose, np.float32) for r in results]),
        "confidence": np.stack([np.asarray(r.confidence, np.float32) for r in results]),
        "person_seen": np.array([r.person_seen for r in results], dtype=bool),
        "root_reliable": np.array([r.root_reliable for r in results], dtype=bool),
        "latency_frames": np.array([r.latency_frames for r in results], dtype=np.int32),
    }


def write_npz(path: str | os.PathLike, results: Sequence[LiftResult], fps: float, **meta) -> Path:
    """Arrays of results_to_arrays plus time_s, fps, joint_names and `meta` (JSON) in one compressed .npz.
    positions = pose + root: camera frame, metres, x right, y down, z forward."""
    _check_results(results, fps)
    arrays = results_to_arrays(results)
    arrays["time_s"] = arrays["frame"] / float(fps)
    arrays["fps"] = np.array(float(fps))
    arrays["joint_names"] = np.array(JOINT_NAMES)
    arrays["meta"] = np.array(json.dumps({"axes": AXES_NOTE, **{k: str(v) for k, v in meta.items()}}))

    def write(f):
        np.savez_compressed(f, **arrays)

    return atomic_write(path, write)
