"""The skeleton scene drawn by Open3D's legacy Visualizer in a hidden window (no Qt here). Needs a display
(an X server, Xvfb included); on software OpenGL (Mesa llvmpipe) it draws a 640x480 frame in ~5 ms here, where
Filament takes ~70 ms or more. Create, use and delete it on one thread.

Its render options are global (one line width, one point size), so bones and joints are meshes, drawn unlit:
bones as thin prisms, joints as spheres whose radius grows with the hypotheses' spread, as Filament's points do;
the grid, the trail and the MixSTE overlay are thin lines."""

from __future__ import annotations

import math

import numpy as np

from app.gui.scene3d import (
    BACKGROUND,
    MIXSTE_COLOUR,
    SceneState,
    grid_arrays,
    joint_bins,
    skeleton_lines,
    trail_lines,
)

BONE_RADIUS_M = 0.012  # ~4 px at the default view distance, like Filament's bone lines
JOINT_RADII_M = (0.022, 0.03, 0.042)  # per STD_SIZE_BINS, ~7/10/14 px at the default view distance
THIN_LINE_PX = 1.5
PRISM_SIDES = 6
SPHERE_RESOLUTION = 5
Z_NEAR, Z_FAR = 0.02, 200.0


def _prism_template(sides: int) -> tuple[np.ndarray, np.ndarray]:
    """A unit open prism along +z: ring coordinates (2 * sides, 3) as (cos, sin, z in {0, 1}), triangles (2 * sides, 3)."""
    a = 2 * math.pi * np.arange(sides) / sides
    ring = np.stack([np.cos(a), np.sin(a)], axis=1)
    verts = np.concatenate([np.c_[ring, np.zeros(sides)], np.c_[ring, np.ones(sides)]])
    i = np.arange(sides)
    j = (i + 1) % sides
    tris = np.concatenate([np.stack([i, j, i + sides], 1), np.stack([j, j + sides, i + sides], 1)])
    return verts, tris


def bone_mesh(pts: np.ndarray, lines: np.ndarray, colours: np.ndarray, radius: float = BONE_RADIUS_M):
    """Vertices (M * 2S, 3), triangles (M * 2S, 3) and vertex colours of prisms around the lines (M, 2) of pts."""
    verts, tris = _prism_template(PRISM_SIDES)
    a, b = pts[lines[:, 0]], pts[lines[:, 1]]  # (M, 3)
    d = b - a
    unit = d / np.linalg.norm(d, axis=1, keepdims=True)
    helper = np.where(np.abs(unit[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])  # not parallel to d
    u = np.cross(unit, helper)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(unit, u)
    # (M, 2S, 3): a + r cos * u + r sin * v + z * d
    out = (
        a[:, None]
        + radius * verts[None, :, :1] * u[:, None]
        + radius * verts[None, :, 1:2] * v[:, None]
        + verts[None, :, 2:] * d[:, None]
    )
    n = len(verts)
    faces = tris[None] + n * np.arange(len(lines))[:, None, None]
    return out.reshape(-1, 3), faces.reshape(-1, 3), np.repeat(colours, n, axis=0)


class LegacyScene:
    """A hidden legacy Visualizer window with the skeleton scene."""

    name = "legacy"

    def __init__(self, width: int, height: int):
        import open3d as o3d

        self._o3d = o3d
        self.size = (int(width), int(height))
        self.vis = o3d.visualization.Visualizer()
        if not self.vis.create_window("DiffHPE 3D", self.size[0], self.size[1], visible=False):
            raise RuntimeError("Open3D's legacy renderer could not open an OpenGL window")
        opt = self.vis.get_render_option()
        opt.background_color = np.asarray(BACKGROUND, dtype=float)
        opt.line_width = THIN_LINE_PX
        opt.light_on = False  # flat vertex colours, as Filament's unlit materials
        opt.mesh_show_back_face = True
        view = self.vis.get_view_control()
        view.set_constant_z_near(Z_NEAR)
        view.set_constant_z_far(Z_FAR)
        sphere = o3d.geometry.TriangleMesh.create_sphere(radius=1.0, resolution=SPHERE_RESOLUTION)
        self._sphere_v = np.asarray(sphere.vertices)  # (V, 3) unit sphere
        self._sphere_t = np.asarray(sphere.triangles)  # (T, 3)
        self._geometry = {
            "body": o3d.geometry.TriangleMesh(),
            "grid": o3d.geometry.LineSet(),
            "mixste": o3d.geometry.LineSet(),
            "trail": o3d.geometry.LineSet(),
        }
        self._shown: set[str] = set()
        self._has_bounds = False
        self._grid_key = None

    def close(self) -> None:
        self.vis.destroy_window()
        self._geometry.clear()

    def _show(self, name: str, visible: bool) -> None:
        """Add, update or remove one geometry (the legacy renderer refuses empty ones)."""
        g = self._geometry[name]
        if visible and name in self._shown:
            self.vis.update_geometry(g)
        elif visible:
            # The view needs a non-empty bounding box once (the camera maths divides by its size; the camera
            # itself is set explicitly every frame), so the first geometry added sets it.
            self.vis.add_geometry(g, reset_bounding_box=not self._has_bounds)
            self._has_bounds = True
            self._shown.add(name)
        elif name in self._shown:
            self.vis.remove_geometry(g, reset_bounding_box=False)
            self._shown.discard(name)

    def _set_lines(self, name: str, arrays) -> None:
        if arrays is not None:
            o3d, ls = self._o3d, self._geometry[name]
            pts, lines, colours = arrays
            ls.points = o3d.utility.Vector3dVector(pts)
            ls.lines = o3d.utility.Vector2iVector(lines)
            ls.colors = o3d.utility.Vector3dVector(colours)
        self._show(name, arrays is not None)

    def _set_body(self, s: SceneState) -> None:
        parts_v, parts_t, parts_c = [], [], []
        bones = None if s.pose is None else skeleton_lines(s.pose)
        if bones is not None:
            parts_v, parts_t, parts_c = ([x] for x in bone_mesh(*bones))
        if s.pose is not None:
            bins, colours = joint_bins(s.pose, s.std)
            for j in np.flatnonzero(bins >= 0):
                offset = sum(len(v) for v in parts_v)
                parts_v.append(s.pose[j] + JOINT_RADII_M[bins[j]] * self._sphere_v)
                parts_t.append(self._sphere_t + offset)
                parts_c.append(np.tile(colours[j], (len(self._sphere_v), 1)))
        if parts_v:
            o3d, mesh = self._o3d, self._geometry["body"]
            mesh.vertices = o3d.utility.Vector3dVector(np.concatenate(parts_v))
            mesh.triangles = o3d.utility.Vector3iVector(np.concatenate(parts_t).astype(np.int32))
            mesh.vertex_colors = o3d.utility.Vector3dVector(np.concatenate(parts_c))
        self._show("body", bool(parts_v))

    def _set_camera(self, s: SceneState) -> None:
        """The orbit camera as pinhole parameters: vertical field of view, looking from eye to centre."""
        o3d = self._o3d
        w, h = self.size
        f = 0.5 * h / math.tan(math.radians(s.camera.fov_deg) / 2)
        centre, eye, up = s.camera.look_at(s.target)
        forward = (centre - eye) / np.linalg.norm(centre - eye)
        right = np.cross(-up, forward)  # camera x; its y points down the screen, z forward (OpenCV axes)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        rot = np.stack([right, down, forward])  # (3, 3) world -> camera
        extrinsic = np.eye(4)
        extrinsic[:3, :3], extrinsic[:3, 3] = rot, -rot @ eye
        params = o3d.camera.PinholeCameraParameters()
        params.intrinsic = o3d.camera.PinholeCameraIntrinsic(w, h, f, f, w / 2 - 0.5, h / 2 - 0.5)
        params.extrinsic = extrinsic
        if not self.vis.get_view_control().convert_from_pinhole_camera_parameters(
            params, allow_arbitrary=True
        ):
            raise RuntimeError("Open3D's legacy renderer refused the camera")

    def render(self, s: SceneState) -> np.ndarray:
        """Draw one state; returns (H, W, 3) uint8 RGB."""
        grid_key = (round(s.ground_y, 2), tuple(np.round(s.grid_centre, 2)))
        if grid_key != self._grid_key:
            self._set_lines("grid", grid_arrays(s.grid_centre, s.ground_y))
            self._grid_key = grid_key
        self._set_body(s)
        self._set_lines(
            "mixste", None if s.mixste_pose is None else skeleton_lines(s.mixste_pose, MIXSTE_COLOUR)
        )
        self._set_lines("trail", trail_lines(s.trail, s.ground_y))
        self._set_camera(s)  # after the geometry: adding geometry may move the view
        self.vis.poll_events()
        image = np.asarray(self.vis.capture_screen_float_buffer(do_render=True))  # (H, W, 3) float in [0, 1]
        return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
