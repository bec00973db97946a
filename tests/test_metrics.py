"""Metrics against hand-computed values on tiny cases."""

import numpy as np
import pytest

from lifting import metrics
from lifting.skeleton import SEGMENTS

# A left/right-symmetric standing pose (metres), H36M-17 order, left at +x.
POSE = np.array(
    [
        [0.0, 0.0, 0.0],
        [-0.13, 0.0, 0.0], [-0.13, 0.43, 0.0], [-0.13, 0.87, 0.02],
        [0.13, 0.0, 0.0], [0.13, 0.43, 0.0], [0.13, 0.87, 0.02],
        [0.0, -0.23, 0.0], [0.0, -0.5, 0.0], [0.0, -0.6, -0.03], [0.0, -0.75, 0.0],
        [0.17, -0.47, 0.0], [0.19, -0.19, 0.0], [0.2, 0.05, -0.02],
        [-0.17, -0.47, 0.0], [-0.19, -0.19, 0.0], [-0.2, 0.05, -0.02],
    ]
)  # fmt: skip


def _rot(axis, a):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * K @ K


def _rigid_windows(n=3, length=27, seed=0):
    """n windows of a rigidly moving (rotating, translating) copy of POSE: (n, L, 17, 3)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, length, 17, 3))
    for i in range(n):
        for t in range(length):
            out[i, t] = POSE @ _rot(rng.normal(size=3), 0.1 * t).T + rng.normal(size=3)
    return out


def test_mpjpe_known_offset_and_root_alignment():
    target = np.broadcast_to(POSE, (2, 4, 17, 3)).copy()
    pred = target + np.array([0.3, -0.2, 1.0])  # a pure translation is removed by root alignment
    assert metrics.mpjpe(pred, target) == pytest.approx(0.0, abs=1e-12)
    pred = target.copy()
    pred[..., 5, :] += [0.0, 0.0, 0.017]  # one joint of 17 off by 17 mm -> 1 mm mean
    assert metrics.mpjpe(pred, target) == pytest.approx(0.001)
    pred = target.copy()
    pred[..., 1:, :] += [0.03, 0.04, 0.0]  # every non-root joint 5 cm off -> 16/17 * 50 mm
    assert metrics.evaluate_windows(pred, target)["mpjpe"] == pytest.approx(50 * 16 / 17)
    assert metrics.mpjpe(pred, target, root=None) == pytest.approx(0.05 * 16 / 17)


def test_p_mpjpe_removes_rotation_scale_translation():
    target = _rigid_windows(2, 5)
    R = _rot([0.3, -1.0, 0.5], 1.1)
    pred = 1.7 * target @ R.T + np.array([1.0, 2.0, -0.5])
    assert metrics.p_mpjpe(pred, target) == pytest.approx(0.0, abs=1e-10)
    assert metrics.mpjpe(pred, target) > 0.1
    # A mirror image is not a similarity transform: Procrustes must not use a reflection.
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    assert metrics.p_mpjpe(mirrored, target) > 0.01
    # Alignment never makes things worse than root-aligned MPJPE.
    noisy = target + np.random.default_rng(0).normal(scale=0.02, size=target.shape)
    assert metrics.p_mpjpe(noisy, target) < metrics.mpjpe(noisy, target)


def test_symmetry_gap():
    windows = _rigid_windows()
    assert metrics.symmetry_gap(windows) == pytest.approx(0.0, abs=1e-12)
    asym = windows.copy()
    asym[..., 13, :] += (asym[..., 13, :] - asym[..., 12, :]) * 0.5  # left forearm 1.5x longer
    left = np.linalg.norm(POSE[13] - POSE[12])
    # One pair of six differs by 0.5 * left forearm in every frame.
    assert metrics.symmetry_gap(asym) == pytest.approx(0.5 * left / 6)
    assert metrics.evaluate_windows(asym, windows)["sym_gap"] == pytest.approx(1000 * 0.5 * left / 6)


def test_segment_length_std():
    assert metrics.segment_length_std(_rigid_windows()) == pytest.approx(0.0, abs=1e-12)
    # The head-neck segment alternates between 0.15 and 0.17 m: population std 0.01 m, 1 of 16 segments.
    x = np.broadcast_to(POSE, (1, 4, 17, 3)).copy()
    neck_head = POSE[10] - POSE[9]
    unit = neck_head / np.linalg.norm(neck_head)
    for t, length in enumerate([0.15, 0.17, 0.15, 0.17]):
        x[0, t, 10] = POSE[9] + unit * length
    assert (9, 10) in SEGMENTS
    assert metrics.segment_length_std(x) == pytest.approx(0.01 / 16)
    assert metrics.segment_length_std(x[0]) == pytest.approx(0.01 / 16)  # (L, J, 3) accepted
    assert metrics.segment_length_std(x, ddof=1) == pytest.approx(np.std([0.15, 0.17] * 2, ddof=1) / 16)


def test_mean_acceleration():
    t = np.arange(10, dtype=float)
    x = np.zeros((1, 10, 17, 3))
    x[..., 0] = (0.5 * 0.004 * t**2)[None, :, None]  # constant acceleration 4 mm/frame^2 along x
    assert metrics.mean_acceleration(x) == pytest.approx(0.004)
    x[..., 0] = (0.01 * t)[None, :, None]  # constant velocity: no acceleration
    assert metrics.mean_acceleration(x) == pytest.approx(0.0, abs=1e-12)


def test_evaluate_and_average_over_actions():
    target = _rigid_windows(2, 6)
    pred = target.copy()
    pred[..., 1:, :] += [0.0, 0.0, 0.017]
    m = metrics.evaluate_windows(pred, target)
    assert set(m) == {"mpjpe", "p_mpjpe", "sym_gap", "seg_std", "accel", "count"}
    assert m["count"] == 2 and m["mpjpe"] == pytest.approx(16.0)
    per_action = {"Walking": {"mpjpe": 10.0, "count": 3}, "Eating": {"mpjpe": 20.0, "count": 1}}
    avg = metrics.average_over_actions(per_action)
    assert avg == {"mpjpe": 15.0, "count": 4}  # unweighted over actions, not over windows
    assert metrics.average_over_actions({}) == {}
    with pytest.raises(ValueError):
        metrics.evaluate_windows(pred[:1], target)
