"""Frames for the command line: a video file or a webcam read with OpenCV, with errors a user can act on."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import numpy as np

from lifting.errors import UserError

DEFAULT_FPS = 30.0


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what native libraries print straight to file descriptor 2 (FFmpeg's "moov atom not found",
    MediaPipe's TFLite/absl start-up lines) for the duration; our own error message follows on its own."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class VideoReader:
    """Iterate (index, BGR frame (H, W, 3) uint8). `fps`, `size` (width, height), `frame_count` (0 if unknown)."""

    def __init__(self, capture, name: str, is_webcam: bool, first_frame: np.ndarray):
        import cv2

        self._cap = capture
        self.name = name
        self.is_webcam = is_webcam
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 1000.0 else DEFAULT_FPS
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if not is_webcam else 0
        self.frame_count = max(count, 0)
        self.size = (int(first_frame.shape[1]), int(first_frame.shape[0]))
        self.first_frame = first_frame  # (H, W, 3), e.g. to warm a detector up
        self._first: np.ndarray | None = first_frame

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        index = 0
        if self._first is not None:
            frame, self._first = self._first, None
            yield index, frame
            index += 1
        while True:
            ok, frame = self._cap.read()
            if not ok or frame is None:
                return
            yield index, frame
            index += 1

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_video(path: str | os.PathLike) -> VideoReader:
    """A video file, checked by decoding its first frame. UserError when it is missing or not a video."""
    import cv2

    p = Path(path)
    if not p.exists():
        raise UserError(f"video file not found: {p}")
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a video file")
    if not os.access(p, os.R_OK):
        raise UserError(f"cannot read {p}: permission denied")
    with quiet_native_stderr():
        cap = cv2.VideoCapture(str(p))
        ok, frame = cap.read() if cap.isOpened() else (False, None)
    if not cap.isOpened():
        cap.release()
        raise UserError(f"{p} is not a video OpenCV can read (unknown format or damaged file)")
    if not ok or frame is None or frame.ndim != 3:
        cap.release()
        raise UserError(f"{p} opened, but no frame could be decoded from it (not a video, or damaged)")
    return VideoReader(cap, p.name, is_webcam=False, first_frame=frame)


def open_webcam(index: int) -> VideoReader:
    """Camera `index` (0 = the first). UserError when there is no such camera or it delivers no frame."""
    import cv2

    if index < 0:
        raise UserError(f"webcam index must be 0 or more, got {index}")
    if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
        raise UserError(f"no webcam at index {index} (/dev/video{index} does not exist)")
    with quiet_native_stderr():
        cap = cv2.VideoCapture(index)
        ok, frame = cap.read() if cap.isOpened() else (False, None)
    if not cap.isOpened():
        cap.release()
        raise UserError(f"no webcam at index {index} (it could not be opened)")
    if not ok or frame is None:
        cap.release()
        raise UserError(f"webcam {index} opened but delivered no frame (in use by another program?)")
    return VideoReader(cap, f"webcam {index}", is_webcam=True, first_frame=frame)
