"""The root trajectory filter (lifting.root_filter) and its use in the StreamingLifter."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_stream import keypoints_sequence

from lifting.errors import UserError
from lifting.root_filter import RootFilter
from lifting.stream import StreamingLifter

SETTLE = 60  # frames after which the filter has forgotten its start


def test_a_still_root_passes_through_unchanged():
    track = np.tile([0.3, -0.2, 4.0], (200, 1))
    out = RootFilter().filter(track)
    np.testing.assert_allclose(out, track, atol=1e-9)


@pytest.mark.parametrize("velocity", [[0.01, 0.0, 0.02], [-0.03, 0.005, -0.05]])
def test_an_evenly_moving_root_passes_through_unchanged_after_settling(velocity):
    t = np.arange(300)[:, None]
    track = np.array([0.1, -0.3, 5.0]) + t * np.array(velocity)  # (300, 3) metres, constant m/frame
    out = RootFilter().filter(track)
    assert np.abs(out[:5] - track[:5]).max() > 1e-4  # it does lag while it learns the velocity ...
    np.testing.assert_allclose(out[SETTLE:], track[SETTLE:], atol=1e-6)  # ... and not once it has settled


@pytest.mark.parametrize("noise, accel", [((0.01, 0.01, 0.04), 0.002), ((0.05, 0.02, 0.02), 0.01)])
def test_noise_on_a_still_root_shrinks_by_what_the_parameters_say(noise, accel):
    f = RootFilter(noise, accel)
    predicted = f.steady_state_variance_ratio()  # (3,)
    assert np.all((predicted > 0) & (predicted < 1))  # less variance, never none
    rng = np.random.default_rng(0)
    sigma = np.array([0.02, 0.03, 0.1])  # the actual noise need not match the filter's assumption
    track = np.array([0.0, 0.0, 4.0]) + rng.normal(0.0, 1.0, (40000, 3)) * sigma
    out = f.filter(track)[SETTLE:]
    measured = out.var(axis=0) / sigma**2
    np.testing.assert_allclose(measured, predicted, rtol=0.1)
    np.testing.assert_allclose(out.mean(axis=0), [0.0, 0.0, 4.0], atol=0.01)


def test_a_missing_root_stays_missing_and_does_not_disturb_the_filter():
    track = np.tile([0.0, 0.0, 3.0], (20, 1))
    track[10] = np.nan
    out = RootFilter().filter(track)
    assert np.isnan(out[10]).all()
    np.testing.assert_allclose(np.delete(out, 10, axis=0), np.delete(track, 10, axis=0), atol=1e-9)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        RootFilter((0.01, 0.0, 0.01))
    with pytest.raises(ValueError):
        RootFilter(accel_m=-1.0)


def test_lifter_filters_the_root_by_default_and_can_be_switched_off(tiny_wrapper):
    kps = keypoints_sequence(60, seed=3)
    on = StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, stride=5).lift_sequence(kps)
    off = StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, stride=5, root_filter=False).lift_sequence(kps)
    raw = np.array([r.extras["root_raw"] for r in on])  # (60, 3)
    np.testing.assert_array_equal(raw, np.array([r.root for r in off]))  # the same unfiltered root
    np.testing.assert_allclose(np.array([r.root for r in on]), RootFilter().filter(raw), atol=1e-6)
    assert not np.allclose(np.array([r.root for r in on]), raw, atol=1e-4)  # the filter did something
    np.testing.assert_array_equal(
        np.array([r.pose for r in on]), np.array([r.pose for r in off])
    )  # pose untouched

    lifter = StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, stride=5)
    lifter.configure(root_filter=False)
    assert lifter.options()["root_filter"] is False
    with pytest.raises(UserError, match="root_filter"):
        lifter.configure(root_filter="off")
