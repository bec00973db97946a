"""One BVH file of a known flavour -> a MocapClip: Human3.6M-17 joint positions in metres at 50 fps.

The converted world frame is Human3.6M's: **z up**, metres, the floor at z = 0 (estimated from the lowest
ankle), x/y horizontal. Segment lengths are conformed as `mocap_geometry` describes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lifting.data.bvh_reader import BvhData, map_to_h36m, read_bvh
from lifting.data.bvh_skeletons import BvhFlavour, describe_flavours, detect_flavour
from lifting.data.mocap_clips import TARGET_FPS, MocapClip, clip_ids
from lifting.data.mocap_geometry import (
    ANKLE_HEIGHT,
    conform_segments,
    facing_checks,
    h36m_like_lengths,
    joint_speeds,
    leading_frames_to_drop,
    resample,
    standing_height,
    upright_head_height,
)
from lifting.errors import UserError
from lifting.skeleton import JOINT_INDEX

CONVERTER_VERSION = 1
GLITCH_SPEED = 15.0  # m/s, root-relative joint speed no human limb reaches: a broken frame
MAX_GLITCH_FRACTION = 0.1  # clips with more broken frame steps than this are skipped


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
