"""BlazePose-33 and COCO-17 -> H36M-17 on hand-made landmark sets: every joint lands where it should."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.layouts import (
    BLAZEPOSE_NAMES,
    COCO_NAMES,
    JOINT_CENTRE_RATIOS,
    blazepose_to_h36m,
    coco_to_h36m,
)
from lifting.skeleton import JOINT_INDEX, LEFT_JOINTS, NUM_JOINTS, RIGHT_JOINTS

# A person facing the camera in an image (x right, y down): their left side is on the image's right.
BODY = {
    "nose": (100, 40),
    "left_eye": (106, 34),
    "right_eye": (94, 34),
    "left_ear": (112, 38),
    "right_ear": (88, 38),
    "left_shoulder": (130, 80),
    "right_shoulder": (70, 80),
    "left_elbow": (140, 120),
    "right_elbow": (60, 120),
    "left_wrist": (146, 160),
    "right_wrist": (54, 160),
    "left_hip": (120, 170),
    "right_hip": (80, 170),
    "left_knee": (122, 230),
    "right_knee": (78, 230),
    "left_ankle": (124, 290),
    "right_ankle": (76, 290),
}
COPIED = {  # H36M joint -> its one source
    "right_hip": "right_hip",
    "right_knee": "right_knee",
    "right_ankle": "right_ankle",
    "left_hip": "left_hip",
    "left_knee": "left_knee",
    "left_ankle": "left_ankle",
    "neck": "nose",
    "left_shoulder": "left_shoulder",
    "left_elbow": "left_elbow",
    "left_wrist": "left_wrist",
    "right_shoulder": "right_shoulder",
    "right_elbow": "right_elbow",
    "right_wrist": "right_wrist",
}


def mid(*names: str) -> np.ndarray:
    return np.mean([BODY[n] for n in names], axis=0)


EXPECTED = {j: np.array(BODY[src], float) for j, src in COPIED.items()}
EXPECTED["pelvis"] = mid("left_hip", "right_hip")
EXPECTED["thorax"] = mid("left_shoulder", "right_shoulder")
EXPECTED["spine"] = (EXPECTED["pelvis"] + EXPECTED["thorax"]) / 2
EXPECTED["head"] = mid("left_eye", "right_eye")


def layout(names: tuple[str, ...], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks in the given order: the body points where named, random elsewhere; confidences by index."""
    xy = rng.uniform(500, 900, (len(names), 2))  # points the mapping must not use: far from the body
    for i, n in enumerate(names):
        if n in BODY:
            xy[i] = BODY[n]
    conf = np.linspace(0.2, 0.99, len(names)).astype(np.float32)
    return xy, conf


@pytest.mark.parametrize("names,convert", [(COCO_NAMES, coco_to_h36m), (BLAZEPOSE_NAMES, blazepose_to_h36m)])
def test_every_joint_lands_where_it_should(names, convert):
    xy, conf = layout(names, np.random.default_rng(0))
    out, out_conf = convert(xy, conf, joint_centres=False)
    assert out.shape == (NUM_JOINTS, 2) and out_conf.shape == (NUM_JOINTS,)
    for joint, want in EXPECTED.items():
        np.testing.assert_allclose(out[JOINT_INDEX[joint]], want, atol=1e-4, err_msg=joint)
    # Confidences: copied joints keep theirs; derived joints take the minimum of their sources.
    c = {n: conf[i] for i, n in enumerate(names)}
    for joint, src in COPIED.items():
        assert out_conf[JOINT_INDEX[joint]] == pytest.approx(c[src])
    assert out_conf[JOINT_INDEX["pelvis"]] == pytest.approx(min(c["left_hip"], c["right_hip"]))
    assert out_conf[JOINT_INDEX["thorax"]] == pytest.approx(min(c["left_shoulder"], c["right_shoulder"]))
    assert out_conf[JOINT_INDEX["spine"]] == pytest.approx(
        min(c["left_hip"], c["right_hip"], c["left_shoulder"], c["right_shoulder"])
    )
    assert out_conf[JOINT_INDEX["head"]] == pytest.approx(min(c["left_eye"], c["right_eye"]))


@pytest.mark.parametrize("names,convert", [(COCO_NAMES, coco_to_h36m), (BLAZEPOSE_NAMES, blazepose_to_h36m)])
def test_left_right_not_swapped(names, convert):
    """Facing the camera, every H36M left joint stays on the image's right, as the person's own left."""
    xy, _ = layout(names, np.random.default_rng(1))
    out, conf = convert(xy)
    assert np.all(conf == 1.0)  # no confidences given -> fully confident
    for lj, rj in zip(LEFT_JOINTS, RIGHT_JOINTS):
        assert out[lj, 0] > out[rj, 0], (lj, rj)


@pytest.mark.parametrize("names,convert", [(COCO_NAMES, coco_to_h36m), (BLAZEPOSE_NAMES, blazepose_to_h36m)])
def test_batched_shapes(names, convert):
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 100, (4, 3, len(names), 2))
    conf = rng.uniform(0, 1, (4, 3, len(names)))
    out, out_conf = convert(xy, conf)
    assert out.shape == (4, 3, 17, 2) and out_conf.shape == (4, 3, 17)
    one, one_conf = convert(xy[2, 1], conf[2, 1])
    np.testing.assert_allclose(out[2, 1], one, rtol=1e-6)
    np.testing.assert_allclose(out_conf[2, 1], one_conf)


@pytest.mark.parametrize("names,convert", [(COCO_NAMES, coco_to_h36m), (BLAZEPOSE_NAMES, blazepose_to_h36m)])
def test_joint_centres_move_the_upper_body_by_the_measured_ratios(names, convert):
    xy, conf = layout(names, np.random.default_rng(3))
    landmarks, landmark_conf = convert(xy, conf, joint_centres=False)
    out, out_conf = convert(xy, conf)
    j = JOINT_INDEX
    r = JOINT_CENTRE_RATIOS
    pelvis, thorax = landmarks[j["pelvis"]], landmarks[j["thorax"]]
    # The thorax slides down the torso; hips and limbs below the shoulders stay where they were.
    np.testing.assert_allclose(out[j["thorax"]], pelvis + (thorax - pelvis) / r["torso"], atol=1e-4)
    np.testing.assert_allclose(out[j["spine"]], (pelvis + out[j["thorax"]]) / 2, atol=1e-4)
    for name in ("pelvis", "right_hip", "left_knee", "right_ankle", "left_elbow", "right_wrist"):
        np.testing.assert_allclose(out[j[name]], landmarks[j[name]], atol=1e-4, err_msg=name)
    # Shoulders, neck and head keep their direction from the thorax, at the joint-centre distance.
    for name, ratio in (
        ("left_shoulder", "shoulder_width"),
        ("right_shoulder", "shoulder_width"),
        ("neck", "thorax_to_neck"),
        ("head", "thorax_to_head"),
    ):
        want = out[j["thorax"]] + (landmarks[j[name]] - thorax) / r[ratio]
        np.testing.assert_allclose(out[j[name]], want, atol=1e-4, err_msg=name)
    width = np.linalg.norm(out[j["left_shoulder"]] - out[j["right_shoulder"]])
    landmark_width = np.linalg.norm(landmarks[j["left_shoulder"]] - landmarks[j["right_shoulder"]])
    assert width == pytest.approx(landmark_width / r["shoulder_width"], rel=1e-5)
    # Confidences still come from the landmarks themselves (no hips needed for a head).
    np.testing.assert_array_equal(out_conf, landmark_conf)


def test_wrong_shapes_raise():
    with pytest.raises(ValueError):
        coco_to_h36m(np.zeros((33, 2)))
    with pytest.raises(ValueError):
        blazepose_to_h36m(np.zeros((33, 2)), np.zeros(17))
