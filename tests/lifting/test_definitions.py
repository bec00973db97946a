"""Joint-centre and landmark definitions of the torso and head points (lifting.definitions)."""

import numpy as np
import pytest

from detectors.layouts import BLAZEPOSE_NAMES, blazepose_to_h36m
from lifting.definitions import (
    JOINT_CENTRE_RATIOS,
    JOINT_CENTRES_TO_LANDMARKS,
    LANDMARKS_TO_JOINT_CENTRES,
    check_definition,
    to_landmarks,
)
from lifting.errors import UserError
from lifting.skeleton import JOINT_INDEX as J

SAME_IN_BOTH = ("pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
                "left_elbow", "left_wrist", "right_elbow", "right_wrist")  # fmt: skip


def pose(seed=0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(17, 3))


def test_maps_are_affine_so_they_commute_with_translation_and_hold_in_2d_and_3d():
    for m in (LANDMARKS_TO_JOINT_CENTRES, JOINT_CENTRES_TO_LANDMARKS):
        np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-12)
    x = pose()
    np.testing.assert_allclose(to_landmarks(x + [1.0, -2.0, 3.0]), to_landmarks(x) + [1.0, -2.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(to_landmarks(x[:, :2]), to_landmarks(x)[:, :2], atol=1e-12)


def test_landmarks_stretch_the_upper_body_by_the_measured_ratios_and_keep_hips_and_limbs():
    x = pose(1)
    y = to_landmarks(x)
    r = JOINT_CENTRE_RATIOS
    for name in SAME_IN_BOTH:
        np.testing.assert_allclose(y[J[name]], x[J[name]], atol=1e-12, err_msg=name)
    torso = x[J["thorax"]] - x[J["pelvis"]]
    np.testing.assert_allclose(y[J["thorax"]] - y[J["pelvis"]], r["torso"] * torso, atol=1e-12)
    np.testing.assert_allclose(y[J["spine"]], (y[J["pelvis"]] + y[J["thorax"]]) / 2, atol=1e-12)
    for name, ratio in (("left_shoulder", "shoulder_width"), ("right_shoulder", "shoulder_width"),
                        ("neck", "thorax_to_neck"), ("head", "thorax_to_head")):  # fmt: skip
        before, after = x[J[name]] - x[J["thorax"]], y[J[name]] - y[J["thorax"]]
        np.testing.assert_allclose(after, r[ratio] * before, atol=1e-12, err_msg=name)


def test_the_two_maps_undo_each_other_except_the_spine_which_landmarks_define_as_a_midpoint():
    x = pose(2)
    back = LANDMARKS_TO_JOINT_CENTRES @ to_landmarks(x)
    others = [j for j in range(17) if j != J["spine"]]
    np.testing.assert_allclose(back[others], x[others], atol=1e-12)
    np.testing.assert_allclose(back[J["spine"]], (x[J["pelvis"]] + x[J["thorax"]]) / 2, atol=1e-12)
    assert np.abs(back[J["spine"]] - x[J["spine"]]).max() > 1e-3  # a random spine is not the midpoint


def test_detector_layout_uses_the_same_map():
    xy = np.random.default_rng(3).uniform(0, 500, size=(len(BLAZEPOSE_NAMES), 2))
    landmarks, _ = blazepose_to_h36m(xy, joint_centres=False)
    centres, _ = blazepose_to_h36m(xy)
    np.testing.assert_allclose(centres, LANDMARKS_TO_JOINT_CENTRES @ landmarks, atol=1e-3)
    # and mapping the detector's joint-centre 2D back gives its landmarks (the spine is their midpoint there too)
    np.testing.assert_allclose(to_landmarks(centres.astype(np.float64)), landmarks, atol=1e-3)


def test_unknown_definition_is_a_clear_error():
    assert check_definition("centres") == "centres"
    with pytest.raises(UserError, match="unknown joint definitions 'markers'"):
        check_definition("markers")
