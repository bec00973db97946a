"""How accuracy changes with the amount of training motion (issue #3): regenerates reports/data_amount/.

    .venv/bin/python scripts/data_amount.py [--mocap cache/mocap_h36m17] [--fractions 0.25 0.5 1] [--full-epochs 3]

Trains the cheap `mixste_tiny_cmu_cpu` MixSTE with `diffhpe train` on a fraction of the training subjects' clips
(each fraction a seeded random subset of clips; the held-out subjects are always the same) for the same number of
updates, so only the amount of distinct motion changes, and reads each run's held-out validation MPJPE (best.json).
Writes report.md / report.json and a matplotlib figure (MPJPE vs fraction). The shared set is small, so the slope
of this curve is the estimate of what a larger set (e.g. the whole CMU database) would buy."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CONFIG = "mixste_tiny_cmu_cpu"


def iterations_per_epoch(log: Path) -> int:
    """The `[1][ 20/365]` counter of an mmengine log gives the iterations of one epoch."""
    for line in log.read_text().splitlines():
        m = re.search(r"Epoch\(train\)\s+\[\d+\]\[\s*\d+/(\d+)\]", line)
        if m:
            return int(m.group(1))
    raise RuntimeError(f"no training progress line in {log}")


def train(fraction: float, epochs: int, args, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    log = work / "train.log"
    cmd = [
        str(ROOT / ".venv" / "bin" / "diffhpe"), "train", CONFIG, "--mocap", args.mocap, "--stride", str(args.stride),
        "--train-fraction", str(fraction), "--epochs", str(epochs), "--val-interval", str(epochs),
        "--work-dir", str(work), "--seed", str(args.seed),
    ]  # fmt: skip
    t0 = time.perf_counter()
    with log.open("w") as fh:
        rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
    if rc != 0:
        raise RuntimeError(f"training failed (exit {rc}); see {log}")
    best = json.loads((work / "best.json").read_text())
    return {"fraction": fraction, "epochs": epochs, "seconds": time.perf_counter() - t0, "log": str(log), **best}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mocap", default=str(ROOT / "cache" / "mocap_h36m17"), help="converted mocap folder")
    p.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    p.add_argument("--full-epochs", type=int, default=3, help="epochs of the full-data run (the others match its updates)")
    p.add_argument("--stride", type=int, default=27)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(ROOT / "reports" / "data_amount"))
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    # The full set first: its log gives the iterations of a full-data epoch; a fraction f has about f times as
    # many per epoch, so it gets about 1/f times the epochs and every run the same number of updates.
    fractions = sorted(set(args.fractions) | {1.0}, reverse=True)
    rows = [train(1.0, args.full_epochs, args, out / "runs" / "fraction_1")]
    full_epoch = iterations_per_epoch(Path(rows[0]["log"]))
    rows[0]["iterations"] = full_epoch * args.full_epochs
    for f in fractions[1:]:
        epochs = max(1, round(args.full_epochs / f))
        print(f"fraction {f:g}: {epochs} epochs", flush=True)
        row = train(f, epochs, args, out / "runs" / f"fraction_{f:g}")
        row["iterations"] = iterations_per_epoch(Path(row["log"])) * epochs
        rows.append(row)
    rows.sort(key=lambda r: r["fraction"])

    from lifting.train.runner import load_train_config

    batch = load_train_config(CONFIG).batch_size
    md = [
        "# Accuracy vs amount of training motion\n",
        (
            f"MixSTE `tiny` profile (config `{CONFIG}`), about the same number of updates (batch {batch}) per run, "
            f"windows every {args.stride} frames; a fraction is a seeded random subset of the training subjects' "
            f"clips (full-data epoch: {full_epoch} iterations). Held-out subjects fixed; mm, from each run's "
            "validation (best.json).\n"
        ),
        "| fraction of clips | epochs | iterations | MPJPE | P-MPJPE | symmetry gap | seg. std | train s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['fraction']:g} | {r['epochs']} | {r['iterations']} | {r['mpjpe']:.1f} | {r['p_mpjpe']:.1f} | "
            f"{r['sym_gap']:.1f} | {r['seg_std']:.1f} | {r['seconds']:.0f} |"
        )
    (out / "report.md").write_text("\n".join(md) + "\n")
    (out / "report.json").write_text(json.dumps(rows, indent=2))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([r["fraction"] for r in rows], [r["mpjpe"] for r in rows], "o-")
    ax.set_xlabel("fraction of training clips")
    ax.set_ylabel("held-out MPJPE (mm)")
    ax.set_title("same number of updates")
    fig.tight_layout()
    fig.savefig(out / "mpjpe_vs_fraction.png", dpi=120)
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
