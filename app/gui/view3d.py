"""The 3D pane: shows the images RenderThread draws and turns mouse drags into camera moves.

Left drag orbits, right/middle (or Shift+left) drag pans, the wheel zooms, a double click resets the view.
'Follow person' keeps the pelvis in the centre; 'fixed camera' keeps the camera still while the person moves."""

from __future__ import annotations

from collections import deque

import numpy as np
from PyQt6.QtCore import QPointF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtWidgets import QSizePolicy, QWidget

from app.gui.frame_queues import Mailbox
from app.gui.orbit import OrbitCamera
from app.gui.scene3d import BACKGROUND, RenderProcess, SceneState
from lifting.keypoints import LiftResult

MAX_RENDER_SIDE = 640  # software rendering cost grows with the pixels (README figures); scaled up
TRAIL_FRAMES = 240
GRID_STEP = 0.5
DEFAULT_TARGET = np.array([0.0, 0.0, 3.0])


def render_size(width: int, height: int) -> tuple[int, int]:
    s = min(1.0, MAX_RENDER_SIDE / max(width, height, 1))
    return max(64, int(width * s) // 16 * 16), max(64, int(height * s) // 16 * 16)


class View3D(QWidget):
    imageReady = pyqtSignal()
    renderFailed = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None, renderer: str = "auto"):
        super().__init__(parent)
        self.renderer_choice = renderer  # 'auto', 'legacy' or 'filament' (app.gui.renderers)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.camera = OrbitCamera()
        self.follow = True
        self.show_mixste = False
        self.show_trail = True
        self._fixed_target: np.ndarray | None = None
        self._target = DEFAULT_TARGET.copy()
        self._trail: deque[np.ndarray] = deque(maxlen=TRAIL_FRAMES)
        self._ground_y: float | None = None
        self.last_result: LiftResult | None = None
        self.pose_seq = 0
        self._image: QImage | None = None
        self._images = Mailbox()  # (image, state) from the render thread
        self._drag: tuple[QPointF, Qt.MouseButton, Qt.KeyboardModifier] | None = None
        self.message = ""
        self.shown_seq = -1
        self._renderer: RenderProcess | None = None
        self.imageReady.connect(self._take_image)

    # --- thread lifetime -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._renderer is None:
            self._renderer = RenderProcess(
                self._on_image, self.renderFailed.emit, renderer=self.renderer_choice
            )
            self._renderer.start()
            self.request_render()

    def stop(self) -> None:
        if self._renderer is not None:
            self._renderer.stop()
            self._renderer = None

    @property
    def renderer(self):
        """The RenderProcess (None when stopped)."""
        return self._renderer

    def set_renderer(self, choice: str) -> None:
        """Draw with another renderer ('auto', 'legacy', 'filament'): a new renderer process, the same camera,
        pose and trail (they live here, not in the renderer)."""
        from app.gui.renderers import RENDERERS

        if choice not in RENDERERS:
            raise ValueError(f"unknown renderer {choice!r}; choose one of {', '.join(RENDERERS)}")
        self.renderer_choice = choice
        if self._renderer is not None:
            self.stop()
            self.start()

    @property
    def backend(self) -> str:
        """Which renderer draws now ('legacy', 'filament'; '' until the first image)."""
        return self._renderer.backend if self._renderer is not None else ""

    @property
    def render_fps(self) -> float:
        return self._renderer.fps if self._renderer is not None else 0.0

    @property
    def render_ms(self) -> float:
        return self._renderer.render_ms if self._renderer is not None else 0.0

    @property
    def frames_rendered(self) -> int:
        return self._renderer.frames_rendered if self._renderer is not None else 0

    # --- poses ---------------------------------------------------------------------------------------
    def clear(self) -> None:
        self._trail.clear()
        self._ground_y = None
        self.last_result = None
        self._fixed_target = None
        self._target = DEFAULT_TARGET.copy()
        self.request_render()

    def set_poses(self, results: list[LiftResult]) -> None:
        """Show the last result; the earlier ones (skipped when the display falls behind) still extend the
        root trail."""
        for r in results:
            root = np.asarray(r.root, dtype=float)
            if not np.all(np.isfinite(root)):
                root = self._trail[-1] if self._trail else DEFAULT_TARGET
            self._trail.append(root)
        r = results[-1]
        root = self._trail[-1]
        pose = np.asarray(r.pose, dtype=float) + root
        feet = float(np.nanmax(pose[:, 1]))  # y points down: the lowest joint has the largest y
        self._ground_y = (
            feet if self._ground_y is None else 0.9 * self._ground_y + 0.1 * max(feet, self._ground_y)
        )
        if self._fixed_target is None:
            self._fixed_target = root.copy()
        self._target = root if self.follow else self._fixed_target
        self.last_result = r
        self.pose_seq += 1
        self.request_render()

    def set_follow(self, follow: bool) -> None:
        self.follow = follow
        if not follow and self._trail:
            self._fixed_target = self._trail[-1].copy()
        self.camera = OrbitCamera(yaw=self.camera.yaw, pitch=self.camera.pitch, distance=self.camera.distance)
        if self._trail:
            self._target = self._trail[-1] if follow else self._fixed_target
        self.request_render()

    def set_show_mixste(self, show: bool) -> None:
        self.show_mixste = show
        self.request_render()

    def set_show_trail(self, show: bool) -> None:
        self.show_trail = show
        self.request_render()

    def reset_camera(self) -> None:
        self.camera = OrbitCamera()
        if self._trail:
            self._fixed_target = self._trail[-1].copy()
            self._target = self._trail[-1] if self.follow else self._fixed_target
        self.request_render()

    def scene_state(self) -> SceneState:
        size = render_size(self.width(), self.height())
        ground = self._ground_y if self._ground_y is not None else float(self._target[1]) + 0.9
        centre = np.round(self._target / GRID_STEP) * GRID_STEP
        state = SceneState(
            size=size,
            camera=self.camera,
            target=np.array(self._target),
            ground_y=ground,
            grid_centre=centre,
            seq=self.pose_seq,
        )
        if self.last_result is not None:
            r = self.last_result
            root = self._trail[-1]
            state.pose = np.asarray(r.pose, dtype=float) + root
            state.std = np.asarray(r.std, dtype=float)
            if self.show_mixste and r.mixste_pose is not None:
                state.mixste_pose = np.asarray(r.mixste_pose, dtype=float) + root
            if self.show_trail:
                state.trail = np.asarray(self._trail)
        return state

    def request_render(self) -> None:
        if self._renderer is not None:
            self._renderer.request(self.scene_state())

    # --- images (render thread -> UI thread) ---------------------------------------------------------
    def _on_image(self, image: np.ndarray, state: SceneState) -> None:
        self._images.put((image, state))  # render thread: just hand over, the UI thread converts
        self.imageReady.emit()

    def _take_image(self) -> None:
        pending = self._images.take()
        if pending is None:
            return
        image, state = pending
        image = np.ascontiguousarray(image)
        h, w = image.shape[:2]
        self._image = QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.shown_seq = state.seq
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def save_screenshot(self, path: str) -> None:
        """Write the current 3D image as PNG; OSError when there is none or it can't be written."""
        if self._image is None:
            raise OSError("the 3D view has not drawn anything yet")
        if not self._image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    # --- Qt events -----------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        bg = QColor.fromRgbF(*BACKGROUND)
        p.fillRect(self.rect(), bg)
        if self._image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            iw, ih = self._image.width(), self._image.height()
            s = min(self.width() / iw, self.height() / ih)
            w, h = iw * s, ih * s
            p.drawImage(
                QPointF((self.width() - w) / 2, (self.height() - h) / 2).toPoint(),
                self._image.scaled(
                    int(w),
                    int(h),
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                if abs(s - 1) > 0.02
                else self._image,
            )
        if self.message:
            p.setPen(QColor(220, 220, 220))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        p.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.request_render()

    def mousePressEvent(self, event) -> None:
        self._drag = (event.position(), event.button(), event.modifiers())

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            return
        start, button, mods = self._drag
        d = event.position() - start
        self._drag = (event.position(), button, mods)
        if button == Qt.MouseButton.LeftButton and not (mods & Qt.KeyboardModifier.ShiftModifier):
            self.camera = self.camera.orbit(d.x(), d.y())
        else:
            self.camera = self.camera.pan_by(d.x(), d.y(), self.height())
        self.request_render()

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event) -> None:
        self.reset_camera()

    def wheelEvent(self, event) -> None:
        self.camera = self.camera.zoom(event.angleDelta().y() / 120.0)
        self.request_render()
