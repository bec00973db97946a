"""The window schedule of `lifting.stream.StreamingLifter`: which windows to compute as frames arrive, which
frames become ready after them, and the average of the computed windows over each frame.

Planning depends only on frame counts and options, never on results, so offline lifting can plan a whole clip
first and compute its windows in batches (see the rule in `lifting.stream`'s docstring)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


class WindowSchedule:
    """Frame numbers and the windows planned over them; a window is named by its end frame."""

    def __init__(self, window: int):
        self.window = window
        self.reset()

    def reset(self) -> None:
        self.frames = 0  # frames appended; the next one gets this number
        self.pending: deque[int] = deque()  # frames not emitted yet, oldest first
        self.next_end = 0  # a window ends at the first frame at or after this one
        self.last_end: int | None = None

    def append(self) -> int:
        """Number the next frame and queue it."""
        f = self.frames
        self.frames += 1
        self.pending.append(f)
        return f

    def restride(self, stride: int) -> None:
        """The stride changed: the next window is `stride` frames after the last one."""
        if self.last_end is not None:
            self.next_end = self.last_end + stride

    def plan_push(self, e: int, stride: int, lookahead: int) -> tuple[list[int], list[int]]:
        """(window ends to compute, frames to emit after them) now that frame e has arrived: a window every
        `stride` frames, or sooner when the oldest waiting frame is about to leave the window; then every frame at
        least `lookahead` frames older than e is ready."""
        leaving = bool(self.pending) and self.pending[0] <= e - self.window + 1
        if not (e >= self.next_end or leaving):
            return [], []
        self.next_end = e + stride
        self.last_end = e
        emit = []
        while self.pending and self.pending[0] <= e - lookahead:
            emit.append(self.pending.popleft())
        return [e], emit

    def plan_flush(self, stride: int) -> tuple[list[int], list[int]]:
        """(window ends, frames to emit) when the stream ends: a last window at the newest frame, unless one ends
        there already, then every waiting frame."""
        newest = self.frames - 1
        if not self.pending:
            return [], []
        ends = []
        if self.last_end != newest:
            ends = [newest]
            self.last_end, self.next_end = newest, newest + stride
        emit = list(self.pending)
        self.pending.clear()
        return ends, emit


@dataclass
class WindowOutput:
    """One computed window."""

    pose: np.ndarray  # (L, J, 3)
    std: np.ndarray  # (L, J)
    mixste: np.ndarray  # (L, J, 3)
    ms: float  # compute time per window of the batch it was computed in


class FrameSum:
    """The sum of the windows computed over one frame so far."""

    __slots__ = ("count", "mixste", "ms", "pose", "std")

    def __init__(self, j: int):
        self.pose = np.zeros((j, 3))
        self.std = np.zeros(j)
        self.mixste = np.zeros((j, 3))
        self.count = 0
        self.ms = 0.0  # of the newest window


class OverlapAverage:
    """Sums the computed windows over each frame that is not out yet, until the frame is taken."""

    def __init__(self, window: int, joints: int):
        self.window, self.joints = window, joints
        self.reset()

    def reset(self) -> None:
        self._sums: dict[int, FrameSum] = {}
        self.emitted = 0  # every frame before this one has been taken

    def add(self, end: int, win: WindowOutput) -> None:
        """Add the window ending at frame `end` to the frames it covers that are not out yet."""
        start = end - self.window + 1
        for f in range(max(start, self.emitted), end + 1):
            acc = self._sums.get(f)
            if acc is None:
                acc = self._sums[f] = FrameSum(self.joints)
            i = f - start
            acc.pose += win.pose[i]
            acc.std += win.std[i]
            acc.mixste += win.mixste[i]
            acc.count += 1
            acc.ms = win.ms

    def take(self, frames: list[int]) -> list[FrameSum]:
        """The sums of `frames` (consecutive, oldest first), which are out from now on."""
        sums = [self._sums.pop(f) for f in frames]
        if frames:
            self.emitted = frames[-1] + 1
        return sums
