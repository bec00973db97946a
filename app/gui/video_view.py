"""The video pane: the current frame with its 2D skeleton drawn on top (left/right limbs in two colours)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from app.gui.frame_queues import FramePacket
from app.gui.scene3d import segment_colour
from lifting.skeleton import SEGMENTS

MIN_CONFIDENCE = 0.3  # joints below this are drawn faint


def qcolor(rgb: tuple[float, float, float], alpha: float = 1.0) -> QColor:
    return QColor.fromRgbF(rgb[0], rgb[1], rgb[2], alpha)


class VideoView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(False)
        self.packet: FramePacket | None = None
        self._image: QImage | None = None
        self.placeholder = "Open a video (File ▸ Open, or drop a file here) or a webcam"
        self.paints = 0

    def show_packet(self, packet: FramePacket | None) -> None:
        self.packet = packet
        if packet is None:
            self._image = None
        else:
            img = np.ascontiguousarray(packet.image)
            h, w = img.shape[:2]
            # QImage borrows the buffer: keep the array alive with the packet.
            self._image = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            packet.image = img
        self.update()

    def image_rect(self) -> QRectF:
        """Where the frame is drawn: fitted into the widget, aspect kept, centred."""
        if self._image is None:
            return QRectF()
        w, h = self._image.width(), self._image.height()
        s = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(18, 19, 22))
        if self._image is None:
            p.setPen(QColor(170, 170, 170))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.image_rect()
        p.drawImage(rect, self._image)
        kp = self.packet.keypoints if self.packet is not None else None
        if kp is not None:
            # source pixels -> widget pixels
            s = self.packet.scale * rect.width() / self._image.width()
            pts = [QPointF(rect.x() + x * s, rect.y() + y * s) for x, y in np.asarray(kp.xy, dtype=float)]
            conf = np.asarray(kp.confidence, dtype=float)
            width = max(2.0, rect.height() / 220)
            for parent, child in SEGMENTS:
                c = min(conf[parent], conf[child])
                pen = QPen(qcolor(segment_colour(child), 1.0 if c >= MIN_CONFIDENCE else 0.35), width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                p.drawLine(pts[parent], pts[child])
            p.setPen(Qt.PenStyle.NoPen)
            for j, pt in enumerate(pts):
                p.setBrush(QColor(255, 255, 255, 230 if conf[j] >= MIN_CONFIDENCE else 80))
                p.drawEllipse(pt, width * 1.2, width * 1.2)
        p.end()
        self.paints += 1
