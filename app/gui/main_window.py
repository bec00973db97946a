"""The DiffHPE desktop app: video + 2D overlay on the left, the Open3D 3D view on the right, controls in a
side panel. Capture+detect, lifting and 3D rendering run on their own threads; the UI thread only polls
their newest output on a timer, so it never waits for them."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.gui import lifter_factory
from app.gui.angle_plot import AnglePlot
from app.gui.controls import ControlsPanel
from app.gui.pipeline import (
    CaptureThread,
    Events,
    FrameQueue,
    LifterSpec,
    LiftOutput,
    LiftThread,
    Mailbox,
    Marker,
    OutputBuffer,
    RateMeter,
)
from app.gui.renderers import LABELS
from app.gui.sources import VideoSource, open_video, open_webcam, probe_webcams
from app.gui.video_view import VideoView
from app.gui.view3d import View3D
from lifting.errors import UserError

VIDEO_FILTER = "Videos (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg);;All files (*)"
POLL_MS = 15
# export kind -> (default file name suffix, file dialog filter)
EXPORT_KINDS = {
    "csv": (".csv", "CSV (*.csv)"),
    "npz": (".npz", "NumPy archive (*.npz)"),
    "bvh": (".bvh", "BVH animation (*.bvh)"),
    "trc": (".trc", "OpenSim markers (*.trc)"),
    "angles": ("_angles.csv", "CSV (*.csv)"),
}
SYNC_GIVE_UP_S = (
    1.0  # in sync mode, show the newest frame anyway when no pose came for this long (or 2x delay)
)


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
class AppOptions:
    video: str | None = None
    webcam: int | None = None
    model: str | None = None  # checkpoint path or "random:<profile>"; None: the first in weights_dir
    weights_dir: str | None = None
    detector: str = "mediapipe"
    device: str = "auto"
    lift_options: dict = field(default_factory=dict)  # StreamingLifter options (mode, steps, ...)
    realtime: bool = True
    autoplay: bool = True
    renderer: str = "auto"  # the 3D view's Open3D renderer: 'auto', 'legacy' (OpenGL) or 'filament'


class MainWindow(QMainWindow):
    errorShown = pyqtSignal(str, str)  # title, text: every error dialog, for tests and logs

    def __init__(self, options: AppOptions | None = None):
        super().__init__()
        self.options = options = options or AppOptions()
        self.setWindowTitle("DiffHPE")
        self.resize(1400, 820)
        self.setAcceptDrops(True)
        self.errors: list[tuple[str, str]] = []
        self._boxes: list[QMessageBox] = []
        self.source: VideoSource | None = None
        self.capture: CaptureThread | None = None
        self._frames, self._poses, self.events = Mailbox(), OutputBuffer(), Events()
        self._to_show: deque[LiftOutput] = deque(maxlen=1024)  # 3D results waiting for their display time
        self._delay = DisplayDelay()
        self._queue = FrameQueue()
        self._processing_file = False
        self._realtime_before = options.realtime
        self.playing = False
        self.finished_count = 0  # how many times a file played to its end
        self.ui_meter = RateMeter()  # new video frames shown per second
        self.loop_meter = RateMeter()  # UI poll ticks per second: drops when the UI thread is busy
        self.ui_max_gap_ms = 0.0  # longest pause between two UI ticks since the last status update
        self.last_stall_ms = 0.0
        self._last_tick = 0.0
        self.frames_shown = 0
        self.poses_shown = 0
        self._latest_packet = None  # newest captured frame not shown yet (sync mode)
        self._model_ready = False
        self._play_when_ready = False
        self._last_pose_at = 0.0
        self._closed = False

        self._build_ui()
        self._fill_controls()

        self.lift = LiftThread(
            LifterSpec(self.initial_model, options.device, dict(self.lift_options_default)),
            lifter_factory.build_lifter,
            self._queue,
            self._poses,
            self.events,
            fps=30.0,
        )
        self.lift.start()
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
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(4, 4, 4, 4)
        self.banner = QLabel()
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet(
            "background:#d9a400;color:black;font-weight:bold;padding:4px;border-radius:3px"
        )
        self.banner.hide()
        self.model_banner = QLabel()
        self.model_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.model_banner.setStyleSheet("background:#3b5b8c;color:white;padding:3px;border-radius:3px")
        self.model_banner.hide()
        outer.addWidget(self.model_banner)
        outer.addWidget(self.banner)

        self.video_view = VideoView()
        self.view3d = View3D(renderer=self.options.renderer)
        self.view3d.renderFailed.connect(self._render_failed)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.video_view)
        split.addWidget(self.view3d)
        split.setSizes([600, 600])
        outer.addWidget(split, 1)

        bar = QHBoxLayout()
        style = self.style()
        self.play_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.step_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "")
        self.step_button.setToolTip("Next frame (→)")
        self.step_button.clicked.connect(self.step)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value()))
        self.slider.actionTriggered.connect(self._slider_action)
        self.slider.sliderMoved.connect(self._show_position)
        self.position_label = QLabel("–")
        self.position_label.setMinimumWidth(150)
        for w in (self.play_button, self.step_button):
            w.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.position_label)
        outer.addLayout(bar)
        self.setCentralWidget(central)

        self.controls = ControlsPanel()
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setWidget(self.controls)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
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
        angles_dock = QDockWidget("Joint angle", self)
        angles_dock.setObjectName("angles")
        angles_dock.setWidget(self.angle_plot)
        angles_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, angles_dock)

        self.stats_label = QLabel()
        self.rec_label = QLabel()
        self.statusBar().addPermanentWidget(self.rec_label)
        self.statusBar().addPermanentWidget(self.stats_label)
        self._build_menus()

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None, checkable=False, checked=False):
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setCheckable(checkable)
            a.setChecked(checked)
            (a.toggled if checkable else a.triggered).connect(slot)
            menu.addAction(a)
            return a

        file = self.menuBar().addMenu("&File")
        action(file, "&Open video…", lambda: self.open_video(), "Ctrl+O")
        action(file, "Open &webcam…", lambda: self.open_webcam(), "Ctrl+W")
        file.addSeparator()
        action(file, "&Process whole file", self.process_whole_file, "Ctrl+P")
        action(file, "&Export CSV…", lambda: self.export("csv"), "Ctrl+E")
        action(file, "Export &NPZ…", lambda: self.export("npz"))
        action(file, "Export &BVH (animation)…", lambda: self.export("bvh"))
        action(file, "Export &TRC (OpenSim)…", lambda: self.export("trc"))
        action(file, "Export joint &angles…", lambda: self.export("angles"))
        action(file, "Save 3D &screenshot…", lambda: self.save_screenshot(), "Ctrl+S")
        file.addSeparator()
        action(file, "&Quit", self.close, "Ctrl+Q")

        play = self.menuBar().addMenu("&Playback")
        action(play, "Play / &pause", self.toggle_play, "Space")
        action(play, "&Step one frame", self.step, "Right")
        play.addSeparator()
        self.record_action = action(play, "&Record results", self.set_recording, "Ctrl+R", True, True)
        action(play, "&Clear recording", self.clear_recording)

        view = self.menuBar().addMenu("&View")
        action(view, "&Reset 3D view", self.view3d.reset_camera, "Home")
        action(view, "Re&start 3D view", self.restart_3d_view)
        renderers = view.addMenu("3D &renderer")
        group = QActionGroup(self)
        self.renderer_actions = {}
        for choice, text in (
            ("auto", "&Auto (the faster here)"),
            ("legacy", "&OpenGL (Open3D legacy)"),
            ("filament", "&Filament (works without a display)"),
        ):
            a = QAction(text, self, checkable=True, checked=choice == self.options.renderer)
            a.triggered.connect(lambda _=False, c=choice: self.set_renderer(c))
            group.addAction(a)
            renderers.addAction(a)
            self.renderer_actions[choice] = a

    @property
    def lift_options_default(self) -> dict:
        return dict(self.options.lift_options)

    def _fill_controls(self) -> None:
        from lifting.weights import DEFAULT_WEIGHTS_DIR, list_checkpoints

        self.weights_dir = Path(self.options.weights_dir) if self.options.weights_dir else DEFAULT_WEIGHTS_DIR
        self.checkpoints = list_checkpoints(self.weights_dir)
        entries = [(p.stem, str(p)) for p in self.checkpoints]
        entries += [
            (f"untrained {profile} model (random)", f"random:{profile}") for profile in ("paper", "tiny")
        ]
        self._model_entries = entries
        self.initial_model = self._initial_model()
        self.controls.set_models(entries, self.initial_model)
        self.controls.set_devices(lifter_factory.devices(), self.options.device)
        self.controls.set_detectors(lifter_factory.detector_names(), self.options.detector)
        self.controls.set_samplers(lifter_factory.samplers())
        self.controls.set_lift_options({**lifter_factory.default_lift_options(), **self.options.lift_options})
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
        if self._closed:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.show()

    def error_boxes(self) -> list[QMessageBox]:
        return list(self._boxes)

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
        self.renderer_actions[choice].setChecked(True)
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
        try:
            source = open_video(path)
        except UserError as exc:
            self.show_error("Cannot open video", str(exc))
            return False
        self._start_source(source)
        return True

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
        try:
            source = open_webcam(index)
        except UserError as exc:
            self.show_error("Cannot open webcam", str(exc))
            return False
        self._start_source(source)
        return True

    def _stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.stop()  # releases its source (and the webcam) on its own thread
            self.capture = None
        self.source = None

    def _start_source(self, source: VideoSource) -> None:
        self._stop_capture()
        self._processing_file = False
        self._queue.clear_frames()
        self._queue.put(Marker("reset"), drop_oldest=True)
        self.lift.clear_recording()
        self.lift.fps = source.fps
        self._frames.take()
        self._poses.drain()
        self._to_show.clear()
        self._latest_packet = None
        self.view3d.clear()
        self.source = source
        self.capture = CaptureThread(
            source,
            self.controls.detector.currentText() or self.options.detector,
            self._queue,
            self._frames,
            self.events,
            realtime=self.controls.realtime.isChecked() or not source.is_file,
        )
        self.capture.start()
        self.slider.setEnabled(source.is_file)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(source.frame_count - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.step_button.setEnabled(source.is_file)
        self.setWindowTitle(f"DiffHPE — {source.name}")
        if not (self.options.autoplay or not source.is_file):
            self.capture.step()
        elif self._model_ready:
            self.capture.play()
        else:  # start when the model has loaded, or the first seconds would be lifted by nobody
            self.capture.step()
            self._play_when_ready = True

    # --- playback ------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.capture is None:
            return
        if self.playing:
            self.capture.pause()
        else:
            self.capture.play()
        self._set_playing(not self.playing)

    def play(self) -> None:
        if self.capture is not None:
            self.capture.play()
            self._set_playing(True)

    def pause(self) -> None:
        if self.capture is not None:
            self.capture.pause()
            self._set_playing(False)

    def step(self) -> None:
        if self.capture is not None and self.source is not None and self.source.is_file:
            self.capture.step()
            self._set_playing(False)

    def seek(self, index: int) -> None:
        if self.capture is not None and self.source is not None and self.source.is_file:
            self._to_show.clear()
            self.capture.seek(int(index))

    def _slider_action(self, action: int) -> None:
        if action in (
            QSlider.SliderAction.SliderPageStepAdd.value,
            QSlider.SliderAction.SliderPageStepSub.value,
        ):
            QTimer.singleShot(0, lambda: self.seek(self.slider.value()))

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_position(self, index: int) -> None:
        if self.source is None:
            self.position_label.setText("–")
            return
        t = index / self.source.fps
        total = f" / {self.source.frame_count}" if self.source.is_file else ""
        self.position_label.setText(f"frame {index + 1}{total}   {int(t // 60)}:{t % 60:05.2f}")

    def set_realtime(self, realtime: bool) -> None:
        if self.capture is not None:
            self.capture.set_realtime(realtime)

    def process_whole_file(self) -> None:
        """Lift every frame of the file from the start (no frames dropped), then offer to export."""
        if self.capture is None or self.source is None or not self.source.is_file:
            self.show_error(
                "No video file", "Open a video file first (webcams can be recorded while playing)."
            )
            return
        self._realtime_before = self.controls.realtime.isChecked()
        self.controls.realtime.setChecked(False)  # emits realtimeChanged -> capture
        self.capture.set_realtime(False)
        self.lift.clear_recording()
        self.record_action.setChecked(True)
        self._processing_file = True
        self.capture.seek(0)
        self.capture.play()
        self._set_playing(True)
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
        if self.capture is not None:
            self.capture.set_detector(name)

    def set_lift_option(self, name: str, value) -> None:
        self.lift.configure(**{name: value})

    def set_recording(self, on: bool) -> None:
        self.lift.recording = on

    def clear_recording(self) -> None:
        self.lift.clear_recording()

    # --- export --------------------------------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        stem = Path(self.source.name).stem if self.source is not None and self.source.is_file else "webcam"
        return f"{stem}_3d{suffix}"

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
        from lifting import export as lift_export

        try:
            if kind == "csv":
                source = self.source.name if self.source is not None else None
                lifter = self.lift.lifter  # read once: the lift thread may swap it for a new one
                # The settings at export time (live changes during the recording are not tracked).
                settings = {"kind": lifter.kind, **lifter.options()} if lifter is not None else None
                lift_export.write_csv(
                    path,
                    results,
                    self.lift.fps,
                    source=source,
                    detector=self.controls.detector.currentText() or self.options.detector,
                    model=self.lift.spec.model,
                    settings=settings,
                )
            elif kind == "npz":
                lift_export.write_npz(path, results, self.lift.fps)
            else:
                from lifting.exports.write import ExportPaths, write_exports

                a = lift_export.results_to_arrays(results)
                write_exports(ExportPaths(**{kind: path}), a["positions"], self.lift.fps, a["frame"])
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
        packet = self._frames.take()
        if packet is not None:
            if sync and not packet.stepped:
                self._latest_packet = packet  # shown with its pose
            else:
                self._show_packet(packet)  # a step or a seek shows its frame at once
        for out in self._poses.drain():
            self._delay.add(now, now - out.packet.captured_at)
            self._to_show.append(out)
        due = self._due_outputs(now)
        if due:
            self.view3d.set_poses([o.result for o in due])
            self.angle_plot.add([o.result for o in due], self.lift.fps)
            self.poses_shown += 1
            self._last_pose_at = now
            newest = due[-1].packet
            if sync and (self.playing or shown is None or newest.index > shown.index):
                self._show_packet(newest)
        stalled = self.playing and now - self._last_pose_at > max(SYNC_GIVE_UP_S, 2 * self._delay.value(now))
        if (
            self._latest_packet is not None
            and (not sync or stalled)
            and (self.video_view.packet is None or self._latest_packet.index > self.video_view.packet.index)
        ):
            self._show_packet(self._latest_packet)  # no poses coming (no model, seek): don't freeze the video
        for event in self.events.drain():
            self._handle_event(event)

    def _due_outputs(self, now: float) -> list[LiftOutput]:
        """The 3D results to show now: each one a constant delay after its frame was captured (the recent
        worst latency), so poses that the lifter emits a window at a time still play smoothly, at the pace
        the frames came in. The delay decays to zero within seconds once results stop coming."""
        delay = self._delay.value(now)
        due = []
        while self._to_show and self._to_show[0].packet.captured_at + delay <= now:
            due.append(self._to_show.popleft())
        return due

    def _show_packet(self, packet) -> None:
        if self._latest_packet is not None and packet.index >= self._latest_packet.index:
            self._latest_packet = None
        self.video_view.show_packet(packet)
        self.frames_shown += 1
        self.ui_meter.tick()
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(packet.index)
            self.slider.blockSignals(False)
            self._show_position(packet.index)
        if packet.keypoints is None:
            self.banner.setText("No person in view")
            self.banner.show()
        else:
            self.banner.hide()

    def _handle_event(self, event: tuple) -> None:
        kind = event[0]
        if kind == "error":
            self.show_error(event[1], event[2])
        elif kind == "playing":
            self._set_playing(bool(event[1]))
        elif kind == "finished":
            self.finished_count += 1
            self.statusBar().showMessage(f"End of video: {event[1]} frames lifted", 8000)
            if self._processing_file:
                self._processing_file = False
                self.controls.realtime.setChecked(self._realtime_before)
                self.export("csv")
        elif kind == "status":
            if event[1]:
                self.statusBar().showMessage(event[1])
            else:
                self.statusBar().clearMessage()
        elif kind == "model":
            spec = event[1]
            self._model_ready = True  # loaded, or failed for good: either way playback may start
            if self._play_when_ready and self.capture is not None:
                self._play_when_ready = False
                self.play()
            self.controls.select_model(spec)
            if event[2]:
                self.controls.device.blockSignals(True)
                self.controls.device.setCurrentText(event[2])
                self.controls.device.blockSignals(False)
            if spec.startswith("random:"):
                self.model_banner.setText(
                    "Untrained model (random weights): the 3D skeleton is not meaningful — "
                    "put a checkpoint in weights/ or choose one in the Model box"
                )
                self.model_banner.show()
            else:
                self.model_banner.hide()
            lifter = self.lift.lifter
            self.controls.set_diffusion_enabled(bool(getattr(lifter, "uses_diffusion", True)))
        elif kind == "detector":
            self.controls.detector.blockSignals(True)
            self.controls.detector.setCurrentText(event[1])
            self.controls.detector.blockSignals(False)

    def _update_status(self) -> None:
        c, lift, v = self.capture, self.lift, self.view3d
        parts = [
            f"video {self.ui_meter.rate:4.1f} fps",
            f"UI {self.loop_meter.rate:3.0f} Hz",
            f"3D {v.render_fps:4.1f} fps ({v.render_ms:.0f} ms{', ' + LABELS[v.backend] if v.backend else ''})",
        ]
        if c is not None:
            parts.append(f"input {c.meter.rate:4.1f} fps")
            parts.append(f"detect {c.detect_ms:.0f} ms")
        parts.append(f"lift {lift.push_ms:.0f} ms/frame ({lift.window_ms:.0f} ms/window)")
        parts.append(
            f"latency {lift.latency_frames} fr / {self._delay.value(time.perf_counter()) * 1000:.0f} ms"
        )
        if c is not None:
            parts.append(f"dropped {c.skipped + self._queue.dropped}")
        self.stats_label.setText("  ·  ".join(parts))
        self.stats_label.setToolTip(
            "video: frames shown per second; UI: UI-thread ticks per second (longest stall "
            f"{self.ui_max_gap_ms:.0f} ms); 3D: images rendered per second (render time, renderer: "
            f"{self.view3d.renderer.backend_note if self.view3d.renderer else 'stopped'}); input: frames read "
            "and detected per second; latency: frames and time from capture to its 3D pose"
        )
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
        self._stop_capture()
        self.lift.stop()
        self.view3d.stop()
        for box in list(self._boxes):
            box.close()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def run_app(options: AppOptions, argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("DiffHPE")
    window = MainWindow(options)
    window.show()
    # Ctrl-C in the terminal closes the window cleanly (Python only sees signals between Qt events).
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(200)
    try:
        rc = app.exec()
    finally:
        window.shutdown()
        signal.signal(signal.SIGINT, previous)
    return rc
