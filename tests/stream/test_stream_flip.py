"""Test-time flip augmentation: each window also lifted mirrored, the two results averaged."""

import numpy as np
import pytest
import torch
from helpers_stream import keypoints_sequence, perturbed

from lifting.errors import UserError
from lifting.evaluate import SamplingOptions, predict_windows
from lifting.flip_test import flip_pose_tensor, fold_flipped
from lifting.keypoints import Keypoints2D
from lifting.skeleton import flip_pose
from lifting.stream import StreamingLifter


def mirrored(kps: list) -> list:
    """The keypoints of the horizontally mirrored video (x -> width - x, left and right swapped)."""
    out = []
    for k in kps:
        xy = flip_pose(np.asarray(k.xy, np.float64))
        xy[:, 0] += k.image_size[0]  # x -> w - x: the mirror that is x -> -x in normalised coordinates
        conf = flip_pose(np.c_[np.zeros(17), k.confidence])[:, 1]  # the same swap of the joints
        out.append(Keypoints2D(xy.astype(np.float32), conf.astype(np.float32), k.bbox, k.image_size))
    return out


def test_flip_tensor_matches_the_numpy_mirror_and_is_its_own_inverse():
    x = torch.randn(3, 5, 17, 3, dtype=torch.float64)
    assert torch.equal(flip_pose_tensor(flip_pose_tensor(x)), x)
    assert np.array_equal(flip_pose_tensor(x).numpy(), flip_pose(x.numpy()))
    b = torch.randn(2, 17, 2, dtype=torch.float64)
    both = torch.cat([b, flip_pose_tensor(b) + 1.0])
    assert torch.allclose(fold_flipped(both, 2), b + 0.5 * flip_pose_tensor(torch.ones_like(b)))


def test_a_flipped_stream_is_the_mean_of_the_plain_and_the_mirrored_video():
    model = perturbed("mixste", "tiny")  # deterministic: the two lifts can be compared
    kps = keypoints_sequence(40)

    def lift(seq, flip):
        # steady bones off: conforming to the running lengths is not linear, the mean of two lifts would differ
        lifter = StreamingLifter(
            model, mode="causal", stride=4, device="cpu", flip=flip, root_filter=False, steady_bones=False
        )
        return np.stack([r.pose for r in lifter.lift_sequence(seq)])

    plain, other, both = lift(kps, False), flip_pose(lift(mirrored(kps), False)), lift(kps, True)
    np.testing.assert_allclose(both, 0.5 * (plain + other), atol=1e-5)
    assert np.abs(plain - other).max() > 1e-3  # the mirrored lift is not the plain one: the test can fail


def test_flip_is_an_option_that_can_be_switched_and_is_checked(tiny_wrapper):
    lifter = StreamingLifter(tiny_wrapper, steps=1, hypotheses=2, device="cpu")
    assert lifter.options()["flip"] is False
    lifter.configure(flip=True)
    res = lifter.lift_sequence(keypoints_sequence(30))
    assert len(res) == 30 and all(np.isfinite(r.pose).all() and r.std.shape == (17,) for r in res)
    with pytest.raises(UserError, match="flip must be true or false"):
        lifter.configure(flip="yes")


def test_evaluation_with_flip_averages_the_mirrored_windows():
    model = perturbed("mixste", "tiny")
    x2d = np.random.default_rng(0).normal(0, 0.3, (3, 27, 17, 2)).astype(np.float32)
    plain = predict_windows(model, "mixste", x2d, SamplingOptions())["pose"]
    other = flip_pose(predict_windows(model, "mixste", flip_pose(x2d), SamplingOptions())["pose"])
    both = predict_windows(model, "mixste", x2d, SamplingOptions(flip=True))["pose"]
    np.testing.assert_allclose(both, 0.5 * (plain + other), atol=1e-5)


def test_landmark_output_is_the_joint_centre_output_mapped_with_the_same_root(tiny_wrapper):
    from lifting.definitions import to_landmarks

    kps = keypoints_sequence(30)
    runs = {}
    for joints in ("centres", "landmarks"):
        lifter = StreamingLifter(tiny_wrapper, stride=4, steps=1, hypotheses=2, device="cpu", joints=joints)
        assert lifter.options()["joints"] == joints
        runs[joints] = lifter.lift_sequence(kps)
    for c, lm in zip(runs["centres"], runs["landmarks"]):
        np.testing.assert_allclose(lm.pose, to_landmarks(c.pose), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(lm.mixste_pose, to_landmarks(c.mixste_pose), rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(lm.root, c.root)  # solved against the lifter's own 2D definitions
    assert max(np.abs(lm.pose - c.pose).max() for c, lm in zip(runs["centres"], runs["landmarks"])) > 1e-3
    with pytest.raises(UserError, match="unknown joint definitions"):
        lifter.configure(joints="markers")
