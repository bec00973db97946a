"""BVH export (Blender, Unity, MotionBuilder): the H36M-17 skeleton with constant bone lengths and joint
rotations by inverse kinematics, written with bvhio.

Skeleton: the 17 joints under their H36M names, plus four zero-length joints where a joint has several
children, so that every bone gets its own rotation: `right_pelvis` / `left_pelvis` (at the pelvis, turning
the pelvis -> hip bones) and `left_clavicle` / `right_clavicle` (at the thorax, turning the thorax -> shoulder
bones). Bone lengths: each bone's median over the clip. Rest pose (all rotations zero): standing upright,
facing +Z, arms stretched out sideways (T-pose), the person's left at +X.

Rotations (the twist of a limb about its own axis cannot be seen in 17 points, so one convention is used):
- pelvis (the root) and thorax take a full frame: Y along pelvis -> spine (thorax -> neck), X along the
  right -> left hip (right -> left shoulder) axis made perpendicular to Y; the whole body's heading and the
  upper body's twist live there.
- every other joint takes the shortest-arc rotation, in its parent's frame, from its bone's rest direction
  to the observed direction (no twist about the bone); a bone exactly opposite its rest direction turns
  about its parent's Z axis (or X when that is the bone's axis).
- the five end joints (ankles, wrists, head) keep their parent's frame; their End Sites are fixed stubs
  (a 10 cm foot forward, an 8 cm hand along the forearm, 10 cm above the head).
So forward kinematics gives every bone's observed direction at its median length: the input positions
exactly when the clip's bone lengths are constant, else within the length changes along the chain.

Axes and units: Y up, centimetres (Blender's BVH importer scales by 0.01 for metres), the world of
`world.to_world` (floor at Y = 0, origin below the first frame's pelvis). Channels: the root has
Xposition Yposition Zposition Zrotation Xrotation Yrotation, the others Zrotation Xrotation Yrotation (the
CMU order: R = Rz Rx Ry). Frame Time = 1 / the video's frame rate. Its root OFFSET is zero, so readers that
add the position channels to it (most) and readers that replace it (bvhio) agree."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting import skeleton
from lifting.errors import UserError
from lifting.export import atomic_write
from lifting.skeleton import JOINT_INDEX, JOINT_NAMES

CM = 100.0  # BVH units per metre
_J = JOINT_INDEX

# BVH joints as (name, parent name, H36M joint it sits at, H36M bone (a, b) its rotation turns, rest direction
# of that bone in the joint's parent frame). Zero-length branch joints sit at the parent's position.
_UP, _DOWN, _LEFT, _RIGHT = (0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (-1.0, 0.0, 0.0)
BVH_JOINTS: tuple[tuple[str, str | None, str], ...] = (
    ("pelvis", None, "pelvis"),
    ("right_pelvis", "pelvis", "pelvis"),
    ("right_hip", "right_pelvis", "right_hip"),
    ("right_knee", "right_hip", "right_knee"),
    ("right_ankle", "right_knee", "right_ankle"),
    ("left_pelvis", "pelvis", "pelvis"),
    ("left_hip", "left_pelvis", "left_hip"),
    ("left_knee", "left_hip", "left_knee"),
    ("left_ankle", "left_knee", "left_ankle"),
    ("spine", "pelvis", "spine"),
    ("thorax", "spine", "thorax"),
    ("neck", "thorax", "neck"),
    ("head", "neck", "head"),
    ("left_clavicle", "thorax", "thorax"),
    ("left_shoulder", "left_clavicle", "left_shoulder"),
    ("left_elbow", "left_shoulder", "left_elbow"),
    ("left_wrist", "left_elbow", "left_wrist"),
    ("right_clavicle", "thorax", "thorax"),
    ("right_shoulder", "right_clavicle", "right_shoulder"),
    ("right_elbow", "right_shoulder", "right_elbow"),
    ("right_wrist", "right_elbow", "right_wrist"),
)
BVH_NAMES = tuple(n for n, _, _ in BVH_JOINTS)
# Rest direction of each H36M bone (parent -> child), by child joint.
REST_DIRECTION = {
    "right_hip": _RIGHT, "right_knee": _DOWN, "right_ankle": _DOWN,
    "left_hip": _LEFT, "left_knee": _DOWN, "left_ankle": _DOWN,
    "spine": _UP, "thorax": _UP, "neck": _UP, "head": _UP,
    "left_shoulder": _LEFT, "left_elbow": _LEFT, "left_wrist": _LEFT,
    "right_shoulder": _RIGHT, "right_elbow": _RIGHT, "right_wrist": _RIGHT,
}  # fmt: skip
END_SITES_CM = {
    "right_ankle": (0.0, 0.0, 10.0), "left_ankle": (0.0, 0.0, 10.0), "head": (0.0, 10.0, 0.0),
    "left_wrist": (8.0, 0.0, 0.0), "right_wrist": (-8.0, 0.0, 0.0),
}  # fmt: skip
# Joints with a full frame: (joint, bone along Y, (right, left) joints of the X axis).
_FRAMES = {
    "pelvis": ("spine", ("right_hip", "left_hip")),
    "thorax": ("neck", ("right_shoulder", "left_shoulder")),
}


@dataclass
class BvhMotion:
    """What is written: rest offsets (metres, parent frame), root trajectory and local rotations."""

    names: tuple[str, ...]
    parents: tuple[int, ...]  # index into names, -1 for the root
    offsets: np.ndarray  # (B, 3) metres
    root: np.ndarray  # (T, 3) metres, world
    local: np.ndarray  # (T, B, 3, 3) rotation of each joint in its parent's frame
    bone_lengths: np.ndarray  # (16,) metres, by H36M child joint 1..16
    fps: float


def bone_lengths(positions: np.ndarray) -> np.ndarray:
    """(T, 17, 3) -> (17,) median length of the bone ending at each joint over the frames (0 for the pelvis)."""
    out = np.zeros(len(JOINT_NAMES))
    out[[child for _, child in skeleton.SEGMENTS]] = np.median(skeleton.segment_lengths(positions), axis=0)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def shortest_arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotations (T, 3, 3) taking the unit vector a (3,) onto the unit vectors b (T, 3) about a x b; for b = -a,
    half a turn about Z (or X when a is along Z)."""
    axis = np.cross(a, b)  # (T, 3)
    s = np.linalg.norm(axis, axis=-1)
    c = b @ a
    k = np.zeros((len(b), 3, 3))  # cross-product matrices of the unit axis
    u = axis / np.maximum(s, 1e-12)[:, None]
    flip = (s < 1e-9) & (c < 0)
    if flip.any():
        u[flip] = (0.0, 0.0, 1.0) if abs(a[2]) < 0.9 else (1.0, 0.0, 0.0)
        s, c = np.where(flip, 0.0, s), np.where(flip, -1.0, c)
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -u[:, 2], u[:, 1], -u[:, 0]
    k = k - k.transpose(0, 2, 1)
    return np.eye(3) + s[:, None, None] * k + (1 - c)[:, None, None] * (k @ k)


def _body_frame(y: np.ndarray, x_hint: np.ndarray) -> np.ndarray:
    """(T, 3) Y direction and (T, 3) approximate X -> (T, 3, 3) rotations with columns X, Y, Z."""
    y = _unit(y)
    x = _unit(x_hint - np.sum(x_hint * y, axis=-1, keepdims=True) * y)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def solve(positions: np.ndarray, fps: float) -> BvhMotion:
    """Inverse kinematics of a clip (T, 17, 3), world metres, Y up, all joints finite (see the module
    docstring for the conventions)."""
    x = np.asarray(positions, dtype=np.float64)
    if x.ndim != 3 or x.shape[1:] != (17, 3) or len(x) == 0:
        raise UserError(f"positions must have shape (T, 17, 3), got {x.shape}")
    if not np.isfinite(x).all():
        raise UserError("the BVH writer needs every joint in every frame (fill the gaps first)")
    lengths = bone_lengths(x)
    index = {n: i for i, n in enumerate(BVH_NAMES)}
    parents = tuple(-1 if p is None else index[p] for _, p, _ in BVH_JOINTS)
    offsets = np.zeros((len(BVH_JOINTS), 3))
    for i, (name, parent, at) in enumerate(BVH_JOINTS):
        if parent is not None and at != BVH_JOINTS[parents[i]][2]:
            offsets[i] = lengths[_J[at]] * np.asarray(REST_DIRECTION[at])

    t = len(x)
    world = np.zeros((t, len(BVH_JOINTS), 3, 3))  # world rotation of each BVH joint
    local = np.zeros_like(world)
    for i, (name, parent, at) in enumerate(BVH_JOINTS):
        pw = np.broadcast_to(np.eye(3), (t, 3, 3)) if parent is None else world[:, parents[i]]
        if name in _FRAMES:
            up, (r, l) = _FRAMES[name]
            world[:, i] = _body_frame(x[:, _J[up]] - x[:, _J[at]], x[:, _J[l]] - x[:, _J[r]])
            local[:, i] = pw.transpose(0, 2, 1) @ world[:, i]
            continue
        # the bone this joint turns: to the H36M joint of its only child
        child = [c for c, (_, p, _) in enumerate(BVH_JOINTS) if p == name]
        if not child:
            local[:, i] = np.eye(3)  # an end joint keeps its parent's frame
        else:
            target = BVH_JOINTS[child[0]][2]  # the H36M joint at the end of the bone (a branch's too)
            bone = x[:, _J[target]] - x[:, _J[at]]  # (T, 3)
            d = np.einsum("tji,tj->ti", pw, _unit(bone))  # the bone's direction in the parent frame
            local[:, i] = shortest_arc(np.asarray(REST_DIRECTION[target]), d)
        world[:, i] = pw @ local[:, i]
    return BvhMotion(BVH_NAMES, parents, offsets, x[:, _J["pelvis"]].copy(), local, lengths[1:], float(fps))


def forward_kinematics(motion: BvhMotion) -> np.ndarray:
    """(T, 17, 3) world metres of the H36M joints from a BvhMotion (the check of `solve`)."""
    t, b = motion.local.shape[:2]
    world = np.zeros((t, b, 3, 3))
    pos = np.zeros((t, b, 3))
    for i, p in enumerate(motion.parents):
        if p < 0:
            world[:, i], pos[:, i] = motion.local[:, i], motion.root
        else:
            world[:, i] = world[:, p] @ motion.local[:, i]
            pos[:, i] = pos[:, p] + world[:, p] @ motion.offsets[i]
    out = np.zeros((t, len(JOINT_NAMES), 3))
    for i, (_, _, at) in enumerate(BVH_JOINTS):
        out[:, _J[at]] = pos[:, i]
    return out


def to_container(motion: BvhMotion):
    """A bvhio BvhContainer of the motion (centimetres), ready for bvhio.writeBvh."""
    import bvhio
    import glm

    joints = []
    for i, name in enumerate(motion.names):
        j = bvhio.BvhJoint(name, glm.vec3(*(motion.offsets[i] * CM)))
        j.Channels = (["Xposition", "Yposition", "Zposition"] if motion.parents[i] < 0 else []) + [
            "Zrotation",
            "Xrotation",
            "Yrotation",
        ]
        if name in END_SITES_CM:
            j.EndSite = glm.vec3(*END_SITES_CM[name])
        # glm matrices are column-major: the 9 numbers are R's columns one after the other
        quats = [glm.quat_cast(glm.mat3(*r.T.ravel().tolist())) for r in motion.local[:, i]]
        root = motion.root * CM if motion.parents[i] < 0 else np.zeros_like(motion.root)
        j.Keyframes = [bvhio.Pose(glm.vec3(*p), q) for p, q in zip(root.tolist(), quats)]
        joints.append(j)
        if motion.parents[i] >= 0:
            joints[motion.parents[i]].Children.append(j)
    return bvhio.BvhContainer(joints[0], len(motion.root), 1.0 / motion.fps)


def write_bvh(path: str | os.PathLike, positions: np.ndarray, fps: float, digits: int = 6) -> Path:
    """Solve and write a clip (T, 17, 3), world metres, Y up, every joint finite, atomically."""
    if not (fps and np.isfinite(fps) and fps > 0):
        raise UserError(f"frame rate must be a positive number, got {fps!r}")
    import bvhio

    container = to_container(solve(positions, fps))

    def write(f):
        # bvhio writes to a path: write it in a private folder, then copy the bytes into the atomic file
        with tempfile.TemporaryDirectory(prefix="diffhpe-bvh-") as tmp:
            out = Path(tmp) / "out.bvh"
            bvhio.writeBvh(str(out), container, digits)
            f.write(out.read_bytes())

    return atomic_write(path, write)
