"""The mmpose top-down backend (runs in .venv-mmpose; started by tests/detectors/test_mmpose.py).

Checkpoints cannot be downloaded here: real mmpose configs with random weights, so shapes, tracking and
plumbing are tested, not accuracy."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mmpose")

from detectors import Detector, available_detectors, create_detector
from detectors.mmpose_topdown import POSE_CONFIGS, metafile_weights, resolve_config
from lifting.errors import UserError
from lifting.keypoints import Keypoints2D


@pytest.fixture(scope="module")
def frames(video_frames) -> list[np.ndarray]:
    return list(video_frames("pose2sim_cam01", 6, step=15))


def random_detector(**opts) -> Detector:
    return create_detector("mmpose", **{"checkpoint": None, "min_score": 0.0, **opts})


@pytest.mark.parametrize("config", ["hrnet-w32", "rtmpose-m"])
def test_random_weights_give_17_keypoints_per_real_frame(frames, config):
    det = random_detector(config=config, boxes="frame")
    try:
        assert isinstance(det, Detector) and det.name == "mmpose" and det.box_source == "frame"
        assert det.model.cfg.model.test_cfg.flip_test is False  # one forward pass per frame by default
        h, w = frames[0].shape[:2]
        for frame in frames:
            kp = det.detect(frame)
            assert isinstance(kp, Keypoints2D)
            assert kp.xy.shape == (17, 2) and kp.confidence.shape == (17,) and kp.bbox.shape == (4,)
            assert np.all(np.isfinite(kp.xy)) and np.all((kp.confidence >= 0) & (kp.confidence <= 1))
            assert kp.image_size == (w, h) and kp.detector_ms > 0
            x0, y0, x1, y1 = kp.bbox
            assert 0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h
        assert det.ms_per_frame > 0
        print(f"mmpose {config} (random weights, whole frame): {det.ms_per_frame:.0f} ms/frame")
    finally:
        det.close()


def test_follows_one_person_among_several_boxes(frames, side_by_side):
    """Two people side by side, their boxes given in random order: the larger (left) one is followed, the
    pose model only sees that box; select() moves to the other and stays there."""
    rng = np.random.default_rng(0)
    state = {"t": 0}
    clip = side_by_side(frames[0], frames[3], height=480, right_scale=0.8)
    split = round(frames[0].shape[1] * 480 / frames[0].shape[0])

    def boxes(frame: np.ndarray) -> np.ndarray:
        t = state["t"]
        left = np.array([40 + t, 60, split - 40 + t, 470, 0.9])  # drifting right, with a score column
        right = np.array([split + 20 - t, 150, clip.shape[1] - 20 - t, 475, 0.8])
        pair = [left, right]
        order = rng.permutation(2)
        return np.stack([pair[k] for k in order])

    det = random_detector(boxes=boxes)
    try:
        assert det.box_source == "callable"
        for t in range(6):
            state["t"] = 2 * t
            kp = det.detect(clip)
            assert kp is not None and kp.bbox[0] == pytest.approx(40 + 2 * t), t
        det.select((clip.shape[1] - 60, 300))
        for t in range(6, 10):
            state["t"] = 2 * t
            kp = det.detect(clip)
            assert kp is not None and kp.bbox[0] == pytest.approx(split + 20 - 2 * t), t
        det.reset()  # a new video: start again with the largest
        assert det.detect(clip).bbox[0] < split
    finally:
        det.close()


def test_nobody_in_view_gives_none(frames):
    det = random_detector(boxes=lambda frame: np.zeros((0, 4)))
    try:
        assert det.detect(frames[0]) is None and det.detect(np.zeros((64, 64, 3), np.uint8)) is None
        assert det.ms_per_frame >= 0
    finally:
        det.close()


def test_mmdet_person_boxes_run_with_random_weights(frames):
    det = random_detector(boxes="mmdet", det_checkpoint=None, bbox_thr=0.0)
    try:
        assert det.box_source == "mmdet"
        for frame in frames[:2]:
            kp = det.detect(frame)
            assert kp is None or (kp.xy.shape == (17, 2) and kp.confidence.shape == (17,))
        print(f"mmpose + mmdet RTMDet-tiny (random weights): {det.ms_per_frame:.0f} ms/frame")
    finally:
        det.close()


def test_configs_and_checkpoints():
    assert "mmpose" in available_detectors()
    for name in POSE_CONFIGS:
        cfg = resolve_config(name)
        assert cfg.is_file() and ".mim" in cfg.parts
        url = metafile_weights(cfg)
        assert url.startswith("https://") and url.endswith(".pth")
    det_cfg = resolve_config("rtmdet_tiny_8xb32-300e_coco.py", "mmdet")
    assert "rtmdet_tiny" in metafile_weights(det_cfg)
    with pytest.raises(UserError, match="no mmpose config"):
        resolve_config("no-such-model.py")
    with pytest.raises(UserError, match="not found"):
        create_detector("mmpose", checkpoint="/nonexistent/model.pth", boxes="frame")
    with pytest.raises(UserError, match="boxes"):
        create_detector("mmpose", checkpoint=None, boxes="yolo")
