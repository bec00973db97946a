"""Top-down mmpose detector (optional extra): person boxes -> one tracked person -> COCO-17 model -> H36M-17.

Needs the mmpose environment (`bash scripts/setup_mmpose.sh` -> .venv-mmpose; see README). Configs come
from the installed mmpose/mmdet packages' own `.mim/configs`; checkpoints are a local path, a URL (mmengine
downloads and caches it on a connected machine), "auto" (the URL in the package's model metafile) or None
(random weights: for tests only, the keypoints mean nothing).

Person boxes come from an mmdet detector (RTMDet-tiny, COCO, person class) when mmdet is installed, or the
whole frame. With several people in view a `PersonTracker` follows one of them (IoU with the previous box,
starting with the largest); `select(point_xy)` or `target=(x, y)` picks another. Only the tracked person's
box goes through the pose model.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from detectors.base import FrameTimer, bbox_of, check_frame
from detectors.layouts import coco_to_h36m
from detectors.tracking import PersonTracker
from lifting.errors import UserError
from lifting.keypoints import Keypoints2D

# Short names for the pose configs in mmpose's package (any other config file name or path works too).
POSE_CONFIGS = {
    "hrnet-w32": "body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py",
    "rtmpose-m": "body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py",
    "rtmpose-t": "body_2d_keypoint/rtmpose/coco/rtmpose-t_8xb256-420e_coco-256x192.py",
}
DEFAULT_POSE_CONFIG = "rtmpose-m"
DEFAULT_DET_CONFIG = "rtmdet/rtmdet_tiny_8xb32-300e_coco.py"  # in mmdet's package; COCO class 0 = person

BoxSource = Callable[
    [np.ndarray], np.ndarray
]  # frame (H, W, 3) -> (N, 4) or (N, 5) boxes x0, y0, x1, y1[, score]


def _package_configs(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise UserError(f"the {package!r} package is not installed here (bash scripts/setup_mmpose.sh)")
    return Path(spec.origin).parent / ".mim" / "configs"


def resolve_config(config: str, package: str = "mmpose") -> Path:
    """A short name (POSE_CONFIGS), a path, or a config path/file name inside the package's .mim/configs."""
    if package == "mmpose" and config in POSE_CONFIGS:
        config = POSE_CONFIGS[config]
    path = Path(config).expanduser()
    if path.is_file():
        return path
    root = _package_configs(package)
    if (root / config).is_file():
        return root / config
    found = sorted(root.rglob(Path(config).name))
    if not found:
        raise UserError(
            f"no {package} config {config!r}: give a path, a file name from {root}, "
            f"or one of {', '.join(POSE_CONFIGS)}"
        )
    return found[0]


def metafile_weights(config: Path) -> str:
    """The checkpoint URL that the package's model metafile (*.yml beside the config) lists for it."""
    import yaml

    for meta in sorted(config.parent.glob("*.yml")):
        data = yaml.safe_load(meta.read_text()) or {}
        for model in data.get("Models", []):
            if Path(str(model.get("Config", ""))).name == config.name and model.get("Weights"):
                return str(model["Weights"])
    raise UserError(f"no published checkpoint is listed for {config.name}; pass checkpoint=<path or URL>")


def _checkpoint(checkpoint: str | None, config: Path) -> str | None:
    """None (random weights), a URL, or an existing file; "auto" = the metafile's URL."""
    if checkpoint is None or "://" in checkpoint:
        return checkpoint
    if checkpoint == "auto":
        return metafile_weights(config)
    path = Path(checkpoint).expanduser()
    if not path.is_file():
        raise UserError(f"checkpoint file not found: {checkpoint}")
    return str(path)


def _device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError("device 'cuda' asked for, but torch sees no CUDA GPU here")
    return device


def _load(what: str, fn: Callable, config: object, checkpoint: str | None, device: str) -> object:
    """Builds a model with mmpose/mmdet's `fn(config, checkpoint, device=)`; a checkpoint that cannot be
    downloaded or read is a UserError (no network here, a bad file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "checkpoint is None" and deprecation chatter from the mm* packages
        if checkpoint is None:
            return fn(config, None, device=device)
        try:
            return fn(config, checkpoint, device=device)
        except (OSError, RuntimeError, KeyError) as e:
            raise UserError(
                f"could not load the {what} checkpoint {checkpoint} ({type(e).__name__}: {e}); without a "
                "network, download it elsewhere and pass its path"
            ) from e


class MMPoseTopDown:
    """`Detector` over an mmpose top-down model, for one tracked person.

    Options: `config` (short name in POSE_CONFIGS, a file name from mmpose's configs, or a path),
    `checkpoint` ("auto" = the published weights' URL, a path, a URL, or None = random weights), `device`
    ("cpu", "cuda", "auto"), `boxes` ("auto" = mmdet when installed else the whole frame, "mmdet", "frame",
    or a callable frame -> (N, 4|5) boxes), `det_config` / `det_checkpoint` (same rules, mmdet's configs),
    `bbox_thr` (person box score), `min_score` (mean keypoint score under which nobody counts as seen),
    `target` ((x, y) pixel of the person to follow at the start), `min_iou` / `max_lost` (tracking),
    `flip_test` (also run the mirrored crop and average: ~2x the pose model's time, slightly more accurate).

    Confidence is the model's per-keypoint score clipped to [0, 1]. The box is the tracked person's box (the
    keypoints' extent with whole-frame boxes).
    """

    name = "mmpose"

    def __init__(
        self,
        config: str = DEFAULT_POSE_CONFIG,
        checkpoint: str | None = "auto",
        device: str = "cpu",
        boxes: str | BoxSource = "auto",
        det_config: str = DEFAULT_DET_CONFIG,
        det_checkpoint: str | None = "auto",
        bbox_thr: float = 0.3,
        nms_thr: float = 0.3,
        min_score: float = 0.3,
        target: tuple[float, float] | None = None,
        min_iou: float = 0.2,
        max_lost: int = 30,
        flip_test: bool = False,
    ) -> None:
        from mmengine.config import Config
        from mmpose.apis import init_model

        self.device = _device(device)
        cfg = resolve_config(config, "mmpose")
        pose_cfg = Config.fromfile(str(cfg))
        # Flip testing runs the model twice per person for ~1 AP: off by default for real time.
        pose_cfg.model.setdefault("test_cfg", {})["flip_test"] = flip_test
        self.model = _load("pose", init_model, pose_cfg, _checkpoint(checkpoint, cfg), self.device)
        self.config_path = cfg
        self.bbox_thr, self.nms_thr, self.min_score = bbox_thr, nms_thr, min_score
        self.tracker = PersonTracker(min_iou=min_iou, max_lost=max_lost, target=target)
        self._timer = FrameTimer()
        self.det_model = None
        if callable(boxes):
            self._boxes: BoxSource | None = boxes
        elif boxes == "frame" or (boxes == "auto" and importlib.util.find_spec("mmdet") is None):
            self._boxes = None
        elif boxes in ("auto", "mmdet"):
            from mmdet.apis import init_detector

            dcfg = resolve_config(det_config, "mmdet")
            self.det_model = _load(
                "person detector", init_detector, str(dcfg), _checkpoint(det_checkpoint, dcfg), self.device
            )
            self._boxes = self._mmdet_boxes
        else:
            raise UserError(f"boxes must be 'auto', 'mmdet', 'frame' or a callable, got {boxes!r}")
        self.box_source = (
            "callable" if callable(boxes) else "mmdet" if self.det_model is not None else "frame"
        )

    @property
    def ms_per_frame(self) -> float:
        return self._timer.mean_ms

    def select(self, point_xy: tuple[float, float]) -> None:
        """Follow the person under (or nearest to) this pixel from the next frame on."""
        self.tracker.select(point_xy)

    def _mmdet_boxes(self, frame_bgr: np.ndarray) -> np.ndarray:
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        from mmpose.evaluation.functional import nms

        # mmpose's init_model leaves "mmpose" as the default registry scope, where mmdet's test pipeline
        # (PackDetInputs, ...) is not registered: build and run it in mmdet's scope.
        with DefaultScope.overwrite_default_scope("mmdet"):
            pred = inference_detector(self.det_model, frame_bgr).pred_instances.cpu().numpy()
        keep = (pred.labels == 0) & (pred.scores > self.bbox_thr)  # COCO class 0: person
        dets = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)[keep]  # (N, 5)
        if len(dets) == 0:
            return np.zeros((0, 4), np.float32)
        return dets[nms(dets, self.nms_thr), :4]

    def detect(self, frame_bgr: np.ndarray) -> Keypoints2D | None:
        from mmpose.apis import inference_topdown

        frame_bgr = check_frame(frame_bgr)
        self._timer.start()
        h, w = frame_bgr.shape[:2]
        if self._boxes is None:
            boxes = np.array([[0, 0, w, h]], np.float32)
        else:
            boxes = np.asarray(self._boxes(frame_bgr), np.float32)
            boxes = boxes[:, :4] if boxes.size else np.zeros((0, 4), np.float32)  # (N, 4)
        i = self.tracker.update(boxes)
        if i is None:
            self._timer.stop()
            return None
        box = boxes[i]
        result = inference_topdown(self.model, frame_bgr, bboxes=box[None], bbox_format="xyxy")[0]
        inst = result.pred_instances
        xy17 = np.asarray(inst.keypoints[0], np.float64)  # (17, 2) COCO order, pixels
        score17 = np.clip(np.asarray(inst.keypoint_scores[0], np.float32), 0.0, 1.0)  # (17,)
        if float(score17.mean()) < self.min_score:
            self._timer.stop()
            return None
        xy, conf = coco_to_h36m(xy17, score17)
        bbox = bbox_of(xy17, (w, h)) if self._boxes is None else bbox_of(box.reshape(2, 2), (w, h))
        ms = self._timer.stop()
        return Keypoints2D(xy=xy, confidence=conf, bbox=bbox, image_size=(w, h), detector_ms=ms)

    def reset(self) -> None:
        self.tracker.reset()

    def close(self) -> None:
        self.model = None
        self.det_model = None
