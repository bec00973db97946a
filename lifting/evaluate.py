"""Evaluation: predict test windows with a checkpoint (any kind, any sampler), score them per action and
averaged (MPJPE, P-MPJPE, symmetry gap, segment-length std), and write Table-2/4-style reports and the
train-pattern × test-pattern heatmaps of Figures 3–5."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lifting import diffusion, metrics
from lifting.data.occlusion import apply_occlusion, occlusion_mask
from lifting.flip_test import flip_pose_tensor, fold_flipped, fold_flipped_std
from lifting.stream_defaults import PAPER_SAMPLING


@dataclass
class SamplingOptions:
    sampler: str = PAPER_SAMPLING["sampler"]
    steps: int = PAPER_SAMPLING["steps"]
    hypotheses: int = PAPER_SAMPLING["hypotheses"]
    seed: int = 0
    batch_size: int = 64
    fast: bool = True  # sample with lifting.fast_inference (same samples as the reference modules, allclose 1e-5)
    flip: bool = False  # test-time flip augmentation (lifting.flip_test)


def _folded(t: torch.Tensor, b: int, flip: bool) -> torch.Tensor:
    """`t` of the first b windows, averaged with their mirrored copies after them when `flip` is on."""
    return fold_flipped(t, b) if flip else t


@torch.no_grad()
def predict_windows(
    model: torch.nn.Module, kind: str, x2d: np.ndarray, opts: SamplingOptions, device: str = "cpu"
) -> dict[str, np.ndarray | float]:
    """x2d (N, L, J, 2) normalised -> {'pose': (N, L, J, 3), 'mixste': (N, L, J, 3) or None,
    'std': (N, L, J), 'ms_per_window': float}."""
    gen = torch.Generator().manual_seed(opts.seed)
    sampler_model = model
    if kind != "mixste" and opts.fast:
        from lifting.fast_inference import FastDiffusion

        sampler_model = FastDiffusion(model).to(device).eval()
    poses, mixste_poses, stds = [], [], []
    start = time.perf_counter()
    for i in range(0, len(x2d), opts.batch_size):
        batch = torch.as_tensor(x2d[i : i + opts.batch_size], dtype=torch.float32, device=device)
        b = len(batch)
        if opts.flip:
            batch = torch.cat([batch, flip_pose_tensor(batch)])  # (2B, L, J, 2): the mirrored windows after
        if kind == "mixste":
            pose = _folded(model(batch), b, opts.flip)
            poses.append(pose.cpu().numpy())
            stds.append(np.zeros(pose.shape[:-1], dtype=np.float32))
            continue
        cond = model.condition(batch)
        prepared = sampler_model.prepare(cond) if sampler_model is not model else cond
        samples = diffusion.sample(
            sampler_model, prepared, opts.hypotheses, opts.steps, opts.sampler, generator=gen,
            shape=(*batch.shape[1:3], 3),
        )  # fmt: skip
        mean, std = diffusion.summarise_hypotheses(samples)
        if opts.flip:
            std = fold_flipped_std(std, b)
        poses.append(_folded(mean, b, opts.flip).cpu().numpy())
        stds.append(std.cpu().numpy())
        if kind == "wrapper":
            mixste_poses.append(_folded(model.mixste_pose(cond), b, opts.flip).cpu().numpy())
    elapsed = time.perf_counter() - start
    return {
        "pose": np.concatenate(poses) if poses else np.zeros((0,) + x2d.shape[1:3] + (3,)),
        "mixste": np.concatenate(mixste_poses) if mixste_poses else None,
        "std": np.concatenate(stds) if stds else None,
        "ms_per_window": 1000 * elapsed / max(len(x2d), 1),
    }


def occlude_windows(x2d: np.ndarray, pattern: str, seed: int = 0) -> np.ndarray:
    """Apply an occlusion pattern independently to every window (N, L, J, 2), seeded."""
    if pattern in (None, "none"):
        return x2d
    rng = np.random.default_rng(seed)
    out = x2d.copy()
    for i in range(len(out)):
        out[i] = apply_occlusion(out[i], occlusion_mask(pattern, out.shape[1], out.shape[2], rng))
    return out


def evaluate_model(
    model: torch.nn.Module,
    kind: str,
    test_windows: dict[str, tuple[np.ndarray, np.ndarray]],
    opts: SamplingOptions,
    occlusion: str = "none",
    device: str = "cpu",
) -> dict:
    """test_windows: action -> (x2d (N, L, J, 2), x3d (N, L, J, 3) metres). Returns per-action and averaged
    metrics in mm (plus the frozen MixSTE's own scores for a Wrapper) and the time per window."""
    per_action, per_action_mixste, times = {}, {}, []
    for action, (x2d, x3d) in sorted(test_windows.items()):
        out = predict_windows(model, kind, occlude_windows(x2d, occlusion, opts.seed), opts, device)
        per_action[action] = metrics.evaluate_windows(out["pose"], x3d)
        if out["mixste"] is not None:
            per_action_mixste[action] = metrics.evaluate_windows(out["mixste"], x3d)
        times.append((out["ms_per_window"], len(x2d)))
    result = {
        "per_action": per_action,
        "average": metrics.average_over_actions(per_action),
        "ms_per_window": sum(t * n for t, n in times) / max(sum(n for _, n in times), 1),
        "windows": int(sum(n for _, n in times)),
        "sampling": vars(opts) if kind != "mixste" else None,
        "occlusion": occlusion,
    }
    if per_action_mixste:
        result["mixste_average"] = metrics.average_over_actions(per_action_mixste)
    return result


METRIC_LABELS = {"mpjpe": "MPJPE", "p_mpjpe": "P-MPJPE", "sym_gap": "sym. gap", "seg_std": "seg. std"}


def table_markdown(rows: dict[str, dict], columns=("mpjpe", "p_mpjpe", "sym_gap", "seg_std")) -> str:
    """rows: model name -> averaged metrics (mm). A Table-2-style markdown table."""
    head = "| model | " + " | ".join(METRIC_LABELS.get(c, c) for c in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 1)]
    for name, m in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{m[c]:.1f}" if c in m else "–" for c in columns) + " |")
    return "\n".join(lines)


def per_action_markdown(per_action: dict[str, dict], metric: str = "mpjpe") -> str:
    actions = sorted(per_action)
    return "\n".join(
        ["| action | " + METRIC_LABELS.get(metric, metric) + " |", "|---|---|"]
        + [f"| {a} | {per_action[a][metric]:.1f} |" for a in actions]
    )


def save_heatmap(matrix: np.ndarray, rows: list[str], cols: list[str], title: str, path: Path) -> Path:
    """A train-pattern × test-pattern matrix as an annotated heatmap PNG (Figures 3–5 style)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.4 * len(cols) + 2, 1.0 * len(rows) + 1.5))
    im = ax.imshow(matrix, cmap="viridis_r")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("test pattern")
    ax.set_ylabel("train pattern")
    for i in range(len(rows)):
        for j in range(len(cols)):
            if np.isfinite(matrix[i, j]):
                ax.text(j, i, f"{matrix[i, j]:.1f}", ha="center", va="center", color="w", fontsize=9)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_json(obj, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=float))
    tmp.replace(path)
    return path
