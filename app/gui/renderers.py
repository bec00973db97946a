"""Which Open3D renderer draws the 3D view: the legacy Visualizer (OpenGL, hidden window; needs a display) or
Filament's OffscreenRenderer (works headless). On software OpenGL the legacy one is >10x faster here; on a GPU
either keeps up. 'auto' times both on a standing skeleton and keeps the faster (Filament when there is no
display, or when the legacy one cannot start). Runs in the renderer process (no Qt here)."""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from app.gui.orbit import OrbitCamera
from app.gui.scene3d import SceneState

RENDERERS = ("auto", "legacy", "filament")
LABELS = {"legacy": "OpenGL", "filament": "Filament"}  # for the status bar and the menu
TRIAL_FRAMES = 3  # timed renders per renderer in 'auto' (after one untimed)

# A standing person (H36M-17, metres, y down), the scene 'auto' times.
_STANDING = np.array(
    [
        [0, 0, 0], [-0.12, 0, 0], [-0.12, 0.45, 0], [-0.12, 0.88, 0], [0.12, 0, 0], [0.12, 0.45, 0],
        [0.12, 0.88, 0], [0, -0.25, 0], [0, -0.5, 0], [0, -0.6, 0], [0, -0.72, 0], [0.18, -0.48, 0],
        [0.2, -0.22, 0], [0.22, 0.02, 0], [-0.18, -0.48, 0], [-0.2, -0.22, 0], [-0.22, 0.02, 0],
    ]
)  # fmt: skip


def has_display() -> bool:
    """Whether the legacy renderer can open its (hidden) window: always on Windows/macOS, with an X display on
    Linux (GLFW; a Wayland session provides one through XWayland)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY"))


def trial_state(size: tuple[int, int], seq: int = 0) -> SceneState:
    """A standing person with a trail and the grid, moving a little with `seq` (what 'auto' times)."""
    root = np.array([0.0, 0.0, 3.0])
    sway = 0.01 * np.sin(seq + np.arange(17))[:, None]  # (17, 1)
    return SceneState(
        size=size,
        camera=OrbitCamera(),
        target=root,
        pose=_STANDING + root + sway,
        std=np.linspace(0.0, 0.1, 17),
        trail=root + np.linspace(0.0, 1.0, 30)[:, None] * np.array([1.0, 0.0, 0.5]),
        ground_y=0.9,
        grid_centre=np.array([0.0, 0.0, 3.0]),
        seq=seq,
    )


def open_scene(kind: str, size: tuple[int, int]):
    """A scene of that kind ('legacy' or 'filament'); RuntimeError with the reason when it cannot start."""
    if kind == "legacy":
        if not has_display():
            raise RuntimeError("the OpenGL (legacy) renderer needs a display: DISPLAY is not set")
        from app.gui.render_legacy import LegacyScene

        return LegacyScene(*size)
    if kind == "filament":
        from app.gui.render_filament import FilamentScene

        return FilamentScene(*size)
    raise ValueError(f"unknown renderer {kind!r}; choose one of {', '.join(RENDERERS)}")


def time_scene(scene, size: tuple[int, int], frames: int = TRIAL_FRAMES) -> float:
    """Milliseconds per frame of a scene on the trial state (after one untimed frame)."""
    scene.render(trial_state(size, 0))
    t0 = time.perf_counter()
    for i in range(frames):
        scene.render(trial_state(size, i + 1))
    return (time.perf_counter() - t0) * 1000 / frames


def choose_scene(choice: str, size: tuple[int, int]) -> tuple[object, str]:
    """(scene, why) for a renderer choice. 'auto' times the legacy renderer and Filament and keeps the faster;
    a fixed choice that cannot start raises RuntimeError."""
    if choice != "auto":
        return open_scene(choice, size), "chosen"
    if not has_display():
        return open_scene("filament", size), "no display"
    try:
        legacy = open_scene("legacy", size)
        legacy_ms = time_scene(legacy, size)
    except Exception as exc:  # noqa: BLE001 - any failure of the trial means: use the other renderer
        return open_scene("filament", size), f"OpenGL failed: {exc}"
    try:
        filament = open_scene("filament", size)
        filament_ms = time_scene(filament, size)
    except Exception:  # noqa: BLE001 - as above
        return legacy, f"Filament failed; OpenGL {legacy_ms:.0f} ms"
    why = f"auto: OpenGL {legacy_ms:.0f} ms, Filament {filament_ms:.0f} ms"
    if legacy_ms <= filament_ms:
        filament.close()
        return legacy, why
    legacy.close()
    return filament, why
