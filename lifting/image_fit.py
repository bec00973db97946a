"""Pulling a lifted pose towards the rays of its 2D keypoints, keeping its bone lengths.

A lifter's output does not always reproject onto the 2D it was given: the shipped models, trained for hours on a
CPU rather than for days, lean towards the training set's common poses where the image says otherwise (on the
real-video reference the lifted hip line stays level while the detected one is tilted 20-37°). Every joint the
detector saw lies on the camera ray through its keypoint. `pull_to_rays` moves each such joint, at the depth the
lifter gave it, a fraction `amount` of the way to that ray, then rebuilds the pose outwards from the pelvis along
the new bone directions with the lifter's own bone lengths (a joint the detector did not see moves with its
parent), so the symmetry and the segment lengths stay the lifter's (the DiffHPE coherence) and only the
directions follow the image. The depth the image cannot give stays the lifter's.

Axes: camera frame, metres, x right, y down, z forward (OpenCV); the pinhole of `lifting.trajectory`."""

from __future__ import annotations

import numpy as np

from lifting.data.mocap_geometry import conform_segments
from lifting.skeleton import SEGMENTS, segment_lengths
from lifting.trajectory import intrinsics

MIN_JOINT_DEPTH_M = 0.1  # a joint nearer than this (a bad root) is left where the lifter put it


def pull_to_rays(
    pose: np.ndarray,
    root: np.ndarray,
    xy: np.ndarray,
    weights: np.ndarray,
    image_size: tuple[int, int],
    fov_deg: float,
    amount: float,
) -> tuple[np.ndarray, np.ndarray]:
    """pose (J, 3) root-relative, root (3,) the pelvis in the camera frame, xy (J, 2) pixels, weights (J,) (0: the
    joint was not seen) -> (pose (J, 3) root-relative, root (3,)): every seen joint moved `amount` (0..1) of the
    way from where it projects to its keypoint's ray at its own depth (an unseen joint moves with its parent),
    then the lifter's bone lengths restored along the new bone directions. Unchanged when the root is not a
    finite point in front of the camera."""
    pose = np.asarray(pose, np.float64)
    root = np.asarray(root, np.float64)
    if amount <= 0 or not (np.all(np.isfinite(root)) and root[2] > 0):
        return pose, root
    f, c = intrinsics(image_size, fov_deg)
    at = pose + root  # (J, 3) absolute, camera frame
    depth = at[:, 2:3]
    on_ray = (np.asarray(xy, np.float64) - c) / f * depth  # (J, 2): the ray's x, y at the joint's depth
    seen = (np.asarray(weights) > 0) & (depth[:, 0] > MIN_JOINT_DEPTH_M) & np.all(np.isfinite(on_ray), axis=1)
    at[:, :2] = np.where(seen[:, None], (1.0 - amount) * at[:, :2] + amount * on_ray, at[:, :2])
    for p, j in SEGMENTS:  # parents first: an unseen joint keeps its bone vector from its (moved) parent
        if not seen[j]:
            at[j] = at[p] + pose[j] - pose[p]
    return conform_segments(at - at[0], segment_lengths(pose)), at[0]

