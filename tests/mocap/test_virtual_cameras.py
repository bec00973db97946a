"""Virtual cameras: OpenCV camera frame aimed at the person, the whole motion in the image, seeded."""

import numpy as np
import pytest

from lifting.data.camera import qrot
from lifting.data.virtual_cameras import CameraSampling, cameras_for_clip, look_at, rotation_to_quaternion


def _clip(converted, name):
    return converted[name].positions.astype(np.float64)


@pytest.mark.parametrize("name", ["daz43", "cmu31", "iclone100"])
def test_cameras_keep_person_in_view(converted, name):
    x = _clip(converted, name)
    cams = cameras_for_clip(x, 8, np.random.default_rng(1))
    for cam in cams:
        xc = cam.world_to_camera(x)
        assert (xc[..., 2] > 1.0).all()
        uv = cam.project(xc)
        assert (uv >= 0).all() and (uv[..., 0] <= cam.res_w).all() and (uv[..., 1] <= cam.res_h).all()
        assert cam.translation[2] > 0.3  # above the floor
        assert 1140 <= cam.focal[0] <= 1150 and cam.res_w == 1000 and cam.res_h in (1000, 1002)
        assert np.abs(cam.center - [512, 515]).max() <= 8


def test_camera_frame_is_opencv_and_looks_at_the_person(converted):
    x = _clip(converted, "cmu31")  # a jump in place: the default 3-7 m range suffices
    target = x.reshape(-1, 3).mean(0)
    s = CameraSampling()
    for cam in cameras_for_clip(x, 10, np.random.default_rng(2)):
        t = cam.world_to_camera(target)
        dist = np.linalg.norm(cam.translation - target)
        assert 3.0 <= dist <= 7.0
        np.testing.assert_allclose(t, [0, 0, dist], atol=1e-9)  # z forward, through the target
        up_in_cam = qrot(np.array([1, -1, -1, -1]) * cam.orientation, np.array([0.0, 0.0, 1.0]))
        assert up_in_cam[1] < -0.8  # world up is image up: y points down
        assert abs(up_in_cam[0]) < 1e-9  # level camera: x axis horizontal
        elevation = np.degrees(np.arcsin((cam.translation - target)[2] / dist))
        assert s.elevation_deg[0] - 1e-6 <= elevation <= s.elevation_deg[1] + 1e-6
        # The person's head is above the pelvis in the image (smaller y).
        uv = cam.project(cam.world_to_camera(x[0]))
        assert uv[10, 1] < uv[0, 1]


def test_cameras_are_seeded(converted):
    x = _clip(converted, "daz43")
    a = cameras_for_clip(x, 3, np.random.default_rng(7))
    b = cameras_for_clip(x, 3, np.random.default_rng(7))
    c = cameras_for_clip(x, 3, np.random.default_rng(8))
    for ca, cb in zip(a, b):
        np.testing.assert_array_equal(ca.translation, cb.translation)
        np.testing.assert_array_equal(ca.orientation, cb.orientation)
    assert not np.allclose(a[0].translation, c[0].translation)
    assert [cam.id for cam in a] == ["virtual0", "virtual1", "virtual2"]


def test_long_walk_moves_the_camera_back(converted):
    """A person walking 12 m cannot be framed from 3-7 m: the range widens instead of failing."""
    x = _clip(converted, "cmu31")[:100].copy()
    x[..., 0] += np.linspace(0, 12, len(x))[:, None]
    cam = cameras_for_clip(x, 1, np.random.default_rng(3))[0]
    uv = cam.project(cam.world_to_camera(x))
    assert (uv >= 0).all() and (uv[..., 0] <= cam.res_w).all() and (uv[..., 1] <= cam.res_h).all()
    assert np.linalg.norm(cam.translation - x.reshape(-1, 3).mean(0)) > 7.0


def test_quaternion_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pos, tgt = rng.normal(size=3) * 5, rng.normal(size=3)
        q = look_at(pos, tgt)
        assert abs(np.linalg.norm(q) - 1) < 1e-12
        m = np.stack([qrot(q, e) for e in np.eye(3)], axis=1)  # camera axes in world
        np.testing.assert_allclose(rotation_to_quaternion(m), q, atol=1e-9)
        fwd = (tgt - pos) / np.linalg.norm(tgt - pos)
        np.testing.assert_allclose(m[:, 2], fwd, atol=1e-9)
