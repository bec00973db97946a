"""The app's worker threads: capture+detect and lift, joined by a bounded queue (no Qt here).

The UI thread never waits on them: the capture thread publishes the newest frame into a Mailbox (one slot,
older frames are overwritten), the lift thread every 3D result into an OutputBuffer (bounded), and both their
rare events (app.gui.events) into an Events queue; the UI polls them on a timer."""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2

from app.detection import open_detector
from app.gui.detect_gaps import DetectionGaps
from app.gui.events import (
    DetectorChanged,
    ErrorEvent,
    Events,
    FileFinished,
    ModelLoaded,
    PlayingChanged,
    StatusMessage,
)
from app.gui.frame_queues import FramePacket, FrameQueue, LiftOutput, Mailbox, Marker, OutputBuffer, RateMeter
from app.gui.sources import VideoSource
from lifting.errors import UserError
from lifting.keypoints import LiftResult

DISPLAY_MAX_SIDE = 960  # frames are shrunk for display on the capture thread, not the UI thread
# Real-time playback of a file: a frame read more than this fraction of a frame period after its time is
# not detected but interpolated (app.gui.detect_gaps), so the detector runs as often as the machine allows.
LATE_FRACTION = 0.5
# ... and frames are skipped only when the reader is this far behind (a stall of the machine); without a
# detector, one frame period.
CATCH_UP_S = 0.25


class CaptureThread(threading.Thread):
    """Reads frames (paced to the video's rate in real-time mode), runs the 2D detector, shows each frame
    and hands it to the lift queue. Playing a file in real time, a frame read late is not detected: its
    keypoints are interpolated once the next detection is in (`gaps`), so no frame is lost while the reader
    keeps up; frames are skipped only when even reading falls behind."""

    def __init__(
        self,
        source: VideoSource,
        detector_name: str,
        lift_queue: FrameQueue,
        frames: Mailbox,
        events: Events,
        realtime: bool = True,
        detector_factory: Callable[[str], object] = open_detector,
    ):
        super().__init__(name="diffhpe-capture", daemon=True)
        self.source = source
        self.detector_name = detector_name
        self._detector_factory = detector_factory
        self._queue, self._frames, self._events = lift_queue, frames, events
        self.realtime = realtime
        self._cond = threading.Condition()
        self._commands: deque[tuple] = deque()
        self._stopping = False
        self.playing = False
        self.at_end = False
        self._steps = 0
        self._clock: tuple[float, int] | None = None  # (perf_counter, frame index) where pacing started
        self.detector = None
        self.detect_ms = 0.0
        self.skipped = 0
        self.processed = 0
        self.gaps = DetectionGaps()
        self.meter = RateMeter()
        self.stop_until: int | None = None  # pause before this frame (tests and the screenshot script)

    # --- called from the UI thread -------------------------------------------------------------------
    def _command(self, *cmd) -> None:
        with self._cond:
            self._commands.append(cmd)
            self._cond.notify()

    def play(self) -> None:
        self._command("play")

    def pause(self) -> None:
        self._command("pause")

    def step(self) -> None:
        self._command("step")

    def seek(self, index: int) -> None:
        self._command("seek", index)

    def set_realtime(self, realtime: bool) -> None:
        self._command("realtime", realtime)

    def set_detector(self, name: str) -> None:
        self._command("detector", name)

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self.is_alive():
            self.join(timeout)

    # --- the thread ----------------------------------------------------------------------------------
    def _stop_requested(self) -> bool:
        return self._stopping

    def run(self) -> None:
        try:
            self._open_detector(self.detector_name, initial=True)
            self._loop()
        except Exception as exc:  # noqa: BLE001 - a bug here must reach the user as a dialog, not kill the app
            self._events.put(ErrorEvent("Capture stopped", f"{type(exc).__name__}: {exc}"))
        finally:
            if self.detector is not None:
                self.detector.close()
            self.source.release()  # frees the webcam

    def _open_detector(self, name: str, initial: bool = False) -> None:
        try:
            detector = self._detector_factory(name)
        except (UserError, ImportError, ValueError, KeyError, RuntimeError, OSError) as exc:
            what = "keeping the previous one" if self.detector is not None else "no 2D skeleton will be shown"
            self._events.put(
                ErrorEvent("Detector failed", f"The {name!r} detector could not start: {exc}\n({what})")
            )
            self._events.put(DetectorChanged(self.detector_name if self.detector is not None else ""))
            return
        if self.detector is not None:
            self.detector.close()
        self.detector, self.detector_name = detector, name
        if not initial:
            self._queue.put(Marker("reset"), drop_oldest=True)
        self._events.put(DetectorChanged(name))

    def _handle(self, cmd: tuple) -> bool:
        """Apply one command; True when a single frame should be read now (step / seek)."""
        kind = cmd[0]
        if kind == "play":
            if self.at_end and self.source.is_file:
                self._seek(0)
            self.playing, self._clock = True, None
            self._events.put(PlayingChanged(True))
        elif kind == "pause":
            self._flush_gap()
            self.playing = False
            self._events.put(PlayingChanged(False))
        elif kind == "step":
            if self.playing:
                self._flush_gap()
                self.playing = False
                self._events.put(PlayingChanged(False))
            return not self.at_end
        elif kind == "seek":
            self._seek(cmd[1])
            return True
        elif kind == "realtime":
            self._flush_gap()
            self.realtime, self._clock = bool(cmd[1]), None
        elif kind == "detector" and (cmd[1] != self.detector_name or self.detector is None):
            self._flush_gap()
            self.gaps.clear()  # no interpolation between two detectors' keypoints
            self._open_detector(cmd[1])
        return False

    def _seek(self, index: int) -> None:
        self.source.seek(index)
        self.at_end, self._clock = False, None
        self.gaps.clear()
        self._queue.clear_frames()
        self._queue.put(Marker("reset"), drop_oldest=True)
        if self.detector is not None:
            self.detector.reset()

    def _loop(self) -> None:
        while True:
            read_one = False
            with self._cond:
                while not self._stopping and not self._commands and not self.playing:
                    self._cond.wait(0.2)
                if self._stopping:
                    return
                commands = list(self._commands)
                self._commands.clear()
            for cmd in commands:
                read_one |= self._handle(cmd)
            if self.playing and self.stop_until is not None and self.source.position >= self.stop_until:
                self._flush_gap()
                self.playing = False
                self._events.put(PlayingChanged(False))
            if not (self.playing or read_one):
                continue
            if self.playing and self.realtime and self.source.is_file:
                self._pace()
                if self._stopping:
                    return
            self._process_next(stepped=not self.playing)

    def _pace(self) -> None:
        """Wait for the next frame's time; skip frames when too far behind: more than one frame period
        without a detector, CATCH_UP_S with one (late frames are read but not detected, which catches up)."""
        period = 1.0 / self.source.fps
        now = time.perf_counter()
        if self._clock is None:
            self._clock = (now, self.source.position)
            return
        t0, i0 = self._clock
        due = t0 + (self.source.position - i0) * period
        if now < due:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or bool(self._commands), timeout=due - now)
        elif now - due > (CATCH_UP_S if self.detector is not None else period):
            behind = int((now - due) / period)
            if self.stop_until is not None:
                behind = min(behind, max(self.stop_until - self.source.position, 0))
            self.skipped += self.source.skip(behind)

    def _late(self, index: int, now: float) -> bool:
        """True when frame `index` was read more than LATE_FRACTION of a period after its time."""
        if self._clock is None:
            return False
        t0, i0 = self._clock
        period = 1.0 / self.source.fps
        return now - (t0 + (index - i0) * period) > LATE_FRACTION * period

    def _may_skip_detection(self, index: int, now: float, stepped: bool) -> bool:
        return (
            self.playing
            and not stepped
            and self.realtime
            and self.source.is_file
            and self.detector is not None
            and self.gaps.tracking
            and not self.gaps.full
            and self._late(index, now)
        )

    def _flush_gap(self) -> None:
        """Detect the newest held frame so every held one gets its keypoints (pause, end, new detector)."""
        held = self.gaps.take_newest()
        if held is not None:
            self._detect_and_emit(*held)

    def _process_next(self, stepped: bool) -> None:
        got = self.source.read()
        captured_at = time.perf_counter()
        if got is None:
            self._flush_gap()
            if self.source.is_file:
                self.playing, self.at_end = False, True
                self._queue.put(Marker("end"), drop_oldest=True)
                self._events.put(PlayingChanged(False))
            else:
                self.playing = False
                self._events.put(
                    ErrorEvent("Webcam stopped", f"{self.source.name} stopped delivering frames.")
                )
            return
        index, frame = got
        h, w = frame.shape[:2]
        scale = min(1.0, DISPLAY_MAX_SIDE / max(h, w))
        small = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        packet = FramePacket(
            index=index,
            time_s=index / self.source.fps,
            image=cv2.cvtColor(small, cv2.COLOR_BGR2RGB),
            scale=scale,
            keypoints=None,
            detect_ms=0.0,
            captured_at=captured_at,
            stepped=stepped,
        )
        if self._may_skip_detection(index, time.perf_counter(), stepped):
            self.gaps.hold(packet, frame)
            return
        first = not self.gaps.tracking
        self._detect_and_emit(packet, frame)
        if first:
            self._clock = None  # the first detection of a track is slow (a full-image search): start the clock after it

    def _detect_and_emit(self, packet: FramePacket, frame) -> None:
        """Detect `packet`'s frame, then show and queue the held frames (interpolated) and it, in order."""
        if self.detector is not None:
            t0 = time.perf_counter()
            packet.keypoints = self.detector.detect(frame)
            packet.detect_ms = self.detect_ms = (time.perf_counter() - t0) * 1000
        for p in self.gaps.resolve(packet):
            self._emit(p)

    def _emit(self, packet: FramePacket) -> None:
        self._frames.put(packet)
        self.processed += 1
        self.meter.tick()
        realtime = self.realtime or not self.source.is_file
        self._queue.put(packet, drop_oldest=realtime, should_stop=self._stop_requested)


@dataclass
class LifterSpec:
    """What the lift thread builds: a checkpoint path (or 'random:<profile>'), a device and the
    StreamingLifter options (mode, stride, steps, hypotheses, sampler, ...)."""

    model: str
    device: str = "auto"
    options: dict = field(default_factory=dict)


class LiftThread(threading.Thread):
    """Feeds 2D keypoints to a StreamingLifter, records the results and publishes the newest one.
    Option changes are applied between frames with `configure`; a new model or device rebuilds the lifter
    here, so loading never blocks the UI; if it fails, the old lifter keeps running."""

    def __init__(
        self,
        spec: LifterSpec,
        lifter_factory: Callable[[LifterSpec], object],
        lift_queue: FrameQueue,
        poses: OutputBuffer,
        events: Events,
        fps: float,
    ):
        super().__init__(name="diffhpe-lift", daemon=True)
        self.spec = spec
        self._factory = lifter_factory
        self._queue, self._poses, self._events = lift_queue, poses, events
        self.fps = fps
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = False
        self.lifter = None
        self._pushed: dict[int, FramePacket] = {}  # lifter frame number -> packet, since the last reset
        self._count = 0
        self._lock = threading.Lock()
        self.recording = True
        self._recorded: dict[int, LiftResult] = {}
        self._push_ms: deque[float] = deque(maxlen=60)
        self.window_ms = 0.0
        self.meter = RateMeter()
        self.latency_frames = 0
        self.latency_ms = 0.0
        self.lifted = 0

    # --- called from the UI thread -------------------------------------------------------------------
    def configure(self, **options) -> None:
        self._commands.put(("configure", options))

    def rebuild(self, model: str | None = None, device: str | None = None) -> None:
        self._commands.put(("rebuild", model, device))

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        if self.is_alive():
            self.join(timeout)

    def recorded(self) -> list[LiftResult]:
        with self._lock:
            return [self._recorded[k] for k in sorted(self._recorded)]

    def clear_recording(self) -> None:
        with self._lock:
            self._recorded.clear()

    # --- the thread ----------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._build(self.spec, initial=True)
            while not self._stopping:
                self._apply_commands()
                item = self._queue.get(timeout=0.05)
                if item is None:
                    continue
                if isinstance(item, Marker):
                    self._marker(item)
                else:
                    self._push(item)
        except Exception as exc:  # noqa: BLE001 - a bug here must reach the user as a dialog, not kill the app
            self._events.put(ErrorEvent("Lifting stopped", f"{type(exc).__name__}: {exc}"))

    def _build(self, spec: LifterSpec, initial: bool = False) -> None:
        self._events.put(StatusMessage(f"loading model {spec.model} on {spec.device} ..."))
        try:
            lifter = self._factory(spec)
        except (UserError, ValueError, KeyError, RuntimeError, OSError) as exc:
            keep = (
                "The previous model keeps running."
                if self.lifter is not None
                else "No 3D pose until a model loads."
            )
            self._events.put(ErrorEvent("Model failed to load", f"{exc}\n\n{keep}"))
            self._events.put(
                ModelLoaded(self.spec.model if self.lifter is not None else "", self.spec.device)
            )
            self._events.put(StatusMessage(""))
            return
        self.lifter, self.spec = lifter, spec
        self._pushed.clear()
        self._count = 0
        self._events.put(ModelLoaded(spec.model, spec.device))
        self._events.put(StatusMessage(""))

    def _apply_commands(self) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            if cmd[0] == "configure":
                options = cmd[1]
                if self.lifter is None:
                    self.spec.options.update(options)
                    continue
                try:
                    self.lifter.configure(**options)
                except (UserError, ValueError, TypeError) as exc:
                    self._events.put(ErrorEvent("Option not applied", str(exc)))
                    continue
                self.spec.options.update(options)
            elif cmd[0] == "rebuild":
                spec = dataclasses.replace(
                    self.spec,
                    model=cmd[1] or self.spec.model,
                    device=cmd[2] or self.spec.device,
                    options=dict(self.spec.options),
                )
                self._build(spec)

    def _marker(self, marker: Marker) -> None:
        if self.lifter is None:
            return
        if marker.kind == "end":
            self._publish(self.lifter.flush())
            self._events.put(FileFinished(self.lifted))
        self.lifter.reset()
        self._pushed.clear()
        self._count = 0

    def _push(self, packet: FramePacket) -> None:
        if self.lifter is None:
            return
        self._pushed[self._count] = packet
        self._count += 1
        t0 = time.perf_counter()
        results = self.lifter.push(packet.keypoints)
        self._push_ms.append((time.perf_counter() - t0) * 1000)
        self._publish(results)

    @property
    def push_ms(self) -> float:
        """Lifting time per frame, amortised over the last frames (a window every `stride` frames)."""
        t = list(self._push_ms)
        return sum(t) / len(t) if t else 0.0

    def _publish(self, results: list[LiftResult]) -> None:
        if not results:
            return
        now = time.perf_counter()
        latency_frames, latency_ms = 0, 0.0
        for r in results:
            packet = self._pushed.pop(r.frame, None)
            if packet is None:
                continue
            for stale in [k for k in self._pushed if k < r.frame]:
                del self._pushed[stale]
            r = dataclasses.replace(r, frame=packet.index)
            self.lifted += 1
            self.meter.tick()
            if self.recording:
                with self._lock:
                    self._recorded[packet.index] = r
            ms = (now - packet.captured_at) * 1000
            latency_frames, latency_ms = max(latency_frames, r.latency_frames), max(latency_ms, ms)
            self.window_ms = r.lift_ms
            self._poses.put(LiftOutput(result=r, packet=packet, latency_ms=ms))
        # The worst frame of this batch: the lifter emits a window's frames together.
        self.latency_frames, self.latency_ms = latency_frames, latency_ms
