"""Real-time playback with a detector slower than the video: late frames are interpolated, none dropped."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.gui.detect_gaps import DetectionGaps
from app.gui.events import Events
from app.gui.frame_queues import FramePacket, FrameQueue, Mailbox
from app.gui.pipeline import CaptureThread
from lifting.keypoints import Keypoints2D, fill_undetected, interpolate_keypoints

SIZE = (64, 48)


def kp(value: float, conf: float = 0.9) -> Keypoints2D:
    """Keypoints whose every coordinate is `value` (so interpolation can be read off)."""
    return Keypoints2D(
        xy=np.full((17, 2), float(value)),
        confidence=np.full(17, conf, np.float32),
        bbox=np.full(4, float(value)),
        image_size=SIZE,
    )


def packet(index: int, keypoints=None) -> FramePacket:
    return FramePacket(index, index / 60, np.zeros((2, 2, 3), np.uint8), 1.0, keypoints, 0.0, 0.0)


def test_interpolation_is_linear_keeps_the_lower_confidence_and_refuses_a_missing_side():
    a, b = kp(10.0, conf=0.9), kp(20.0, conf=0.4)
    b.confidence[3] = 0.95
    mid = interpolate_keypoints(a, b, 0.25)
    assert np.allclose(mid.xy, 12.5) and np.allclose(mid.bbox, 12.5)
    assert mid.confidence[0] == pytest.approx(0.4) and mid.confidence[3] == pytest.approx(0.9)
    assert interpolate_keypoints(a, None, 0.5) is None and interpolate_keypoints(None, b, 0.5) is None
    other_size = Keypoints2D(b.xy, b.confidence, b.bbox, (48, 64))
    assert interpolate_keypoints(a, other_size, 0.5) is None


def test_fill_undetected_interpolates_between_detections_only():
    out = fill_undetected({1: kp(1.0), 4: kp(4.0), 6: None}, 8)
    assert out[0] is None  # before the first detection
    assert [float(o.xy[0, 0]) for o in out[1:5]] == pytest.approx([1.0, 2.0, 3.0, 4.0])
    assert out[5] is None and out[6] is None  # towards a frame where nobody was seen
    assert out[7] is None  # after the last detection


def test_gaps_hold_frames_and_resolve_them_in_order_by_index():
    gaps = DetectionGaps(max_gap=3)
    assert not gaps.tracking
    assert [p.index for p in gaps.resolve(packet(0, kp(0.0)))] == [0]
    assert gaps.tracking
    gaps.hold(packet(1), np.zeros(1))
    gaps.hold(packet(3), np.zeros(1))  # frame 2 was skipped: 3 is still placed by its index
    out = gaps.resolve(packet(4, kp(40.0)))
    assert [p.index for p in out] == [1, 3, 4]
    assert [float(p.keypoints.xy[0, 0]) for p in out] == pytest.approx([10.0, 30.0, 40.0])
    assert gaps.interpolated == 2 and gaps.pending == 0


def test_a_full_gap_refuses_more_and_a_flush_detects_the_newest_held_frame():
    gaps = DetectionGaps(max_gap=2)
    gaps.resolve(packet(0, kp(0.0)))
    first, second = np.ones(1), np.full(1, 2.0)
    gaps.hold(packet(1), first)
    gaps.hold(packet(2), second)
    assert gaps.full
    with pytest.raises(RuntimeError):
        gaps.hold(packet(3), first)
    newest, image = gaps.take_newest()
    assert newest.index == 2 and image is second
    newest.keypoints = kp(2.0)
    assert [float(p.keypoints.xy[0, 0]) for p in gaps.resolve(newest)] == pytest.approx([1.0, 2.0])
    gaps.hold(packet(3), first)
    gaps.clear()  # a seek: nothing held, and no interpolation from before it
    assert gaps.pending == 0 and not gaps.tracking
    assert gaps.take_newest() is None


class _CountingSource:
    """A 60 fps 'file' of `n` frames whose pixels hold their frame number."""

    is_file = True
    fps = 60.0
    name = "counting"

    def __init__(self, n: int):
        self.n, self.position, self.frame_count = n, 0, n

    def read(self):
        if self.position >= self.n:
            return None
        i = self.position
        self.position += 1
        return i, np.full((48, 64, 3), i, np.uint8)

    def skip(self, n: int) -> int:
        done = min(n, self.n - self.position)
        self.position += done
        return done

    def seek(self, index: int) -> None:
        self.position = index

    def release(self) -> None:
        pass


class _SlowDetector:
    """Takes 40 ms a frame (2.4 frame periods at 60 fps) and 'finds' the frame number as every coordinate."""

    def __init__(self):
        self.calls = 0

    def detect(self, frame):
        self.calls += 1
        time.sleep(0.04)
        return kp(float(frame[0, 0, 0]))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_real_time_playback_with_a_slow_detector_interpolates_instead_of_dropping():
    n = 60
    detector = _SlowDetector()
    lift_queue = FrameQueue(max_frames=10 * n)
    capture = CaptureThread(
        _CountingSource(n),
        "slow",
        lift_queue,
        Mailbox(),
        Events(),
        realtime=True,
        detector_factory=lambda name: detector,
    )
    capture.start()
    try:
        capture.play()
        deadline = time.perf_counter() + 30
        while not capture.at_end and time.perf_counter() < deadline:
            time.sleep(0.02)
        assert capture.at_end
    finally:
        capture.stop()
    packets = []
    while (item := lift_queue.get(timeout=0.01)) is not None:
        if isinstance(item, FramePacket):
            packets.append(item)
    # every frame reached the lifter, in order, none skipped
    assert [p.index for p in packets] == list(range(n)) and capture.skipped == 0
    # most were not detected (the detector is 2.4x slower than the video) but interpolated between the
    # detections on either side, which here recovers each frame's own number exactly
    assert capture.gaps.interpolated >= n // 3 and detector.calls <= n - n // 3 + 1
    assert all(p.keypoints is not None and np.allclose(p.keypoints.xy, p.index) for p in packets)
    assert capture.processed == n
