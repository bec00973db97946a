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


def detect_video(
    video: str | Path, max_frames: int | None = None, detector: str = DEFAULT_DETECTOR, every: int = 1
) -> list:
    """Keypoints2D (None where nobody was seen) for each of the first `max_frames` frames of `video` (all of them
    when None), in one pass of the detector. With `every` > 1 only every `every`-th frame and the last one are
    detected and the frames in between interpolated, as the app does when the detector falls behind."""
    from app.video import open_video
    from lifting.keypoints import fill_undetected

    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    with open_video(video) as reader:
        running = start_detector(detector, reader.first_frame)
        try:
            if every == 1:
                return [running.detect(frame) for _, frame in itertools.islice(reader, max_frames)]
            detected, n, last = {}, 0, None
            for i, frame in itertools.islice(reader, max_frames):
                if i % every == 0:
                    detected[i] = running.detect(frame)
                n, last = i + 1, frame
            if n and n - 1 not in detected:
                detected[n - 1] = running.detect(last)
            return fill_undetected(detected, n)
        finally:
            running.close()
