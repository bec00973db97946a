"""Follows one person across frames among several person boxes (IoU with the previous frame's box).

The first person is the largest box, or the one under a point given with `select(point_xy)` / `target`.
When the tracked box has no match (IoU below `min_iou`) the person counts as not seen, rather than jumping
to someone else; after `max_lost` such frames in a row the tracker starts again with the largest box (or the
selected point). Used by the mmpose backend; MediaPipe Pose sees only one person (see mediapipe_pose.py).
"""

from __future__ import annotations

import numpy as np


def box_area(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) x0, y0, x1, y1 -> (N,) areas."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one box (4,) with each of boxes (N, 4) -> (N,)."""
    box = np.asarray(box, np.float64).reshape(4)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    union = box_area(box[None])[0] + box_area(boxes) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def pick_at_point(boxes: np.ndarray, point_xy: tuple[float, float]) -> int:
    """Index of the smallest box containing the point, else of the box whose centre is nearest to it."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    x, y = point_xy
    inside = (boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y) & (y <= boxes[:, 3])
    if inside.any():
        areas = np.where(inside, box_area(boxes), np.inf)
        return int(np.argmin(areas))
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    return int(np.argmin(np.hypot(centres[:, 0] - x, centres[:, 1] - y)))


class PersonTracker:
    """Keeps the identity of one person across frames from per-frame person boxes."""

    def __init__(
        self, min_iou: float = 0.2, max_lost: int = 30, target: tuple[float, float] | None = None
    ) -> None:
        self.min_iou = min_iou
        self.max_lost = max_lost
        self.box: np.ndarray | None = None  # (4,) last matched box of the tracked person
        self.lost = 0  # frames in a row without a match
        self._point = target

    def select(self, point_xy: tuple[float, float]) -> None:
        """Follow the person under (or nearest to) this pixel from the next frame on."""
        self._point = (float(point_xy[0]), float(point_xy[1]))
        self.box = None
        self.lost = 0

    def reset(self) -> None:
        """Forget the tracked person (new video); a pending `select` point is kept."""
        self.box = None
        self.lost = 0

    def update(self, boxes: np.ndarray) -> int | None:
        """Person boxes of this frame (N, 4) -> index of the tracked person's box, or None if not seen."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        if self.box is not None and self.lost >= self.max_lost:
            self.box = None
        if len(boxes) == 0:
            self.lost += self.box is not None
            return None
        if self.box is None:
            if self._point is not None:
                i = pick_at_point(boxes, self._point)
                self._point = None
            else:
                i = int(np.argmax(box_area(boxes)))
        else:
            iou = box_iou(self.box, boxes)
            i = int(np.argmax(iou))
            if iou[i] < self.min_iou:
                self.lost += 1
                return None
        self.box = boxes[i].copy()
        self.lost = 0
        return i
