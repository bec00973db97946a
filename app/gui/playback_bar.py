"""The bar under the video: play/pause and step buttons, the seek slider and the frame / time label."""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QStyle, QWidget


class PlaybackBar(QWidget):
    playClicked = pyqtSignal()
    stepClicked = pyqtSignal()
    seekRequested = pyqtSignal(int)  # a frame index: the slider was released or paged

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._fps = 0.0
        self._frame_count = 0
        self._is_file = False
        self._has_source = False
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        style = self.style()
        self.play_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.playClicked)
        self.step_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "")
        self.step_button.setToolTip("Next frame (→)")
        self.step_button.clicked.connect(self.stepClicked)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.sliderReleased.connect(lambda: self.seekRequested.emit(self.slider.value()))
        self.slider.actionTriggered.connect(self._slider_action)
        self.slider.sliderMoved.connect(self._show_position)
        self.position_label = QLabel("–")
        self.position_label.setMinimumWidth(150)
        for w in (self.play_button, self.step_button):
            w.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.position_label)

    def set_source(self, fps: float, frame_count: int, is_file: bool) -> None:
        """A new source: the slider spans a file's frames (a webcam can't seek or step)."""
        self._fps, self._frame_count, self._is_file, self._has_source = fps, frame_count, is_file, True
        self.slider.setEnabled(is_file)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(frame_count - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.step_button.setEnabled(is_file)

    def show_frame(self, index: int) -> None:
        """The frame on screen; the slider follows unless the user is dragging it."""
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
            self._show_position(index)

    def set_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _slider_action(self, action: int) -> None:
        if action in (
            QSlider.SliderAction.SliderPageStepAdd.value,
            QSlider.SliderAction.SliderPageStepSub.value,
        ):
            # after the slider has moved by the page step
            QTimer.singleShot(0, lambda: self.seekRequested.emit(self.slider.value()))

    def _show_position(self, index: int) -> None:
        if not self._has_source:
            self.position_label.setText("–")
            return
        t = index / self._fps
        total = f" / {self._frame_count}" if self._is_file else ""
        self.position_label.setText(f"frame {index + 1}{total}   {int(t // 60)}:{t % 60:05.2f}")
