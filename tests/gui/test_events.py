"""The messages the app's worker threads send the UI: one class each, all handled by the main window."""

from __future__ import annotations

from app.gui.events import (
    EVENT_TYPES,
    DetectorChanged,
    ErrorEvent,
    Events,
    ModelLoaded,
    PlayingChanged,
    StatusMessage,
)
from app.gui.frame_queues import FrameQueue, Mailbox, OutputBuffer
from app.gui.pipeline import CaptureThread, LifterSpec, LiftThread
from lifting.errors import UserError


def test_events_drain_in_order_and_empty_the_queue():
    events = Events()
    events.put(StatusMessage("loading"))
    events.put(PlayingChanged(True))
    assert events.drain() == [StatusMessage("loading"), PlayingChanged(True)]
    assert events.drain() == []


def test_the_main_window_has_a_handler_for_every_event():
    from app.gui.main_window import MainWindow

    assert set(MainWindow.EVENT_HANDLERS) == set(EVENT_TYPES)


def test_a_model_that_fails_to_load_is_reported_as_events():
    def failing_factory(spec):
        raise UserError(f"{spec.model} is not a checkpoint")

    events = Events()
    spec = LifterSpec("bad.safetensors", "cpu")
    lift = LiftThread(spec, failing_factory, FrameQueue(), OutputBuffer(), events, fps=30.0)
    lift._build(spec, initial=True)  # what the thread does first, here without the thread
    assert events.drain() == [
        StatusMessage("loading model bad.safetensors on cpu ..."),
        ErrorEvent(
            "Model failed to load", "bad.safetensors is not a checkpoint\n\nNo 3D pose until a model loads."
        ),
        ModelLoaded("", "cpu"),
        StatusMessage(""),
    ]


class _NoSource:
    """Stands in for a VideoSource the commands below never read."""

    is_file = True


def test_capture_commands_report_playing_and_a_failed_detector_as_events():
    def failing_detector(name):
        raise ImportError(f"{name} is not installed")

    events = Events()
    capture = CaptureThread(
        _NoSource(), "mediapipe", FrameQueue(), Mailbox(), events, detector_factory=failing_detector
    )
    capture._handle(("play",))
    capture._handle(("pause",))
    capture._handle(("detector", "rtmpose"))
    assert events.drain() == [
        PlayingChanged(True),
        PlayingChanged(False),
        ErrorEvent(
            "Detector failed",
            "The 'rtmpose' detector could not start: rtmpose is not installed\n(no 2D skeleton will be shown)",
        ),
        DetectorChanged(""),
    ]
