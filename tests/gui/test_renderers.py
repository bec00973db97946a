"""Both 3D renderers (Open3D legacy OpenGL and Filament) in their renderer process, the automatic choice, and
switching renderer in the 3D view. The legacy renderer needs an X display: Xvfb is started when none is set."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.gui.orbit import OrbitCamera
from app.gui.renderers import trial_state
from app.gui.scene3d import LEFT_COLOUR, RIGHT_COLOUR, RenderProcess

SIZE = (320, 240)


@pytest.fixture(scope="session")
def x_display():
    """An X display for the legacy renderer's hidden window: $DISPLAY, else a private Xvfb (skipped without)."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        pytest.skip("no X display and no Xvfb: the legacy renderer cannot be tested here")
    n = 120
    while Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
        n += 1
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.1)
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


def limb_mask(image: np.ndarray) -> np.ndarray:
    """(H, W) pixels in the left- or right-limb colour: the skeleton, not the grid, trail or background."""
    mask = np.zeros(image.shape[:2], bool)
    for colour in (LEFT_COLOUR, RIGHT_COLOUR):
        mask |= np.abs(image.astype(float) - np.array(colour) * 255).max(-1) < 40
    return mask


def render(kind: str, states, timeout_s: float = 90.0):
    """Render states one after the other in a RenderProcess; returns (images, backend, note)."""
    images, errors = {}, []
    got = threading.Event()

    def on_image(image, state):
        images[state.seq] = image
        got.set()

    proc = RenderProcess(on_image, errors.append, renderer=kind)
    proc.start()
    try:
        for s in states:
            got.clear()
            proc.request(s)
            deadline = time.perf_counter() + timeout_s
            while s.seq not in images and not errors and time.perf_counter() < deadline:
                got.wait(0.1)
            assert not errors, errors
            assert s.seq in images, f"no image from the {kind} renderer"
    finally:
        proc.stop()
    return [images[s.seq] for s in states], proc.backend, proc.backend_note


@pytest.mark.parametrize("kind", ["legacy", "filament"])
def test_each_renderer_draws_the_skeleton_and_follows_the_pose(kind, request, monkeypatch):
    if kind == "legacy":
        monkeypatch.setenv("DISPLAY", request.getfixturevalue("x_display"))
    still = trial_state(SIZE, seq=1)
    raised = trial_state(SIZE, seq=2)
    raised.pose = raised.pose.copy()
    raised.pose[[12, 13]] = raised.pose[11] + np.array([[0.1, -0.25, 0.0], [0.2, -0.5, 0.0]])  # left arm up
    (a, b), backend, _ = render(kind, [still, raised])
    assert backend == kind
    assert a.shape == (SIZE[1], SIZE[0], 3) and a.dtype == np.uint8
    assert limb_mask(a).sum() > 150 and limb_mask(b).sum() > 150  # a skeleton in the limb colours
    changed = np.abs(a.astype(int) - b.astype(int)).sum(-1) > 30
    assert changed.sum() > 100  # the raised arm moved pixels
    ys, _ = np.nonzero(limb_mask(b) & ~limb_mask(a))
    ys_before, _ = np.nonzero(limb_mask(a))
    assert ys.min() < ys_before.min()  # the new limb pixels reach higher than any before: the arm is up


def test_auto_keeps_the_faster_renderer_and_says_why(x_display, monkeypatch):
    monkeypatch.setenv("DISPLAY", x_display)
    _, backend, note = render("auto", [trial_state(SIZE, seq=1)])
    assert backend in ("legacy", "filament") and note.startswith("auto: OpenGL")
    ms = dict(part.split(" ")[:2] for part in note[len("auto: ") :].split(", "))  # {"OpenGL": "5", ...}
    faster = "legacy" if float(ms["OpenGL"]) <= float(ms["Filament"]) else "filament"
    assert backend == faster


def test_without_a_display_auto_uses_filament_and_legacy_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    _, backend, note = render("auto", [trial_state(SIZE, seq=1)])
    assert backend == "filament" and note == "no display"
    errors = []
    proc = RenderProcess(lambda *_: None, errors.append, renderer="legacy")
    proc.start()
    proc.request(trial_state(SIZE, seq=1))
    deadline = time.perf_counter() + 60
    while not errors and time.perf_counter() < deadline:
        time.sleep(0.05)
    proc.stop()
    assert errors and "needs a display" in errors[0]
    with pytest.raises(ValueError, match="unknown renderer"):
        RenderProcess(lambda *_: None, renderer="vulkan")


def test_switching_renderer_keeps_the_camera(qtbot, x_display, monkeypatch):
    """The camera lives in the view, not in the renderer: after a switch the new renderer shows the skeleton
    from the same (orbited) viewpoint, where the default camera would show it elsewhere."""
    from app.gui.view3d import View3D
    from lifting.keypoints import LiftResult

    monkeypatch.setenv("DISPLAY", x_display)
    state = trial_state(SIZE)
    root = state.target
    result = LiftResult(
        frame=0,
        pose=(state.pose - root).astype(np.float32),
        std=state.std.astype(np.float32),
        mixste_pose=(state.pose - root).astype(np.float32),
        root=root.astype(np.float32),
        root_reliable=True,
        confidence=np.ones(17, np.float32),
        person_seen=True,
        latency_frames=0,
    )
    view = View3D(renderer="filament")
    qtbot.addWidget(view)
    view.resize(480, 320)
    view.show()
    view.follow = False  # fixed camera: nothing but the camera places the skeleton
    view.start()
    try:
        view.set_poses([result])
        view.camera = OrbitCamera(yaw=0.9, pitch=0.5, distance=2.5).pan_by(60, 20, 320)
        camera = view.camera

        def centroid_after_render() -> np.ndarray:
            seq = view.pose_seq = view.pose_seq + 1
            view.request_render()
            qtbot.waitUntil(lambda: view.shown_seq == seq, timeout=90_000)
            from tests.gui.test_app import qimage_to_array

            ys, xs = np.nonzero(limb_mask(qimage_to_array(view.image())))
            assert len(xs) > 100
            return np.array([xs.mean(), ys.mean()])

        filament = centroid_after_render()
        assert view.backend == "filament"
        view.set_renderer("legacy")
        assert view.camera == camera
        legacy = centroid_after_render()
        assert view.backend == "legacy"
        view.camera = OrbitCamera()
        default = centroid_after_render()
    finally:
        view.stop()
    assert np.linalg.norm(legacy - filament) < 6  # pixels: the same viewpoint on both renderers
    assert np.linalg.norm(default - filament) > 30  # and the viewpoint does move the skeleton
