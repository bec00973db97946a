"""Converted motion capture clips: the MocapClip record, clip ids from CMU file names, and the cache of one
npz file per clip (`diffhpe data mocap` writes it, the mocap datasets read it)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifting.errors import UserError

TARGET_FPS = 50.0  # frame rate of converted clips, Human3.6M's


@dataclass
class MocapClip:
    """One converted motion: Human3.6M-17 joint positions, world metres, z up, floor at z = 0."""

    subject: str  # CMU subject number, two digits ('09', '131')
    clip: str  # CMU trial id ('09_01')
    positions: np.ndarray  # (N, 17, 3) float32
    fps: float = TARGET_FPS
    description: str = ""
    flavour: str = ""
    source: str = ""  # the BVH path it came from (relative to the converted folder)
    info: dict = field(default_factory=dict)  # conversion facts: source fps/frames, dropped frames, checks

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])


_TRIAL = re.compile(r"(\d+)_(\d+)")


def clip_ids(path: str | Path) -> tuple[str, str]:
    """(subject, clip) from a CMU-style file name: '09_01.bvh' -> ('09', '09_01'), iClone '001_08.bvh' ->
    ('01', '01_08'), '60_01_scaled.bvh' -> ('60', '60_01'). Other names: (parent folder name, file stem)."""
    p = Path(path)
    m = _TRIAL.search(p.stem)
    if m:
        subject = f"{int(m.group(1)):02d}"
        return subject, f"{subject}_{int(m.group(2)):02d}"
    return safe_name(p.parent.name or "unknown"), safe_name(p.stem)


def safe_name(name: str) -> str:
    """name with every character outside [A-Za-z0-9_.-] replaced by '_', for file names."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def save_clip(clip: MocapClip, folder: str | Path) -> Path:
    """Write <folder>/<clip>.npz atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{safe_name(clip.clip)}.npz"
    tmp = folder / f".{out.name}.tmp"
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            positions=clip.positions.astype(np.float32),
            subject=clip.subject,
            clip=clip.clip,
            description=clip.description,
            fps=np.float64(clip.fps),
            flavour=clip.flavour,
            source=clip.source,
            info=json.dumps(clip.info),
        )
    os.replace(tmp, out)
    return out


def load_clip(path: str | Path) -> MocapClip:
    """Read one clip npz. Only 'positions' (N, 17, 3) is required (other converters' npz files load too):
    subject and clip default to the file name's CMU ids, fps to 50."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            pos = np.asarray(z["positions"], dtype=np.float32)
            subject, clip = clip_ids(p)
            text = {
                k: str(z[k]) for k in ("subject", "clip", "description", "flavour", "source") if k in z.files
            }
            fps = float(z["fps"]) if "fps" in z.files else TARGET_FPS
            info = json.loads(str(z["info"])) if "info" in z.files else {}
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(
            f"{p}: not a converted mocap clip ({exc}); make one with `diffhpe data mocap`"
        ) from None
    if pos.ndim != 3 or pos.shape[1:] != (17, 3):
        raise UserError(f"{p}: positions of shape {pos.shape}; expected (N, 17, 3)")
    text = {"subject": subject, "clip": clip, **text}
    return MocapClip(positions=pos, fps=fps, info=info, **text)


def load_clips(folder: str | Path) -> list[MocapClip]:
    """Every converted clip of a folder (its *.npz), sorted by clip id."""
    p = Path(folder)
    if not p.is_dir():
        raise UserError(f"{p}: no such folder; convert BVH files into it with `diffhpe data mocap SRC {p}`")
    files = sorted(p.glob("*.npz"))
    if not files:
        raise UserError(
            f"{p}: no converted clips (*.npz); convert BVH files with `diffhpe data mocap SRC {p}`"
        )
    return sorted((load_clip(f) for f in files), key=lambda c: c.clip)
