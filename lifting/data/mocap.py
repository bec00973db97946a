"""Motion capture (BVH) -> Human3.6M 17-joint positions in metres at 50 fps, and the per-clip npz cache.

Reading: bvhio parses the HIERARCHY (names, offsets, channels, end sites); the MOTION block is read with numpy
and forward kinematics is vectorised over frames (bvhio's per-frame `loadPose` gives the same positions,
`tests/mocap` checks it, but is ~20x slower). Each BVH flavour has a mapping table in `bvh_skeletons`.

The converted world frame is Human3.6M's: **z up**, metres, the floor at z = 0 (estimated from the lowest
ankle), x/y horizontal. A BVH file's y-up frame is rotated by +90 degrees about x: (x, y, z) -> (x, -z, y).
Segment lengths are made constant and left/right symmetric (`conform_segments`): Daz and iClone rigs are
retargeted CMU motion on one fixed figure, so their limbs take Human3.6M's proportions scaled to the figure;
the CMU-ASF flavours keep the subject's own limb lengths. Torso, head and hip-width segments take Human3.6M's
lengths (scaled per subject), so the 17-joint skeleton looks like Human3.6M's."""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifting.data.bvh_skeletons import BvhFlavour, Point, describe_flavours, detect_flavour
from lifting.errors import UserError
from lifting.skeleton import FLIP_PERMUTATION, JOINT_INDEX, JOINT_NAMES, SEGMENTS, segment_lengths

TARGET_FPS = 50.0
CONVERTER_VERSION = 1
ANKLE_HEIGHT = 0.08  # metres from the floor to the ankle joint of a standing person
GLITCH_SPEED = 15.0  # m/s, root-relative joint speed no human limb reaches: a broken frame
MAX_GLITCH_FRACTION = 0.1  # clips with more broken frame steps than this are skipped

# Human3.6M S1 segment lengths (metres): the skeleton's own bone offsets (pelvis-hip 132.95 mm, thigh 442.89,
# shin 454.21, spine 233.38, thorax 257.08, neck/nose 121.13, head 115.00, thorax-shoulder 151.03,
# upper arm 278.88, forearm 251.73).
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

# BVH (y up) -> our world (z up): (x, y, z) -> (x, -z, y), a proper rotation.
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


# ----------------------------------------------------------------------------------------------------------
# BVH reading and forward kinematics


@dataclass
class BvhData:
    """A parsed BVH file. Joints in file order, then one pseudo-joint per End Site named '<parent>_End'."""

    path: str
    names: list[str]
    parents: np.ndarray  # (J,) parent index, -1 for the root
    offsets: np.ndarray  # (J, 3) file units
    rotation_columns: list[np.ndarray]  # per joint: motion columns of its rotation channels, in order
    rotation_axes: list[str]  # per joint: axis letters of those channels, e.g. 'ZXY'
    position_columns: list[np.ndarray | None]  # per joint: motion columns of (X, Y, Z)position, or None
    frame_time: float
    motion: np.ndarray  # (N, C) channel values, degrees for rotations
    num_real_joints: int = 0  # joints before the end-site pseudo-joints

    @property
    def num_frames(self) -> int:
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        return frame_rate(self.frame_time)

    def index(self, name: str) -> int:
        return self.names.index(name)


def frame_rate(frame_time: float) -> float:
    """1 / frame_time, snapped to the nearest integer rate when within 0.1 % (0.00833333 -> 120)."""
    fps = 1.0 / frame_time
    r = round(fps)
    return float(r) if r > 0 and abs(fps - r) / r < 1e-3 else fps


def read_bvh(path: str | Path) -> BvhData:
    """Parse a BVH file: hierarchy with bvhio, MOTION values with numpy. Raises UserError for files that are
    not valid BVH."""
    import bvhio

    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: file not found")
    _check_structure(p)
    try:
        container = bvhio.readAsBvh(str(p), loadKeyFrames=False)
    except (SyntaxError, ValueError, IndexError, UnicodeDecodeError, OSError) as exc:
        raise UserError(f"{p}: not a readable BVH file ({type(exc).__name__}: {exc})") from None

    names: list[str] = []
    parents: list[int] = []
    offsets: list[tuple[float, float, float]] = []
    rot_cols: list[np.ndarray] = []
    rot_axes: list[str] = []
    pos_cols: list[np.ndarray | None] = []
    end_sites: list[tuple[int, tuple[float, float, float]]] = []
    column = 0

    def visit(joint, parent: int) -> None:
        nonlocal column
        me = len(names)
        names.append(joint.Name)
        parents.append(parent)
        offsets.append(tuple(float(v) for v in joint.Offset))
        rc, axes, pc = [], "", {}
        for ch in joint.Channels:
            kind = ch[1:].lower()
            if kind == "rotation":
                rc.append(column)
                axes += ch[0].upper()
            elif kind == "position":
                pc[ch[0].upper()] = column
            column += 1
        rot_cols.append(np.asarray(rc, dtype=np.int64))
        rot_axes.append(axes)
        pos_cols.append(np.asarray([pc["X"], pc["Y"], pc["Z"]]) if len(pc) == 3 else None)
        if not joint.Children:
            end_sites.append((me, tuple(float(v) for v in joint.EndSite)))
        for child in joint.Children:
            visit(child, me)

    visit(container.Root, -1)
    num_real = len(names)
    for parent, off in end_sites:
        names.append(f"{names[parent]}_End")
        parents.append(parent)
        offsets.append(off)
        rot_cols.append(np.zeros(0, dtype=np.int64))
        rot_axes.append("")
        pos_cols.append(None)

    motion = _read_motion(p, container.FrameCount, column)
    return BvhData(
        path=str(p),
        names=names,
        parents=np.asarray(parents, dtype=np.int64),
        offsets=np.asarray(offsets, dtype=np.float64),
        rotation_columns=rot_cols,
        rotation_axes=rot_axes,
        position_columns=pos_cols,
        frame_time=float(container.FrameTime),
        motion=motion,
        num_real_joints=num_real,
    )


def _check_structure(path: Path) -> None:
    """Reject files bvhio would choke on: its parser reads past the end of a malformed file forever."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc})") from None
    head, sep, _ = text.partition("MOTION")
    problems = []
    if not text.lstrip().startswith("HIERARCHY"):
        problems.append("it does not start with HIERARCHY")
    if not sep or not re.search(r"^\s*Frames:\s*\d+", text, re.MULTILINE) or "Frame Time:" not in text:
        problems.append("no MOTION section with 'Frames:' and 'Frame Time:'")
    if head.count("{") != head.count("}") or "ROOT" not in head:
        problems.append("its HIERARCHY has no ROOT or unbalanced braces")
    if problems:
        raise UserError(f"{path}: not a BVH file ({'; '.join(problems)})")


def _read_motion(path: Path, frames: int, channels: int) -> np.ndarray:
    text = path.read_text(errors="replace")
    m = re.search(r"^\s*Frame Time:[^\n]*\n", text, flags=re.MULTILINE)
    if m is None:
        raise UserError(f"{path}: no 'Frame Time:' line in the MOTION section")
    try:
        values = np.array(text[m.end() :].split(), dtype=np.float64)
    except ValueError:
        raise UserError(f"{path}: the MOTION section holds non-numeric values") from None
    if channels == 0 or values.size % channels != 0:
        raise UserError(f"{path}: {values.size} motion values is not a multiple of the {channels} channels")
    motion = values.reshape(-1, channels)
    if motion.shape[0] < frames:
        raise UserError(f"{path}: 'Frames: {frames}' but only {motion.shape[0]} motion rows")
    return motion[:frames]


def _axis_rotation(axis: str, angle: np.ndarray) -> np.ndarray:
    """(N,) radians -> (N, 3, 3) rotation matrices about a coordinate axis."""
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(c), np.zeros_like(c)
    if axis == "X":
        m = [one, zero, zero, zero, c, -s, zero, s, c]
    elif axis == "Y":
        m = [c, zero, s, zero, one, zero, -s, zero, c]
    else:
        m = [c, -s, zero, s, c, zero, zero, zero, one]
    return np.stack(m, axis=-1).reshape(angle.shape + (3, 3))


def forward_kinematics(bvh: BvhData, root_offset: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """World positions (N, J, 3) of every joint and end site, file units and axes, and world rotations
    (N, J, 3, 3) of their frames.

    Standard BVH: a joint's rotation channels apply in the listed order (intrinsic, R = R_c1 R_c2 R_c3);
    position channels are added to the joint's OFFSET when root_offset (bvhio replaces the OFFSET with them,
    a constant shift for files whose ROOT OFFSET is not zero)."""
    n = bvh.num_frames
    nj = len(bvh.names)
    pos = np.zeros((n, nj, 3))
    rot = np.zeros((n, nj, 3, 3))
    radians = np.radians(bvh.motion)
    for j in range(nj):
        local = np.broadcast_to(np.eye(3), (n, 3, 3))
        for col, axis in zip(bvh.rotation_columns[j], bvh.rotation_axes[j]):
            local = local @ _axis_rotation(axis, radians[:, col])
        offset = np.broadcast_to(bvh.offsets[j], (n, 3))
        cols = bvh.position_columns[j]
        if cols is not None:
            offset = offset + bvh.motion[:, cols] if root_offset else bvh.motion[:, cols]
        p = bvh.parents[j]
        if p < 0:
            pos[:, j] = offset
            rot[:, j] = local
        else:
            pos[:, j] = pos[:, p] + np.einsum("nij,nj->ni", rot[:, p], offset)
            rot[:, j] = rot[:, p] @ local
    return pos, rot


def evaluate_point(point: Point, bvh: BvhData, pos: np.ndarray, rot: np.ndarray, unit_m: float) -> np.ndarray:
    """A mapping-table point for every frame, (N, 3) file units."""
    out = sum(w * pos[:, bvh.index(name)] for name, w in point.weights)
    if point.frame is not None:
        out = out + rot[:, bvh.index(point.frame)] @ (np.asarray(point.offset_m) / unit_m)
    return out


def to_world(x: np.ndarray, unit_m: float) -> np.ndarray:
    """File units, y up -> metres, z up."""
    return (x * unit_m) @ Y_UP_TO_Z_UP.T


def map_to_h36m(bvh: BvhData, flavour: BvhFlavour) -> tuple[np.ndarray, np.ndarray]:
    """(17 joints (N, 17, 3), toes (N, 2, 3) left/right), metres, z up, as the mapping table places them
    (segment lengths not yet conformed)."""
    pos, rot = forward_kinematics(bvh)
    joints = np.stack(
        [evaluate_point(flavour.points[n], bvh, pos, rot, flavour.unit_m) for n in JOINT_NAMES], 1
    )
    toes = np.stack([pos[:, bvh.index(n)] for n in flavour.toes], 1)
    return to_world(joints, flavour.unit_m), to_world(toes, flavour.unit_m)


# ----------------------------------------------------------------------------------------------------------
# 17-joint geometry


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


def h36m_like_lengths(x: np.ndarray, subject_specific: bool) -> tuple[np.ndarray, float]:
    """Segment lengths (16,) for a clip (N, 17, 3) and its scale against Human3.6M S1. The scale is the
    clip's limb length (thigh + shin + upper arm + forearm, both sides) over Human3.6M's; every segment gets
    Human3.6M's length times it, except that a subject-specific rig keeps its own limbs, left/right
    averaged."""
    native = np.median(segment_lengths(x), axis=0)
    symmetric = (native + native[MIRROR_SEGMENT]) / 2
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
    (ankle height + leg + trunk + neck and head). Human3.6M S1: 1.70 m."""
    return float(ANKLE_HEIGHT + np.asarray(lengths)[_HEIGHT_CHAIN].sum())


def upright_head_height(x: np.ndarray) -> float:
    """Observed head joint height (m) of a clip (N, 17, 3) with the floor at z = 0 when upright: the 90th
    percentile over the frames with a foot on the floor (walking posture: a few cm below standing_height)."""
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


# ----------------------------------------------------------------------------------------------------------
# One clip


@dataclass
class MocapClip:
    """One converted motion: Human3.6M-17 joint positions, world metres, z up, floor at z = 0."""

    subject: str  # CMU subject number, two digits ('09', '131')
    clip: str  # CMU trial id ('09_01')
    positions: np.ndarray  # (N, 17, 3) float32
    fps: float = TARGET_FPS
    description: str = ""
    flavour: str = ""
    source: str = ""  # the BVH path it came from (relative to the converted folder)
    info: dict = field(default_factory=dict)  # conversion facts: source fps/frames, dropped frames, checks

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])


_TRIAL = re.compile(r"(\d+)_(\d+)")


def clip_ids(path: str | Path) -> tuple[str, str]:
    """(subject, clip) from a CMU-style file name: '09_01.bvh' -> ('09', '09_01'), iClone '001_08.bvh' ->
    ('01', '01_08'), '60_01_scaled.bvh' -> ('60', '60_01'). Other names: (parent folder name, file stem)."""
    p = Path(path)
    m = _TRIAL.search(p.stem)
    if m:
        subject = f"{int(m.group(1)):02d}"
        return subject, f"{subject}_{int(m.group(2)):02d}"
    return _safe(p.parent.name or "unknown"), _safe(p.stem)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def identify(bvh: BvhData) -> BvhFlavour:
    """The BVH flavour of a parsed file; UserError naming the known flavours if it is none of them."""
    offsets = {n: bvh.offsets[i] for i, n in enumerate(bvh.names)}
    flavour = detect_flavour(offsets)
    if flavour is None:
        shown = ", ".join(bvh.names[: min(12, bvh.num_real_joints)])
        raise UserError(
            f"{bvh.path}: unknown BVH flavour ({bvh.num_real_joints} joints: {shown}, ...); "
            f"known flavours: {describe_flavours()}"
        )
    return flavour


def convert_bvh(
    path: str | Path,
    fps: float = TARGET_FPS,
    description: str = "",
    max_glitch_fraction: float = MAX_GLITCH_FRACTION,
) -> MocapClip:
    """Read a BVH file of a known flavour and convert it to a MocapClip: mapped to the 17 joints, leading
    T-pose / blend-in frames dropped, resampled to `fps`, segment lengths conformed (constant, symmetric,
    Human3.6M-like), floor at z = 0. UserError for unknown flavours and broken motion."""
    bvh = read_bvh(path)
    flavour = identify(bvh)
    header_fps = bvh.fps
    src_fps = flavour.fps_fix.get(header_fps, header_fps)
    x, toes = map_to_h36m(bvh, flavour)
    drop = leading_frames_to_drop(x, src_fps, flavour.leading_tpose)
    x, toes = x[drop:], toes[drop:]
    if len(x) < 2:
        raise UserError(f"{path}: fewer than 2 frames of motion")
    speeds = joint_speeds(x, src_fps)
    glitch = float(np.mean(speeds > GLITCH_SPEED))
    if glitch > max_glitch_fraction:
        raise UserError(
            f"{path}: {100 * glitch:.0f}% of frame steps move a joint faster than {GLITCH_SPEED:g} m/s "
            f"(broken motion data); skipped"
        )
    left_ok, nose_ok = facing_checks(x, toes)
    lengths, scale = h36m_like_lengths(x, flavour.subject_specific)
    y = conform_segments(resample(x, src_fps, fps), lengths)
    j = JOINT_INDEX
    floor = np.percentile(np.minimum(y[:, j["left_ankle"], 2], y[:, j["right_ankle"], 2]), 1) - ANKLE_HEIGHT
    y[..., 2] -= floor
    subject, clip = clip_ids(path)
    info = {
        "source_fps": src_fps,
        "header_fps": header_fps,
        "source_frames": bvh.num_frames,
        "dropped_leading_frames": int(drop),
        "glitch_fraction": glitch,
        "left_right_consistency": left_ok,
        "nose_forward_fraction": nose_ok,
        "scale_vs_h36m": scale,
        "standing_height_m": standing_height(lengths),
        "upright_head_height_m": upright_head_height(y),
        "segment_lengths_m": [float(v) for v in lengths],
        "converter_version": CONVERTER_VERSION,
    }
    return MocapClip(
        subject, clip, y.astype(np.float32), float(fps), description, flavour.name, str(path), info
    )


# ----------------------------------------------------------------------------------------------------------
# The npz cache: one file per clip


def save_clip(clip: MocapClip, folder: str | Path) -> Path:
    """Write <folder>/<clip>.npz atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{_safe(clip.clip)}.npz"
    tmp = folder / f".{out.name}.tmp"
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            positions=clip.positions.astype(np.float32),
            subject=clip.subject,
            clip=clip.clip,
            description=clip.description,
            fps=np.float64(clip.fps),
            flavour=clip.flavour,
            source=clip.source,
            info=json.dumps(clip.info),
        )
    os.replace(tmp, out)
    return out


def load_clip(path: str | Path) -> MocapClip:
    """Read one clip npz. Only 'positions' (N, 17, 3) is required (other converters' npz files load too):
    subject and clip default to the file name's CMU ids, fps to 50."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            pos = np.asarray(z["positions"], dtype=np.float32)
            subject, clip = clip_ids(p)
            text = {
                k: str(z[k]) for k in ("subject", "clip", "description", "flavour", "source") if k in z.files
            }
            fps = float(z["fps"]) if "fps" in z.files else TARGET_FPS
            info = json.loads(str(z["info"])) if "info" in z.files else {}
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(
            f"{p}: not a converted mocap clip ({exc}); make one with `diffhpe data mocap`"
        ) from None
    if pos.ndim != 3 or pos.shape[1:] != (17, 3):
        raise UserError(f"{p}: positions of shape {pos.shape}; expected (N, 17, 3)")
    text = {"subject": subject, "clip": clip, **text}
    return MocapClip(positions=pos, fps=fps, info=info, **text)


def load_clips(folder: str | Path) -> list[MocapClip]:
    """Every converted clip of a folder (its *.npz), sorted by clip id."""
    p = Path(folder)
    if not p.is_dir():
        raise UserError(f"{p}: no such folder; convert BVH files into it with `diffhpe data mocap SRC {p}`")
    files = sorted(p.glob("*.npz"))
    if not files:
        raise UserError(
            f"{p}: no converted clips (*.npz); convert BVH files with `diffhpe data mocap SRC {p}`"
        )
    return sorted((load_clip(f) for f in files), key=lambda c: c.clip)


# ----------------------------------------------------------------------------------------------------------
# Whole folders (the `diffhpe data mocap` command)


def read_descriptions(paths: list[Path]) -> dict[str, str]:
    """Clip id -> motion description from description files: CSV tables with 'Subject', 'Trial #' and
    'Motion Description' columns (IClone-CMU-Mocap's 'CMU data.csv'), markdown tables with a 'file' and a
    '... description' column (the ORIGIN.md files of the shared data), and text indexes with lines
    '<subject>_<trial> <description>' (B. Hahne's cmu-mocap-index-text.txt)."""
    import csv

    out: dict[str, str] = {}
    for p in paths:
        try:
            text = p.read_text(errors="replace")
        except OSError:
            continue
        if p.suffix.lower() == ".csv":
            rows = csv.DictReader(text.splitlines())
            for row in rows:
                try:
                    subject, trial = int(row["Subject"]), int(row["Trial #"])
                except (KeyError, TypeError, ValueError):
                    break
                out.setdefault(f"{subject:02d}_{trial:02d}", (row.get("Motion Description") or "").strip())
        elif p.suffix.lower() == ".md":
            columns: list[str] | None = None
            for line in text.splitlines():
                cells = (
                    [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
                )
                if cells is None:
                    columns = None
                elif columns is None:
                    low = [c.lower() for c in cells]
                    if "file" in low and any("description" in c for c in low):
                        columns = low
                elif len(cells) == len(columns) and not set(cells[0]) <= set("-: "):
                    desc = cells[next(i for i, c in enumerate(columns) if "description" in c)]
                    name = cells[columns.index("file")]
                    if name.lower().endswith(".bvh"):
                        out.setdefault(clip_ids(name)[1], desc)
        else:
            for line in text.splitlines():
                m = re.match(r"^\s*(\d+)_(\d+)\s+(.+?)\s*$", line)
                if m:
                    out.setdefault(f"{int(m.group(1)):02d}_{int(m.group(2)):02d}", m.group(3))
    return out


def find_description_files(root: Path) -> list[Path]:
    if root.is_file():
        return []
    pats = ("*.csv", "*.md", "*index*.txt")
    return sorted({f for pat in pats for f in root.rglob(pat) if f.is_file()})


@dataclass
class ConversionReport:
    converted: list[MocapClip] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # clip files already up to date
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0


def _up_to_date(out: Path, source: str) -> bool:
    try:
        with np.load(out, allow_pickle=False) as z:
            info = json.loads(str(z["info"]))
            return str(z["source"]) == source and info.get("converter_version") == CONVERTER_VERSION
    except (OSError, ValueError, KeyError):
        return False


def _convert_one(args: tuple[str, str, str, float, float]) -> MocapClip | tuple[str, str]:
    path, source, description, fps, max_glitch = args
    try:
        clip = convert_bvh(path, fps=fps, description=description, max_glitch_fraction=max_glitch)
    except UserError as exc:
        return path, str(exc)
    clip.source = source
    return clip


def convert_folder(
    src: str | Path,
    dst: str | Path,
    fps: float = TARGET_FPS,
    overwrite: bool = False,
    jobs: int = 1,
    description_files: list[str | Path] | None = None,
    max_glitch_fraction: float = MAX_GLITCH_FRACTION,
    log: Callable[[str], None] | None = print,
) -> ConversionReport:
    """Convert every *.bvh under src (recursively; or src itself if it is a file) into dst/<clip>.npz.
    Unknown flavours and broken files are reported and skipped; clips already converted from the same source
    by this converter version are kept unless overwrite. Writes dst/manifest.json over all clips in dst."""
    t0 = time.perf_counter()
    src, dst = Path(src), Path(dst)
    if not src.exists():
        raise UserError(f"{src}: no such file or folder (expected a folder of BVH files)")
    files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.suffix.lower() == ".bvh")
    if not files:
        raise UserError(f"{src}: no .bvh files found")
    if dst.exists() and not dst.is_dir():
        raise UserError(f"{dst}: exists and is not a folder")
    base = src.parent if src.is_file() else src
    extra = [Path(p) for p in description_files or []]
    for p in extra:
        if not p.is_file():
            raise UserError(f"{p}: description file not found")
    descriptions = read_descriptions(find_description_files(src) + extra)
    log = log or (lambda _msg: None)
    report = ConversionReport()

    todo, seen = [], {}
    for f in files:
        _, clip = clip_ids(f)
        rel = f.relative_to(base).as_posix()
        if clip in seen:
            report.skipped.append((str(f), f"clip id {clip} already taken by {seen[clip]}"))
            log(f"skip {rel}: clip id {clip} already taken by {seen[clip]}")
            continue
        seen[clip] = rel
        out = dst / f"{_safe(clip)}.npz"
        if not overwrite and out.exists() and _up_to_date(out, rel):
            report.kept.append(clip)
            continue
        todo.append((str(f), rel, descriptions.get(clip, ""), float(fps), float(max_glitch_fraction)))

    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_convert_one, todo))
    else:
        results = [_convert_one(t) for t in todo]
    for args, result in zip(todo, results):
        if isinstance(result, MocapClip):
            save_clip(result, dst)
            report.converted.append(result)
            i = result.info
            log(
                f"{result.clip}: {args[1]} ({result.flavour}, {i['source_frames']} frames at "
                f"{i['source_fps']:g} Hz -> {result.num_frames} at {fps:g}, height {i['standing_height_m']:.2f} m)"
            )
        else:
            report.skipped.append(result)
            log(f"skip {args[1]}: {result[1]}")
    if report.converted or report.kept:
        write_manifest(dst)
    report.seconds = time.perf_counter() - t0
    return report


def summarize(clips: list[MocapClip]) -> dict:
    """Per-subject clip and frame counts, and mean segment lengths against Human3.6M S1."""
    subjects: dict[str, dict] = {}
    for c in clips:
        s = subjects.setdefault(c.subject, {"clips": 0, "frames": 0, "seconds": 0.0})
        s["clips"] += 1
        s["frames"] += c.num_frames
        s["seconds"] = round(s["seconds"] + c.num_frames / c.fps, 2)
    lengths = np.mean([segment_lengths(c.positions.astype(np.float64)).mean(0) for c in clips], axis=0)
    return {
        "clips": len(clips),
        "frames": int(sum(c.num_frames for c in clips)),
        "subjects": dict(sorted(subjects.items())),
        "mean_segment_lengths_m": {
            f"{JOINT_NAMES[p]}-{JOINT_NAMES[c]}": round(float(v), 4) for (p, c), v in zip(SEGMENTS, lengths)
        },
        "h36m_s1_segment_lengths_m": {
            f"{JOINT_NAMES[p]}-{JOINT_NAMES[c]}": float(v) for (p, c), v in zip(SEGMENTS, H36M_LENGTHS)
        },
    }


def write_manifest(folder: str | Path) -> dict:
    """folder/manifest.json: every clip (subject, frames, fps, description, flavour, source, checks) and the
    summary."""
    folder = Path(folder)
    clips = load_clips(folder)
    manifest = {
        "format": "one npz per clip: positions (N, 17, 3) float32 world metres, z up, floor z = 0, "
        "Human3.6M-17 joint order; subject, clip, description, fps, flavour, source, info (json)",
        "summary": summarize(clips),
        "clips": [
            {
                "clip": c.clip,
                "subject": c.subject,
                "frames": c.num_frames,
                "fps": c.fps,
                "description": c.description,
                "flavour": c.flavour,
                "source": c.source,
                **c.info,
            }
            for c in clips
        ],
    }
    tmp = folder / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, folder / "manifest.json")
    return manifest
