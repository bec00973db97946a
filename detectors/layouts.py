"""Keypoint layout converters to the H36M-17 order of `lifting.skeleton`: COCO-17 and MediaPipe BlazePose-33.

Follows mmpose's COCO -> H36M mapping (`convert_keypoint_definition`): pelvis = mid-hips, thorax =
mid-shoulders, spine = mid(pelvis, thorax), neck/nose = nose, head = mid-eyes; limbs are copied. BlazePose is
mapped the same way from its matching landmarks, so both detectors feed the lifter the same definitions.
Left and right are the person's own in every layout; nothing is mirrored.

A derived joint's confidence is the *minimum* of its sources' (mmpose averages them): a midpoint is only as
good as its worse end, and a joint whose source is off-screen should not look reliable.

Detector landmarks are not the joint centres of the motion capture the lifters learn from: the shoulder
landmarks sit wider and higher, the nose far above the mocap neck joint, the eyes above the head joint's
height. By default the upper body is therefore moved onto joint-centre proportions (`lifting.definitions`,
ratios measured by `scripts/keypoint_definitions.py` as landmark length / mocap length, relative to the shin):
thorax pulled towards the pelvis, shoulders towards the thorax, neck and head towards it. Every step is an
affine combination of landmarks, so it folds into the same averaging matrix; confidences keep the
landmark-based sources, so a webcam view without hips does not lose its shoulders and head.
"""

from __future__ import annotations

import numpy as np

from lifting.definitions import JOINT_CENTRE_RATIOS, LANDMARKS_TO_JOINT_CENTRES  # noqa: F401 (re-exported)

COCO_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)

BLAZEPOSE_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

# For each H36M-17 joint, the source keypoints by name: one name = copied, two = midpoint.
# Spine (7) is the midpoint of the derived pelvis and thorax, i.e. the mean of the four hips and shoulders.
_H36M_FROM: tuple[tuple[str, ...], ...] = (
    ("left_hip", "right_hip"),  # 0 pelvis
    ("right_hip",),  # 1
    ("right_knee",),  # 2
    ("right_ankle",),  # 3
    ("left_hip",),  # 4
    ("left_knee",),  # 5
    ("left_ankle",),  # 6
    ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),  # 7 spine
    ("left_shoulder", "right_shoulder"),  # 8 thorax
    ("nose",),  # 9 neck/nose
    ("left_eye", "right_eye"),  # 10 head
    ("left_shoulder",),  # 11
    ("left_elbow",),  # 12
    ("left_wrist",),  # 13
    ("right_shoulder",),  # 14
    ("right_elbow",),  # 15
    ("right_wrist",),  # 16
)


def _mapping_matrix(names: tuple[str, ...], joint_centres: bool) -> tuple[np.ndarray, list[list[int]]]:
    """(17, K) affine matrix from landmarks to H36M-17 and, per joint, its confidence sources."""
    index = {n: i for i, n in enumerate(names)}
    sources = [[index[n] for n in joint] for joint in _H36M_FROM]
    m = np.zeros((len(_H36M_FROM), len(names)), np.float64)
    for j, src in enumerate(sources):
        m[j, src] = 1.0 / len(src)
    if joint_centres:
        m = LANDMARKS_TO_JOINT_CENTRES @ m
    return m, sources


_MATRICES = {
    (names, centres): _mapping_matrix(names, centres)
    for names in (COCO_NAMES, BLAZEPOSE_NAMES)
    for centres in (True, False)
}


def _convert(
    xy: np.ndarray, conf: np.ndarray | None, m: np.ndarray, sources: list[list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(xy, np.float64)
    if xy.shape[-2:] != (m.shape[1], 2):
        raise ValueError(f"expected keypoints (..., {m.shape[1]}, 2), got {xy.shape}")
    out_xy = np.einsum("jk,...kc->...jc", m, xy).astype(np.float32)  # (..., 17, 2)
    if conf is None:
        conf = np.ones(xy.shape[:-1], np.float32)
    conf = np.asarray(conf, np.float32)
    if conf.shape != xy.shape[:-1]:
        raise ValueError(f"confidence shape {conf.shape} does not match keypoints {xy.shape}")
    out_conf = np.stack([conf[..., src].min(axis=-1) for src in sources], axis=-1)  # (..., 17)
    return out_xy, out_conf.astype(np.float32)


def coco_to_h36m(
    xy: np.ndarray, conf: np.ndarray | None = None, joint_centres: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """COCO-17 keypoints (..., 17, 2) and confidences (..., 17) -> H36M-17 (..., 17, 2), (..., 17).

    joint_centres=False keeps the landmarks' own definitions (thorax = mid-shoulders, neck = nose, ...)."""
    return _convert(xy, conf, *_MATRICES[COCO_NAMES, joint_centres])


def blazepose_to_h36m(
    xy: np.ndarray, conf: np.ndarray | None = None, joint_centres: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """BlazePose-33 landmarks (..., 33, 2) and confidences (..., 33) -> H36M-17 (..., 17, 2), (..., 17).

    joint_centres=False keeps the landmarks' own definitions (thorax = mid-shoulders, neck = nose, ...)."""
    return _convert(xy, conf, *_MATRICES[BLAZEPOSE_NAMES, joint_centres])
