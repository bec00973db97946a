"""A live plot of one joint angle (picked in a combo box) over the last seconds of 3D poses, drawn with
QPainter (cheap enough to redraw on every UI tick). Angles as in lifting.exports.angles; the trunk lean uses
the camera's up (-y), as no whole clip is there to estimate the vertical from."""

from __future__ import annotations

from collections import deque

import numpy as np
from PyQt6.QtCore import QPointF
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from lifting.exports.angles import ANGLE_NAMES, joint_angles

CAMERA_UP = (0.0, -1.0, 0.0)  # camera frame: y down


class _Canvas(QWidget):
    def __init__(self, owner: AnglePlot):
        super().__init__()
        self.owner = owner
        self.setMinimumHeight(120)

    def paintEvent(self, event) -> None:
        o = self.owner
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(30, 30, 30))
        w, h = self.width(), self.height()
        lo, hi = -45.0, 180.0  # degrees shown: every angle's usual range
        y_of = lambda v: h - 4 - (v - lo) / (hi - lo) * (h - 8)
        p.setPen(QPen(QColor(80, 80, 80), 1))
        for v in (0, 90, 180):
            p.drawLine(0, int(y_of(v)), w, int(y_of(v)))
            p.drawText(2, int(y_of(v)) - 2, f"{v}°")
        frames, values = o.series()
        if len(frames) > 1:
            x0, span = frames[-1] - o.window_frames, o.window_frames
            p.setPen(QPen(QColor(80, 200, 255), 2))
            last = None
            for f, v in zip(frames, values):
                pt = QPointF((f - x0) / span * w, y_of(float(np.clip(v, lo, hi)))) if np.isfinite(v) else None
                if pt is not None and last is not None:
                    p.drawLine(last, pt)
                last = pt
        p.end()


class AnglePlot(QWidget):
    """Call add(results, fps) with new LiftResults; the plot shows the chosen angle over `seconds`."""

    def __init__(self, seconds: float = 10.0):
        super().__init__()
        self.seconds = seconds
        self.window_frames = 300
        self.choice = QComboBox()
        self.choice.addItems([n.replace("_", " ") for n in ANGLE_NAMES])
        self.choice.setCurrentIndex(ANGLE_NAMES.index("right_knee_flexion"))
        self.choice.currentIndexChanged.connect(lambda _: self._changed())
        self.value_label = QLabel("–")
        self.canvas = _Canvas(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.choice)
        lay.addWidget(self.value_label)
        lay.addWidget(self.canvas, 1)
        self._frames: deque[int] = deque()
        self._angles: deque[dict[str, float]] = deque()

    @property
    def angle(self) -> str:
        return ANGLE_NAMES[self.choice.currentIndex()]

    def set_angle(self, name: str) -> None:
        self.choice.setCurrentIndex(ANGLE_NAMES.index(name))

    def clear(self) -> None:
        self._frames.clear()
        self._angles.clear()
        self._changed()

    def add(self, results, fps: float = 30.0) -> None:
        """New 3D results (LiftResult, in frame order): their angles join the plot."""
        if not results:
            return
        self.window_frames = max(2, int(self.seconds * fps))
        if self._frames and results[0].frame <= self._frames[-1]:
            self.clear()  # a seek or a new source: start over
        x = np.stack([np.asarray(r.pose, np.float64) for r in results])  # (n, 17, 3) root-relative
        values = joint_angles(x, up=CAMERA_UP)
        for i, r in enumerate(results):
            self._frames.append(int(r.frame))
            self._angles.append({k: float(v[i]) for k, v in values.items()})
        while self._frames and self._frames[0] < self._frames[-1] - self.window_frames:
            self._frames.popleft()
            self._angles.popleft()
        self._changed()

    def series(self) -> tuple[list[int], list[float]]:
        """(frames, degrees) of the chosen angle now shown."""
        name = self.angle
        return list(self._frames), [a[name] for a in self._angles]

    def _changed(self) -> None:
        _, values = self.series()
        v = values[-1] if values else float("nan")
        self.value_label.setText(f"{v:.0f}°" if np.isfinite(v) else "–")
        self.canvas.update()
