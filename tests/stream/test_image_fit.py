"""Pulling a lifted pose towards its 2D keypoints' camera rays with its bone lengths kept (lifting.image_fit), and
the streaming lifter's fit_2d option."""

import numpy as np
import pytest

from lifting.data.mocap_geometry import conform_segments
from lifting.errors import UserError
from lifting.image_fit import pull_to_rays
from lifting.keypoints import Keypoints2D
from lifting.skeleton import SEGMENTS, segment_lengths
from lifting.stream import _STANDING_BBOX, _STANDING_XY, StreamingLifter
from lifting.stream_defaults import DEFAULT_FIT_2D
from lifting.trajectory import project
from lifting.weights import resolve_checkpoint

SIZE, FOV = (1000, 800), 55.0
ROOT = np.array([0.2, -0.1, 4.0])


def random_pose(seed: int = 0) -> np.ndarray:
    """A root-relative skeleton (17, 3) with bones of 0.1-0.45 m in random directions."""
    rng = np.random.default_rng(seed)
    pose = np.zeros((17, 3))
    for p, c in SEGMENTS:
        d = rng.normal(size=3)
        pose[c] = pose[p] + d / np.linalg.norm(d) * rng.uniform(0.1, 0.45)
    return pose


def reprojection_px(pose: np.ndarray, xy: np.ndarray, root: np.ndarray) -> float:
    return float(np.linalg.norm(project(pose + root, SIZE, FOV) - xy, axis=1).mean())


def test_nothing_moves_at_amount_zero_or_without_a_root_in_front_of_the_camera():
    pose, xy, w = random_pose(), np.random.default_rng(1).uniform(0, 800, (17, 2)), np.ones(17)
    np.testing.assert_array_equal(pull_to_rays(pose, ROOT, xy, w, SIZE, FOV, 0.0)[0], pose)
    for bad in (np.array([0.0, 0.0, np.nan]), np.array([0.0, 0.0, -2.0])):
        np.testing.assert_array_equal(pull_to_rays(pose, bad, xy, w, SIZE, FOV, 1.0)[0], pose)


def test_a_pose_that_projects_onto_its_keypoints_stays_where_it_is():
    pose = random_pose(2)
    xy = project(pose + ROOT, SIZE, FOV)
    pulled, root = pull_to_rays(pose, ROOT, xy, np.ones(17), SIZE, FOV, 1.0)
    np.testing.assert_allclose(pulled, pose, atol=1e-9)
    np.testing.assert_allclose(root, ROOT, atol=1e-12)


@pytest.mark.parametrize("amount", [0.35, 1.0])
def test_the_pose_moves_towards_the_2d_with_its_bone_lengths_kept(amount):
    truth, lifted = random_pose(3), random_pose(3)
    lifted[1:] += np.random.default_rng(4).normal(0, 0.05, (16, 3))  # the lifter's error
    lifted = conform_segments(lifted, segment_lengths(truth))
    xy = project(truth + ROOT, SIZE, FOV)
    pulled, root = pull_to_rays(lifted, ROOT, xy, np.ones(17), SIZE, FOV, amount)
    np.testing.assert_allclose(segment_lengths(pulled), segment_lengths(lifted), atol=1e-9)
    assert pulled[0].tolist() == [0.0, 0.0, 0.0]
    assert reprojection_px(pulled, xy, root) < 0.8 * reprojection_px(lifted, xy, ROOT)
    assert np.linalg.norm(pulled - truth, axis=1).mean() < np.linalg.norm(lifted - truth, axis=1).mean()


def test_a_joint_the_detector_did_not_see_keeps_its_bone_direction():
    lifted = random_pose(5)
    xy = project(random_pose(6) + ROOT, SIZE, FOV)  # the 2D disagrees everywhere
    w = np.ones(17)
    w[13] = 0.0  # left wrist unseen (its parent, the elbow, is seen and moves)
    pulled, _ = pull_to_rays(lifted, ROOT, xy, w, SIZE, FOV, 1.0)
    np.testing.assert_allclose(pulled[13] - pulled[12], lifted[13] - lifted[12], atol=1e-9)
    assert np.linalg.norm((pulled[12] - pulled[11]) - (lifted[12] - lifted[11])) > 1e-3  # a seen one turned


def standing_stream(n: int) -> list:
    """The warm-up's standing person, swaying, with the hip line tilted in the image by 25° (a level pelvis is
    what the lifter expects)."""
    out = []
    for f in range(n):
        xy = _STANDING_XY.astype(np.float64).copy()
        xy[:, 0] += 15 * np.sin(0.2 * f)
        for hip, sign in ((1, -1), (4, 1)):
            xy[hip] = xy[0] + sign * 30 * np.array([np.cos(np.radians(25)), np.sin(np.radians(25))])
        out.append(Keypoints2D(xy.astype(np.float32), np.ones(17, np.float32), _STANDING_BBOX, (1000, 1000)))
    return out


def test_the_streaming_lifter_follows_the_image_with_fit_2d_and_keeps_segment_lengths():
    kps = standing_stream(30)
    runs = {}
    for fit in (0.0, 1.0):
        lifter = StreamingLifter.from_checkpoint(
            resolve_checkpoint(None),
            device="cpu",
            steps=1,
            hypotheses=1,
            joints="centres",
            root_filter=False,
            fit_2d=fit,
        )
        assert lifter.options()["fit_2d"] == fit
        runs[fit] = lifter.lift_sequence(kps)
    reliable = [i for i, r in enumerate(runs[0.0]) if r.root_reliable]
    assert len(reliable) >= 20
    hip_angle = {}  # of the output's hip line in the image, degrees
    for fit, res in runs.items():
        uv = [project(res[i].pose + res[i].root, (1000, 1000), 55.0) for i in reliable]
        hip_angle[fit] = np.mean([np.degrees(np.arctan2(u[4, 1] - u[1, 1], u[4, 0] - u[1, 0])) for u in uv])
    assert hip_angle[0.0] < 15.0  # the lifter alone keeps the pelvis nearly level
    assert hip_angle[1.0] == pytest.approx(25.0, abs=2.0)  # on the rays: the image's tilt
    for i in reliable:
        np.testing.assert_allclose(
            segment_lengths(runs[1.0][i].pose), segment_lengths(runs[0.0][i].pose), atol=1e-5
        )
        np.testing.assert_array_equal(runs[1.0][i].mixste_pose, runs[0.0][i].mixste_pose)


def test_fit_2d_is_checked_and_defaults_to_the_chosen_amount(tiny_wrapper):
    lifter = StreamingLifter(tiny_wrapper, device="cpu")
    assert lifter.options()["fit_2d"] == DEFAULT_FIT_2D > 0
    for bad in (-0.1, 1.5, "much"):
        with pytest.raises(UserError, match="fit_2d must be"):
            lifter.configure(fit_2d=bad)
