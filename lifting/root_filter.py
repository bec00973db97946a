"""A causal filter for the root (pelvis) trajectory: a constant-velocity Kalman filter per axis (filterpy).

The root comes from a per-frame least-squares fit (lifting.trajectory) and shakes from frame to frame, most of all
in depth. The filter models the root as moving at a constant velocity disturbed by white-noise acceleration
(`accel_m` metres per frame², one standard deviation) and each measured root as the true one plus white noise
(`noise_m` metres per axis x, y, z). Being a constant-velocity model, once it has settled it passes a still or an
evenly moving root through unchanged (no lag on a ramp); it only smooths what changes faster. Only the
translation is filtered: the pose itself is the lifter's job.

Units are per frame, so the same parameters smooth a 60 fps video over fewer seconds than a 30 fps one."""

from __future__ import annotations

import numpy as np
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter
from scipy.linalg import block_diag, solve_discrete_are, solve_discrete_lyapunov

# The root noise on the shared videos (metres; depth is the least certain) and how fast a person's root
# velocity changes between frames: chosen to cut the root jitter without lagging a walk (README, "Root
# trajectory").
DEFAULT_NOISE_M = (0.01, 0.01, 0.04)
DEFAULT_ACCEL_M = 0.002
_START_SPEED_STD = 0.05  # m/frame: how fast the root may already move at the first frame


class RootFilter:
    """Filters one root position (3,) per frame, in order: `step(root)` returns the filtered root.
    A non-finite root passes through as NaN and leaves the filter as it was; `reset()` starts again."""

    def __init__(self, noise_m=DEFAULT_NOISE_M, accel_m: float = DEFAULT_ACCEL_M):
        noise = np.broadcast_to(np.asarray(noise_m, dtype=float), (3,)).copy()
        if not (np.all(noise > 0) and accel_m > 0):
            raise ValueError(f"root filter noise and acceleration must be > 0, got {noise_m}, {accel_m}")
        self.noise_m, self.accel_m = noise, float(accel_m)
        self._kf: KalmanFilter | None = None

    def _model(self) -> KalmanFilter:
        # State (6,): (x, vx, y, vy, z, vz); measurement (3,): (x, y, z).
        kf = KalmanFilter(dim_x=6, dim_z=3)
        kf.F = block_diag(*[np.array([[1.0, 1.0], [0.0, 1.0]])] * 3)
        kf.H = np.zeros((3, 6))
        kf.H[[0, 1, 2], [0, 2, 4]] = 1.0
        kf.R = np.diag(self.noise_m**2)
        kf.Q = block_diag(*[Q_discrete_white_noise(2, dt=1.0, var=self.accel_m**2)] * 3)
        return kf

    def reset(self) -> None:
        self._kf = None

    def step(self, root: np.ndarray) -> np.ndarray:
        z = np.asarray(root, dtype=float).reshape(3)
        if not np.all(np.isfinite(z)):
            return np.full(3, np.nan)
        if self._kf is None:  # the first root is taken as it is, at rest or moving slowly
            kf = self._kf = self._model()
            kf.x = np.zeros((6, 1))
            kf.x[[0, 2, 4], 0] = z
            kf.P = np.diag(np.ravel(np.column_stack([self.noise_m**2, np.full(3, _START_SPEED_STD**2)])))
            return z.copy()
        kf = self._kf
        kf.predict()
        kf.update(z)
        return kf.x[[0, 2, 4], 0].copy()

    def filter(self, roots: np.ndarray) -> np.ndarray:
        """(T, 3) -> (T, 3): a whole track from a reset (the same as calling step on each row)."""
        self.reset()
        out = np.array([self.step(r) for r in np.asarray(roots, dtype=float).reshape(-1, 3)]).reshape(-1, 3)
        self.reset()
        return out

    def steady_state_variance_ratio(self) -> np.ndarray:
        """(3,) what the parameters say about smoothing: once settled, the variance of the filtered root over the
        variance of white noise on a still root, per axis (the filter is linear, so the ratio does not depend on
        how large the noise really is; smaller is smoother)."""
        kf = self._model()
        ratios = []
        for a in range(3):
            f, h = kf.F[2 * a : 2 * a + 2, 2 * a : 2 * a + 2], np.array([[1.0, 0.0]])
            q, r = kf.Q[2 * a : 2 * a + 2, 2 * a : 2 * a + 2], np.array([[self.noise_m[a] ** 2]])
            p = solve_discrete_are(f.T, h.T, q, r)  # the predicted covariance once settled
            k = p @ h.T @ np.linalg.inv(h @ p @ h.T + r)  # (2, 1) the settled gain
            closed = (np.eye(2) - k @ h) @ f  # filtered state = closed @ previous + k @ measurement
            cov = solve_discrete_lyapunov(closed, k @ k.T)  # response to unit-variance white measurements
            ratios.append(cov[0, 0])
        return np.array(ratios)
