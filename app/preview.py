"""An optional preview video for `diffhpe lift --preview out.mp4`: the frame with its 2D keypoints, and beside it
the lifted 3D skeleton seen from the front (x, y) and from the side (z, y). Written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.keypoints import Keypoints2D, LiftResult
from lifting.skeleton import LEFT_JOINTS, RIGHT_JOINTS, SEGMENTS

LEFT_BGR, RIGHT_BGR, MID_BGR = (255, 160, 40), (40, 80, 255), (220, 220, 220)
PX_PER_M = 0.42  # of the panel height per metre


def _colour(child: int) -> tuple[int, int, int]:
    return LEFT_BGR if child in LEFT_JOINTS else RIGHT_BGR if child in RIGHT_JOINTS else MID_BGR


class PreviewWriter:
    def __init__(self, path: str | os.PathLike, fps: float, frame_size: tuple[int, int], height: int = 480):
        import cv2

        self.path = Path(path)
        w, h = frame_size
        self.height = int(height)
        self.video_w = max(2, round(w * self.height / h / 2) * 2)
        self.panel_w = self.height  # two views side by side, each height/2 wide... plus margins
        size = (self.video_w + self.panel_w, self.height)
        fd, self._tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=".mp4")
        os.close(fd)
        self._writer = cv2.VideoWriter(self._tmp, cv2.VideoWriter_fourcc(*"mp4v"), float(fps), size)
        if not self._writer.isOpened():
            os.unlink(self._tmp)
            raise UserError(f"cannot write the preview video {self.path} (OpenCV has no mp4v encoder here)")
        self.frames = 0

    def write(self, frame_bgr: np.ndarray, kp: Keypoints2D | None, result: LiftResult | None) -> None:
        import cv2

        img = cv2.resize(frame_bgr, (self.video_w, self.height), interpolation=cv2.INTER_AREA)
        if kp is not None:
            w, h = kp.image_size  # keypoints are in the pixels of the full-size frame
            xy = np.asarray(kp.xy, dtype=np.float64) * [self.video_w / w, self.height / h]
            ok = np.asarray(kp.confidence) >= 0.3
            for p, c in SEGMENTS:
                if ok[p] and ok[c]:
                    cv2.line(img, _pt(xy[p]), _pt(xy[c]), _colour(c), 2, cv2.LINE_AA)
            for j in np.flatnonzero(ok):
                cv2.circle(img, _pt(xy[j]), 3, (255, 255, 255), -1, cv2.LINE_AA)
        panel = np.full((self.height, self.panel_w, 3), 24, np.uint8)
        if result is not None:
            pose = np.asarray(result.pose, dtype=np.float64)
            half = self.panel_w // 2
            s = PX_PER_M * self.height
            for k, (axis, label) in enumerate(((0, "front"), (2, "side"))):
                cx, cy = half * k + half / 2, self.height * 0.45
                pts = np.stack([pose[:, axis] * s + cx, pose[:, 1] * s + cy], axis=1)
                for p, c in SEGMENTS:
                    cv2.line(panel, _pt(pts[p]), _pt(pts[c]), _colour(c), 2, cv2.LINE_AA)
                cv2.putText(
                    panel, label, (half * k + 8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, MID_BGR, 1, cv2.LINE_AA
                )
            info = f"frame {result.frame}  std {1000 * float(np.mean(result.std)):.0f} mm"
            if np.all(np.isfinite(result.root)):
                info += f"  z {float(result.root[2]):.1f} m"
            cv2.putText(
                panel, info, (8, self.height - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45, MID_BGR, 1, cv2.LINE_AA
            )
        self._writer.write(np.ascontiguousarray(np.concatenate([img, panel], axis=1)))
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it into place."""
        self._writer.release()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._writer.release()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))
