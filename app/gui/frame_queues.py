"""What the app's worker threads hand each other and the UI (no Qt here): frame packets, in-band markers,
lift outputs, and the thread-safe containers that carry them: a one-slot Mailbox for the newest frame, a
bounded OutputBuffer for 3D results, the FrameQueue between capture and lift, and a RateMeter."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lifting.keypoints import Keypoints2D, LiftResult

LIFT_QUEUE_FRAMES = 24  # room for a burst of interpolated frames (app.gui.detect_gaps) and the lifter's slack


@dataclass
class FramePacket:
    """One captured frame, its 2D detection and a display-sized RGB copy."""

    index: int  # frame number in the source
    time_s: float
    image: np.ndarray  # (h, w, 3) RGB uint8, at most DISPLAY_MAX_SIDE pixels on its long side
    scale: float  # display pixels per source pixel
    keypoints: Keypoints2D | None
    detect_ms: float
    captured_at: float  # time.perf_counter() when read
    stepped: bool = False  # read for a step or a seek while paused (shown at once, not with its pose)


@dataclass
class Marker:
    """In-band message to the lift thread: 'reset' (discontinuity: seek, new detector) or 'end' (of file)."""

    kind: str


@dataclass
class LiftOutput:
    """A LiftResult whose `frame` is the source frame number, with the frame it came from and the
    wall-clock latency (capture to 3D)."""

    result: LiftResult
    packet: FramePacket
    latency_ms: float


class Mailbox:
    """A single slot holding the newest value; take() empties it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value = None

    def put(self, value) -> None:
        with self._lock:
            self._value = value

    def take(self):
        with self._lock:
            value, self._value = self._value, None
            return value


class OutputBuffer:
    """Every LiftOutput for the UI, oldest first; at most `max_items` (the oldest are dropped)."""

    def __init__(self, max_items: int = 512):
        self._lock = threading.Lock()
        self._items: deque = deque(maxlen=max_items)

    def put(self, item) -> None:
        with self._lock:
            self._items.append(item)

    def drain(self) -> list:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            return items


class FrameQueue:
    """Bounded queue of FramePackets and Markers. In real-time mode a full queue drops its oldest frame;
    otherwise put() waits for room. Markers are never dropped."""

    def __init__(self, max_frames: int = LIFT_QUEUE_FRAMES):
        self.max_frames = max_frames
        self._items: deque = deque()
        self._cond = threading.Condition()
        self.dropped = 0

    def _frames(self) -> int:
        return sum(isinstance(x, FramePacket) for x in self._items)

    def put(self, item, drop_oldest: bool, should_stop: Callable[[], bool] = lambda: False) -> bool:
        with self._cond:
            if isinstance(item, FramePacket):
                while self._frames() >= self.max_frames:
                    if drop_oldest:
                        oldest = next(i for i, x in enumerate(self._items) if isinstance(x, FramePacket))
                        del self._items[oldest]
                        self.dropped += 1
                    elif should_stop():
                        return False
                    else:
                        self._cond.wait(0.05)
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self, timeout: float):
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def clear_frames(self) -> None:
        with self._cond:
            self._items = deque(x for x in self._items if not isinstance(x, FramePacket))
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return self._frames()


class RateMeter:
    """Events per second over the last ~`window_s` seconds (and at most the last `max_events` events); 0 when
    none came for a second."""

    def __init__(self, window_s: float = 2.0, max_events: int | None = None):
        self._t: deque[float] = deque(maxlen=max_events)
        self._window = window_s

    def tick(self) -> None:
        now = time.perf_counter()
        self._t.append(now)
        while self._t and now - self._t[0] > self._window:
            self._t.popleft()

    @property
    def rate(self) -> float:
        t = list(self._t)
        if len(t) < 2 or time.perf_counter() - t[-1] > 1.0:
            return 0.0
        return (len(t) - 1) / max(t[-1] - t[0], 1e-6)
