"""MediaPipe Pose on the shared real videos: person found, keypoints in the frame, left/right as in the image;
None (no exception) without a person; one person kept in a two-person clip."""

from __future__ import annotations

import numpy as np
import pytest

from detectors import Detector, create_detector
from lifting.errors import UserError
from lifting.keypoints import Keypoints2D
from lifting.skeleton import JOINT_INDEX as J

pytest.importorskip("mediapipe")


@pytest.fixture(scope="module")
def pose2sim_results(video_frames) -> tuple[list[Keypoints2D | None], tuple[int, int], float]:
    """All 100 frames of pose2sim_cam01 (one person walking towards the camera on a treadmill)."""
    det = create_detector("mediapipe")
    try:
        frames = video_frames("pose2sim_cam01")
        first = next(frames)
        size = (first.shape[1], first.shape[0])
        results = [det.detect(first)] + [det.detect(f) for f in frames]
        return results, size, det.ms_per_frame
    finally:
        det.close()


def test_is_a_detector():
    det = create_detector()  # the default
    try:
        assert isinstance(det, Detector) and det.name == "mediapipe"
        assert det.ms_per_frame == 0.0
    finally:
        det.close()


def test_person_found_in_nearly_every_frame(pose2sim_results):
    results, size, ms = pose2sim_results
    assert len(results) == 100
    found = [r for r in results if r is not None]
    assert len(found) >= 95
    assert ms > 0
    for kp in found:
        assert kp.xy.shape == (17, 2) and kp.confidence.shape == (17,) and kp.bbox.shape == (4,)
        assert kp.image_size == size and kp.detector_ms > 0
        assert np.all((kp.confidence >= 0) & (kp.confidence <= 1))


def test_keypoints_inside_the_frame_and_the_box(pose2sim_results):
    results, (w, h), _ = pose2sim_results
    for kp in filter(None, results):
        assert (
            np.all(kp.xy >= -0.01 * w) and np.all(kp.xy[:, 0] <= 1.01 * w) and np.all(kp.xy[:, 1] <= 1.01 * h)
        )
        x0, y0, x1, y1 = kp.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert np.all((kp.xy >= kp.bbox[:2] - 1) & (kp.xy <= kp.bbox[2:] + 1))
        # the person fills a good part of the portrait frame (a real person, not a stray blob)
        assert (y1 - y0) > 0.25 * h


def test_left_right_consistent_with_the_image(pose2sim_results):
    """The person faces the camera (the nose is seen, in front of the face: high confidence) in this clip, so
    their left shoulder, hip and wrist lie on the image's right, i.e. at larger x than the right ones."""
    results, _, _ = pose2sim_results
    facing = [kp for kp in filter(None, results) if kp.confidence[J["neck"]] > 0.8]
    assert len(facing) >= 90  # the clip is indeed a person facing the camera
    for kp in facing:
        for side in ("shoulder", "hip"):
            assert kp.xy[J[f"left_{side}"], 0] > kp.xy[J[f"right_{side}"], 0], side
    # the wrists too, except while the right hand crosses in front of the chest (about frames 52-68)
    wrists_ok = np.mean([kp.xy[J["left_wrist"], 0] > kp.xy[J["right_wrist"], 0] for kp in facing])
    assert wrists_ok >= 0.8
    # the derived joints sit between their sources
    kp = facing[0]
    np.testing.assert_allclose(
        kp.xy[J["pelvis"]], (kp.xy[J["left_hip"]] + kp.xy[J["right_hip"]]) / 2, atol=1e-3
    )
    assert kp.xy[J["head"], 1] < kp.xy[J["thorax"], 1] < kp.xy[J["spine"], 1] < kp.xy[J["pelvis"], 1]


def test_no_person_gives_none(video_frames):
    """Blank, grey and noise images and a crop of background: None every time, no exception."""
    frame = next(video_frames("pose2sim_cam01", 1))
    background = np.ascontiguousarray(frame[1250:1900, 600:1080])  # floor and mat below-right of the person
    rng = np.random.default_rng(0)
    images = {
        "blank": np.zeros((480, 640, 3), np.uint8),
        "grey": np.full((480, 640, 3), 128, np.uint8),
        "noise": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "background": background,
    }
    det = create_detector("mediapipe")
    try:
        for name, img in images.items():
            det.reset()
            assert [det.detect(img) for _ in range(5)] == [None] * 5, name
        # a person after nobody, and nobody after a person
        det.reset()
        assert det.detect(frame) is not None
        assert det.detect(images["blank"]) is None
        assert det.ms_per_frame > 0
    finally:
        det.close()


def test_bad_input_is_a_user_error():
    det = create_detector("mediapipe")
    try:
        with pytest.raises(UserError):
            det.detect(np.zeros((48, 64), np.uint8))
        with pytest.raises(UserError):
            det.detect(np.zeros((48, 64, 3), np.float32))
    finally:
        det.close()


@pytest.mark.slow
def test_two_person_clip_keeps_one_person(video_frames, side_by_side):
    """MediaPipe sees one person; with two in view it keeps the one it locked on to (its own ROI tracking)."""
    det = create_detector("mediapipe")
    sides = []
    try:
        frames = zip(video_frames("pose2sim_cam01", 40), video_frames("pose2sim_cam01", 40, start=50))
        for a, b in frames:
            clip = side_by_side(a, b, height=480, right_scale=0.8)
            kp = det.detect(clip)
            if kp is not None:
                sides.append(kp.xy[J["pelvis"], 0] < clip.shape[1] / 2)
    finally:
        det.close()
    assert len(sides) >= 36
    assert all(s == sides[0] for s in sides)


def test_models_not_in_the_wheel_are_a_user_error():
    """model_complexity 0 and 2 are downloaded by mediapipe on first use; offline that must not crash."""
    from pathlib import Path

    import mediapipe as mp

    for complexity, name in ((0, "lite"), (2, "heavy")):
        if (
            Path(mp.__file__).parent / "modules" / "pose_landmark" / f"pose_landmark_{name}.tflite"
        ).is_file():
            continue
        with pytest.raises(UserError, match="model_complexity"):
            create_detector("mediapipe", model_complexity=complexity)
    with pytest.raises(UserError):
        create_detector("mediapipe", model_complexity=3)
