"""BVH files: reading, forward kinematics, and a flavour's 17 Human3.6M joints placed in our world frame.

bvhio parses the HIERARCHY (names, offsets, channels, end sites); the MOTION block is read with numpy and
forward kinematics is vectorised over frames (bvhio's per-frame `loadPose` gives the same positions,
`tests/mocap` checks it, but is much slower). Each BVH flavour has a mapping table in `bvh_skeletons`.

A BVH file's y-up frame is rotated by +90 degrees about x into our z-up world: (x, y, z) -> (x, -z, y)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting.data.bvh_skeletons import BvhFlavour, Point
from lifting.errors import UserError
from lifting.skeleton import JOINT_NAMES

# BVH (y up) -> our world (z up): (x, y, z) -> (x, -z, y), a proper rotation.
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


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
