import numpy as np
import pytest

from lifting import trajectory
from lifting.data.camera import project_to_2d


def _pose(seed=0):
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.25, (17, 3)) * [1, 2.5, 1]
    return pose - pose[:1]


@pytest.mark.parametrize("t", [(0.3, -0.2, 4.5), (-1.0, 0.4, 2.0), (0.0, 0.0, 9.0)])
def test_recovers_a_known_translation(t):
    size, fov = (1280, 720), 60.0
    f, c = trajectory.intrinsics(size, fov)
    pose = _pose()
    uv = project_to_2d(pose + np.array(t), np.array([f, f]), c)
    est = trajectory.solve_root(pose, uv, np.ones(17), size, fov)
    assert est.reliable, est.reason
    np.testing.assert_allclose(est.root, t, atol=1e-6)
    assert est.residual_px < 1e-6


def test_pixel_noise_and_weights():
    size = (1080, 1920)
    pose = _pose(1)
    t = np.array([0.2, 0.1, 3.5])
    uv = trajectory.project(pose + t, size)
    rng = np.random.default_rng(0)
    noisy = uv + rng.normal(0, 2.0, uv.shape)
    noisy[5] += 400  # an outlier the detector was unsure about
    w = np.ones(17)
    w[5] = 0.0
    est = trajectory.solve_root(pose, noisy, w, size)
    assert est.reliable and est.joints_used == 16
    np.testing.assert_allclose(est.root, t, rtol=0.03, atol=0.02)


def test_unreliable_cases():
    size = (640, 480)
    pose = _pose(2)
    uv = trajectory.project(pose + [0, 0, 4.0], size)
    few = np.zeros(17)
    few[:3] = 1
    assert not trajectory.solve_root(pose, uv, few, size).reliable  # too few confident joints
    assert not trajectory.solve_root(pose, uv, np.zeros(17), size).reliable
    # a 2D pose that no placement of this 3D pose explains: large residual
    scrambled = uv[np.random.default_rng(0).permutation(17)]
    assert not trajectory.solve_root(pose, scrambled, np.ones(17), size).reliable
    # tiny 2D skeleton -> implausibly far away
    far = trajectory.project(pose + [0, 0, 200.0], size)
    est = trajectory.solve_root(pose, far, np.ones(17), size)
    assert not est.reliable and "depth" in est.reason


def test_focal_from_fov():
    assert trajectory.focal_from_fov((1000, 500), 90.0) == pytest.approx(500.0)
    assert trajectory.focal_from_fov((500, 1000), 90.0) == pytest.approx(500.0)  # the longer side
    with pytest.raises(ValueError):
        trajectory.focal_from_fov((640, 480), 0.0)
