"""Scoring monocular 3D against a triangulated real-video reference (`../shared/data/real3d/`): the same
metrics, the same way, as the reference's own scoring tool, so one command gives its numbers.

A reference npz holds `joints_world` (T, 17, 3) metres, `valid` (T, 17), per view `R` (3, 3) and `t` (3,) with
x_cam = R x_world + t (OpenCV axes), `views`, `fps`, `image_size`, and `mp_world_h36m` (T, V, 17, 3): MediaPipe's
own 3D (world landmarks, camera-aligned axes) for the baseline. Predictions are (T, 17, 3) camera-frame metres,
NaN where missing. Frames count when at least 8 joints are valid in both and the pelvis is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting.errors import UserError
from lifting.metrics import procrustes_align
from lifting.skeleton import JOINT_NAMES, SEGMENTS, SYMMETRIC_SEGMENT_PAIRS

MIN_JOINTS = 8
# Knees, ankles, elbows and wrists: points a detector's landmarks and mocap joint centres both put at the
# joint, unlike hips, shoulders, neck and head; their P-MPJPE compares across those definitions.
LIMB_ENDS = np.isin(
    np.array(JOINT_NAMES),
    [
        "right_knee",
        "right_ankle",
        "left_knee",
        "left_ankle",
        "left_elbow",
        "left_wrist",
        "right_elbow",
        "right_wrist",
    ],
)


@dataclass
class Reference:
    joints_cam: np.ndarray  # (T, 17, 3) metres in the view's camera frame
    valid: np.ndarray  # (T, 17) bool
    fps: float
    view: str
    image_size: tuple[int, int]
    mediapipe_cam: np.ndarray | None  # (T, 17, 3) MediaPipe's world landmarks (camera-aligned axes), or None
    path: str = ""

    @property
    def num_frames(self) -> int:
        return int(self.joints_cam.shape[0])


def load_reference(path: str | Path, view: str | None = None) -> Reference:
    p = Path(path)
    try:
        z = np.load(p)
        views = [str(v) for v in z["views"]]
        world, valid = np.asarray(z["joints_world"], np.float64), np.asarray(z["valid"], bool)
        R, t, fps = np.asarray(z["R"], np.float64), np.asarray(z["t"], np.float64), float(z["fps"])
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"{p}: not a 3D reference file ({exc})") from None
    view = view or views[0]
    if view not in views:
        raise UserError(f"{p}: no view {view!r}; it has {', '.join(views)}")
    v = views.index(view)
    mp = np.asarray(z["mp_world_h36m"][:, v], np.float64) if "mp_world_h36m" in z.files else None
    size = tuple(int(s) for s in z["image_size"][v]) if "image_size" in z.files else (0, 0)
    return Reference(world @ R[v].T + t[v], valid, fps, view, size, mp, str(p))


def coherence(x: np.ndarray, fps: float) -> dict:
    """Symmetry gap, segment-length std over time, jitter (mm, NaN-aware) and mean bone lengths of (T, 17, 3) m."""
    seg = lambda a, b: np.linalg.norm(x[:, a] - x[:, b], axis=-1)
    sym = np.nanmean([np.abs(seg(*l) - seg(*r)) for l, r in SYMMETRIC_SEGMENT_PAIRS])
    bones = np.stack([seg(p, c) for p, c in SEGMENTS], 1)  # (T, 16)
    rel = x - x[:, :1]
    acc = np.linalg.norm(rel[2:] - 2 * rel[1:-1] + rel[:-2], axis=-1)
    return {
        "symmetry_gap_mm": 1000 * float(sym),
        "seg_len_std_mm": 1000 * float(np.nanmean(np.nanstd(bones, 0))),
        "jitter_mm_per_frame2": 1000 * float(np.nanmean(acc)),
        "jitter_m_per_s2": float(np.nanmean(acc)) * fps**2,
        "bone_len_mean_mm": {
            JOINT_NAMES[c]: round(1000 * float(m), 1) for (_, c), m in zip(SEGMENTS, np.nanmean(bones, 0))
        },
    }


def score(ref: Reference, pred: np.ndarray) -> dict:
    """pred (T, 17, 3) camera-frame metres (NaN where missing) -> MPJPE (root-aligned), P-MPJPE (per-frame
    similarity Procrustes), per-joint MPJPE (mm), coherence of prediction and reference."""
    pred = np.asarray(pred, np.float64)
    if pred.shape != ref.joints_cam.shape:
        raise UserError(f"prediction has shape {pred.shape}; the reference has {ref.joints_cam.shape}")
    ok = ref.valid & np.isfinite(pred).all(-1)
    ok &= ok[:, :1]  # the pelvis must be there in both
    frames = ok.sum(1) >= MIN_JOINTS
    if not frames.any():
        raise UserError("no frame of the prediction overlaps the reference (too few valid joints)")
    r_rel = ref.joints_cam - ref.joints_cam[:, :1]
    p_rel = pred - pred[:, :1]
    err = np.where(ok, np.linalg.norm(p_rel - r_rel, axis=-1), np.nan)  # (T, 17)

    def aligned_error(f: int, joints: np.ndarray) -> float:
        """Mean error of frame f's `joints` after similarity Procrustes on those joints alone."""
        p, r = p_rel[f][joints], r_rel[f][joints]
        return np.linalg.norm(procrustes_align(p, r) - r, axis=-1).mean()

    pa = [aligned_error(f, ok[f]) for f in np.flatnonzero(frames)]
    limbs = [
        aligned_error(f, m) for f in np.flatnonzero(frames) if (m := ok[f] & LIMB_ENDS).sum() >= MIN_JOINTS
    ]
    ref_m = np.where(ref.valid[..., None], ref.joints_cam, np.nan)
    return {
        "frames_scored": int(frames.sum()),
        "joints_scored": int(ok[frames].sum()),
        "mpjpe_mm": 1000 * float(np.nanmean(err[frames])),
        "p_mpjpe_mm": 1000 * float(np.mean(pa)),
        "limb_p_mpjpe_mm": 1000 * float(np.mean(limbs)) if limbs else float("nan"),
        "per_joint_mpjpe_mm": {
            n: round(1000 * float(v), 1) for n, v in zip(JOINT_NAMES, np.nanmean(err[frames], 0))
        },
        "prediction": coherence(pred, ref.fps),
        "reference": coherence(ref_m, ref.fps),
    }
