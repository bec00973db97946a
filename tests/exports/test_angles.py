"""Joint angles on synthetic poses with known angles."""

from __future__ import annotations

import numpy as np
import pytest

from lifting.exports.angles import ANGLE_NAMES, joint_angles
from lifting.skeleton import JOINT_INDEX, flip_pose

J = JOINT_INDEX
DOWN, UP, FWD, LEFT = (
    np.array([0, -1.0, 0]),
    np.array([0, 1.0, 0]),
    np.array([0, 0, 1.0]),
    np.array([1.0, 0, 0]),
)


def standing() -> np.ndarray:
    """(17, 3) upright, facing +Z, left at +X (Y up), legs straight, arms hanging: every angle 0."""
    x = np.zeros((17, 3))
    x[J["pelvis"]] = (0, 1.0, 0)
    for side, s in (("left", 1), ("right", -1)):
        x[J[f"{side}_hip"]] = x[J["pelvis"]] + s * 0.12 * LEFT
        x[J[f"{side}_knee"]] = x[J[f"{side}_hip"]] + 0.45 * DOWN
        x[J[f"{side}_ankle"]] = x[J[f"{side}_knee"]] + 0.45 * DOWN
    x[J["spine"]] = x[J["pelvis"]] + 0.23 * UP
    x[J["thorax"]] = x[J["spine"]] + 0.26 * UP
    x[J["neck"]] = x[J["thorax"]] + 0.12 * UP
    x[J["head"]] = x[J["neck"]] + 0.12 * UP
    for side, s in (("left", 1), ("right", -1)):
        x[J[f"{side}_shoulder"]] = x[J["thorax"]] + s * 0.15 * LEFT
        x[J[f"{side}_elbow"]] = x[J[f"{side}_shoulder"]] + 0.28 * DOWN
        x[J[f"{side}_wrist"]] = x[J[f"{side}_elbow"]] + 0.25 * DOWN
    return x


def angles(x) -> dict:
    return {k: float(v[0]) for k, v in joint_angles(x[None]).items()}


def test_straight_pose_is_all_zero():
    a = angles(standing())
    assert set(a) == set(ANGLE_NAMES)
    for name, v in a.items():
        assert v == pytest.approx(0.0, abs=1e-6), name


def test_right_angles():
    x = standing()
    # right knee bent to 90 degrees: the shank points backwards
    x[J["right_ankle"]] = x[J["right_knee"]] - 0.45 * FWD
    # left thigh forward horizontal (hip flexion 90), its shank hanging down (knee flexion 90)
    x[J["left_knee"]] = x[J["left_hip"]] + 0.45 * FWD
    x[J["left_ankle"]] = x[J["left_knee"]] + 0.45 * DOWN
    # left arm straight out sideways (shoulder abduction 90), right arm forward with the elbow bent 90 upwards
    x[J["left_elbow"]] = x[J["left_shoulder"]] + 0.28 * LEFT
    x[J["left_wrist"]] = x[J["left_elbow"]] + 0.25 * LEFT
    x[J["right_elbow"]] = x[J["right_shoulder"]] + 0.28 * FWD
    x[J["right_wrist"]] = x[J["right_elbow"]] + 0.25 * UP
    a = angles(x)
    assert a["right_knee_flexion"] == pytest.approx(90.0)
    assert a["left_knee_flexion"] == pytest.approx(90.0)
    assert a["left_hip_flexion"] == pytest.approx(90.0)
    assert a["right_hip_flexion"] == pytest.approx(0.0, abs=1e-6)
    assert a["left_hip_abduction"] == pytest.approx(0.0, abs=1e-6)
    assert a["left_shoulder_abduction"] == pytest.approx(90.0)
    assert np.isnan(a["left_shoulder_flexion"])  # sideways: no direction in the sagittal plane
    assert a["left_elbow_flexion"] == pytest.approx(0.0, abs=1e-6)
    assert a["right_shoulder_flexion"] == pytest.approx(90.0)
    assert a["right_shoulder_abduction"] == pytest.approx(0.0, abs=1e-6)
    assert a["right_elbow_flexion"] == pytest.approx(90.0)


def test_partial_angles_and_trunk_lean():
    x = standing()
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    x[J["right_knee"]] = x[J["right_hip"]] + 0.45 * (c * DOWN - s * LEFT)  # right thigh 30 degrees outwards
    x[J["right_ankle"]] = x[J["right_knee"]] + 0.45 * (c * DOWN - s * LEFT)
    x[J["left_knee"]] = x[J["left_hip"]] + 0.45 * (c * DOWN - s * FWD)  # left thigh 30 degrees behind
    x[J["left_ankle"]] = x[J["left_knee"]] + 0.45 * (c * DOWN - s * FWD)
    a = angles(x)
    assert a["right_hip_abduction"] == pytest.approx(30.0)
    assert a["right_knee_flexion"] == pytest.approx(0.0, abs=1e-6)
    assert a["left_hip_flexion"] == pytest.approx(-30.0)  # extension
    # the whole upper body tilted 20 degrees forward about the pelvis (a rotation about the X axis)
    t = np.radians(20)
    rot = np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])
    upper = [J[n] for n in ("spine", "thorax", "neck", "head", "left_shoulder", "left_elbow", "left_wrist",
                            "right_shoulder", "right_elbow", "right_wrist")]  # fmt: skip
    y = standing()
    y[upper] = (y[upper] - y[J["pelvis"]]) @ rot.T + y[J["pelvis"]]
    b = joint_angles(y[None], up=UP)
    assert b["trunk_lean_forward"][0] == pytest.approx(20.0)
    assert b["trunk_lean_sideways"][0] == pytest.approx(0.0, abs=1e-6)
    assert b["left_shoulder_flexion"][0] == pytest.approx(0.0, abs=1e-6)  # measured in the thorax frame


def test_mirrored_pose_swaps_left_and_right():
    rng = np.random.default_rng(1)
    x = standing() + rng.normal(scale=0.08, size=(17, 3))  # an arbitrary pose
    a, m = angles(x), angles(flip_pose(x))
    for name in ANGLE_NAMES:
        if name.startswith("left_"):
            other = "right_" + name[5:]
            assert m[name] == pytest.approx(a[other], abs=1e-9) and m[other] == pytest.approx(
                a[name], abs=1e-9
            )
    assert m["trunk_lean_forward"] == pytest.approx(a["trunk_lean_forward"], abs=1e-9)
    assert m["trunk_lean_sideways"] == pytest.approx(-a["trunk_lean_sideways"], abs=1e-9)
    assert abs(a["trunk_lean_sideways"]) > 0.1 and abs(a["left_knee_flexion"] - a["right_knee_flexion"]) > 1


def test_missing_joints_give_nan():
    x = np.stack([standing(), standing()])
    x[1, J["left_knee"]] = np.nan
    a = joint_angles(x)
    assert np.isnan(a["left_knee_flexion"][1]) and a["left_knee_flexion"][0] == pytest.approx(0.0, abs=1e-6)
