"""Accuracy of the streaming lifter's settings (mode, stride, k, H, sampler, bf16/compile) on held-out mocap
sequences, each setting against the first: what `diffhpe bench --accuracy` reports."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from lifting.errors import UserError
from lifting.stream_defaults import PAPER_SAMPLING, describe_defaults

SCORED_WINDOW = 27  # the window metrics score non-overlapping windows of this many frames

# (label, StreamingLifter options); the first row is the reference the others are compared with
ACCURACY_SETTINGS = (
    ("paper sampler: centred, stride 9, DDPM k=50, H=5", {"mode": "centred", "stride": 9, **PAPER_SAMPLING}),
    (f"default: {describe_defaults()}", {}),
    ("centred (other options default)", {"mode": "centred"}),
    ("causal, stride 1 (other options default)", {"stride": 1}),
    ("causal, stride 5", {"stride": 5}),
    ("causal, stride 11", {"stride": 11}),
    ("causal, stride 13", {"stride": 13}),
    ("causal, k=1", {"steps": 1}),
    ("causal, k=2", {"steps": 2}),
    ("causal, k=5 (the issue's paper setting)", {"steps": 5}),
    ("causal, k=10", {"steps": 10}),
    ("causal, H=1", {"hypotheses": 1}),
    ("causal, H=3", {"hypotheses": 3}),
    ("causal, DPM-Solver++ k=3", {"sampler": "dpmsolver", "steps": 3}),
    ("causal, default k, bf16 compiled", {"bf16": True, "compile": True}),
    ("causal, k=5, bf16 compiled", {"steps": 5, "bf16": True, "compile": True}),
    ("causal, stride 11, k=5", {"stride": 11, "steps": 5}),
    ("causal, stride 11, k=5, bf16 compiled", {"stride": 11, "steps": 5, "bf16": True, "compile": True}),
)
MIXSTE_SETTINGS = (  # a MixSTE checkpoint has no sampler: only mode and stride
    ("centred, stride 1", {"mode": "centred", "stride": 1}),
    ("centred, stride 9", {"mode": "centred", "stride": 9}),
    ("causal, stride 1", {"mode": "causal", "stride": 1}),
    ("causal, stride 9 (default)", {}),
    ("causal, stride 13", {"stride": 13}),
)


def held_out_sequences(
    mocap_dir, sequences: int, frames: int, seed: int = 0
) -> list[tuple[list, np.ndarray]]:
    """[(Keypoints2D per frame, 3D root-relative (T, 17, 3) metres)] from the held-out mocap subjects, one virtual
    camera per clip, detector-like 2D noise; the 2D goes back to pixels so the lifter sees what a detector gives."""
    from lifting.data.camera import image_coordinates
    from lifting.data.mocap_dataset import build_mocap_dataset, subjects_to_test
    from lifting.data.noise2d import DetectorNoise
    from lifting.data.windows import dataset_pairs
    from lifting.keypoints import Keypoints2D

    test_subjects, _ = subjects_to_test(mocap_dir)
    # Jitter, outliers and left/right swaps of a detector; no dropped joints (every joint is given).
    ds = build_mocap_dataset(
        mocap_dir, 1, seed + 1, noise=DetectorNoise(dropout_p=0.0), subjects=test_subjects
    )
    x2d, x3d, _, _, sizes = dataset_pairs(ds, test_subjects)
    out = []
    for a2, a3, size in zip(x2d, x3d, sizes):
        if len(out) == sequences:
            break
        n = min(len(a2), frames)
        if n < SCORED_WINDOW:
            continue
        xy = image_coordinates(np.asarray(a2[:n], np.float64), *size)
        kps = [
            Keypoints2D(
                xy=xy[i].astype(np.float32),
                confidence=np.ones(17, np.float32),
                bbox=np.zeros(4),
                image_size=size,
            )
            for i in range(n)
        ]
        out.append((kps, np.asarray(a3[:n], np.float64)))
    if not out:
        raise UserError(f"{mocap_dir}: no held-out sequence of {SCORED_WINDOW} frames or more")
    return out


def _chunks(x: np.ndarray) -> np.ndarray:
    """(T, J, 3) -> (T // 27, 27, J, 3) non-overlapping windows for the window metrics."""
    n = len(x) // SCORED_WINDOW * SCORED_WINDOW
    return x[:n].reshape(-1, SCORED_WINDOW, *x.shape[1:])


def accuracy_table(
    model, cfg, device, sequences, on_row: Callable[[dict], None] | None = None, settings=None
) -> list[dict]:
    """One row per setting (`settings`, else ACCURACY_SETTINGS, or MIXSTE_SETTINGS for a MixSTE checkpoint),
    (label, StreamingLifter options) each: the window metrics
    (mm) of lifting every sequence with it, its MixSTE's MPJPE, its latency and the mean distance (mm) of its
    poses to the first setting's. `on_row(row)` is called as each row is done."""
    from lifting.metrics import evaluate_windows
    from lifting.stream import StreamingLifter

    if settings is None:
        settings = MIXSTE_SETTINGS if cfg["kind"] == "mixste" else ACCURACY_SETTINGS
    rows, ref = [], None
    for label, opts in settings:
        # scored against mocap joint centres: the model's own definitions
        lifter = StreamingLifter(model, cfg, device=device, **{"joints": "centres", **opts})
        t0 = time.perf_counter()
        preds, mix, gts = [], [], []
        for kps, gt in sequences:
            res = lifter.lift_sequence(kps)
            preds.append(_chunks(np.stack([r.pose for r in res]).astype(np.float64)))
            mix.append(_chunks(np.stack([r.mixste_pose for r in res]).astype(np.float64)))
            gts.append(_chunks(gt - gt[:, :1]))
        pred, mixp, gt = np.concatenate(preds), np.concatenate(mix), np.concatenate(gts)  # (N, 27, J, 3)
        m = evaluate_windows(pred, gt)
        row = {
            "setting": label,
            **lifter.options(),
            "bf16": lifter.bf16,
            "compiled": lifter.compile,
            **{k: m[k] for k in ("mpjpe", "p_mpjpe", "sym_gap", "seg_std")},
        }
        row["mixste_mpjpe"] = evaluate_windows(mixp, gt)["mpjpe"]
        row["latency_frames_max"] = lifter.max_latency_frames
        row["seconds"] = time.perf_counter() - t0
        if ref is None:
            ref = pred
        row["diff_to_reference_mm"] = float(np.mean(np.linalg.norm(pred - ref, axis=-1)) * 1000)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows
