"""The DiffHPE desktop app: video + 2D overlay on the left, the Open3D 3D view on the right, controls in a
side panel. Capture+detect, lifting and 3D rendering run on their own threads; the UI thread only polls
their newest output on a timer, so it never waits for them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from app.gui import lifter_factory
from app.gui.angle_plot import AnglePlot
from app.gui.app_options import APP_LIFT_DEFAULTS, AppOptions
from app.gui.central_view import CentralView
from app.gui.controls import ControlsPanel
from app.gui.display_sync import DisplaySync
from app.gui.error_boxes import ErrorBoxes
from app.gui.events import (
    DetectorChanged,
    ErrorEvent,
    Event,
    FileFinished,
    ModelLoaded,
    PlayingChanged,
    StatusMessage,
)
from app.gui.export_recording import EXPORT_KINDS, default_export_name, write_recording
from app.gui.menus import build_menus
from app.gui.pipeline import (
    CaptureThread,
    FramePacket,
    LifterSpec,
    RateMeter,
)
from app.gui.session import Session
from app.gui.sources import VideoSource, open_video, open_webcam, probe_webcams
from app.gui.stats_text import stats_text
from lifting.errors import UserError

VIDEO_FILTER = "Videos (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg);;All files (*)"
POLL_MS = 15


class MainWindow(QMainWindow):
    errorShown = pyqtSignal(str, str)  # title, text: every error dialog, for tests and logs

    def __init__(self, options: AppOptions | None = None):
        super().__init__()
        self.options = options = options or AppOptions()
        self.setWindowTitle("DiffHPE")
        self.resize(1400, 820)
        self.setAcceptDrops(True)
        self.errors: list[tuple[str, str]] = []
        self._error_boxes = ErrorBoxes(self)
        self.display_sync = DisplaySync()  # which frames and 3D results each UI tick shows
        self._processing_file = False
        self._realtime_before = options.realtime
        self.finished_count = 0  # how many times a file played to its end
        self.ui_meter = RateMeter()  # new video frames shown per second
        self.loop_meter = RateMeter()  # UI poll ticks per second: drops when the UI thread is busy
        self.ui_max_gap_ms = 0.0  # longest pause between two UI ticks since the last status update
        self.last_stall_ms = 0.0
        self._last_tick = 0.0
        self.frames_shown = 0
        self.poses_shown = 0
        self._closed = False

        self._find_models()
        self.session = Session(
            LifterSpec(self.initial_model, options.device, dict(self.lift_options_default)),
            lifter_factory.build_lifter,
            on_playing=self._playing_changed,
        )
        self.lift = self.session.lift

        self._build_ui()
        self._fill_controls()
        self.session.start()
        self.view3d.start()

        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self._timer.start(POLL_MS)
        self._status_timer = QTimer(self)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start(250)

        if options.video:
            self.open_video(options.video)
        elif options.webcam is not None:
            self.open_webcam(options.webcam)

    # --- construction --------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        central = CentralView(self.options.renderer)
        self.setCentralWidget(central)
        self.central_view = central
        self.banner, self.video_view, self.view3d = central.banner, central.video_view, central.view3d
        self.view3d.renderFailed.connect(self._render_failed)
        self.playback_bar = central.playback_bar
        self.playback_bar.playClicked.connect(self.toggle_play)
        self.playback_bar.stepClicked.connect(self.step)
        self.playback_bar.seekRequested.connect(self.seek)

        self.controls = ControlsPanel()
        self._add_dock("Controls", "controls", self.controls)
        self.controls.modelSelected.connect(self.set_model)
        self.controls.browseModelRequested.connect(self.browse_model)
        self.controls.deviceSelected.connect(self.set_device)
        self.controls.detectorSelected.connect(self.set_detector)
        self.controls.liftOptionChanged.connect(self.set_lift_option)
        self.controls.realtimeChanged.connect(self.set_realtime)
        self.controls.followChanged.connect(self.view3d.set_follow)
        self.controls.mixsteChanged.connect(self.view3d.set_show_mixste)
        self.controls.trailChanged.connect(self.view3d.set_show_trail)
        self.controls.resetViewRequested.connect(self.view3d.reset_camera)
        self.angle_plot = AnglePlot()  # the live joint-angle plot, under the controls
        self._add_dock("Joint angle", "angles", self.angle_plot)

        self.stats_label = QLabel()
        self.rec_label = QLabel()
        self.statusBar().addPermanentWidget(self.rec_label)
        self.statusBar().addPermanentWidget(self.stats_label)
        self.menu_actions = build_menus(self)

    def _add_dock(self, title: str, name: str, widget: QWidget) -> None:
        """A movable panel on the right, under those added before."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

    @property
    def lift_options_default(self) -> dict:
        """The options the lifter starts with: the app's defaults (APP_LIFT_DEFAULTS), then
        those the app was started with."""
        return {**APP_LIFT_DEFAULTS, **self.options.lift_options}

    @property
    def source(self) -> VideoSource | None:
        return self.session.source

    @property
    def capture(self) -> CaptureThread | None:
        return self.session.capture

    @property
    def playing(self) -> bool:
        return self.session.playing

    def _find_models(self) -> None:
        """The checkpoints in the weights folder, and the model to start with."""
        from lifting.weights import DEFAULT_WEIGHTS_DIR, list_checkpoints

        self.weights_dir = Path(self.options.weights_dir) if self.options.weights_dir else DEFAULT_WEIGHTS_DIR
        self.checkpoints = list_checkpoints(self.weights_dir)
        self.initial_model = self._initial_model()

    def _fill_controls(self) -> None:
        entries = [(p.stem, str(p)) for p in self.checkpoints]
        entries += [
            (f"untrained {profile} model (random)", f"random:{profile}") for profile in ("paper", "tiny")
        ]
        self._model_entries = entries
        self.controls.set_models(entries, self.initial_model)
        self.controls.set_devices(lifter_factory.devices(), self.options.device)
        self.controls.set_detectors(lifter_factory.detector_names(), self.options.detector)
        self.controls.set_samplers(lifter_factory.samplers())
        self.controls.set_lift_options({**lifter_factory.default_lift_options(), **self.lift_options_default})
        self.controls.realtime.setChecked(self.options.realtime)

    def _initial_model(self) -> str:
        if self.options.model:
            return self.options.model
        return lifter_factory.preferred_checkpoint(self.weights_dir) or "random:paper"

    # --- errors --------------------------------------------------------------------------------------
    def show_error(self, title: str, text: str) -> None:
        """A non-modal warning box: the app keeps running behind it. Tests read `errors`/`errorShown`."""
        self.errors.append((title, text))
        self.errorShown.emit(title, text)
        if not self._closed:
            self._error_boxes.open(title, text)

    def error_boxes(self) -> list[QMessageBox]:
        return self._error_boxes.open_boxes()

    def _render_failed(self, message: str) -> None:
        self.view3d.message = "3D view unavailable (View ▸ Restart 3D view)"
        self.view3d.update()
        self.show_error(
            "3D view unavailable",
            f"Open3D could not render: {message}\nThe 2D view keeps working; View ▸ Restart 3D view tries again.",
        )

    def set_renderer(self, choice: str) -> None:
        """Switch the 3D view's renderer; the camera, pose and trail stay."""
        self.options.renderer = choice
        self.menu_actions.renderers[choice].setChecked(True)
        self.view3d.message = ""
        self.view3d.set_renderer(choice)

    def restart_3d_view(self) -> None:
        """A new renderer process (after Open3D failed or crashed)."""
        self.view3d.stop()
        self.view3d.message = ""
        self.view3d.start()

    # --- file/webcam dialogs (methods so tests can replace them) -------------------------------------
    def ask_open_path(self, title: str, filter_: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, "", filter_)
        return path or None

    def ask_save_path(self, title: str, default_name: str, filter_: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, default_name, filter_)
        return path or None

    def ask_webcam(self, indices: list[int]) -> int | None:
        items = [f"webcam {i}" for i in indices]
        item, ok = QInputDialog.getItem(self, "Open webcam", "Camera:", items, 0, False)
        return indices[items.index(item)] if ok else None

    # --- sources -------------------------------------------------------------------------------------
    def open_video(self, path: str | os.PathLike | None = None) -> bool:
        if path is None:
            path = self.ask_open_path("Open video", VIDEO_FILTER)
            if path is None:
                return False
        return self._open_source("Cannot open video", lambda: open_video(path))

    def open_webcam(self, index: int | None = None) -> bool:
        if index is None:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                found = probe_webcams()
            finally:
                QApplication.restoreOverrideCursor()
            if not found:
                self.show_error("No webcam", "No webcam was found (probed camera indices 0–4).")
                return False
            index = found[0] if len(found) == 1 else self.ask_webcam(found)
            if index is None:
                return False
        return self._open_source("Cannot open webcam", lambda: open_webcam(index))

    def _open_source(self, error_title: str, opener: Callable[[], VideoSource]) -> bool:
        """Open a source and play it; a UserError (missing, unreadable, busy) is an error dialog."""
        try:
            source = opener()
        except UserError as exc:
            self.show_error(error_title, str(exc))
            return False
        self._start_source(source)
        return True

    def _start_source(self, source: VideoSource) -> None:
        self._processing_file = False
        self.display_sync.reset()
        self.view3d.clear()
        self.session.open(
            source,
            self.controls.detector.currentText() or self.options.detector,
            realtime=self.controls.realtime.isChecked() or not source.is_file,
            autoplay=self.options.autoplay,
        )
        self.playback_bar.set_source(source.fps, source.frame_count, source.is_file)
        self.setWindowTitle(f"DiffHPE — {source.name}")

    # --- playback ------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        self.session.toggle_play()

    def play(self) -> None:
        self.session.play()

    def pause(self) -> None:
        self.session.pause()

    def step(self) -> None:
        self.session.step()

    def seek(self, index: int) -> None:
        if self.session.has_file:
            self.display_sync.clear_pending()
        self.session.seek(index)

    def _playing_changed(self, playing: bool) -> None:
        self.playback_bar.set_playing(playing)

    def set_realtime(self, realtime: bool) -> None:
        self.session.set_realtime(realtime)

    def process_whole_file(self) -> None:
        """Lift every frame of the file from the start (no frames dropped), then offer to export."""
        if not self.session.has_file:
            self.show_error(
                "No video file", "Open a video file first (webcams can be recorded while playing)."
            )
            return
        self._realtime_before = self.controls.realtime.isChecked()
        self.controls.realtime.setChecked(False)  # emits realtimeChanged -> capture
        self.capture.set_realtime(False)
        self.lift.clear_recording()
        self.menu_actions.record.setChecked(True)
        self._processing_file = True
        self.capture.seek(0)
        self.capture.play()
        self.session.set_playing(True)
        self.statusBar().showMessage("Processing the whole file…")

    # --- lifter and detector options -----------------------------------------------------------------
    def set_model(self, spec: str) -> None:
        if spec:
            self.lift.rebuild(model=spec)

    def browse_model(self) -> None:
        path = self.ask_open_path("Load checkpoint", "DiffHPE checkpoints (*.safetensors);;All files (*)")
        if path:
            self.controls.select_model(path)
            self.set_model(path)

    def set_device(self, device: str) -> None:
        self.lift.rebuild(device=device)

    def set_detector(self, name: str) -> None:
        self.options.detector = name
        self.session.set_detector(name)

    def set_lift_option(self, name: str, value) -> None:
        self.lift.configure(**{name: value})

    def set_recording(self, on: bool) -> None:
        self.lift.recording = on

    def clear_recording(self) -> None:
        self.lift.clear_recording()

    # --- export --------------------------------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        is_file = self.source is not None and self.source.is_file
        return default_export_name(Path(self.source.name).stem if is_file else None, suffix)

    def export(self, kind: str = "csv", path: str | os.PathLike | None = None) -> Path | None:
        """Write the recorded 3D poses, atomically: kind csv (the schema of `diffhpe lift`), npz, or bvh / trc /
        angles (as `diffhpe lift --bvh/--trc/--angles`; angles also writes its plot as <name>.png)."""
        results = self.lift.recorded()
        if not results:
            self.show_error("Nothing to export", "No 3D poses have been recorded yet: play a video first.")
            return None
        if path is None:
            suffix, filt = EXPORT_KINDS[kind]
            path = self.ask_save_path(f"Export {kind.upper()}", self._default_name(suffix), filt)
            if path is None:
                return None
        try:
            write_recording(
                kind,
                path,
                results,
                self.lift.fps,
                source=self.source.name if self.source is not None else None,
                detector=self.controls.detector.currentText() or self.options.detector,
                model=self.lift.spec.model,
                lifter=self.lift.lifter,  # read once: the lift thread may swap it for a new one
            )
        except (OSError, UserError) as exc:
            self.show_error("Export failed", f"Could not write {path}:\n{exc}")
            return None
        self.statusBar().showMessage(f"Exported {len(results)} frames to {path}", 8000)
        return Path(path)

    def save_screenshot(self, path: str | os.PathLike | None = None) -> Path | None:
        if path is None:
            path = self.ask_save_path("Save 3D view", self._default_name(".png"), "PNG image (*.png)")
            if path is None:
                return None
        try:
            self.view3d.save_screenshot(str(path))
        except OSError as exc:
            self.show_error("Screenshot failed", str(exc))
            return None
        self.statusBar().showMessage(f"Saved the 3D view to {path}", 8000)
        return Path(path)

    # --- the UI thread's poll ------------------------------------------------------------------------
    def _poll(self) -> None:
        now = time.perf_counter()
        self.loop_meter.tick()
        if self._last_tick:
            self.ui_max_gap_ms = max(self.ui_max_gap_ms, (now - self._last_tick) * 1000)
        self._last_tick = now
        sync = self.controls.sync.isChecked() and self.lift.lifter is not None
        shown = self.video_view.packet
        packet, outputs = self.session.frames.take(), self.session.poses.drain()
        update = self.display_sync.update(now, packet, outputs, sync=sync, playing=self.playing, shown=shown)
        for packet in update.frames:
            self._show_packet(packet)
        if update.poses:
            self.view3d.set_poses([o.result for o in update.poses])
            self.angle_plot.add([o.result for o in update.poses], self.lift.fps)
            self.poses_shown += 1
        for event in self.session.events.drain():
            self._handle_event(event)

    def _show_packet(self, packet: FramePacket) -> None:
        self.central_view.show_packet(packet)
        self.frames_shown += 1
        self.ui_meter.tick()

    # --- events from the worker threads --------------------------------------------------------------
    def _handle_event(self, event: Event) -> None:
        """Dispatch on the event's class (EVENT_HANDLERS, below the handlers)."""
        self.EVENT_HANDLERS[type(event)](self, event)

    def _on_error(self, event: ErrorEvent) -> None:
        self.show_error(event.title, event.text)

    def _on_playing(self, event: PlayingChanged) -> None:
        self.session.set_playing(event.playing)

    def _on_finished(self, event: FileFinished) -> None:
        self.finished_count += 1
        self.statusBar().showMessage(f"End of video: {event.lifted} frames lifted", 8000)
        if self._processing_file:
            self._processing_file = False
            self.controls.realtime.setChecked(self._realtime_before)
            self.export("csv")

    def _on_status(self, event: StatusMessage) -> None:
        if event.text:
            self.statusBar().showMessage(event.text)
        else:
            self.statusBar().clearMessage()

    def _on_model(self, event: ModelLoaded) -> None:
        self.session.model_loaded()
        self.controls.select_model(event.model)
        if event.device:
            self.controls.select_device(event.device)
        self.central_view.show_model(event.model)
        lifter = self.lift.lifter
        self.controls.set_diffusion_enabled(bool(getattr(lifter, "uses_diffusion", True)))

    def _on_detector(self, event: DetectorChanged) -> None:
        self.controls.select_detector(event.name)

    EVENT_HANDLERS: ClassVar[dict[type, Callable[[MainWindow, Event], None]]] = {
        ErrorEvent: _on_error,
        PlayingChanged: _on_playing,
        FileFinished: _on_finished,
        StatusMessage: _on_status,
        ModelLoaded: _on_model,
        DetectorChanged: _on_detector,
    }

    def _update_status(self) -> None:
        lift = self.lift
        text, tooltip = stats_text(
            self.view3d,
            lift,
            self.capture,
            video_fps=self.ui_meter.rate,
            ui_hz=self.loop_meter.rate,
            delay_s=self.display_sync.delay_s(time.perf_counter()),
            queue_dropped=self.session.queue.dropped,
            max_gap_ms=self.ui_max_gap_ms,
        )
        self.stats_label.setText(text)
        self.stats_label.setToolTip(tooltip)
        self.last_stall_ms, self.ui_max_gap_ms = self.ui_max_gap_ms, 0.0
        n = len(lift.recorded()) if lift.recording else 0
        self.rec_label.setText(f"● REC {n}" if lift.recording else "")

    # --- drag and drop, shutdown ---------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_video(urls[0])
            event.acceptProposedAction()

    def shutdown(self) -> None:
        """Stop every worker thread and release the webcam; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._status_timer.stop()
        self.session.stop()
        self.view3d.stop()
        self._error_boxes.close_all()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
