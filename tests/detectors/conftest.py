"""Fixtures for the detector tests: frames of the shared real videos (read in place with OpenCV).

Loaded by both environments: the main one (mediapipe) and .venv-mmpose (mmpose), so it imports neither."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

VIDEOS = Path(__file__).resolve().parents[3] / "shared" / "data" / "videos"

# The real mmpose tests run only inside .venv-mmpose; the main environment starts them (test_mmpose.py).
collect_ignore = [] if importlib.util.find_spec("mmpose") else ["mmpose_env"]


def iter_frames(name: str, count: int | None = None, start: int = 0, step: int = 1) -> Iterator[np.ndarray]:
    """BGR frames of /work/shared/data/videos/<name>.mp4: `count` frames from `start`, every `step`-th."""
    import cv2

    path = VIDEOS / f"{name}.mp4"
    if not path.is_file():
        pytest.fail(f"the shared video {path} is missing")
    cap = cv2.VideoCapture(str(path))
    try:
        if start:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        i = n = 0
        while count is None or n < count:
            ok, frame = cap.read()
            if not ok:
                break
            if i % step == 0:
                yield frame
                n += 1
            i += 1
    finally:
        cap.release()


@pytest.fixture(scope="session")
def video_frames() -> Callable[..., Iterator[np.ndarray]]:
    return iter_frames


def _side_by_side(left: np.ndarray, right: np.ndarray, height: int, right_scale: float = 1.0) -> np.ndarray:
    """Two frames scaled to `height` (the right one further by right_scale, bottom-aligned), side by side."""
    import cv2

    def fit(img: np.ndarray, h: int) -> np.ndarray:
        return cv2.resize(img, (round(img.shape[1] * h / img.shape[0]), h), interpolation=cv2.INTER_AREA)

    a = fit(left, height)
    b = fit(right, round(height * right_scale))
    out = np.zeros((height, a.shape[1] + b.shape[1], 3), np.uint8)
    out[:, : a.shape[1]] = a
    out[height - b.shape[0] :, a.shape[1] :] = b
    return out


@pytest.fixture(scope="session")
def side_by_side() -> Callable[..., np.ndarray]:
    return _side_by_side
