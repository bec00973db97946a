"""2D pose detectors behind one interface, all returning H36M-17 keypoints with confidences.

det = create_detector("mediapipe")          # or "mmpose" (optional extra, its own venv)
kp = det.detect(frame_bgr)                  # Keypoints2D or None when nobody is in view
det.ms_per_frame; det.reset(); det.close()
"""

from detectors.base import Detector
from detectors.registry import DEFAULT_DETECTOR, available_detectors, create_detector, registered_detectors

__all__ = ["DEFAULT_DETECTOR", "Detector", "available_detectors", "create_detector", "registered_detectors"]
