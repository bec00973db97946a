"""The rare messages the app's worker threads send to the UI thread, one small class each, and the queue
that carries them (no Qt here). The UI drains the queue on its poll and dispatches on the event's type."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import get_args


@dataclass(frozen=True)
class ErrorEvent:
    """Something failed: shown to the user as a dialog."""

    title: str
    text: str


@dataclass(frozen=True)
class PlayingChanged:
    """The capture thread started or stopped playing (a pause, a step, the end of the file)."""

    playing: bool


@dataclass(frozen=True)
class FileFinished:
    """The lifter flushed the last frames of a file played to its end."""

    lifted: int  # frames lifted since the lift thread started


@dataclass(frozen=True)
class StatusMessage:
    """A message for the status bar; an empty text clears it."""

    text: str


@dataclass(frozen=True)
class ModelLoaded:
    """The lift thread finished building a lifter: the model now running ("" when none is) and its device."""

    model: str
    device: str


@dataclass(frozen=True)
class DetectorChanged:
    """The 2D detector now running ("" when none is)."""

    name: str


Event = ErrorEvent | PlayingChanged | FileFinished | StatusMessage | ModelLoaded | DetectorChanged
EVENT_TYPES: tuple[type, ...] = get_args(Event)


class Events:
    """A thread-safe queue of events for the UI: workers put(), the UI thread drain()s."""

    def __init__(self):
        self._q: queue.SimpleQueue = queue.SimpleQueue()

    def put(self, event: Event) -> None:
        self._q.put(event)

    def drain(self) -> list[Event]:
        out = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out
