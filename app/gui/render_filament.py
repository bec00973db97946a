"""The skeleton scene drawn by Open3D's Filament OffscreenRenderer (no Qt here). Works without a display (EGL);
on software OpenGL it costs ~70-180 ms a frame at 640x480 here, so the legacy renderer is preferred where a display
exists (app.gui.renderers). Create, use and delete it on one thread."""

from __future__ import annotations

import numpy as np

from app.gui.scene3d import (
    BACKGROUND,
    MIXSTE_COLOUR,
    STD_SIZE_BINS,
    SceneState,
    grid_arrays,
    joint_bins,
    skeleton_lines,
    trail_lines,
)


def background_rgba(c: tuple[float, ...]) -> list[float]:
    # Filament shows the background colour as if it were linear light (darker); vertex colours as given.
    return [float(x) ** (1 / 2.2) for x in c] + [1.0]


class FilamentScene:
    """An OffscreenRenderer with the skeleton scene: unlit lines, joints as points sized by uncertainty."""

    name = "filament"

    def __init__(self, width: int, height: int):
        import open3d as o3d
        from open3d.visualization import rendering

        self._o3d, self._rendering = o3d, rendering
        self.size = (int(width), int(height))
        self.renderer = rendering.OffscreenRenderer(*self.size)
        self.scene = self.renderer.scene
        self.scene.view.set_post_processing(False)
        self.scene.set_background(background_rgba(BACKGROUND))
        self._line = rendering.MaterialRecord()
        self._line.shader = "unlitLine"
        self._line.line_width = 4.0
        self._thin = rendering.MaterialRecord()
        self._thin.shader = "unlitLine"
        self._thin.line_width = 1.5
        self._points = []
        for _, size in STD_SIZE_BINS:
            m = rendering.MaterialRecord()
            m.shader = "defaultUnlit"
            m.point_size = size
            self._points.append(m)
        self._grid_key = None

    def close(self) -> None:
        self.scene.clear_geometry()
        del self.scene
        del self.renderer

    def _lineset(self, arrays):
        if arrays is None:
            return None
        o3d = self._o3d
        pts, lines, colours = arrays
        ls = o3d.geometry.LineSet(o3d.utility.Vector3dVector(pts), o3d.utility.Vector2iVector(lines))
        ls.colors = o3d.utility.Vector3dVector(colours)
        return ls

    def _replace(self, name: str, geometry, material) -> None:
        if self.scene.has_geometry(name):
            self.scene.remove_geometry(name)
        if geometry is not None:
            self.scene.add_geometry(name, geometry, material)

    def render(self, s: SceneState) -> np.ndarray:
        """Draw one state; returns (H, W, 3) uint8 RGB."""
        o3d = self._o3d
        grid_key = (round(s.ground_y, 2), tuple(np.round(s.grid_centre, 2)))
        if grid_key != self._grid_key:
            self._replace("grid", self._lineset(grid_arrays(s.grid_centre, s.ground_y)), self._thin)
            self._grid_key = grid_key

        joint_names = [f"joints{b}" for b in range(len(STD_SIZE_BINS))]
        if s.pose is not None:
            self._replace("skeleton", self._lineset(skeleton_lines(s.pose)), self._line)
            bins, colours = joint_bins(s.pose, s.std)
            for b, name in enumerate(joint_names):
                sel = bins == b
                pc = None
                if sel.any():
                    pc = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(s.pose[sel].astype(float)))
                    pc.colors = o3d.utility.Vector3dVector(colours[sel])
                self._replace(name, pc, self._points[b])
        else:
            for name in ["skeleton", *joint_names]:
                self._replace(name, None, None)

        mixste = None if s.mixste_pose is None else skeleton_lines(s.mixste_pose, MIXSTE_COLOUR)
        self._replace("mixste", self._lineset(mixste), self._thin)
        self._replace("trail", self._lineset(trail_lines(s.trail, s.ground_y)), self._thin)

        # Explicit projection: setup_camera() derives near/far from the scene bounds (blank when empty).
        w, h = self.size
        cam = self.scene.camera
        cam.set_projection(s.camera.fov_deg, w / h, 0.02, 200.0, self._rendering.Camera.FovType.Vertical)
        centre, eye, up = s.camera.look_at(s.target)
        cam.look_at(centre.astype(np.float32), eye.astype(np.float32), up.astype(np.float32))
        return np.asarray(self.renderer.render_to_image())
