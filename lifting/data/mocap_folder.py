"""Whole folders of BVH files -> the clip cache (the `diffhpe data mocap` command): motion descriptions from
the index files found beside them, conversion (in parallel processes on request), and DST/manifest.json with
a summary of every clip."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifting.data.bvh_conversion import CONVERTER_VERSION, MAX_GLITCH_FRACTION, convert_bvh
from lifting.data.mocap_clips import TARGET_FPS, MocapClip, clip_ids, load_clips, safe_name, save_clip
from lifting.data.mocap_geometry import H36M_LENGTHS
from lifting.errors import UserError
from lifting.skeleton import JOINT_NAMES, SEGMENTS, segment_lengths


def read_descriptions(paths: list[Path]) -> dict[str, str]:
    """Clip id -> motion description from description files: CSV tables with 'Subject', 'Trial #' and
    'Motion Description' columns (IClone-CMU-Mocap's 'CMU data.csv'), markdown tables with a 'file' and a
    '... description' column (the ORIGIN.md files of the shared data), and text indexes with lines
    '<subject>_<trial> <description>' (B. Hahne's cmu-mocap-index-text.txt)."""
    import csv

    out: dict[str, str] = {}
    for p in paths:
        try:
            text = p.read_text(errors="replace")
        except OSError:
            continue
        if p.suffix.lower() == ".csv":
            rows = csv.DictReader(text.splitlines())
            for row in rows:
                try:
                    subject, trial = int(row["Subject"]), int(row["Trial #"])
                except (KeyError, TypeError, ValueError):
                    break
                out.setdefault(f"{subject:02d}_{trial:02d}", (row.get("Motion Description") or "").strip())
        elif p.suffix.lower() == ".md":
            columns: list[str] | None = None
            for line in text.splitlines():
                cells = (
                    [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
                )
                if cells is None:
                    columns = None
                elif columns is None:
                    low = [c.lower() for c in cells]
                    if "file" in low and any("description" in c for c in low):
                        columns = low
                elif len(cells) == len(columns) and not set(cells[0]) <= set("-: "):
                    desc = cells[next(i for i, c in enumerate(columns) if "description" in c)]
                    name = cells[columns.index("file")]
                    if name.lower().endswith(".bvh"):
                        out.setdefault(clip_ids(name)[1], desc)
        else:
            for line in text.splitlines():
                m = re.match(r"^\s*(\d+)_(\d+)\s+(.+?)\s*$", line)
                if m:
                    out.setdefault(f"{int(m.group(1)):02d}_{int(m.group(2)):02d}", m.group(3))
    return out


def find_description_files(root: Path) -> list[Path]:
    if root.is_file():
        return []
    pats = ("*.csv", "*.md", "*index*.txt")
    return sorted({f for pat in pats for f in root.rglob(pat) if f.is_file()})


@dataclass
class ConversionReport:
    converted: list[MocapClip] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # clip files already up to date
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0


def _up_to_date(out: Path, source: str) -> bool:
    try:
        with np.load(out, allow_pickle=False) as z:
            info = json.loads(str(z["info"]))
            return str(z["source"]) == source and info.get("converter_version") == CONVERTER_VERSION
    except (OSError, ValueError, KeyError):
        return False


def _convert_one(args: tuple[str, str, str, float, float]) -> MocapClip | tuple[str, str]:
    path, source, description, fps, max_glitch = args
    try:
        clip = convert_bvh(path, fps=fps, description=description, max_glitch_fraction=max_glitch)
    except UserError as exc:
        return path, str(exc)
    clip.source = source
    return clip


def convert_folder(
    src: str | Path,
    dst: str | Path,
    fps: float = TARGET_FPS,
    overwrite: bool = False,
    jobs: int = 1,
    description_files: list[str | Path] | None = None,
    max_glitch_fraction: float = MAX_GLITCH_FRACTION,
    log: Callable[[str], None] | None = print,
) -> ConversionReport:
    """Convert every *.bvh under src (recursively; or src itself if it is a file) into dst/<clip>.npz.
    Unknown flavours and broken files are reported and skipped; clips already converted from the same source
    by this converter version are kept unless overwrite. Writes dst/manifest.json over all clips in dst."""
    t0 = time.perf_counter()
    src, dst = Path(src), Path(dst)
    if not src.exists():
        raise UserError(f"{src}: no such file or folder (expected a folder of BVH files)")
    files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.suffix.lower() == ".bvh")
    if not files:
        raise UserError(f"{src}: no .bvh files found")
    if dst.exists() and not dst.is_dir():
        raise UserError(f"{dst}: exists and is not a folder")
    base = src.parent if src.is_file() else src
    extra = [Path(p) for p in description_files or []]
    for p in extra:
        if not p.is_file():
            raise UserError(f"{p}: description file not found")
    descriptions = read_descriptions(find_description_files(src) + extra)
    log = log or (lambda _msg: None)
    report = ConversionReport()

    todo, seen = [], {}
    for f in files:
        _, clip = clip_ids(f)
        rel = f.relative_to(base).as_posix()
        if clip in seen:
            report.skipped.append((str(f), f"clip id {clip} already taken by {seen[clip]}"))
            log(f"skip {rel}: clip id {clip} already taken by {seen[clip]}")
            continue
        seen[clip] = rel
        out = dst / f"{safe_name(clip)}.npz"
        if not overwrite and out.exists() and _up_to_date(out, rel):
            report.kept.append(clip)
            continue
        todo.append((str(f), rel, descriptions.get(clip, ""), float(fps), float(max_glitch_fraction)))

    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_convert_one, todo))
    else:
        results = [_convert_one(t) for t in todo]
    for args, result in zip(todo, results):
        if isinstance(result, MocapClip):
            save_clip(result, dst)
            report.converted.append(result)
            i = result.info
            log(
                f"{result.clip}: {args[1]} ({result.flavour}, {i['source_frames']} frames at "
                f"{i['source_fps']:g} Hz -> {result.num_frames} at {fps:g}, height {i['standing_height_m']:.2f} m)"
            )
        else:
            report.skipped.append(result)
            log(f"skip {args[1]}: {result[1]}")
    if report.converted or report.kept:
        write_manifest(dst)
    report.seconds = time.perf_counter() - t0
    return report


def summarize(clips: list[MocapClip]) -> dict:
    """Per-subject clip and frame counts, and mean segment lengths against Human3.6M S1."""
    subjects: dict[str, dict] = {}
    for c in clips:
        s = subjects.setdefault(c.subject, {"clips": 0, "frames": 0, "seconds": 0.0})
        s["clips"] += 1
        s["frames"] += c.num_frames
        s["seconds"] = round(s["seconds"] + c.num_frames / c.fps, 2)
    lengths = np.mean([segment_lengths(c.positions.astype(np.float64)).mean(0) for c in clips], axis=0)
    return {
        "clips": len(clips),
        "frames": int(sum(c.num_frames for c in clips)),
        "subjects": dict(sorted(subjects.items())),
        "mean_segment_lengths_m": {
            f"{JOINT_NAMES[p]}-{JOINT_NAMES[c]}": round(float(v), 4) for (p, c), v in zip(SEGMENTS, lengths)
        },
        "h36m_s1_segment_lengths_m": {
            f"{JOINT_NAMES[p]}-{JOINT_NAMES[c]}": float(v) for (p, c), v in zip(SEGMENTS, H36M_LENGTHS)
        },
    }


def write_manifest(folder: str | Path) -> dict:
    """folder/manifest.json: every clip (subject, frames, fps, description, flavour, source, checks) and the
    summary."""
    folder = Path(folder)
    clips = load_clips(folder)
    manifest = {
        "format": "one npz per clip: positions (N, 17, 3) float32 world metres, z up, floor z = 0, "
        "Human3.6M-17 joint order; subject, clip, description, fps, flavour, source, info (json)",
        "summary": summarize(clips),
        "clips": [
            {
                "clip": c.clip,
                "subject": c.subject,
                "frames": c.num_frames,
                "fps": c.fps,
                "description": c.description,
                "flavour": c.flavour,
                "source": c.source,
                **c.info,
            }
            for c in clips
        ],
    }
    tmp = folder / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, folder / "manifest.json")
    return manifest
