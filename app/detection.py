"""The 2D detector for the commands and the app: opened by name, started on a first frame, or run over a video."""

from __future__ import annotations

import itertools
from pathlib import Path

from detectors import DEFAULT_DETECTOR


def open_detector(name: str):
    """The detector `name` (detectors.create_detector), not yet run on a frame. Its backend is imported here, when
    it is asked for: the app's capture thread opens and switches detectors by name."""
    from detectors import create_detector

    return create_detector(name)


def start_detector(name: str, first_frame):
    """open_detector(name), started on the first frame with its start-up chatter silenced (that frame is then
    detected again as frame 0: harmless for a tracker)."""
    import warnings

    from app.video import quiet_native_stderr

    warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype")  # protobuf, via mediapipe
    with quiet_native_stderr():
        detector = open_detector(name)
        detector.detect(first_frame)
    return detector


def detect_video(video: str | Path, max_frames: int | None = None, detector: str = DEFAULT_DETECTOR) -> list:
    """Keypoints2D (None where nobody was seen) for each of the first `max_frames` frames of `video` (all of them
    when None), in one pass of the detector."""
    from app.video import open_video

    with open_video(video) as reader:
        running = start_detector(detector, reader.first_frame)
        try:
            return [running.detect(frame) for _, frame in itertools.islice(reader, max_frames)]
        finally:
            running.close()
