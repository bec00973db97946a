"""The 3D view's pieces without a window: camera maths, and the renderer process on edge-case poses."""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from app.gui.orbit import MAX_PITCH, OrbitCamera
from app.gui.scene3d import RenderProcess, SceneState, grid_lines, std_colour


def test_default_camera_looks_along_the_video_camera_axis():
    cam = OrbitCamera(yaw=0.0, pitch=0.0, distance=3.0)
    centre, eye, up = cam.look_at(np.array([0.0, 0.0, 4.0]))
    np.testing.assert_allclose(centre, [0, 0, 4])
    np.testing.assert_allclose(eye, [0, 0, 1], atol=1e-12)  # in front of the person, towards the camera
    np.testing.assert_allclose(up, [0, -1, 0])  # y points down in the camera frame


def test_orbit_pan_zoom():
    cam = OrbitCamera(yaw=0.0, pitch=0.0, distance=4.0)
    higher = cam.orbit(0, 100)
    assert higher.look_at(np.zeros(3))[1][1] < 0  # dragging up looks from above (smaller y)
    assert cam.orbit(0, 1e6).pitch == MAX_PITCH  # never flips over the pole
    turned = cam.orbit(-100, 0)
    assert math.isclose(np.linalg.norm(turned.direction()), 1.0)
    assert cam.zoom(1).distance < cam.distance < cam.zoom(-1).distance
    assert cam.zoom(1000).distance >= 0.5
    panned = cam.pan_by(50, 0, view_height_px=500)
    assert panned.pan[0] < 0  # dragging right moves the scene right: the look-at point moves left
    assert np.linalg.norm(panned.pan) > 0 and abs(panned.pan[1]) < 1e-9


def test_std_colours_and_grid():
    c = std_colour(np.array([0.0, 0.05, 1.0]))
    assert c.shape == (3, 3)
    assert c[0, 1] > c[0, 0] and c[2, 0] > c[2, 1]  # green when certain, red when not
    pts, lines = grid_lines(np.zeros(3), 1.0, half=1.0, step=0.5)
    assert np.all(pts[:, 1] == 1.0) and lines.max() < len(pts)


def test_render_process_draws_edge_cases_and_stops_cleanly():
    """A still trail and an all-zero pose (no person) are zero-length line sets, which crash Open3D 0.20
    if passed on; the renderer must draw them (and skip the empty lines) and then exit with no leftovers."""
    before = {t.ident for t in threading.enumerate()}
    images, errors = [], []
    done = threading.Event()

    def on_image(image, state):
        images.append((image, state.seq))
        if state.seq == 3:
            done.set()

    proc = RenderProcess(on_image, errors.append)
    proc.start()
    root = np.array([0.0, 0.0, 4.0])
    pose = np.random.default_rng(0).normal(0, 0.3, (17, 3))
    states = [
        SceneState(size=(320, 240), camera=OrbitCamera(), target=root, seq=1),
        SceneState(
            size=(320, 240),
            camera=OrbitCamera(),
            target=root,
            pose=np.tile(root, (17, 1)),
            std=np.zeros(17),
            trail=np.tile(root, (5, 1)),
            seq=2,
        ),
        SceneState(
            size=(320, 240),
            camera=OrbitCamera(),
            target=root,
            pose=pose + root,
            std=np.full(17, 0.05),
            mixste_pose=pose + root + 0.05,
            trail=root + np.linspace(0, 1, 10)[:, None],
            seq=3,
        ),
    ]
    for s in states:
        proc.request(s)
        time.sleep(0.05)
    assert done.wait(90), f"no image for the last state (errors: {errors})"
    proc.stop()
    assert not errors
    image = images[-1][0]
    assert image.shape == (240, 320, 3) and image.dtype == np.uint8
    background = image[0, 0]
    assert (np.abs(image.astype(int) - background).sum(-1) > 30).sum() > 200  # the skeleton is drawn
    assert not proc.is_alive()
    assert {t.ident for t in threading.enumerate()} <= before
