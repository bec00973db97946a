"""One joint-mapping table per BVH flavour of the CMU motion capture data: how to recognise the flavour from
its joint names, its length unit, and where each of the 17 Human3.6M joints lies on its skeleton.

A point is an affine combination of BVH joint positions, plus an optional offset carried by one joint's
rotation (for the nose and the top of the head, which no BVH joint marks). In every flavour here the head
joint's local frame has y up and z forward (checked: the eyes of the Daz and iClone rigs sit at +y, +z of it).

The Human3.6M joints are placed like Human3.6M's: pelvis halfway between the hip joints (femur heads),
thorax halfway between the shoulders (Human3.6M's shoulders are lateral to its thorax), spine about halfway
up the back, "neck/nose" in front of the face, "head" at the top of the skull. Segment lengths are set after
the mapping (mocap_geometry.conform_segments), so a point only has to lie in the right direction from its
parent."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lifting.skeleton import JOINT_NAMES

# Offsets from the head joint, metres, in its local frame (y up, z forward): the nose sits ~4 cm above and
# ~9 cm in front of the top of the neck; the top of the skull ~18 cm above it.
NOSE_FROM_HEAD_JOINT = (0.0, 0.04, 0.09)
TOP_FROM_HEAD_JOINT = (0.0, 0.18, -0.01)


@dataclass(frozen=True)
class Point:
    """sum(w * position(joint)) over `weights` (weights sum to 1), plus `offset_m` (metres) rotated by the
    world rotation of joint `frame`."""

    weights: tuple[tuple[str, float], ...]
    offset_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    frame: str | None = None

    def joints(self) -> set[str]:
        return {n for n, _ in self.weights} | ({self.frame} if self.frame else set())


def at(name: str) -> Point:
    return Point(((name, 1.0),))


def mean(*names: str) -> Point:
    return Point(tuple((n, 1.0 / len(names)) for n in names))


def mix(**weights: float) -> Point:
    total = sum(weights.values())
    return Point(tuple((n, w / total) for n, w in weights.items()))


def local(name: str, offset_m: tuple[float, float, float]) -> Point:
    return Point(((name, 1.0),), offset_m, name)


@dataclass(frozen=True)
class BvhFlavour:
    name: str
    description: str
    signature: tuple[str, ...]  # joint names that must all be present
    unit_m: float  # metres per file unit
    points: dict[str, Point]  # Human3.6M joint name (skeleton.JOINT_NAMES) -> point on this skeleton
    left_leg: tuple[str, str]  # (knee, ankle) joints: their OFFSETs are the thigh and shin, to check the unit
    toes: tuple[str, str]  # (left, right) toe points, for the facing direction
    subject_specific: bool  # limb lengths are the subject's own (CMU ASF); else one rig for everyone
    leading_tpose: bool = False  # the converter prepended a T-pose and blended into the motion
    # Header frame rate -> true frame rate, where a converter wrote a wrong Frame Time.
    fps_fix: dict[float, float] = field(default_factory=dict)

    def __post_init__(self):
        missing = set(JOINT_NAMES) - set(self.points)
        if missing:
            raise ValueError(f"flavour {self.name}: no point for {sorted(missing)}")

    def joints(self) -> set[str]:
        out = set(self.signature) | set(self.left_leg) | set(self.toes)
        for p in self.points.values():
            out |= p.joints()
        return out


def _limbs(prefix_l: str, prefix_r: str, names: tuple[str, ...]) -> dict[str, Point]:
    """Hip, knee, ankle, shoulder, elbow, wrist for both sides from per-side joint suffixes."""
    hip, knee, ankle, shoulder, elbow, wrist = names
    out = {}
    for side, prefix in (("left", prefix_l), ("right", prefix_r)):
        out[f"{side}_hip"] = at(prefix + hip)
        out[f"{side}_knee"] = at(prefix + knee)
        out[f"{side}_ankle"] = at(prefix + ankle)
        out[f"{side}_shoulder"] = at(prefix + shoulder)
        out[f"{side}_elbow"] = at(prefix + elbow)
        out[f"{side}_wrist"] = at(prefix + wrist)
    return out


# cgspeed's "Daz/Poser-friendly" release (../cmu_mocap, 120 Hz, cm): one fixed figure for every subject; its
# first frame is a T-pose and the next ~4 frames blend from it into the motion.
_DAZ_POINTS = {
    "pelvis": mean("lThigh", "rThigh"),
    **_limbs("l", "r", ("Thigh", "Shin", "Foot", "Shldr", "ForeArm", "Hand")),
    "spine": mean("abdomen", "chest"),
    "thorax": mean("lCollar", "rCollar"),
    "neck": local("head", NOSE_FROM_HEAD_JOINT),
    "head": local("head", TOP_FROM_HEAD_JOINT),
}
_DAZ_SIGNATURE = (
    "hip",
    "abdomen",
    "chest",
    "neck",
    "head",
    "lCollar",
    "lShldr",
    "lForeArm",
    "lHand",
    "rCollar",
    "rShldr",
    "rForeArm",
    "rHand",
    "lButtock",
    "lThigh",
    "lShin",
    "lFoot",
    "rButtock",
    "rThigh",
    "rShin",
    "rFoot",
)

DAZ = BvhFlavour(
    name="daz43",
    description="43-joint Daz/Poser-friendly CMU release (cm, root 'hip')",
    signature=_DAZ_SIGNATURE,
    unit_m=0.01,
    points=_DAZ_POINTS,
    left_leg=("lShin", "lFoot"),
    toes=("lFoot_End", "rFoot_End"),
    subject_specific=False,
    leading_tpose=True,
)

# The same skeleton with every length times 1/128 (beemsoft's salsa files): 1 unit = 1.28 m.
DAZ_SCALED = BvhFlavour(
    name="daz43_scaled",
    description="43-joint Daz/Poser-friendly skeleton scaled by 1/128 (beemsoft salsa files)",
    signature=_DAZ_SIGNATURE,
    unit_m=1.28,
    points=_DAZ_POINTS,
    left_leg=("lShin", "lFoot"),
    toes=("lFoot_End", "rFoot_End"),
    subject_specific=False,
    leading_tpose=True,
)

# 31-joint conversion with the CMU ASF bone names (subject 16 here): the subject's own skeleton in CMU units
# (1/0.45 inch). The Frame Time says 30 Hz (the amc2bvh default) but the motion is CMU's 120 Hz capture: free
# fall during the jumps of 16_01 / 16_02 fits g only at 117-118 fps.
CMU31 = BvhFlavour(
    name="cmu31",
    description="31-joint CMU ASF bone names (CMU units of 0.056444 m, root 'hip')",
    signature=(
        "hip",
        "lhipjoint",
        "lfemur",
        "ltibia",
        "lfoot",
        "rfemur",
        "rtibia",
        "rfoot",
        "lowerback",
        "upperback",
        "thorax",
        "lowerneck",
        "upperneck",
        "head",
        "lclavicle",
        "lhumerus",
        "lradius",
        "lwrist",
        "rclavicle",
        "rhumerus",
        "rradius",
        "rwrist",
    ),
    unit_m=0.0254 / 0.45,
    points={
        "pelvis": mean("lfemur", "rfemur"),
        **_limbs("l", "r", ("femur", "tibia", "foot", "humerus", "radius", "wrist")),
        "spine": at("upperback"),
        "thorax": mean("lhumerus", "rhumerus"),
        "neck": local("head", NOSE_FROM_HEAD_JOINT),
        "head": local("head", TOP_FROM_HEAD_JOINT),
    },
    left_leg=("ltibia", "lfoot"),
    toes=("ltoes", "rtoes"),
    subject_specific=True,
    fps_fix={30.0: 120.0},
)

# cgspeed's 3ds Max-friendly release (bvh11's subject 131): CMU ASF skeleton in CMU units, renamed joints.
MAX31 = BvhFlavour(
    name="max31",
    description="31-joint 3ds Max-friendly CMU release (CMU units of 0.056444 m, root 'Hips')",
    signature=(
        "Hips",
        "LHipJoint",
        "LeftHip",
        "LeftKnee",
        "LeftAnkle",
        "RightHip",
        "RightKnee",
        "RightAnkle",
        "lowerback",
        "Chest",
        "Chest2",
        "Neck",
        "Head",
        "LeftCollar",
        "LeftShoulder",
        "LeftElbow",
        "LeftWrist",
        "RightCollar",
        "RightShoulder",
        "RightElbow",
        "RightWrist",
    ),
    unit_m=0.0254 / 0.45,
    points={
        "pelvis": mean("LeftHip", "RightHip"),
        **_limbs("Left", "Right", ("Hip", "Knee", "Ankle", "Shoulder", "Elbow", "Wrist")),
        "spine": at("Chest"),
        "thorax": mean("LeftShoulder", "RightShoulder"),
        "neck": local("Head", NOSE_FROM_HEAD_JOINT),
        "head": local("Head", TOP_FROM_HEAD_JOINT),
    },
    left_leg=("LeftKnee", "LeftAnkle"),
    toes=("LeftToe", "RightToe"),
    subject_specific=True,
)

# Character Creator "motion dummy" rig exported from iClone (60 Hz, cm): CMU motion retargeted onto one
# figure. Bone-local axes point along the bones (the all-zero pose is not a T-pose); the head joint's frame
# still has y up and z forward. No T-pose frame was found at the start of these files (frame 0 moves on
# like the rest), but one is dropped if present.
ICLONE = BvhFlavour(
    name="iclone100",
    description="100-joint iClone / Character Creator CC_Base rig (cm, root 'CC_Base_Hip')",
    signature=(
        "CC_Base_Hip",
        "CC_Base_Pelvis",
        "CC_Base_L_Thigh",
        "CC_Base_L_Calf",
        "CC_Base_L_Foot",
        "CC_Base_R_Thigh",
        "CC_Base_R_Calf",
        "CC_Base_R_Foot",
        "CC_Base_Waist",
        "CC_Base_Spine01",
        "CC_Base_Spine02",
        "CC_Base_Head",
        "CC_Base_L_Upperarm",
        "CC_Base_L_Forearm",
        "CC_Base_L_Hand",
        "CC_Base_R_Upperarm",
        "CC_Base_R_Forearm",
        "CC_Base_R_Hand",
    ),
    unit_m=0.01,
    points={
        "pelvis": mean("CC_Base_L_Thigh", "CC_Base_R_Thigh"),
        **_limbs("CC_Base_L_", "CC_Base_R_", ("Thigh", "Calf", "Foot", "Upperarm", "Forearm", "Hand")),
        "spine": mix(CC_Base_Spine01=0.3, CC_Base_Spine02=0.7),
        "thorax": mean("CC_Base_L_Upperarm", "CC_Base_R_Upperarm"),
        "neck": local("CC_Base_Head", NOSE_FROM_HEAD_JOINT),
        "head": local("CC_Base_Head", TOP_FROM_HEAD_JOINT),
    },
    left_leg=("CC_Base_L_Calf", "CC_Base_L_Foot"),
    toes=("CC_Base_L_ToeBase", "CC_Base_R_ToeBase"),
    subject_specific=False,
)

FLAVOURS: tuple[BvhFlavour, ...] = (DAZ, DAZ_SCALED, CMU31, MAX31, ICLONE)

# Thigh + shin, metres, of a plausible adult: how a flavour's unit is confirmed (Daz cm vs Daz / 128).
LEG_LENGTH_RANGE_M = (0.6, 1.2)


def detect_flavour(offsets: Mapping[str, Sequence[float]]) -> BvhFlavour | None:
    """The flavour whose joint names are all among the keys of `offsets` (joint name -> BVH OFFSET, file
    units) and whose unit makes the left thigh + shin a plausible adult leg; None if there is none."""
    for flavour in FLAVOURS:
        if not flavour.joints() <= set(offsets):
            continue
        leg = sum(math.dist(offsets[j], (0.0, 0.0, 0.0)) for j in flavour.left_leg) * flavour.unit_m
        if LEG_LENGTH_RANGE_M[0] <= leg <= LEG_LENGTH_RANGE_M[1]:
            return flavour
    return None


def describe_flavours() -> str:
    return "; ".join(f"{f.name}: {f.description}" for f in FLAVOURS)
