"""Evaluation metrics on 3D pose windows (numpy): MPJPE (protocol #1), P-MPJPE (protocol #2), the paper's
symmetry gap (eq. 13) and segment-length std (eq. 14), mean joint acceleration (jitter), and the
per-action-then-averaged aggregation of the H36M protocol.

The single metrics return values in the unit of their input; `evaluate_windows` takes metres and reports mm."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lifting.skeleton import SEGMENTS, SYMMETRIC_SEGMENT_PAIRS

METRIC_NAMES: tuple[str, ...] = ("mpjpe", "p_mpjpe", "sym_gap", "seg_std", "accel")


def _segment_lengths(x: np.ndarray, segments) -> np.ndarray:
    """(..., J, 3) -> (..., S) lengths of the given (parent, child) segments."""
    p = [s[0] for s in segments]
    c = [s[1] for s in segments]
    return np.linalg.norm(x[..., c, :] - x[..., p, :], axis=-1)


def mpjpe(pred: np.ndarray, target: np.ndarray, root: int | None = 0) -> float:
    """Protocol #1: mean Euclidean joint error over (..., J, 3) after moving each predicted root onto the
    true root (root=None: no alignment)."""
    pred, target = np.asarray(pred, np.float64), np.asarray(target, np.float64)
    if root is not None:
        pred = pred - pred[..., root : root + 1, :]
        target = target - target[..., root : root + 1, :]
    return float(np.mean(np.linalg.norm(pred - target, axis=-1)))


def procrustes_align(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Best similarity transform (rotation, uniform scale, translation; no reflection) of each pose
    pred (..., J, 3) onto target, applied to pred."""
    pred, target = np.asarray(pred, np.float64), np.asarray(target, np.float64)
    shape = pred.shape
    X = target.reshape(-1, *shape[-2:])
    Y = pred.reshape(-1, *shape[-2:])
    mu_x, mu_y = X.mean(axis=1, keepdims=True), Y.mean(axis=1, keepdims=True)
    X0, Y0 = X - mu_x, Y - mu_y
    # Kabsch / Umeyama: H = Y0^T X0 = U S V^T; R = U diag(1, 1, d) V^T maps Y0 rows onto X0 rows.
    U, s, Vt = np.linalg.svd(np.swapaxes(Y0, 1, 2) @ X0)
    d = np.sign(np.linalg.det(U @ Vt))
    d[d == 0] = 1.0
    D = np.ones_like(s)
    D[:, -1] = d
    R = (U * D[:, None, :]) @ Vt
    var_y = np.sum(Y0**2, axis=(1, 2))
    scale = np.sum(s * D, axis=1) / np.where(var_y > 0, var_y, 1.0)
    aligned = scale[:, None, None] * (Y0 @ R) + mu_x
    return aligned.reshape(shape)


def p_mpjpe(pred: np.ndarray, target: np.ndarray) -> float:
    """Protocol #2: MPJPE after per-frame Procrustes alignment (rotation, scale, translation)."""
    return mpjpe(procrustes_align(pred, target), target, root=None)


def symmetry_gap(pred: np.ndarray) -> float:
    """Eq. 13: mean over windows, frames and the 6 left/right segment pairs of |len(left) - len(right)|.
    pred (..., L, J, 3)."""
    left = _segment_lengths(np.asarray(pred, np.float64), [p[0] for p in SYMMETRIC_SEGMENT_PAIRS])
    right = _segment_lengths(np.asarray(pred, np.float64), [p[1] for p in SYMMETRIC_SEGMENT_PAIRS])
    return float(np.mean(np.abs(left - right)))


def segment_length_std(pred: np.ndarray, ddof: int = 0) -> float:
    """Eq. 14: for each window and each of the 16 segments, the std of its length over the L frames
    (population std, 1/L, as in the paper; the official code uses torch.std, i.e. ddof=1); averaged.
    pred (N, L, J, 3) or (L, J, 3)."""
    x = np.asarray(pred, np.float64)
    if x.ndim == 3:
        x = x[None]
    lengths = _segment_lengths(x, SEGMENTS)  # (N, L, S)
    return float(np.mean(np.std(lengths, axis=-2, ddof=ddof)))


def mean_acceleration(pred: np.ndarray) -> float:
    """Jitter: mean norm of the second temporal difference of every joint, (unit)/frame^2.
    pred (N, L, J, 3) or (L, J, 3), L >= 3."""
    x = np.asarray(pred, np.float64)
    if x.ndim == 3:
        x = x[None]
    if x.shape[1] < 3:
        return float("nan")
    acc = x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]
    return float(np.mean(np.linalg.norm(acc, axis=-1)))


def evaluate_windows(pred: np.ndarray, target: np.ndarray, scale: float = 1000.0) -> dict[str, float]:
    """pred, target (N, L, J, 3) in metres -> {'mpjpe', 'p_mpjpe', 'sym_gap', 'seg_std', 'accel'} in mm
    (accel in mm/frame^2), plus 'count' (number of windows)."""
    pred = np.asarray(pred, np.float64) * scale
    target = np.asarray(target, np.float64) * scale
    if pred.shape != target.shape:
        raise ValueError(f"prediction {pred.shape} and target {target.shape} differ in shape")
    return {
        "mpjpe": mpjpe(pred, target),
        "p_mpjpe": p_mpjpe(pred, target),
        "sym_gap": symmetry_gap(pred),
        "seg_std": segment_length_std(pred),
        "accel": mean_acceleration(pred),
        "count": int(pred.shape[0]),
    }


def average_over_actions(per_action: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """action -> metrics  ->  the unweighted mean over actions of every metric (the H36M protocol);
    'count' is summed instead."""
    if not per_action:
        return {}
    keys = [k for k in next(iter(per_action.values())) if all(k in m for m in per_action.values())]
    out = {}
    for k in keys:
        values = [float(m[k]) for m in per_action.values()]
        out[k] = float(np.sum(values)) if k == "count" else float(np.mean(values))
    return out
