"""The detector registry and the shared per-frame timer."""

from __future__ import annotations

import importlib.util
import time

import pytest

from detectors import DEFAULT_DETECTOR, available_detectors, create_detector, registered_detectors
from detectors.base import FrameTimer
from lifting.errors import UserError


def test_names():
    assert registered_detectors() == ["mediapipe", "mmpose"]
    assert DEFAULT_DETECTOR == "mediapipe"
    have = available_detectors()
    assert have[0] == "mediapipe" and set(have) <= {"mediapipe", "mmpose"}
    assert ("mmpose" in have) == (importlib.util.find_spec("mmpose") is not None)


def test_unknown_name_is_a_user_error():
    with pytest.raises(UserError, match="mediapipe, mmpose"):
        create_detector("openpose")


@pytest.mark.skipif(importlib.util.find_spec("mmpose") is not None, reason="mmpose is installed here")
def test_missing_backend_says_how_to_install():
    with pytest.raises(UserError, match="setup_mmpose.sh"):
        create_detector("mmpose")


def test_frame_timer_leaves_out_the_warm_up_frame():
    timer = FrameTimer()
    assert timer.mean_ms == 0.0
    for pause in (0.05, 0.005, 0.005):
        timer.start()
        time.sleep(pause)
        timer.stop()
    assert timer.frames == 3 and timer.first_ms >= 50
    assert 5 <= timer.mean_ms < 30 and timer.last_ms == pytest.approx(timer.mean_ms, rel=1.0)
