"""The Human3.6M 17-joint skeleton used everywhere in the project: names, parents, segments, symmetry."""

from __future__ import annotations

import numpy as np

JOINT_NAMES: tuple[str, ...] = (
    "pelvis",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "spine",
    "thorax",
    "neck",  # neck/nose in H36M
    "head",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
)
NUM_JOINTS = len(JOINT_NAMES)
JOINT_INDEX = {name: i for i, name in enumerate(JOINT_NAMES)}

PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

# The 16 bones as (parent, child).
SEGMENTS: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(PARENTS) if p >= 0)

LEFT_JOINTS: tuple[int, ...] = (4, 5, 6, 11, 12, 13)
RIGHT_JOINTS: tuple[int, ...] = (1, 2, 3, 14, 15, 16)

# The six left/right segment pairs of the symmetry gap (eq. 13):
# pelvis-hip, hip-knee, knee-ankle, thorax-shoulder, shoulder-elbow, elbow-wrist.
SYMMETRIC_SEGMENT_PAIRS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((0, 4), (0, 1)),
    ((4, 5), (1, 2)),
    ((5, 6), (2, 3)),
    ((8, 11), (8, 14)),
    ((11, 12), (14, 15)),
    ((12, 13), (15, 16)),
)

# Joint permutation that swaps left and right (used with x -> -x for flip augmentation).
FLIP_PERMUTATION: tuple[int, ...] = tuple(
    {**{l: r for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS)}, **{r: l for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS)}}.get(
        j, j
    )
    for j in range(NUM_JOINTS)
)

# Limb groups used by occlusion patterns.
RIGHT_LEG: tuple[int, ...] = (1, 2, 3)
LEFT_ARM: tuple[int, ...] = (11, 12, 13)


def is_left_segment(parent: int, child: int) -> bool:
    return child in LEFT_JOINTS


def is_right_segment(parent: int, child: int) -> bool:
    return child in RIGHT_JOINTS


def segment_lengths(pose: np.ndarray) -> np.ndarray:
    """(..., J, 3) -> (..., 16) bone lengths in the order of SEGMENTS."""
    p = np.asarray([s[0] for s in SEGMENTS])
    c = np.asarray([s[1] for s in SEGMENTS])
    return np.linalg.norm(pose[..., c, :] - pose[..., p, :], axis=-1)


def flip_pose(pose: np.ndarray) -> np.ndarray:
    """Mirror a pose (..., J, D) about the x = 0 plane and swap left/right joints."""
    out = pose[..., list(FLIP_PERMUTATION), :].copy()
    out[..., 0] *= -1
    return out
