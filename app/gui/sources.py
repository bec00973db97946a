"""Frame sources for the app: a video file (seekable) or a webcam, both read with OpenCV."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np

from lifting.errors import UserError

WEBCAM_INDICES = range(5)


class VideoSource:
    """Frames from a file or a camera. `read()` -> (frame index, BGR (H, W, 3)) or None at the end."""

    def __init__(self, capture: cv2.VideoCapture, name: str, is_file: bool):
        self._cap = capture
        self.name = name
        self.is_file = is_file
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        self.frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if is_file else 0
        self.size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self.position = 0  # index of the next frame read()

    def read(self) -> tuple[int, np.ndarray] | None:
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        index = self.position
        self.position += 1
        return index, frame

    def skip(self, n: int) -> int:
        """Drop up to n frames without decoding them to images; returns how many were skipped."""
        done = 0
        while done < n and self._cap.grab():
            done += 1
        self.position += done
        return done

    def seek(self, index: int) -> None:
        if not self.is_file:
            return
        index = max(0, min(index, max(self.frame_count - 1, 0)))
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        self.position = index

    def release(self) -> None:
        self._cap.release()


def open_video(path: str | os.PathLike) -> VideoSource:
    """Open a video file; UserError when it is missing or not a readable video (the CLI's checks and
    messages, app.video; the app needs its own reader for seeking)."""
    from app import video

    video.open_video(path).close()
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise UserError(f"{path} could not be opened as a video")
    return VideoSource(cap, Path(path).name, is_file=True)


def probe_webcams(indices=WEBCAM_INDICES) -> list[int]:
    """Camera indices that open and deliver a frame."""
    found = []
    for i in indices:
        if sys.platform.startswith("linux") and not Path(f"/dev/video{i}").exists():
            continue  # V4L2 would only print warnings for a device that isn't there
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened() and cap.read()[0]:
                found.append(i)
        finally:
            cap.release()
    return found


def open_webcam(index: int) -> VideoSource:
    if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
        raise UserError(f"no webcam at index {index} (/dev/video{index} does not exist)")
    cap = cv2.VideoCapture(index)
    if not cap.isOpened() or not cap.read()[0]:
        cap.release()
        raise UserError(f"webcam {index} could not be opened (in use by another program, or unplugged?)")
    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not one queued in the driver
    return VideoSource(cap, f"webcam {index}", is_file=False)
