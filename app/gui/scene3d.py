"""The 3D skeleton scene: what one frame shows (SceneState, colours, the line and marker arrays both renderers
draw) and RenderProcess, the child process that draws it with Open3D (no Qt here).

Open3D aborts when a renderer is used from a thread other than the one that created it, and holds the GIL
while it renders, so RenderProcess runs it in a child process that creates, uses and deletes the renderer on
its one thread; the app only hands it SceneStates. Only the newest state waits: stale poses are dropped.
Which renderer (legacy OpenGL or Filament) is app.gui.renderers' choice."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.gui.frame_queues import RateMeter
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


def clean_lines(pts: np.ndarray, lines, colours):
    """(points (N, 3), lines (M', 2), colours (M', 3)) without the zero-length or non-finite lines of `lines` (M, 2),
    or None when none is left: Open3D 0.20's Filament crashes (SIGSEGV) on a line set whose lines all have zero
    length (e.g. a still trail). Non-finite points become 0 (no line uses them)."""
    pts = np.asarray(pts, dtype=float)
    lines = np.asarray(lines, dtype=np.int32).reshape(-1, 2)
    colours = np.asarray(colours, dtype=float).reshape(-1, 3)
    a, b = pts[lines[:, 0]], pts[lines[:, 1]]
    keep = np.isfinite(a).all(1) & np.isfinite(b).all(1) & (np.linalg.norm(a - b, axis=1) > 1e-6)
    if not keep.any():
        return None
    return np.nan_to_num(pts), lines[keep], colours[keep]


def skeleton_lines(pose: np.ndarray, colour=None):
    """clean_lines of the 16 bones of a (17, 3) pose, in the left/right colours (or one colour)."""
    segs = np.asarray(SEGMENTS)
    colours = [segment_colour(c) for _, c in SEGMENTS] if colour is None else np.tile(colour, (len(segs), 1))
    return clean_lines(pose, segs, colours)


def trail_lines(trail: np.ndarray | None, ground_y: float):
    """clean_lines of the root trail (N, 3) drawn on the floor under the pelvis, or None."""
    if trail is None or len(trail) < 2:
        return None
    pts = np.asarray(trail, dtype=float).copy()
    pts[:, 1] = ground_y
    lines = np.stack([np.arange(len(pts) - 1), np.arange(1, len(pts))], axis=1)
    return clean_lines(pts, lines, np.tile(TRAIL_COLOUR, (len(lines), 1)))


def grid_arrays(centre: np.ndarray, ground_y: float):
    """clean_lines of the floor grid."""
    pts, lines = grid_lines(centre, ground_y)
    return clean_lines(pts, lines, np.tile(GRID_COLOUR, (len(lines), 1)))


def joint_bins(pose: np.ndarray, std: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(bin (J,) index into STD_SIZE_BINS, -1 for a joint not drawn; colours (J, 3)) for the joint markers."""
    std = np.zeros(len(pose)) if std is None else np.nan_to_num(np.asarray(std, dtype=float), nan=1.0)
    bins = np.searchsorted([upper for upper, _ in STD_SIZE_BINS], std, side="right")
    bins = np.where(np.isfinite(pose).all(1), np.minimum(bins, len(STD_SIZE_BINS) - 1), -1)
    return bins, std_colour(std)


MAX_IN_FLIGHT = 2


class RenderProcess:
    """Renders the newest SceneState in a child process and calls `on_image(image, state)` (from a
    receiver thread) with each finished (H, W, 3) image, or `on_error(message)` once if rendering fails.

    A child process, not a thread: Open3D holds the GIL for the whole render (Filament's software render
    ~70-180 ms here), which would freeze the UI thread; a segfault in the renderer also stays there. The
    child creates, uses and deletes its renderer on its one thread. At most MAX_IN_FLIGHT states are sent
    ahead, so the child starts the next image while the last one travels back; newer requests replace the
    one waiting beyond them (stale poses are dropped).

    renderer: 'auto', 'legacy' or 'filament' (app.gui.renderers); which one runs, and why, is in `backend`
    and `backend_note` once the first frame is drawn."""

    def __init__(
        self,
        on_image: Callable[[np.ndarray, SceneState], None],
        on_error: Callable[[str], None] | None = None,
        max_fps: float = 60.0,
        renderer: str = "auto",
    ):
        import multiprocessing as mp

        from app.gui.renderers import RENDERERS

        if renderer not in RENDERERS:
            raise ValueError(f"unknown renderer {renderer!r}; choose one of {', '.join(RENDERERS)}")

        ctx = mp.get_context("spawn")  # never fork a process that runs Qt, torch and OpenCV threads
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(
            target=_render_main, args=(child_conn, max_fps, renderer), name="diffhpe-render", daemon=True
        )
        self._child_conn = child_conn
        self._on_image, self._on_error = on_image, on_error
        self._lock = threading.Lock()
        self._ready = False  # until the child says so
        self._pending: SceneState | None = None
        self._inflight: deque[SceneState] = deque()  # sent, image not back yet, oldest first
        self._stopping = False
        self._rx = threading.Thread(target=self._receive, name="diffhpe-render-rx", daemon=True)
        self._meter = RateMeter(window_s=math.inf, max_events=30)  # the last 30 images
        self.render_ms = 0.0
        self.frames_rendered = 0
        self.failed: str | None = None
        self.renderer = renderer
        self.backend = ""  # 'legacy' or 'filament' once chosen
        self.backend_note = ""

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
            if not self._ready or len(self._inflight) >= MAX_IN_FLIGHT:
                self._pending = state
            else:
                self._send(state)

    def _send(self, state: SceneState) -> None:  # holding self._lock
        try:
            self._conn.send(("state", state))
        except (OSError, ValueError):
            return  # the receiver reports the child's death
        self._inflight.append(state)

    def _next(self) -> None:
        with self._lock:
            self._ready = True
            if self._pending is not None and not self._stopping and len(self._inflight) < MAX_IN_FLIGHT:
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
                self._meter.tick()
                with self._lock:
                    state = self._inflight.popleft() if self._inflight else None
                if state is not None and not self._stopping:
                    self._on_image(image, state)
                self._next()
            elif kind == "ready":
                self._next()
            elif kind == "backend":
                self.backend, self.backend_note = msg[1], msg[2]
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
        return self._meter.rate


def _render_main(conn, max_fps: float, renderer: str) -> None:
    """The renderer process: one thread creates, uses and deletes the Open3D scene."""
    from app.gui.renderers import choose_scene, open_scene

    min_interval = 1.0 / max_fps
    scene = None
    try:
        conn.send(("ready",))
        while True:
            msg = conn.recv()
            if msg[0] == "stop":
                break
            state: SceneState = msg[1]
            size = tuple(state.size)
            if scene is None:
                scene, why = choose_scene(renderer, size)
                conn.send(("backend", scene.name, why))
            elif scene.size != size:  # a new size: the same renderer, not timed again
                kind = scene.name
                scene.close()
                scene = None
                scene = open_scene(kind, size)
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
