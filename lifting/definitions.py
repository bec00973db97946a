"""Two definitions of the H36M-17 torso and head points, and the maps between them.

- Joint centres: what the motion capture the lifters learn from holds (the thorax joint, the shoulder joint
  centres, the neck joint, the head joint).
- Detector landmarks: what a 2D detector such as MediaPipe BlazePose or a COCO model marks, mapped to H36M-17
  as mmpose does (`detectors.layouts`): thorax = mid-shoulders, spine = mid(pelvis, thorax), neck = nose, head =
  mid-eyes, the shoulders at the landmark. MediaPipe's own 3D and references triangulated from such landmarks
  use these.

Hips and limbs (hips, knees, ankles, elbows, wrists) are the same points in both: their measured length ratios are
within 5-15 %, and moving them did not help. The upper body differs by the ratios below (landmark length / mocap
length, relative to the shin; medians from `scripts/keypoint_definitions.py` on two real videos,
reports/keypoint_definitions/definitions.json).

`LANDMARKS_TO_JOINT_CENTRES` moves a detector's 2D onto joint-centre proportions before lifting;
`JOINT_CENTRES_TO_LANDMARKS` moves a lifted 3D pose onto the landmarks' proportions afterwards. Both are affine
combinations of joints (rows sum to 1), so they hold for 2D and 3D alike and keep the pelvis where it is."""

from __future__ import annotations

import numpy as np

from lifting.errors import UserError

JOINT_CENTRE_RATIOS = {
    "torso": 1.24,  # mid-hip to mid-shoulder vs pelvis to thorax
    "shoulder_width": 1.40,
    "thorax_to_neck": 2.20,  # mid-shoulder to nose vs thorax to the neck/nose joint
    "thorax_to_head": 1.585,  # mid-shoulder to mid-eye vs thorax to the head joint
}

JOINT_DEFINITIONS = ("landmarks", "centres")  # what a lifted pose's torso and head points are

_PELVIS, _SPINE, _THORAX, _NECK, _HEAD, _L_SHOULDER, _R_SHOULDER = 0, 7, 8, 9, 10, 11, 14
_AROUND_THORAX = (
    (_L_SHOULDER, "shoulder_width"),
    (_R_SHOULDER, "shoulder_width"),
    (_NECK, "thorax_to_neck"),
    (_HEAD, "thorax_to_head"),
)


def _rescaled_upper_body(ratios: dict[str, float], power: float) -> np.ndarray:
    """(17, 17) affine map that stretches the torso by ratio**power from the pelvis, puts the spine at the
    middle of pelvis and new thorax, and stretches shoulders, neck and head by ratio**power from the thorax."""
    m = np.eye(17)
    thorax = np.zeros(17)
    k = ratios["torso"] ** power
    thorax[_THORAX], thorax[_PELVIS] = k, 1.0 - k
    m[_THORAX] = thorax
    m[_SPINE] = (np.eye(17)[_PELVIS] + thorax) / 2
    for joint, name in _AROUND_THORAX:
        k = ratios[name] ** power
        row = thorax.copy()  # new thorax + k * (joint - old thorax)
        row[joint] += k
        row[_THORAX] -= k
        m[joint] = row
    return m


LANDMARKS_TO_JOINT_CENTRES = _rescaled_upper_body(JOINT_CENTRE_RATIOS, -1.0)
JOINT_CENTRES_TO_LANDMARKS = _rescaled_upper_body(JOINT_CENTRE_RATIOS, 1.0)


def to_landmarks(pose: np.ndarray) -> np.ndarray:
    """Lifted poses (..., 17, 3) (or 2D) with joint-centre torso and head -> the detector landmarks' definitions."""
    return np.einsum("jk,...kc->...jc", JOINT_CENTRES_TO_LANDMARKS, pose).astype(pose.dtype, copy=False)


def check_definition(name: str) -> str:
    if name not in JOINT_DEFINITIONS:
        raise UserError(f"unknown joint definitions {name!r}; choose one of {', '.join(JOINT_DEFINITIONS)}")
    return name
