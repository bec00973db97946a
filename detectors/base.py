"""The one interface every 2D pose detector implements, and a small per-frame timer they share."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

import numpy as np

from lifting.keypoints import Keypoints2D


@runtime_checkable
class Detector(Protocol):
    """A 2D pose detector for one tracked person, output in the H36M-17 layout.

    `detect` takes one BGR frame (H, W, 3) uint8, as OpenCV reads it, and returns the tracked person's
    keypoints in pixels with confidences in [0, 1], or None when nobody is in view. Frames of one video must
    be passed in order; call `reset()` before the frames of another video (detectors keep temporal state).
    `ms_per_frame` is the running mean wall time of `detect` since construction (the first, warm-up call is
    left out once there are others); `Keypoints2D.detector_ms` holds each frame's own time.
    """

    name: str

    def detect(self, frame_bgr: np.ndarray) -> Keypoints2D | None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    @property
    def ms_per_frame(self) -> float: ...


class FrameTimer:
    """Running mean of per-frame wall time in milliseconds; the first (warm-up) frame counts only alone."""

    def __init__(self) -> None:
        self.frames = 0
        self.first_ms = 0.0
        self.total_ms = 0.0  # frames after the first
        self.last_ms = 0.0
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.perf_counter()

    def stop(self) -> float:
        """Ends the frame begun by `start()` and returns its time in ms."""
        self.last_ms = (time.perf_counter() - self._t0) * 1000.0
        if self.frames == 0:
            self.first_ms = self.last_ms
        else:
            self.total_ms += self.last_ms
        self.frames += 1
        return self.last_ms

    @property
    def mean_ms(self) -> float:
        if self.frames == 0:
            return 0.0
        if self.frames == 1:
            return self.first_ms
        return self.total_ms / (self.frames - 1)


def check_frame(frame_bgr: np.ndarray) -> np.ndarray:
    """Validates a BGR frame (H, W, 3) uint8 and returns it contiguous."""
    from lifting.errors import UserError

    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
        shape = getattr(frame_bgr, "shape", type(frame_bgr).__name__)
        raise UserError(f"a detector takes a BGR image of shape (H, W, 3), got {shape}")
    if frame_bgr.dtype != np.uint8:
        raise UserError(f"a detector takes a uint8 image, got {frame_bgr.dtype}")
    return np.ascontiguousarray(frame_bgr)


def bbox_of(xy: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """(N, 2) pixel points -> (4,) x0, y0, x1, y1 of their extent, clipped to the image."""
    w, h = image_size
    x0, y0 = np.min(xy, axis=0)
    x1, y1 = np.max(xy, axis=0)
    return np.array([np.clip(x0, 0, w), np.clip(y0, 0, h), np.clip(x1, 0, w), np.clip(y1, 0, h)], np.float32)
