"""Occlusion patterns: counts and positions as documented (PAPER.md)."""

import numpy as np
import pytest

from lifting.data.occlusion import PATTERNS, apply_occlusion, occlusion_mask
from lifting.errors import UserError

L, J = 27, 17


def test_none():
    assert not occlusion_mask("none", L, J, np.random.default_rng(0)).any()
    assert not occlusion_mask(None, L, J).any()


def test_random_frequency():
    rng = np.random.default_rng(0)
    masks = np.stack([occlusion_mask("random", L, J, rng) for _ in range(400)])
    assert masks.shape == (400, L, J) and masks.dtype == bool
    assert abs(masks.mean() - 0.2) < 0.01
    # Every joint and frame is hit at about the same rate.
    assert np.all(np.abs(masks.mean(axis=(0, 1)) - 0.2) < 0.04)


def test_random_leg_arm_whole_frames_of_six_joints():
    rng = np.random.default_rng(1)
    masks = np.stack([occlusion_mask("random_leg_arm", L, J, rng) for _ in range(400)])
    others = [j for j in range(J) if j not in (1, 2, 3, 11, 12, 13)]
    assert not masks[..., others].any()
    sel = masks[..., [1, 2, 3, 11, 12, 13]]
    assert np.all(sel.all(axis=-1) == sel.any(axis=-1))  # whole frames: all six or none
    assert abs(sel[..., 0].mean() - 0.4) < 0.02  # each frame with p = 0.4
    fixed = occlusion_mask("random_leg_arm", L, J, rng, leg_arm_frames=10)  # the official code's variant
    assert fixed.any(axis=1).sum() == 10 and fixed.sum() == 60


def test_consecutive_leg_exactly_ten_frames_of_joints_1_to_3():
    rng = np.random.default_rng(2)
    starts = set()
    for _ in range(300):
        m = occlusion_mask("consecutive_leg", L, J, rng)
        frames = np.flatnonzero(m.any(axis=1))
        assert len(frames) == 10 and np.all(np.diff(frames) == 1)
        assert m.sum() == 30 and m[frames][:, [1, 2, 3]].all()
        starts.add(int(frames[0]))
    assert starts == set(range(L - 10 + 1))  # every valid start is drawn


def test_consecutive_frames_exactly_five_all_joint_frames():
    rng = np.random.default_rng(3)
    starts = set()
    for _ in range(300):
        m = occlusion_mask("consecutive_frames", L, J, rng)
        frames = np.flatnonzero(m.any(axis=1))
        assert len(frames) == 5 and np.all(np.diff(frames) == 1)
        assert m[frames].all() and m.sum() == 5 * J
        starts.add(int(frames[0]))
    assert starts == set(range(L - 5 + 1))


def test_seeded_and_apply():
    for p in PATTERNS:
        a = occlusion_mask(p, L, J, np.random.default_rng(7))
        b = occlusion_mask(p, L, J, np.random.default_rng(7))
        np.testing.assert_array_equal(a, b)
    x = np.ones((L, J, 2))
    m = occlusion_mask("random", L, J, np.random.default_rng(0))
    y = apply_occlusion(x, m)
    assert np.all(y[m] == 0) and np.all(y[~m] == 1) and np.all(x == 1)
    batch = apply_occlusion(np.ones((3, L, J, 2)), m)  # one mask broadcast over windows
    assert np.all(batch[:, m] == 0)


def test_unknown_pattern():
    with pytest.raises(UserError, match="random_leg_arm"):
        occlusion_mask("legs", L, J)
