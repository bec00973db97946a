"""Records passed between the detectors, the lifter and the app."""

from __future__ import annotations

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
