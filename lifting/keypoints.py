"""Records passed between the detectors, the lifter and the app."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Keypoints2D:
    """One person's 2D keypoints in one frame, H36M-17 order."""

    xy: np.ndarray  # (17, 2) pixels
    confidence: np.ndarray  # (17,) in [0, 1]
    bbox: np.ndarray  # (4,) x0, y0, x1, y1 pixels
    image_size: tuple[int, int]  # (width, height)
    detector_ms: float = 0.0


@dataclass
class LiftResult:
    """The 3D output for one frame."""

    frame: int
    pose: np.ndarray  # (17, 3) root-relative, camera frame, metres (mean over hypotheses)
    std: np.ndarray  # (17,) per-joint std over hypotheses, metres
    mixste_pose: np.ndarray  # (17, 3) the frozen MixSTE's own prediction
    root: np.ndarray  # (3,) estimated pelvis position in the camera frame, metres
    root_reliable: bool
    confidence: np.ndarray  # (17,) 2D detector confidence
    person_seen: bool
    latency_frames: int
    lift_ms: float = 0.0
    extras: dict = field(default_factory=dict)


def interpolate_keypoints(a: Keypoints2D | None, b: Keypoints2D | None, t: float) -> Keypoints2D | None:
    """The keypoints a fraction t (0..1) of the way from detection `a` to detection `b` (for frames that were
    not detected): positions and box linear, each joint's confidence the lower of the two (a joint unsure on
    either side stays unsure). None when either side saw no person or the image size changed between them."""
    if a is None or b is None or tuple(a.image_size) != tuple(b.image_size):
        return None
    return Keypoints2D(
        xy=(1.0 - t) * a.xy + t * b.xy,
        confidence=np.minimum(a.confidence, b.confidence),
        bbox=(1.0 - t) * a.bbox + t * b.bbox,
        image_size=b.image_size,
        detector_ms=0.0,
    )


def fill_undetected(detected: dict[int, Keypoints2D | None], n: int) -> list[Keypoints2D | None]:
    """Keypoints for frames 0..n-1 from the detections of some of them (frame -> keypoints, None: nobody
    seen): the frames in between two detections interpolated, those before the first or after the last
    detection None."""
    out: list[Keypoints2D | None] = [None] * n
    done = sorted(i for i in detected if 0 <= i < n)
    for i in done:
        out[i] = detected[i]
    for a, b in itertools.pairwise(done):
        for i in range(a + 1, b):
            out[i] = interpolate_keypoints(detected[a], detected[b], (i - a) / (b - a))
    return out
