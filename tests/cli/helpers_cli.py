"""Helpers for the command-line tests: run `diffhpe`, write small videos."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "sample.mp4"


def diffhpe(*args, timeout=600, cwd=None):
    exe = REPO / ".venv" / "bin" / "diffhpe"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    return subprocess.run(
        cmd + [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        check=False,
    )


def write_video(path: Path, frames, fps=30.0) -> Path:
    import cv2

    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert out.isOpened()
    for f in frames:
        out.write(f)
    out.release()
    return path
