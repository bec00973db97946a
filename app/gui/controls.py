"""The side panel: model, detector, device and sampling options (applied on the fly), and view options."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lifting.stream_defaults import MODES

JOINT_LABELS = {"landmarks": "Detector landmarks", "centres": "Joint centres"}  # lifting.definitions


def _check_box(form: QFormLayout, text: str, tip: str | None = None, checked: bool = False) -> QCheckBox:
    """A checkbox with its tooltip, added as a row of `form`."""
    box = QCheckBox(text)
    if tip:
        box.setToolTip(tip)
    box.setChecked(checked)
    form.addRow(box)
    return box


def _set_quietly(widget, setter, value) -> None:
    widget.blockSignals(True)
    try:
        setter(value)
    finally:
        widget.blockSignals(False)


class ControlsPanel(QWidget):
    modelSelected = pyqtSignal(str)  # a checkpoint path, or "random:<profile>"
    browseModelRequested = pyqtSignal()
    detectorSelected = pyqtSignal(str)
    deviceSelected = pyqtSignal(str)
    liftOptionChanged = pyqtSignal(str, object)  # StreamingLifter.configure(name=value)
    realtimeChanged = pyqtSignal(bool)
    followChanged = pyqtSignal(bool)
    mixsteChanged = pyqtSignal(bool)
    trailChanged = pyqtSignal(bool)
    syncChanged = pyqtSignal(bool)
    resetViewRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)

        lifting = QGroupBox("Lifting")
        form = QFormLayout(lifting)
        self.model = QComboBox()
        self.model.setMinimumContentsLength(14)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        browse = QPushButton("…")
        browse.setToolTip("Load another checkpoint (.safetensors)")
        browse.setFixedWidth(28)
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(browse)
        form.addRow("Model", row)
        self.device = QComboBox()
        form.addRow("Device", self.device)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setToolTip(
            "causal: no look-ahead, lowest latency; centred: each frame in the middle of its window "
            "(more accurate, shown half a window later)"
        )
        form.addRow("Mode", self.mode)
        self.sampler = QComboBox()
        form.addRow("Sampler", self.sampler)
        self.steps = QSpinBox()
        self.steps.setRange(1, 50)
        self.steps.setToolTip("Diffusion steps k per window")
        form.addRow("Steps k", self.steps)
        self.hypotheses = QSpinBox()
        self.hypotheses.setRange(1, 32)
        self.hypotheses.setToolTip("Hypotheses H sampled in one batch; their spread is the joint uncertainty")
        form.addRow("Hypotheses H", self.hypotheses)
        self.stride = QSpinBox()
        self.stride.setRange(1, 27)
        self.stride.setToolTip("Run a window every s frames (overlaps are averaged)")
        form.addRow("Stride s", self.stride)
        self.flip = _check_box(
            form,
            "Test-time flip (2× lifting time)",
            "Also lift each window mirrored and average the two: a few mm more accurate (README), twice the "
            "lifting time; too slow for real time on a 2-core CPU",
        )
        self.joints = QComboBox()
        for name, label in JOINT_LABELS.items():
            self.joints.addItem(label, name)
        self.joints.setToolTip(
            "What the skeleton's torso and head points are. Detector landmarks: thorax between the shoulders, "
            "neck at the nose, head between the eyes, as in MediaPipe's own 3D and the 2D overlay. Joint "
            "centres: the motion-capture joints the models learn. Hips and limbs are the same in both."
        )
        form.addRow("Joints", self.joints)
        self.fit_2d = QDoubleSpinBox()
        self.fit_2d.setRange(0.0, 1.0)
        self.fit_2d.setSingleStep(0.05)
        self.fit_2d.setDecimals(2)
        self.fit_2d.setToolTip(
            "How far each seen joint is pulled towards its 2D keypoint's camera ray, at the depth the lifter "
            "gave it (bone lengths kept). 0: the lifter's pose as it is; 1: its directions follow the 2D fully"
        )
        form.addRow("2D fit", self.fit_2d)
        self.steady_bones = _check_box(
            form,
            "Steady bones (one symmetric skeleton)",
            "Every pose takes the same left/right-symmetric bone lengths, the running mean of the lengths lifted "
            "so far; the bone directions stay the lifter's. Off: each pose keeps the lengths its window gave it",
            checked=True,
        )
        self.diffusion_note = QLabel("MixSTE-only model: no diffusion\n(sampler, k and H unused)")
        self.diffusion_note.setStyleSheet("color: gray")
        self.diffusion_note.hide()
        form.addRow(self.diffusion_note)
        outer.addWidget(lifting)

        capture = QGroupBox("Input")
        form = QFormLayout(capture)
        self.detector = QComboBox()
        form.addRow("Detector", self.detector)
        self.realtime = _check_box(
            form,
            "Real time (keep the video's pace)",
            "Play at the video's own rate. When the 2D detector is slower than the video, frames in between "
            "detections get interpolated 2D keypoints; frames are dropped only if even reading falls behind. "
            "Off: every frame is detected, as slowly as that takes.",
            checked=True,
        )
        outer.addWidget(capture)

        view = QGroupBox("3D view")
        form = QFormLayout(view)
        self.camera_mode = QComboBox()
        self.camera_mode.addItems(["Follow person", "Fixed camera"])
        form.addRow("Camera", self.camera_mode)
        self.show_mixste = _check_box(form, "Overlay MixSTE-only skeleton")
        self.show_trail = _check_box(form, "Root trajectory trail", checked=True)
        self.root_filter = _check_box(
            form,
            "Smooth the root trajectory",
            "A causal constant-velocity Kalman filter on the pelvis position (not on the pose): removes the "
            "frame-to-frame shake of the trail and of the skeleton's place",
            checked=True,
        )
        self.sync = _check_box(
            form,
            "Delay video to match the 3D pose",
            "Show each frame when its 3D pose is ready, so 2D and 3D stay in step",
            checked=True,
        )
        reset = QPushButton("Reset view")
        form.addRow(reset)
        outer.addWidget(view)
        outer.addStretch(1)

        self.model.activated.connect(lambda i: self.modelSelected.emit(self.model.itemData(i)))
        browse.clicked.connect(self.browseModelRequested)
        self.device.activated.connect(lambda i: self.deviceSelected.emit(self.device.itemText(i)))
        self.detector.activated.connect(lambda i: self.detectorSelected.emit(self.detector.itemText(i)))
        self.mode.currentTextChanged.connect(lambda v: self.liftOptionChanged.emit("mode", v))
        self.sampler.currentTextChanged.connect(lambda v: self.liftOptionChanged.emit("sampler", v))
        self.steps.valueChanged.connect(lambda v: self.liftOptionChanged.emit("steps", v))
        self.hypotheses.valueChanged.connect(lambda v: self.liftOptionChanged.emit("hypotheses", v))
        self.stride.valueChanged.connect(lambda v: self.liftOptionChanged.emit("stride", v))
        self.flip.toggled.connect(lambda v: self.liftOptionChanged.emit("flip", bool(v)))
        self.fit_2d.valueChanged.connect(lambda v: self.liftOptionChanged.emit("fit_2d", float(v)))
        self.steady_bones.toggled.connect(lambda v: self.liftOptionChanged.emit("steady_bones", bool(v)))
        self.joints.currentIndexChanged.connect(
            lambda i: self.liftOptionChanged.emit("joints", self.joints.itemData(i))
        )
        self.realtime.toggled.connect(self.realtimeChanged)
        self.camera_mode.currentIndexChanged.connect(lambda i: self.followChanged.emit(i == 0))
        self.show_mixste.toggled.connect(self.mixsteChanged)
        self.show_trail.toggled.connect(self.trailChanged)
        self.root_filter.toggled.connect(lambda v: self.liftOptionChanged.emit("root_filter", bool(v)))
        self.sync.toggled.connect(self.syncChanged)
        reset.clicked.connect(self.resetViewRequested)

    # --- filled and synchronised by the main window (without re-emitting) ------------------------------
    def set_models(self, entries: list[tuple[str, str]], current: str) -> None:
        """entries: (label, model spec)."""
        self.model.blockSignals(True)
        self.model.clear()
        for label, spec in entries:
            self.model.addItem(label, spec)
            self.model.setItemData(self.model.count() - 1, spec, 3)  # tooltip: the full path
        self.model.blockSignals(False)
        self.select_model(current)

    def select_model(self, spec: str) -> None:
        i = self.model.findData(spec)
        if i < 0 and spec:
            from pathlib import Path

            self.model.addItem(Path(spec).name, spec)
            i = self.model.count() - 1
        _set_quietly(self.model, self.model.setCurrentIndex, i)

    def set_devices(self, devices: list[str], current: str) -> None:
        self.device.clear()
        self.device.addItems(devices)
        self.select_device(current)

    def select_device(self, name: str) -> None:
        _set_quietly(self.device, self.device.setCurrentText, name)

    def set_detectors(self, names: list[str], current: str) -> None:
        self.detector.clear()
        self.detector.addItems(names)
        self.select_detector(current)

    def select_detector(self, name: str) -> None:
        _set_quietly(self.detector, self.detector.setCurrentText, name)

    def set_diffusion_enabled(self, enabled: bool) -> None:
        """Sampler, k and H mean nothing for a MixSTE-only model (one deterministic pose, std 0)."""
        note = "" if enabled else "The current model is MixSTE only: no diffusion sampling."
        for w in (self.sampler, self.steps, self.hypotheses):
            w.setEnabled(enabled)
            w.setStatusTip(note)
        self.diffusion_note.setVisible(not enabled)

    def set_samplers(self, names: list[str]) -> None:
        current = self.sampler.currentText()
        self.sampler.blockSignals(True)
        self.sampler.clear()
        self.sampler.addItems(names)
        if current:
            self.sampler.setCurrentText(current)
        self.sampler.blockSignals(False)

    def set_lift_options(self, options: dict) -> None:
        for name, widget in (("mode", self.mode), ("sampler", self.sampler)):
            if name in options:
                if widget.findText(str(options[name])) < 0:
                    widget.addItem(str(options[name]))
                _set_quietly(widget, widget.setCurrentText, str(options[name]))
        for name, widget in (("steps", self.steps), ("hypotheses", self.hypotheses), ("stride", self.stride)):
            if name in options:
                _set_quietly(widget, widget.setValue, int(options[name]))
        for name, box in (
            ("root_filter", self.root_filter),
            ("flip", self.flip),
            ("steady_bones", self.steady_bones),
        ):
            if name in options:
                _set_quietly(box, box.setChecked, bool(options[name]))
        if "fit_2d" in options:
            _set_quietly(self.fit_2d, self.fit_2d.setValue, float(options["fit_2d"]))
        if "joints" in options:
            _set_quietly(self.joints, self.joints.setCurrentIndex, self.joints.findData(options["joints"]))
