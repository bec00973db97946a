"""Real-time playback that keeps every frame when the 2D detector is slower than the video (no Qt here).

A frame read while the capture thread is late is shown and lifted like any other, but not detected: it is
held until the next detection, and its 2D keypoints are then interpolated between the detections on either
side. The lifter so sees the video at its own frame rate (the rate its windows were trained on) instead of
a sequence with holes, at the cost of one detection interval of extra latency."""

from __future__ import annotations

import dataclasses

import numpy as np

from app.gui.frame_queues import FramePacket
from lifting.keypoints import interpolate_keypoints

# At most this many frames in a row go undetected; the next one is detected whatever the clock says.
MAX_GAP_FRAMES = 8


class DetectionGaps:
    """The frames read without detection since the last detected one, in order. `resolve` is given the
    next detected frame and returns the held frames, their keypoints interpolated, followed by it."""

    def __init__(self, max_gap: int = MAX_GAP_FRAMES):
        if max_gap < 0:
            raise ValueError(f"max_gap must be >= 0, got {max_gap}")
        self.max_gap = max_gap
        self._last: FramePacket | None = None  # the newest detected frame handed out
        self._held: list[FramePacket] = []
        self._newest_image: np.ndarray | None = None  # full-size BGR of the newest held frame, for a flush
        self.interpolated = 0  # frames given interpolated keypoints, since the start

    @property
    def pending(self) -> int:
        return len(self._held)

    @property
    def tracking(self) -> bool:
        """True once a frame was detected since the start or the last `clear`: only then may one be held."""
        return self._last is not None

    @property
    def full(self) -> bool:
        """True when the next frame must be detected."""
        return len(self._held) >= self.max_gap

    def hold(self, packet: FramePacket, frame_bgr: np.ndarray) -> None:
        """Keep an undetected frame until the next detection (only the newest one's image is kept)."""
        if self.full:
            raise RuntimeError("the gap is full: detect this frame")
        self._held.append(packet)
        self._newest_image = frame_bgr

    def take_newest(self) -> tuple[FramePacket, np.ndarray] | None:
        """Remove and return the newest held frame with its image, to be detected and passed to `resolve`
        (pause, end of file, a new detector): so no held frame is left without keypoints."""
        if not self._held:
            return None
        packet, image = self._held.pop(), self._newest_image
        self._newest_image = None
        return packet, image

    def resolve(self, detected: FramePacket) -> list[FramePacket]:
        """The held frames with interpolated keypoints, then `detected` itself (whose keypoints, possibly
        None, are the detector's). Frames are interpolated by their index, so a skipped frame in between
        does not bend the motion."""
        out = []
        prev = self._last
        for p in self._held:
            if prev is None or detected.index <= prev.index:
                kp = None  # nothing detected before this gap (start, seek): no person rather than a guess
            else:
                t = (p.index - prev.index) / (detected.index - prev.index)
                kp = interpolate_keypoints(prev.keypoints, detected.keypoints, t)
            out.append(dataclasses.replace(p, keypoints=kp, detect_ms=0.0))
        self.interpolated += len(self._held)
        self._held.clear()
        self._newest_image = None
        self._last = detected
        out.append(detected)
        return out

    def clear(self) -> None:
        """A discontinuity (seek, new source): the held frames are dropped and the next detection starts a
        new track."""
        self._held.clear()
        self._newest_image = None
        self._last = None
