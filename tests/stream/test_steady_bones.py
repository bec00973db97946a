"""Steady bones: one left/right-symmetric skeleton for a stream, the running mean of the lifted lengths."""

import numpy as np
import pytest
from helpers_stream import keypoints_sequence

from lifting.data.mocap_geometry import MIRROR_SEGMENT
from lifting.errors import UserError
from lifting.skeleton import SEGMENTS, segment_lengths
from lifting.steady_bones import SteadyBones
from lifting.stream import StreamingLifter


def random_pose(rng) -> np.ndarray:
    pose = rng.normal(scale=0.3, size=(17, 3))
    return pose - pose[:1]


def directions(pose: np.ndarray) -> np.ndarray:
    d = np.stack([pose[c] - pose[p] for p, c in SEGMENTS])
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def asymmetry(pose: np.ndarray) -> float:
    """The largest left/right difference of a pose's segment lengths (metres)."""
    lengths = segment_lengths(pose)
    return float(np.abs(lengths - lengths[MIRROR_SEGMENT]).max())


def test_lengths_are_the_symmetric_running_mean_and_poses_keep_their_directions():
    rng = np.random.default_rng(0)
    poses = [random_pose(rng) for _ in range(5)]
    bones = SteadyBones()
    assert bones.lengths is None
    np.testing.assert_array_equal(bones.apply(poses[0]), poses[0])  # nothing seen yet: unchanged
    for p in poses:
        bones.update(p)
    mean = np.mean([segment_lengths(p) for p in poses], axis=0)
    np.testing.assert_allclose(bones.lengths, (mean + mean[MIRROR_SEGMENT]) / 2)
    assert (
        np.abs(mean - mean[MIRROR_SEGMENT]).max() > 1e-3
    )  # the inputs were not symmetric: the test can fail
    out = bones.apply(poses[2])
    np.testing.assert_allclose(segment_lengths(out), bones.lengths)
    np.testing.assert_allclose(directions(out), directions(poses[2]), atol=1e-9)
    np.testing.assert_array_equal(out[0], poses[2][0])


def test_past_the_horizon_the_mean_follows_a_new_skeleton_and_bad_poses_are_skipped():
    rng = np.random.default_rng(1)
    a, b = random_pose(rng), random_pose(rng)
    bones = SteadyBones(horizon=4)
    for _ in range(10):
        bones.update(a)
    bones.update(np.full((17, 3), np.nan))
    assert bones.frames == 10
    for _ in range(40):
        bones.update(b)
    lb = segment_lengths(b)
    np.testing.assert_allclose(bones.lengths, (lb + lb[MIRROR_SEGMENT]) / 2, atol=1e-4)
    bones.reset()
    assert bones.lengths is None and bones.frames == 0
    with pytest.raises(ValueError):
        SteadyBones(horizon=0)


def test_the_stream_conforms_each_frame_to_the_lengths_of_the_frames_up_to_it(tiny_wrapper):
    kps = keypoints_sequence(40, missing=(5, 6))
    opts = {"steps": 1, "hypotheses": 2, "stride": 3, "joints": "centres", "device": "cpu"}
    free = StreamingLifter(tiny_wrapper, steady_bones=False, **opts).lift_sequence(kps)
    steady = StreamingLifter(tiny_wrapper, **opts)
    assert steady.steady_bones is True  # the default
    res = [r for kp in kps for r in steady.push(kp)] + steady.flush()
    expected = SteadyBones()
    for f, s in zip(free, res):
        assert f.frame == s.frame
        if f.person_seen:
            expected.update(f.pose)
        atol = 1e-6 * max(1.0, float(np.abs(f.pose).max()))  # float32 round-off against the pose scale
        np.testing.assert_allclose(s.pose, expected.apply(f.pose), rtol=1e-5, atol=atol)
        np.testing.assert_array_equal(s.mixste_pose, f.mixste_pose)  # the MixSTE's own pose is left as it was
    assert not res[5].person_seen
    assert max(asymmetry(r.pose) for r in res) < 1e-4  # float32 poses tens of metres long
    assert max(asymmetry(r.pose) for r in free) > 1e-2  # without it they are not symmetric: can fail


def test_steady_bones_is_an_option_that_can_be_switched_and_is_checked(tiny_wrapper):
    lifter = StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, device="cpu", joints="centres")
    lifter.configure(steady_bones=False)
    kps = keypoints_sequence(30)
    res = [r for kp in kps[:20] for r in lifter.push(kp)]
    lifter.configure(steady_bones=True)  # starts from the lengths of the frames already lifted
    res += [r for kp in kps[20:] for r in lifter.push(kp)] + lifter.flush()
    on = [r for r in res if r.frame >= 20]
    assert asymmetry(on[0].pose) < 1e-4
    with pytest.raises(UserError, match="steady_bones must be true or false"):
        lifter.configure(steady_bones="yes")
