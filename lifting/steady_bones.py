"""One skeleton for a stream: every output pose takes the same left/right-symmetric segment lengths.

A person's bones do not change length from frame to frame, and their left and right limbs are (nearly) the same
length, but a lifter's poses, each window sampled on its own, stretch and shrink them (held-out mocap streams:
segment-length std 5-7 mm, left/right gap 16 mm; the real-video reference 19 and 33 mm). `SteadyBones` keeps the
running mean of each segment's length over the frames where the person was seen, averages each left segment with
its right twin, and rebuilds every pose outwards from the pelvis along its own bone directions with those lengths
(`conform_segments`): the directions stay the lifter's, only the lengths become one skeleton's.

It is causal, like the stream: a frame is conformed with the lengths of the frames up to it. Past `horizon` seen
frames the mean forgets at that rate (an exponential mean), so a long webcam session follows a new person."""

from __future__ import annotations

import numpy as np

from lifting.data.mocap_geometry import conform_segments, symmetric_segments
from lifting.skeleton import segment_lengths

HORIZON_FRAMES = 1500  # ~50 s at 30 fps: the running mean's memory once that many frames are seen


class SteadyBones:
    """Running symmetric segment lengths of a stream, and poses conformed to them."""

    def __init__(self, horizon: int = HORIZON_FRAMES):
        if horizon < 1:
            raise ValueError(f"horizon must be at least 1 frame, got {horizon}")
        self.horizon = int(horizon)
        self.reset()

    def reset(self) -> None:
        self.frames = 0  # seen frames averaged so far
        self._mean: np.ndarray | None = None  # (16,) metres, SEGMENTS order

    def update(self, pose: np.ndarray) -> None:
        """Add one seen frame's pose (17, 3) to the mean (a pose with a non-finite joint is skipped)."""
        pose = np.asarray(pose, np.float64)
        if not np.all(np.isfinite(pose)):
            return
        lengths = segment_lengths(pose)  # (16,)
        self.frames += 1
        if self._mean is None:
            self._mean = lengths
        else:
            self._mean = self._mean + (lengths - self._mean) / min(self.frames, self.horizon)

    @property
    def lengths(self) -> np.ndarray | None:
        """(16,) metres, SEGMENTS order, each left segment equal to its right twin; None before any frame."""
        if self._mean is None:
            return None
        return symmetric_segments(self._mean)

    def apply(self, pose: np.ndarray) -> np.ndarray:
        """pose (17, 3) root-relative -> the same bone directions with the steady lengths (unchanged before any
        frame was seen)."""
        lengths = self.lengths
        if lengths is None:
            return np.asarray(pose, np.float64)
        return conform_segments(np.asarray(pose, np.float64), lengths)
