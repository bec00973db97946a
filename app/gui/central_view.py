"""The main window's central area: two banners (the model, the person) over the video pane and the 3D view
side by side, and the playback bar under them."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.gui.frame_queues import FramePacket
from app.gui.playback_bar import PlaybackBar
from app.gui.video_view import VideoView
from app.gui.view3d import View3D

UNTRAINED_MODEL_TEXT = (
    "Untrained model (random weights): the 3D skeleton is not meaningful — "
    "put a checkpoint in weights/ or choose one in the Model box"
)


def _banner(style: str) -> QLabel:
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(style)
    label.hide()
    return label


class CentralView(QWidget):
    def __init__(self, renderer: str, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.banner = _banner("background:#d9a400;color:black;font-weight:bold;padding:4px;border-radius:3px")
        self.model_banner = _banner("background:#3b5b8c;color:white;padding:3px;border-radius:3px")
        outer.addWidget(self.model_banner)
        outer.addWidget(self.banner)

        self.video_view = VideoView()
        self.view3d = View3D(renderer=renderer)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.video_view)
        split.addWidget(self.view3d)
        split.setSizes([600, 600])
        outer.addWidget(split, 1)

        self.playback_bar = PlaybackBar()
        outer.addWidget(self.playback_bar)

    def show_packet(self, packet: FramePacket) -> None:
        """A frame with its 2D skeleton; the slider follows it, and a banner says when nobody was found."""
        self.video_view.show_packet(packet)
        self.playback_bar.show_frame(packet.index)
        if packet.keypoints is None:
            self.banner.setText("No person in view")
            self.banner.show()
        else:
            self.banner.hide()

    def show_model(self, model: str) -> None:
        """The model now running: a banner warns when it is untrained."""
        if model.startswith("random:"):
            self.model_banner.setText(UNTRAINED_MODEL_TEXT)
            self.model_banner.show()
        else:
            self.model_banner.hide()
