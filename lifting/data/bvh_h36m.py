"""BVH motion capture -> the H36M 17-joint skeleton: forward kinematics with bvhio, one joint table per BVH
flavour found in the CMU conversions, T-pose frame dropped, resampled to 50 fps, metres, world z up
(the H36M convention)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting.errors import UserError

TARGET_FPS = 50.0
CMU_UNIT_M = 0.056444  # one CMU ASF length unit in metres (1/0.45 inch)


@dataclass(frozen=True)
class Flavour:
    """Where each H36M joint sits in one BVH skeleton. Joints given as a tuple are averaged."""

    name: str
    signature: str  # a joint name only this flavour has
    scale: float  # file units -> metres (before any per-file rescale)
    tpose_first: bool
    pelvis: str
    right_leg: tuple[str, str, str]  # hip, knee, ankle
    left_leg: tuple[str, str, str]
    spine: tuple[str, ...]
    thorax: str
    head: str  # the head bone's start (top of the neck)
    left_arm: tuple[str, str, str]  # shoulder, elbow, wrist
    right_arm: tuple[str, str, str]


FLAVOURS: tuple[Flavour, ...] = (
    Flavour(
        "daz", "abdomen", 0.01, True, "hip", ("rThigh", "rShin", "rFoot"), ("lThigh", "lShin", "lFoot"),
        ("abdomen",), "neck", "head", ("lShldr", "lForeArm", "lHand"), ("rShldr", "rForeArm", "rHand"),
    ),
    Flavour(
        "cmu31", "lhipjoint", CMU_UNIT_M, False, "hip", ("rfemur", "rtibia", "rfoot"), ("lfemur", "ltibia", "lfoot"),
        ("upperback", "thorax"), "upperneck", "head", ("lhumerus", "lradius", "lwrist"), ("rhumerus", "rradius", "rwrist"),
    ),
    Flavour(
        "max31", "LHipJoint", CMU_UNIT_M, False, "Hips", ("RightHip", "RightKnee", "RightAnkle"),
        ("LeftHip", "LeftKnee", "LeftAnkle"), ("Chest", "Chest2"), "Neck", "Head",
        ("LeftShoulder", "LeftElbow", "LeftWrist"), ("RightShoulder", "RightElbow", "RightWrist"),
    ),
    Flavour(
        "iclone", "CC_Base_Hip", 0.01, True, "CC_Base_Hip", ("CC_Base_R_Thigh", "CC_Base_R_Calf", "CC_Base_R_Foot"),
        ("CC_Base_L_Thigh", "CC_Base_L_Calf", "CC_Base_L_Foot"), ("CC_Base_Spine02",), "CC_Base_NeckTwist01",
        "CC_Base_Head", ("CC_Base_L_Upperarm", "CC_Base_L_Forearm", "CC_Base_L_Hand"),
        ("CC_Base_R_Upperarm", "CC_Base_R_Forearm", "CC_Base_R_Hand"),
    ),
)  # fmt: skip

# Face and head-top points are not joints of these skeletons: they are placed from the neck, the head bone
# and the facing direction, at distances typical of H36M subjects (metres).
NOSE_UP, NOSE_FORWARD, HEAD_TOP_UP = 0.10, 0.09, 0.20


def detect_flavour(joint_names: list[str]) -> Flavour:
    names = set(joint_names)
    for f in FLAVOURS:
        if f.signature in names:
            return f
    raise UserError(
        "unknown BVH skeleton (expected the CMU Daz/cgspeed, CMU 31-joint, 3ds Max 31-joint or iClone CC_Base "
        f"flavour); its first joints are: {', '.join(joint_names[:6])}"
    )


def _positions(path: Path) -> tuple[np.ndarray, list[str], float]:
    """All joint world positions (N, K, 3) in file units, y up; joint names; frame time in seconds."""
    import bvhio

    try:
        root = bvhio.readAsHierarchy(str(path))
        bvh = bvhio.readAsBvh(str(path))
    except Exception as exc:  # bvhio raises plain exceptions on malformed files
        raise UserError(f"{path}: not a readable BVH file ({exc})") from None
    joints = [j for j, _, _ in root.layout()]
    names = [j.Name for j in joints]
    frames = bvh.FrameCount
    out = np.empty((frames, len(joints), 3), dtype=np.float64)
    for i in range(frames):
        root.loadPose(i)
        for k, j in enumerate(joints):
            p = j.PositionWorld
            out[i, k] = (p.x, p.y, p.z)
    return out, names, float(bvh.FrameTime)


def _to_h36m17(pos: np.ndarray, names: list[str], f: Flavour) -> np.ndarray:
    """(N, K, 3) y-up file positions -> (N, 17, 3) y-up, same units."""
    idx = {n: i for i, n in enumerate(names)}

    def p(*joint_names: str) -> np.ndarray:
        return np.mean([pos[:, idx[n]] for n in joint_names], axis=0)

    out = np.zeros((pos.shape[0], 17, 3))
    out[:, 0] = p(f.pelvis)
    out[:, 1:4] = np.stack([p(n) for n in f.right_leg], axis=1)
    out[:, 4:7] = np.stack([p(n) for n in f.left_leg], axis=1)
    out[:, 7] = p(*f.spine)
    out[:, 8] = p(f.thorax)
    out[:, 11:14] = np.stack([p(n) for n in f.left_arm], axis=1)
    out[:, 14:17] = np.stack([p(n) for n in f.right_arm], axis=1)
    head = p(f.head)
    return out, head


def _place_face(out: np.ndarray, head: np.ndarray, scale: float) -> None:
    """Fill neck/nose (9) and head top (10) from the head bone and the facing direction (y up)."""
    up_dir = head - out[:, 8]
    up_dir /= np.linalg.norm(up_dir, axis=-1, keepdims=True) + 1e-9
    left = (out[:, 4] - out[:, 1]) + (out[:, 11] - out[:, 14])
    forward = np.cross(left, up_dir)
    forward /= np.linalg.norm(forward, axis=-1, keepdims=True) + 1e-9
    out[:, 9] = out[:, 8] + (NOSE_UP * up_dir + NOSE_FORWARD * forward) / scale
    out[:, 10] = out[:, 8] + HEAD_TOP_UP * up_dir / scale


def resample(x: np.ndarray, fps_in: float, fps_out: float = TARGET_FPS) -> np.ndarray:
    """Linear interpolation in time of (N, ...) at fps_in to fps_out."""
    n = x.shape[0]
    if n < 2 or abs(fps_in - fps_out) < 1e-6:
        return x.copy()
    t_out = np.arange(0, (n - 1) / fps_in + 1e-9, 1 / fps_out)
    pos = t_out * fps_in
    i0 = np.clip(np.floor(pos).astype(int), 0, n - 2)
    w = (pos - i0).reshape(-1, *([1] * (x.ndim - 1)))
    return (1 - w) * x[i0] + w * x[i0 + 1]


def y_up_to_z_up(x: np.ndarray) -> np.ndarray:
    """(x, y, z) y-up -> (x, -z, y) z-up, a proper rotation (H36M's world convention)."""
    return np.stack([x[..., 0], -x[..., 2], x[..., 1]], axis=-1)


def convert_bvh(path: str | Path, extra_scale: float | None = None) -> dict:
    """One BVH file -> {'positions': (N, 17, 3) metres z up at 50 fps, 'fps', 'flavour', 'source_fps',
    'dropped_tpose'}."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"BVH file not found: {path}")
    pos, names, frame_time = _positions(path)
    f = detect_flavour(names)
    scale = f.scale
    if extra_scale is None:
        extra_scale = _guess_rescale(pos, names, f)
    scale *= extra_scale
    dropped = False
    if pos.shape[0] > 2 and (f.tpose_first or _looks_like_added_first_frame(pos, scale)):
        pos, dropped = pos[1:], True
    h17, head = _to_h36m17(pos, names, f)
    _place_face(h17, head, scale)
    metres = y_up_to_z_up(h17 * scale)
    source_fps = 1.0 / frame_time if frame_time > 0 else TARGET_FPS
    return {
        "positions": resample(metres, source_fps).astype(np.float32),
        "fps": TARGET_FPS,
        "flavour": f.name,
        "source_fps": source_fps,
        "dropped_tpose": dropped,
    }


def _guess_rescale(pos: np.ndarray, names: list[str], f: Flavour) -> float:
    """Files rescaled by their publisher (the salsa Daz files are 1/128 of the original): bring the leg
    length (hip-knee-ankle) to a human range."""
    idx = {n: i for i, n in enumerate(names)}
    hip, knee, ankle = (pos[:, idx[n]] for n in f.right_leg)
    leg = np.median(np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(knee - ankle, axis=-1)) * f.scale
    for factor in (1.0, 128.0, 100.0, 1 / 100.0, 1 / CMU_UNIT_M * 0.01):
        if 0.6 < leg * factor < 1.15:
            return factor
    raise UserError(f"cannot tell the units of this BVH file (leg length {leg:.3g} after the flavour's scale)")


def _looks_like_added_first_frame(pos: np.ndarray, scale: float) -> bool:
    """A converter-added first frame (T-pose) jumps away from the motion that follows."""
    jump = np.linalg.norm((pos[0] - pos[0, :1]) - (pos[1] - pos[1, :1]), axis=-1).mean() * scale
    step = np.linalg.norm((pos[2] - pos[2, :1]) - (pos[1] - pos[1, :1]), axis=-1).mean() * scale
    return jump > 0.05 and jump > 10 * max(step, 1e-4)
