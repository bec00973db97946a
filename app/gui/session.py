"""What the app plays and the threads that play it (no Qt here): the lift thread for the app's lifetime, a
capture thread for each opened source, the queues between them and the UI, and the playback commands."""

from __future__ import annotations

from collections.abc import Callable

from app.gui.events import Events
from app.gui.frame_queues import FrameQueue, Mailbox, Marker, OutputBuffer
from app.gui.pipeline import CaptureThread, LifterSpec, LiftThread
from app.gui.sources import VideoSource


class Session:
    """Owns the worker threads. `playing` is what the UI shows: set at once by a command, and again when the
    capture thread reports it (a PlayingChanged event); `on_playing` hears every change."""

    def __init__(
        self,
        spec: LifterSpec,
        lifter_factory: Callable[[LifterSpec], object],
        on_playing: Callable[[bool], None] = lambda playing: None,
    ):
        self.frames = Mailbox()  # the newest captured frame, for display
        self.poses = OutputBuffer()  # every 3D result, for display
        self.events = Events()  # rare messages from both threads
        self.queue = FrameQueue()  # capture -> lift
        self.lift = LiftThread(spec, lifter_factory, self.queue, self.poses, self.events, fps=30.0)
        self.source: VideoSource | None = None
        self.capture: CaptureThread | None = None
        self.playing = False
        self._on_playing = on_playing
        self._model_ready = False
        self._play_when_ready = False

    def start(self) -> None:
        self.lift.start()

    def stop(self) -> None:
        """Stop every worker thread and release the source."""
        self.stop_capture()
        self.lift.stop()

    @property
    def has_file(self) -> bool:
        """A video file is open (it can seek and step, a webcam can't)."""
        return self.capture is not None and self.source is not None and self.source.is_file

    # --- sources -------------------------------------------------------------------------------------
    def stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.stop()  # releases its source (and the webcam) on its own thread
            self.capture = None
        self.source = None

    def open(self, source: VideoSource, detector: str, realtime: bool, autoplay: bool) -> None:
        """Play `source` on a new capture thread: the previous one stops, what it left in the queues is
        dropped and the lifter starts afresh (a reset, an empty recording). A file starts paused on its
        first frame unless `autoplay`; a webcam always plays."""
        self.stop_capture()
        self.queue.clear_frames()
        self.queue.put(Marker("reset"), drop_oldest=True)
        self.lift.clear_recording()
        self.lift.fps = source.fps
        self.frames.take()
        self.poses.drain()
        self.source = source
        self.capture = CaptureThread(
            source, detector, self.queue, self.frames, self.events, realtime=realtime
        )
        self.capture.start()
        if not (autoplay or not source.is_file):
            self.capture.step()
        elif self._model_ready:
            self.capture.play()
        else:  # start when the model has loaded, or the first seconds would be lifted by nobody
            self.capture.step()
            self._play_when_ready = True

    def model_loaded(self) -> None:
        """The lift thread built its lifter (or failed for good): either way playback may start."""
        self._model_ready = True
        if self._play_when_ready and self.capture is not None:
            self._play_when_ready = False
            self.play()

    # --- playback ------------------------------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        self._on_playing(playing)

    def toggle_play(self) -> None:
        if self.capture is None:
            return
        if self.playing:
            self.capture.pause()
        else:
            self.capture.play()
        self.set_playing(not self.playing)

    def play(self) -> None:
        if self.capture is not None:
            self.capture.play()
            self.set_playing(True)

    def pause(self) -> None:
        if self.capture is not None:
            self.capture.pause()
            self.set_playing(False)

    def step(self) -> None:
        if self.has_file:
            self.capture.step()
            self.set_playing(False)

    def seek(self, index: int) -> None:
        if self.has_file:
            self.capture.seek(int(index))

    def set_realtime(self, realtime: bool) -> None:
        if self.capture is not None:
            self.capture.set_realtime(realtime)

    def set_detector(self, name: str) -> None:
        if self.capture is not None:
            self.capture.set_detector(name)
