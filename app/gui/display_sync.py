"""Keeping the video in step with the 3D pose (no Qt here): on every UI tick, which captured frames to show
and which 3D results are due. The lifter emits its results a window at a time and seconds late, so each
result is held back until a constant delay after its frame was captured, and in sync mode the video frame
waits for its pose."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gui.frame_queues import FramePacket, LiftOutput

# In sync mode, the newest frame is shown anyway when no pose came for this long (or for twice the delay).
SYNC_GIVE_UP_S = 1.0
MAX_PENDING = 1024  # 3D results waiting for their display time; the oldest are dropped beyond this


class DisplayDelay:
    """How long after capture a 3D result is shown: the worst capture-to-result latency of the last few
    seconds, so results that arrive in bursts are spread out again."""

    def __init__(self, window_s: float = 3.0):
        self._window = window_s
        self._samples: deque[tuple[float, float]] = deque()

    def add(self, now: float, latency_s: float) -> None:
        self._samples.append((now, latency_s))

    def value(self, now: float) -> float:
        while self._samples and now - self._samples[0][0] > self._window:
            self._samples.popleft()
        return max((lat for _, lat in self._samples), default=0.0)


@dataclass
class DisplayUpdate:
    """What one UI tick shows: video frames, in the order to show them (the last one stays on screen), and
    the 3D results now due, oldest first."""

    frames: list[FramePacket] = field(default_factory=list)
    poses: list[LiftOutput] = field(default_factory=list)


class DisplaySync:
    """Decides what the UI shows on each tick. Without sync, every new frame is shown at once. In sync mode
    a frame read while playing is held until its pose is due, then shown with it; a frame read for a step
    or a seek is shown at once. A held frame is shown anyway when poses stop coming (no model, a stall), so
    the video never freezes."""

    def __init__(self, give_up_s: float = SYNC_GIVE_UP_S, max_pending: int = MAX_PENDING):
        self.give_up_s = give_up_s
        self.delay = DisplayDelay()
        self._pending: deque[LiftOutput] = deque(maxlen=max_pending)  # waiting for their display time
        self._held: FramePacket | None = None  # newest captured frame not shown yet (sync mode)
        self._last_pose_at = 0.0

    @property
    def pending(self) -> int:
        """How many 3D results wait for their display time."""
        return len(self._pending)

    def delay_s(self, now: float) -> float:
        """The current display delay: capture to 3D on screen."""
        return self.delay.value(now)

    def reset(self) -> None:
        """A new source: nothing pending, no frame held."""
        self._pending.clear()
        self._held = None

    def clear_pending(self) -> None:
        """A seek: the results waiting are for frames no longer played."""
        self._pending.clear()

    def update(
        self,
        now: float,
        packet: FramePacket | None,
        outputs: list[LiftOutput],
        *,
        sync: bool,
        playing: bool,
        shown: FramePacket | None,
    ) -> DisplayUpdate:
        """One UI tick at time `now` (perf_counter seconds): `packet` is the newest captured frame since the
        last tick (None: none), `outputs` the 3D results lifted since then, `shown` the frame on screen."""
        update = DisplayUpdate()
        if packet is not None:
            if sync and not packet.stepped:
                self._held = packet  # shown with its pose
            else:
                self._show(update, packet)  # a step or a seek shows its frame at once
        for out in outputs:
            self.delay.add(now, now - out.packet.captured_at)
            self._pending.append(out)
        update.poses = self._due(now)
        if update.poses:
            self._last_pose_at = now
            newest = update.poses[-1].packet
            if sync and (playing or shown is None or newest.index > shown.index):
                self._show(update, newest)
        stalled = playing and now - self._last_pose_at > max(self.give_up_s, 2 * self.delay.value(now))
        on_screen = update.frames[-1] if update.frames else shown
        if (
            self._held is not None
            and (not sync or stalled)
            and (on_screen is None or self._held.index > on_screen.index)
        ):
            self._show(update, self._held)  # no poses coming (no model, seek): don't freeze the video
        return update

    def _show(self, update: DisplayUpdate, packet: FramePacket) -> None:
        if self._held is not None and packet.index >= self._held.index:
            self._held = None
        update.frames.append(packet)

    def _due(self, now: float) -> list[LiftOutput]:
        """The 3D results to show now: each one a constant delay after its frame was captured (the recent
        worst latency), so poses that the lifter emits a window at a time still play smoothly, at the pace
        the frames came in. The delay decays to zero within seconds once results stop coming."""
        delay = self.delay.value(now)
        due = []
        while self._pending and self._pending[0].packet.captured_at + delay <= now:
            due.append(self._pending.popleft())
        return due
