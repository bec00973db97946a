"""PersonTracker: one identity across frames among several boxes (synthetic and from a real two-person clip)."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.tracking import PersonTracker, box_iou, pick_at_point


def box(cx: float, cy: float, w: float, h: float) -> np.ndarray:
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def test_box_iou():
    a = np.array([0, 0, 10, 10])
    np.testing.assert_allclose(
        box_iou(a, [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]]), [1, 50 / 150, 0]
    )


def test_starts_with_the_largest_and_keeps_it_through_a_crossing():
    """Two people walk past each other (boxes overlap mid-way), listed in random order: identity holds."""
    rng = np.random.default_rng(0)
    tracker = PersonTracker()
    for t in range(60):
        a = box(100 + 5 * t, 200, 80, 200)  # the larger one, walking right
        b = box(400 - 5 * t, 210, 70, 180)  # walking left; they cross at t = 30
        boxes, ids = [a, b], ["a", "b"]
        order = rng.permutation(2)
        i = tracker.update(np.stack([boxes[k] for k in order]))
        assert i is not None and ids[order[i]] == "a", t


def test_select_a_point_switches_and_then_keeps_the_new_person():
    tracker = PersonTracker()
    a, b = box(100, 200, 80, 200), box(400, 200, 60, 150)
    assert tracker.update(np.stack([a, b])) == 0
    tracker.select((410, 180))  # inside b
    for t in range(10):
        shift = np.array([2 * t, 0, 2 * t, 0])
        assert tracker.update(np.stack([a + shift, b - shift])) == 1


def test_target_option_and_pick_at_point():
    boxes = np.stack([box(100, 200, 80, 200), box(400, 200, 60, 150), box(400, 200, 200, 300)])
    assert pick_at_point(boxes, (400, 200)) == 1  # the smallest box containing the point
    assert pick_at_point(boxes, (900, 900)) == 1  # else the nearest centre (ties: the first)
    assert PersonTracker(target=(90, 250)).update(boxes) == 0
    assert PersonTracker().update(boxes) == 2  # largest


def test_lost_person_is_not_replaced_until_max_lost():
    tracker = PersonTracker(max_lost=3)
    a, b = box(100, 200, 80, 200), box(400, 200, 60, 150)
    assert tracker.update(np.stack([a, b])) == 0
    # a leaves: b is not taken over at once, the person counts as not seen
    for _ in range(3):
        assert tracker.update(b[None]) is None
    assert tracker.update(np.zeros((0, 4))) is None
    assert tracker.update(b[None]) == 0  # after max_lost frames: start again with the largest
    # a returns next to b: the tracker stays with b
    assert tracker.update(np.stack([a, b])) == 1


def test_reappearing_person_is_picked_up_again():
    tracker = PersonTracker(max_lost=10)
    a, b = box(100, 200, 80, 200), box(400, 200, 60, 150)
    tracker.update(np.stack([a, b]))
    assert tracker.update(b[None]) is None  # a occluded for a frame
    assert tracker.update(np.stack([b, a + 3])) == 1  # a is back, close to where it was


def test_reset_forgets_the_person():
    tracker = PersonTracker()
    small, big = box(100, 200, 40, 100), box(400, 200, 80, 200)
    tracker.select((100, 200))
    assert tracker.update(np.stack([small, big])) == 0
    tracker.reset()
    assert tracker.update(np.stack([small, big])) == 1


@pytest.mark.slow
def test_real_two_person_clip_keeps_one_identity(video_frames, side_by_side):
    """Two people side by side (pose2sim on the left, a smaller copy of sports2d on the right), their boxes
    found by MediaPipe in each half, given to the tracker in random order: it stays on the left person."""
    from detectors import create_detector

    rng = np.random.default_rng(0)
    left_det, right_det = create_detector("mediapipe"), create_detector("mediapipe")
    tracker = PersonTracker()
    followed = seen = 0
    frames = zip(video_frames("pose2sim_cam01", 40), video_frames("sports2d_demo", 40, start=150))
    try:
        for a, b in frames:
            clip = side_by_side(a, b, height=480, right_scale=0.8)
            split = round(a.shape[1] * 480 / a.shape[0])
            halves = [(left_det, clip[:, :split], 0), (right_det, clip[:, split:], split)]
            boxes, ids = [], []
            for k, (det, img, x0) in enumerate(halves):
                kp = det.detect(np.ascontiguousarray(img))
                if kp is not None:
                    boxes.append(kp.bbox + np.array([x0, 0, x0, 0]))
                    ids.append(k)
            assert len(boxes) == 2, "both people should be found in this clip"
            order = rng.permutation(len(boxes))
            i = tracker.update(np.stack([boxes[k] for k in order]))
            seen += i is not None
            followed += i is not None and ids[order[i]] == 0
    finally:
        left_det.close()
        right_det.close()
    assert seen == 40 and followed == 40
