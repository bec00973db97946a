"""MediaPipe Pose (BlazePose GHUM, 33 landmarks) in video mode, converted to H36M-17: the offline default.

mediapipe==0.10.14 ships the pose models inside its wheel, so this works without a network.

One person only: BlazePose detects the most prominent person once, then tracks that person's region from
frame to frame with its own landmark-based ROI tracking, and runs the person detector again only when the
track is lost. So with several people in view it follows whoever it locked on to first and, when that person
leaves, whoever is most prominent then; it cannot be told which person to follow. Use the mmpose backend
(`select(point_xy)` / `target`) to choose among several people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np

from detectors.base import FrameTimer, bbox_of, check_frame
from detectors.layouts import blazepose_to_h36m
from lifting.errors import UserError
from lifting.keypoints import Keypoints2D

_MODEL_FILES = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}


class MediaPipePose:
    """`Detector` over `mp.solutions.pose.Pose(static_image_mode=False)`.

    Confidence is BlazePose's per-landmark visibility. The box spans all 33 landmarks (hands and feet
    included), clipped to the frame. Keypoints of body parts outside the frame are extrapolated by the model
    (they may lie outside the image) and usually come with a low confidence.
    """

    name = "mediapipe"

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        smooth_landmarks: bool = True,
    ) -> None:
        try:
            import mediapipe as mp
        except ImportError as e:  # pragma: no cover - mediapipe is a core dependency
            raise UserError(
                "the 'mediapipe' detector needs mediapipe==0.10.14 (pip install mediapipe==0.10.14)"
            ) from e
        if model_complexity not in _MODEL_FILES:
            raise UserError(f"model_complexity must be 0, 1 or 2, got {model_complexity!r}")
        model = Path(mp.__file__).parent / "modules" / "pose_landmark" / _MODEL_FILES[model_complexity]
        if not model.is_file():
            # Only the full model (1) ships in the wheel; mediapipe fetches the others on first use and, with
            # no network, dies inside its graph instead of raising.
            raise UserError(
                f"MediaPipe Pose model_complexity={model_complexity} needs {model.name}, which mediapipe "
                "downloads on first use (no network here?); model_complexity=1 ships with mediapipe"
            )
        self._cv2 = __import__("cv2")
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=model_complexity,
            smooth_landmarks=smooth_landmarks,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._timer = FrameTimer()
        self._last_size: tuple[int, int] | None = None

    @property
    def ms_per_frame(self) -> float:
        return self._timer.mean_ms

    def detect(self, frame_bgr: np.ndarray) -> Keypoints2D | None:
        frame_bgr = check_frame(frame_bgr)
        self._timer.start()
        h, w = frame_bgr.shape[:2]
        if self._last_size is not None and self._last_size != (w, h):
            self._pose.reset()  # the ROI tracked from the previous frame means nothing in another image size
        self._last_size = (w, h)
        result = self._pose.process(self._cv2.cvtColor(frame_bgr, self._cv2.COLOR_BGR2RGB))
        if result.pose_landmarks is None:
            self._timer.stop()
            return None
        lm = result.pose_landmarks.landmark
        xy33 = np.array([(p.x * w, p.y * h) for p in lm], np.float64)  # (33, 2) pixels
        vis33 = np.clip(np.array([p.visibility for p in lm], np.float32), 0.0, 1.0)  # (33,)
        xy, conf = blazepose_to_h36m(xy33, vis33)
        ms = self._timer.stop()
        return Keypoints2D(
            xy=xy, confidence=conf, bbox=bbox_of(xy33, (w, h)), image_size=(w, h), detector_ms=ms
        )

    def reset(self) -> None:
        self._pose.reset()
        self._last_size = None

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
