"""The 2D frames a streaming lifter (`lifting.stream`) still needs, and the model input of a window over
them, with hidden joints zeroed (the occlusion rule in `lifting.stream`'s docstring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifting.data.camera import normalize_screen_coordinates
from lifting.data.occlusion import apply_occlusion
from lifting.errors import UserError
from lifting.keypoints import Keypoints2D


@dataclass
class Frame2D:
    """One frame's detection, cleaned."""

    xy: np.ndarray  # (J, 2) pixels (zeros when missing)
    norm: np.ndarray  # (J, 2) normalised screen coordinates (zeros when missing)
    conf: np.ndarray  # (J,) detector confidence (zeros when missing)
    size: tuple[int, int] | None  # (width, height)
    seen: bool


class FrameStore:
    """Frames by number, from 0; frame 0 is kept for good, as it pads the first windows."""

    def __init__(self, window: int, joints: int):
        self.window, self.joints = window, joints
        self.reset()

    def reset(self) -> None:
        self._frames: dict[int, Frame2D] = {}
        self._pruned = 1  # frames 1 .. _pruned - 1 are dropped
        self._last_size: tuple[int, int] | None = None

    def __getitem__(self, f: int) -> Frame2D:
        return self._frames[f]

    def record(self, kp: Keypoints2D | None) -> Frame2D:
        """A frame from a detection (None: nobody detected; the frame keeps the last image size seen). Non-finite
        joints count as missing; UserError for an invalid image size."""
        j = self.joints
        if kp is None:
            z2 = np.zeros((j, 2), np.float32)
            return Frame2D(z2, z2, np.zeros(j, np.float32), self._last_size, False)
        xy = np.asarray(kp.xy, dtype=np.float32).reshape(j, 2)
        conf = np.asarray(kp.confidence, dtype=np.float32).reshape(j)
        size = (int(kp.image_size[0]), int(kp.image_size[1]))
        if size[0] <= 0 or size[1] <= 0:
            raise UserError(f"keypoints with an invalid image size {kp.image_size}")
        self._last_size = size
        ok = np.isfinite(xy).all(axis=1) & np.isfinite(conf)
        conf = np.where(ok, conf, 0.0).astype(np.float32)
        xy = np.where(ok[:, None], xy, 0.0).astype(np.float32)
        norm = normalize_screen_coordinates(xy, size[0], size[1]).astype(np.float32)
        return Frame2D(xy, norm, conf, size, True)

    def add(self, f: int, frame: Frame2D) -> None:
        self._frames[f] = frame

    def window_input(self, e: int, conf_threshold: float) -> np.ndarray:
        """(L, J, 2) normalised 2D of the window ending at frame e, omitted joints zeroed, left-padded with
        frame 0."""
        frames = [self._frames[max(f, 0)] for f in range(e - self.window + 1, e + 1)]
        x = np.stack([fr.norm for fr in frames])  # (L, J, 2)
        hidden = np.stack([(fr.conf < conf_threshold) | (not fr.seen) for fr in frames])  # (L, J)
        return apply_occlusion(x, hidden).astype(np.float32, copy=False)

    def prune(self, newest: int, emitted: int) -> None:
        """Drop the frames no future window or result needs, `newest` being the newest frame and every frame
        before `emitted` being out."""
        keep_from = min(newest - self.window, emitted)
        if keep_from > self._pruned:
            for g in range(max(self._pruned, 1), keep_from):
                self._frames.pop(g, None)
            self._pruned = keep_from
