"""The in-memory pose dataset every source fills (Human3.6M, CMU mocap): subject -> action -> one 3D world
sequence with its cameras and one 2D keypoint sequence per camera, plus the per-camera training views."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lifting.data.camera import camera_to_world, normalize_screen_coordinates, project_to_2d, world_to_camera


@dataclass
class Camera:
    """A calibrated camera. Pixels for intrinsics, metres for the position; the quaternion rotates camera ->
    world (H36M / VideoPose3D convention)."""

    id: str
    orientation: np.ndarray  # (4,) unit quaternion (w, x, y, z), camera -> world
    translation: np.ndarray  # (3,) camera position in world coordinates, metres
    focal: np.ndarray  # (2,) pixels
    center: np.ndarray  # (2,) pixels
    radial: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) k1, k2, k3
    tangential: np.ndarray = field(default_factory=lambda: np.zeros(2))  # (2,) p1, p2
    res_w: int = 1000
    res_h: int = 1000

    def world_to_camera(self, x: np.ndarray) -> np.ndarray:
        """(..., 3) world metres -> (..., 3) camera frame metres."""
        return world_to_camera(x, self.orientation, self.translation)

    def camera_to_world(self, x: np.ndarray) -> np.ndarray:
        return camera_to_world(x, self.orientation, self.translation)

    def project(self, x_cam: np.ndarray, distort: bool = True) -> np.ndarray:
        """(..., 3) camera-frame points -> (..., 2) pixels, with the lens distortion unless distort=False."""
        if distort:
            return project_to_2d(x_cam, self.focal, self.center, self.radial, self.tangential)
        return project_to_2d(x_cam, self.focal, self.center)

    def normalize(self, x_px: np.ndarray) -> np.ndarray:
        """(..., 2) pixels -> normalised screen coordinates (x/w*2 - 1, y/w*2 - h/w)."""
        return normalize_screen_coordinates(x_px, self.res_w, self.res_h)


@dataclass
class Sequence:
    """One recording: the 3D motion in world coordinates and what each camera saw of it. All arrays share
    the frame count N."""

    positions_3d_world: np.ndarray  # (N, 17, 3) metres
    cameras: list[Camera]
    keypoints_2d: list[np.ndarray]  # one (N, 17, 2) pixel array per camera
    confidence: list[np.ndarray] | None = None  # one (N, 17) array per camera, or None

    @property
    def num_frames(self) -> int:
        return int(self.positions_3d_world.shape[0])


@dataclass
class PoseDataset:
    """subjects[subject][action] -> Sequence. Action names are kept as stored (e.g. 'Walking 1');
    `action_label` gives the evaluation class ('Walking')."""

    subjects: dict[str, dict[str, Sequence]]
    fps: float = 50.0
    name: str = ""

    def subset(self, subjects: list[str] | tuple[str, ...]) -> PoseDataset:
        return PoseDataset({s: self.subjects[s] for s in subjects}, self.fps, self.name)

    def sequences(self, subjects=None):
        """Yield (subject, action, Sequence) in a stable order."""
        for s in subjects if subjects is not None else sorted(self.subjects):
            for a in sorted(self.subjects[s]):
                yield s, a, self.subjects[s][a]


# H36M names the same action differently for S1 than for the other subjects.
_ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}


def action_label(name: str) -> str:
    """'Walking 1' -> 'Walking', 'TakingPhoto' -> 'Photo': the class metrics are averaged over (VideoPose3D
    groups actions by the first word)."""
    base = name.split(" ")[0]
    return _ACTION_ALIASES.get(base, base)


def camera_views(seq: Sequence, root: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per camera: (3D in the camera frame, root-relative (root joint at 0), metres (N, 17, 3),
    2D in normalised screen coordinates (N, 17, 2)), both float32."""
    views = []
    for cam, kp in zip(seq.cameras, seq.keypoints_2d):
        x3d = cam.world_to_camera(seq.positions_3d_world)
        x3d = x3d - x3d[:, root : root + 1]
        views.append(
            (x3d.astype(np.float32), cam.normalize(np.asarray(kp, dtype=np.float64)).astype(np.float32))
        )
    return views
