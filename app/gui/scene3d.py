"""The 3D skeleton scene drawn by Open3D's OffscreenRenderer in a renderer process (no Qt here).

Open3D aborts when a renderer is used from a thread other than the one that created it, and holds the GIL
while it renders, so RenderProcess runs it in a child process that creates, uses and deletes the renderer on
its one thread; the app only hands it SceneStates. Only the newest state waits: stale poses are dropped."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.gui.orbit import OrbitCamera
from lifting.skeleton import LEFT_JOINTS, RIGHT_JOINTS, SEGMENTS

# Colours shared by the 2D overlay and the 3D view (RGB in [0, 1]).
LEFT_COLOUR = (0.20, 0.60, 1.00)
RIGHT_COLOUR = (1.00, 0.40, 0.15)
CENTRE_COLOUR = (0.92, 0.92, 0.92)
MIXSTE_COLOUR = (0.62, 0.50, 0.85)
TRAIL_COLOUR = (1.00, 0.85, 0.20)
GRID_COLOUR = (0.32, 0.34, 0.38)
BACKGROUND = (0.11, 0.12, 0.14)

# Joint markers: bigger and redder when the hypotheses disagree more (std in metres).
STD_FULL_SCALE = 0.10
STD_SIZE_BINS = ((0.03, 7.0), (0.07, 10.0), (np.inf, 14.0))


def segment_colour(child: int) -> tuple[float, float, float]:
    if child in LEFT_JOINTS:
        return LEFT_COLOUR
    if child in RIGHT_JOINTS:
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def std_colour(std: np.ndarray) -> np.ndarray:
    """(J,) metres -> (J, 3) green (certain) through yellow to red (uncertain)."""
    t = np.clip(np.asarray(std, dtype=float) / STD_FULL_SCALE, 0.0, 1.0)[:, None]
    green, yellow, red = np.array([0.2, 0.9, 0.3]), np.array([1.0, 0.9, 0.2]), np.array([1.0, 0.2, 0.2])
    return np.where(t < 0.5, green + (yellow - green) * (t * 2), yellow + (red - yellow) * (t * 2 - 1))


@dataclass
class SceneState:
    """Everything one 3D frame shows; positions in the video camera frame, metres."""

    size: tuple[int, int]  # (width, height) pixels
    camera: OrbitCamera
    target: np.ndarray  # (3,) look-at point before panning
    pose: np.ndarray | None = None  # (17, 3) absolute (root added)
    std: np.ndarray | None = None  # (17,)
    mixste_pose: np.ndarray | None = None  # (17, 3) absolute, drawn when not None
    trail: np.ndarray | None = None  # (N, 3) past root positions
    ground_y: float = 0.9  # the floor plane y = ground_y (y points down)
    grid_centre: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) snapped to the grid spacing
    seq: int = 0  # which pose this is, for the UI's bookkeeping


def grid_lines(centre: np.ndarray, ground_y: float, half: float = 3.0, step: float = 0.5):
    """Points (N, 3) and index pairs (M, 2) of a square grid on the plane y = ground_y."""
    ticks = np.arange(-half, half + 1e-9, step)
    pts, lines = [], []
    for t in ticks:
        for a, b in (((t, -half), (t, half)), ((-half, t), (half, t))):
            lines.append((len(pts), len(pts) + 1))
            pts.append((centre[0] + a[0], ground_y, centre[2] + a[1]))
            pts.append((centre[0] + b[0], ground_y, centre[2] + b[1]))
    return np.asarray(pts, dtype=float), np.asarray(lines, dtype=np.int32)


def background_rgba(c: tuple[float, ...]) -> list[float]:
    # Filament shows the background colour as if it were linear light (darker); vertex colours as given.
    return [float(x) ** (1 / 2.2) for x in c] + [1.0]


class SkeletonScene:
    """An OffscreenRenderer with the skeleton scene; create, use and delete it on one thread."""

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

    def _lineset(self, pts: np.ndarray, lines, colours):
        """A LineSet without zero-length or non-finite lines, or None when none is left: Open3D 0.20
        crashes (SIGSEGV) on a line set whose lines all have zero length (e.g. a still trail)."""
        o3d = self._o3d
        pts = np.asarray(pts, dtype=float)
        lines = np.asarray(lines, dtype=np.int32).reshape(-1, 2)
        colours = np.asarray(colours, dtype=float).reshape(-1, 3)
        a, b = pts[lines[:, 0]], pts[lines[:, 1]]
        keep = np.isfinite(a).all(1) & np.isfinite(b).all(1) & (np.linalg.norm(a - b, axis=1) > 1e-6)
        if not keep.any():
            return None
        ls = o3d.geometry.LineSet(
            o3d.utility.Vector3dVector(np.nan_to_num(pts)), o3d.utility.Vector2iVector(lines[keep])
        )
        ls.colors = o3d.utility.Vector3dVector(colours[keep])
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
            pts, lines = grid_lines(s.grid_centre, s.ground_y)
            self._replace(
                "grid", self._lineset(pts, lines, np.tile(GRID_COLOUR, (len(lines), 1))), self._thin
            )
            self._grid_key = grid_key

        segs = np.asarray(SEGMENTS)
        if s.pose is not None:
            colours = [segment_colour(c) for _, c in SEGMENTS]
            self._replace("skeleton", self._lineset(s.pose, segs, colours), self._line)
            std = np.zeros(len(s.pose)) if s.std is None else np.nan_to_num(np.asarray(s.std), nan=1.0)
            joint_colours = std_colour(std)
            lower = 0.0
            for b, (upper, _) in enumerate(STD_SIZE_BINS):
                sel = (std >= lower) & (std < upper) & np.isfinite(s.pose).all(1)
                lower = upper
                pc = None
                if sel.any():
                    pc = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(s.pose[sel].astype(float)))
                    pc.colors = o3d.utility.Vector3dVector(joint_colours[sel])
                self._replace(f"joints{b}", pc, self._points[b])
        else:
            for name in ["skeleton"] + [f"joints{b}" for b in range(len(STD_SIZE_BINS))]:
                self._replace(name, None, None)

        mixste = None
        if s.mixste_pose is not None:
            mixste = self._lineset(s.mixste_pose, segs, np.tile(MIXSTE_COLOUR, (len(segs), 1)))
        self._replace("mixste", mixste, self._thin)

        trail = None
        if s.trail is not None and len(s.trail) >= 2:
            pts = np.asarray(s.trail, dtype=float).copy()
            pts[:, 1] = s.ground_y  # drawn on the floor, under the pelvis
            lines = np.stack([np.arange(len(pts) - 1), np.arange(1, len(pts))], axis=1)
            trail = self._lineset(pts, lines, np.tile(TRAIL_COLOUR, (len(lines), 1)))
        self._replace("trail", trail, self._thin)

        # Explicit projection: setup_camera() derives near/far from the scene bounds (blank when empty).
        w, h = self.size
        cam = self.scene.camera
        cam.set_projection(s.camera.fov_deg, w / h, 0.02, 200.0, self._rendering.Camera.FovType.Vertical)
        centre, eye, up = s.camera.look_at(s.target)
        cam.look_at(centre.astype(np.float32), eye.astype(np.float32), up.astype(np.float32))
        return np.asarray(self.renderer.render_to_image())


class RenderProcess:
    """Renders the newest SceneState in a child process and calls `on_image(image, state)` (from a
    receiver thread) with each finished (H, W, 3) image, or `on_error(message)` once if rendering fails.

    A child process, not a thread: Open3D's render_to_image() holds the GIL for the whole software render
    (~70-150 ms here), which would freeze the UI thread; a segfault in the renderer also stays there. The
    child creates, uses and deletes its renderer on its one thread. At most one state is in flight; newer
    requests replace the waiting one (stale poses are dropped)."""

    def __init__(
        self,
        on_image: Callable[[np.ndarray, SceneState], None],
        on_error: Callable[[str], None] | None = None,
        max_fps: float = 30.0,
    ):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # never fork a process that runs Qt, torch and OpenCV threads
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(
            target=_render_main, args=(child_conn, max_fps), name="diffhpe-render", daemon=True
        )
        self._child_conn = child_conn
        self._on_image, self._on_error = on_image, on_error
        self._lock = threading.Lock()
        self._busy = True  # until the child says it is ready
        self._pending: SceneState | None = None
        self._inflight: SceneState | None = None
        self._stopping = False
        self._rx = threading.Thread(target=self._receive, name="diffhpe-render-rx", daemon=True)
        self._times: deque[float] = deque(maxlen=30)
        self.render_ms = 0.0
        self.frames_rendered = 0
        self.failed: str | None = None

    def start(self) -> None:
        self._proc.start()
        self._child_conn.close()  # the child holds its own copy
        self._rx.start()

    def is_alive(self) -> bool:
        return self._proc.is_alive() or self._rx.is_alive()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def request(self, state: SceneState) -> None:
        with self._lock:
            if self._stopping or self.failed:
                return
            if self._busy:
                self._pending = state
            else:
                self._send(state)

    def _send(self, state: SceneState) -> None:  # holding self._lock
        try:
            self._conn.send(("state", state))
        except (OSError, ValueError):
            return  # the receiver reports the child's death
        self._inflight, self._busy = state, True

    def _next(self) -> None:
        with self._lock:
            self._busy = False
            if self._pending is not None and not self._stopping:
                state, self._pending = self._pending, None
                self._send(state)

    def _receive(self) -> None:
        while True:
            try:
                msg = self._conn.recv()
            except (EOFError, OSError):
                code = self._proc.exitcode
                if not self._stopping:
                    self._fail(f"the renderer process ended unexpectedly (exit code {code})")
                return
            kind = msg[0]
            if kind == "image":
                _, image, ms = msg
                self.render_ms = ms
                self.frames_rendered += 1
                self._times.append(time.perf_counter())
                state = self._inflight
                if state is not None and not self._stopping:
                    self._on_image(image, state)
                self._next()
            elif kind == "ready":
                self._next()
            elif kind == "error":
                self._fail(msg[1])
                return
            elif kind == "stopped":
                return

    def _fail(self, message: str) -> None:
        self.failed = message
        if self._on_error is not None:
            self._on_error(message)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            try:
                self._conn.send(("stop",))
            except (OSError, ValueError):
                pass  # already gone
        if self._rx.is_alive():
            self._rx.join(timeout)
        self._proc.join(timeout)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(2.0)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(2.0)
        self._conn.close()

    @property
    def fps(self) -> float:
        t = list(self._times)
        if len(t) < 2 or time.perf_counter() - t[-1] > 1.0:
            return 0.0
        return (len(t) - 1) / max(t[-1] - t[0], 1e-6)


def _render_main(conn, max_fps: float) -> None:
    """The renderer process: one thread creates, uses and deletes the OffscreenRenderer."""
    min_interval = 1.0 / max_fps
    scene = None
    try:
        conn.send(("ready",))
        while True:
            msg = conn.recv()
            if msg[0] == "stop":
                break
            state: SceneState = msg[1]
            if scene is None or scene.size != tuple(state.size):
                if scene is not None:
                    scene.close()
                scene = None
                scene = SkeletonScene(*state.size)
            t0 = time.perf_counter()
            image = scene.render(state)
            ms = (time.perf_counter() - t0) * 1000
            conn.send(("image", np.ascontiguousarray(image), ms))
            rest = min_interval - (time.perf_counter() - t0)
            if rest > 0:
                time.sleep(rest)
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the app went away
    except Exception as exc:  # noqa: BLE001 - Open3D failed (no Vulkan/EGL?): the app reports it and goes on
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except (OSError, ValueError):
            pass
    finally:
        if scene is not None:
            scene.close()
        try:
            conn.send(("stopped",))
        except (OSError, ValueError):
            pass
        conn.close()
