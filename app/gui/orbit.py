"""Orbit / pan / zoom camera for the 3D view, as plain numbers (no Qt, no Open3D): mouse deltas in, eye in.

Poses are in the video camera's frame (x right, y down, z forward, metres), so "up" on screen is -y."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

UP = np.array([0.0, -1.0, 0.0])
MIN_DISTANCE, MAX_DISTANCE = 0.5, 40.0
MAX_PITCH = math.radians(89.0)


@dataclass(frozen=True)
class OrbitCamera:
    """A camera looking at `target + pan` from `distance` metres, at `yaw` around the up axis and `pitch`
    above the horizon. yaw = pitch = 0 looks along +z, as the video camera does."""

    yaw: float = math.radians(-25.0)
    pitch: float = math.radians(15.0)
    distance: float = 3.2
    pan: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) offset added to the followed target
    fov_deg: float = 50.0

    def direction(self) -> np.ndarray:
        """(3,) unit vector from the look-at point towards the eye."""
        cp = math.cos(self.pitch)
        return np.array([cp * math.sin(self.yaw), -math.sin(self.pitch), -cp * math.cos(self.yaw)])

    def look_at(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(centre, eye, up) for a renderer, looking at `target` (3,) plus the pan offset."""
        centre = np.asarray(target, dtype=float) + self.pan
        return centre, centre + self.distance * self.direction(), UP.copy()

    def orbit(self, dx_px: float, dy_px: float, speed: float = 0.01) -> OrbitCamera:
        """Drag right turns the scene right; drag up looks from higher."""
        pitch = min(MAX_PITCH, max(-MAX_PITCH, self.pitch + dy_px * speed))
        return replace(self, yaw=self.yaw - dx_px * speed, pitch=pitch)

    def pan_by(self, dx_px: float, dy_px: float, view_height_px: int) -> OrbitCamera:
        """Move the look-at point in the view plane so the scene follows the mouse."""
        metres_per_px = 2 * self.distance * math.tan(math.radians(self.fov_deg) / 2) / max(view_height_px, 1)
        forward = -self.direction()
        right = np.cross(forward, UP)
        right /= np.linalg.norm(right)
        screen_up = np.cross(right, forward)
        pan = self.pan - right * dx_px * metres_per_px + screen_up * dy_px * metres_per_px
        return replace(self, pan=pan)

    def zoom(self, wheel_steps: float) -> OrbitCamera:
        """Positive steps (wheel forward) move closer, 10 % per step."""
        distance = self.distance * (0.9**wheel_steps)
        return replace(self, distance=min(MAX_DISTANCE, max(MIN_DISTANCE, distance)))
