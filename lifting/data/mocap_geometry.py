"""Geometry of 17-joint Human3.6M clips (world metres, z up) used by the BVH conversion: Human3.6M S1 segment
lengths, joint speeds, T-pose and blend-in detection, resampling in time, conforming segment lengths, and
height and facing checks.

Segment lengths are made constant and left/right symmetric (`conform_segments`): Daz and iClone rigs are
retargeted CMU motion on one fixed figure, so their limbs take Human3.6M's proportions scaled to the figure;
the CMU-ASF flavours keep the subject's own limb lengths. Torso, head and hip-width segments take Human3.6M's
lengths (scaled per subject), so the 17-joint skeleton looks like Human3.6M's."""

from __future__ import annotations

import math

import numpy as np

from lifting.data.mocap_clips import TARGET_FPS
from lifting.skeleton import FLIP_PERMUTATION, JOINT_INDEX, SEGMENTS, segment_lengths

ANKLE_HEIGHT = 0.08  # metres from the floor to the ankle joint of a standing person

# Human3.6M S1 segment lengths (metres): the skeleton's own bone offsets.
H36M_SEGMENT_LENGTHS: dict[tuple[int, int], float] = {
    (0, 1): 0.13295, (1, 2): 0.44289, (2, 3): 0.45421,
    (0, 4): 0.13295, (4, 5): 0.44289, (5, 6): 0.45421,
    (0, 7): 0.23338, (7, 8): 0.25708, (8, 9): 0.12113, (9, 10): 0.11500,
    (8, 11): 0.15103, (11, 12): 0.27888, (12, 13): 0.25173,
    (8, 14): 0.15103, (14, 15): 0.27888, (15, 16): 0.25173,
}  # fmt: skip
H36M_LENGTHS = np.array([H36M_SEGMENT_LENGTHS[s] for s in SEGMENTS])  # (16,) in SEGMENTS order

# Thigh, shin, upper arm, forearm of both sides: the segments a subject-specific rig keeps.
LIMB_SEGMENTS: tuple[tuple[int, int], ...] = (
    (1, 2), (2, 3), (4, 5), (5, 6), (11, 12), (12, 13), (14, 15), (15, 16),
)  # fmt: skip
LIMB_MASK = np.array([s in LIMB_SEGMENTS for s in SEGMENTS])  # (16,)
# Segment index -> index of its left/right mirror (itself for the central segments).
MIRROR_SEGMENT = np.array([[c for _, c in SEGMENTS].index(FLIP_PERMUTATION[c]) for _, c in SEGMENTS])


def joint_speeds(x: np.ndarray, fps: float) -> np.ndarray:
    """(N, J, 3) -> (N-1,) fastest root-relative joint speed (m/s) between consecutive frames."""
    rel = x - x[:, :1]
    if len(x) < 2:
        return np.zeros(0)
    return np.linalg.norm(np.diff(rel, axis=0), axis=-1).max(-1) * fps


def is_t_pose(pose: np.ndarray, tol: float = 0.3) -> bool:
    """pose (17, 3), z up: arms stretched out sideways (all four arm segments near horizontal, elbows
    straight, the two upper arms opposite)."""
    j = JOINT_INDEX
    segs = [
        (j["left_shoulder"], j["left_elbow"]),
        (j["left_elbow"], j["left_wrist"]),
        (j["right_shoulder"], j["right_elbow"]),
        (j["right_elbow"], j["right_wrist"]),
    ]
    d = [pose[c] - pose[p] for p, c in segs]
    d = [v / max(np.linalg.norm(v), 1e-9) for v in d]
    horizontal = all(abs(v[2]) < tol for v in d)
    straight = float(d[0] @ d[1]) > 1 - tol and float(d[2] @ d[3]) > 1 - tol
    return horizontal and straight and float(d[0] @ d[2]) < -(1 - tol)


def leading_frames_to_drop(x: np.ndarray, fps: float, blend_in: bool, max_seconds: float = 0.25) -> int:
    """How many leading frames are not motion: a T-pose at frame 0, and with blend_in the converter's
    blend from it into the motion (joints moving faster than 3x the clip's median speed, 4-10 m/s)."""
    start = 1 if len(x) > 1 and is_t_pose(x[0]) else 0
    if not blend_in:
        return start
    speeds = joint_speeds(x, fps)
    if len(speeds) < 4:
        return start
    limit = float(np.clip(3 * np.median(speeds), 4.0, 10.0))
    last = min(int(max_seconds * fps), len(speeds) - 3)
    while start < last and np.any(speeds[start : start + 3] > limit):
        start += 1
    return start


def resample(x: np.ndarray, src_fps: float, dst_fps: float = TARGET_FPS) -> np.ndarray:
    """Linear interpolation in time, (N, ...) -> (M, ...) with M = floor((N - 1) * dst / src) + 1: frame k is
    at time k / dst_fps; the last output frame is at or before the last input frame."""
    n = len(x)
    if n == 0:
        return x.copy()
    m = math.floor((n - 1) * dst_fps / src_fps + 1e-6) + 1
    t = np.arange(m) * (src_fps / dst_fps)
    i0 = np.minimum(np.floor(t).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    f = (t - i0).reshape((m,) + (1,) * (x.ndim - 1))
    return x[i0] * (1 - f) + x[i1] * f


def conform_segments(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Rebuild poses (..., 17, 3) by forward kinematics along PARENTS from the pelvis: every segment keeps
    its direction and takes the length lengths[..., s] (SEGMENTS order; (16,) or broadcastable)."""
    lengths = np.asarray(lengths, dtype=np.float64)
    out = np.empty_like(x, dtype=np.float64)
    out[..., 0, :] = x[..., 0, :]
    for s, (p, c) in enumerate(SEGMENTS):
        d = x[..., c, :] - x[..., p, :]
        d = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-9)
        out[..., c, :] = out[..., p, :] + lengths[..., s, None] * d
    return out


def symmetric_segments(lengths: np.ndarray) -> np.ndarray:
    """Segment lengths (..., 16), SEGMENTS order -> each left segment and its right twin set to their mean."""
    return (lengths + lengths[..., MIRROR_SEGMENT]) / 2


def h36m_like_lengths(x: np.ndarray, subject_specific: bool) -> tuple[np.ndarray, float]:
    """Segment lengths (16,) for a clip (N, 17, 3) and its scale against Human3.6M S1. The scale is the
    clip's limb length (thigh + shin + upper arm + forearm, both sides) over Human3.6M's; every segment gets
    Human3.6M's length times it, except that a subject-specific rig keeps its own limbs, left/right
    averaged."""
    native = np.median(segment_lengths(x), axis=0)
    symmetric = symmetric_segments(native)
    scale = float(symmetric[LIMB_MASK].sum() / H36M_LENGTHS[LIMB_MASK].sum())
    lengths = H36M_LENGTHS * scale
    if subject_specific:
        lengths[LIMB_MASK] = symmetric[LIMB_MASK]
    return lengths, scale


# Segments from the ankle up to the head along one side: thigh, shin, pelvis-spine, spine-thorax,
# thorax-neck/nose, neck/nose-head.
_HEIGHT_CHAIN = [SEGMENTS.index(s) for s in ((4, 5), (5, 6), (0, 7), (7, 8), (8, 9), (9, 10))]


def standing_height(lengths: np.ndarray) -> float:
    """Stature estimate (m) from segment lengths (16,): the head joint's height if the person stood straight
    (ankle height + leg + trunk + neck and head)."""
    return float(ANKLE_HEIGHT + np.asarray(lengths)[_HEIGHT_CHAIN].sum())


def upright_head_height(x: np.ndarray) -> float:
    """Observed head joint height (m) of a clip (N, 17, 3) with the floor at z = 0 when upright: the 90th
    percentile over the frames with a foot on the floor (below standing_height: a walking posture)."""
    j = JOINT_INDEX
    ankles = np.minimum(x[:, j["left_ankle"], 2], x[:, j["right_ankle"], 2])
    grounded = ankles < ANKLE_HEIGHT + 0.05
    head = x[grounded if grounded.any() else slice(None), j["head"], 2]
    return float(np.percentile(head, 90))


def facing_checks(x: np.ndarray, toes: np.ndarray) -> tuple[float, float]:
    """Left/right and front/back sanity of a mapped clip, from the feet (toes point forward):
    (fraction of frames whose left hip lies on the person's left, fraction whose nose is in front of the
    thorax), both near 1 for a correct mapping."""
    j = JOINT_INDEX
    foot = (toes[:, 0] - x[:, j["left_ankle"]]) + (toes[:, 1] - x[:, j["right_ankle"]])
    foot[:, 2] = 0
    norm = np.linalg.norm(foot, axis=-1)
    ok = norm > 1e-3
    if not ok.any():
        return float("nan"), float("nan")
    forward = foot[ok] / norm[ok, None]
    left = np.cross([0.0, 0.0, 1.0], forward)
    hips = x[ok, j["left_hip"]] - x[ok, j["right_hip"]]
    nose = x[ok, j["neck"]] - x[ok, j["thorax"]]
    return float(np.mean(np.sum(hips * left, -1) > 0)), float(np.mean(np.sum(nose * forward, -1) > 0))
