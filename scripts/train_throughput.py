"""Training throughput on this machine, in one run: windows per second of whole training updates (data,
forward, backward, Adam) through the mmengine runner, for MixSTE and the DiffHPE-Wrapper ('paper' profile),
in the older setting (fixed cameras, per-window numpy data, float32) and the new one (a fresh camera per window
made in batches; bfloat16 autocast; dropout masks drawn by torch's sampler or from numpy's random bytes,
lifting.models.fast_dropout; the denoiser's batch norms on the strided (N, C, J) view or on the contiguous
(N·J, C) one, lifting.models.gcn_denoiser.batch_norm_last), each pair in one run. Also the bf16 vs fp32 loss and gradient agreement on one
batch. Writes a JSON report.

    .venv/bin/python scripts/train_throughput.py cache/mocap_h36m17 --threads 2 --json reports/train_throughput/cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
from mmengine.hooks import Hook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifting.data.sources import build_training_data
from lifting.models import gcn_denoiser
from lifting.train.runner import build_runner, load_train_config


class Clock(Hook):
    """Wall time of the updates after the first `skip` (warm-up)."""

    def __init__(self, skip: int):
        self.skip, self.t0, self.n = skip, None, 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.n += 1
        if self.n == self.skip:
            self.t0 = time.perf_counter()
        self.t1 = time.perf_counter()


def strided_batch_norm(bn, x):
    """The denoiser's batch norm as it was: on the (N, C, J) transpose of (N, J, C)."""
    return bn(x.transpose(1, 2)).transpose(1, 2)


CONTIGUOUS_BATCH_NORM = gcn_denoiser.batch_norm_last


def measure(mocap, config, mode, batch, amp, iters, skip, conditioner=None, numpy_masks=True, bn="contiguous"):
    from lifting.models import fast_dropout

    fast_dropout.NUMPY_MASKS = numpy_masks
    gcn_denoiser.batch_norm_last = CONTIGUOUS_BATCH_NORM if bn == "contiguous" else strided_batch_norm
    with tempfile.TemporaryDirectory() as work:
        over = {"batch_size": batch, "amp": amp, "work_dir": work, "conditioner": conditioner,
                "camera_mode": mode, "val_windows": 8, "log_interval": 10**6}  # fmt: skip
        if mode == "fresh":
            over.update(max_iters=iters, val_interval_iters=10**6)
        else:
            over.update(epochs=1, val_interval=10**6)
        cfg = load_train_config(config, over)
        train, val, _ = build_training_data(mocap=mocap, camera_mode=mode, stride=27 if mode == "fixed" else 1,
                                            val_windows=8)  # fmt: skip
        runner = build_runner(cfg, train, val)
        clock = Clock(skip)
        runner.register_hook(clock)
        if mode == "fixed":  # stop the epoch after `iters` updates
            class Stop(Hook):
                def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
                    if clock.n >= iters:
                        runner.train_loop._max_epochs = 0
                        raise StopIteration

            runner.register_hook(Stop())
        try:
            runner.train()
        except StopIteration:
            pass
        done = clock.n - skip
        secs = clock.t1 - clock.t0
    masks = "numpy" if numpy_masks else "torch"
    return {"config": config, "camera_mode": mode, "batch": batch, "amp": amp or "fp32", "dropout_masks": masks,
            "batch_norm": bn, "updates_timed": done, "seconds": secs,
            "windows_per_s": done * batch / secs}  # fmt: skip


def bf16_agreement(mocap, conditioner) -> dict:
    from lifting.config import model_config
    from lifting.train.adapter import LiftingModel

    train, _, _ = build_training_data(mocap=mocap, camera_mode="fresh", val_windows=8)
    out = {}
    for kind in ("mixste", "wrapper"):
        cfg = model_config(kind, "paper")
        if kind == "wrapper":
            cfg["prediction"] = "sample"
        torch.manual_seed(0)
        batch = train.batch(64)
        res = {}
        for amp in (None, "bf16"):
            m = LiftingModel(cfg, conditioner=conditioner if kind == "wrapper" else None, amp=amp)
            torch.manual_seed(1)
            m.load_state_dict(res.get("state", m.state_dict()))
            res.setdefault("state", m.state_dict())
            m.train()
            torch.manual_seed(2)
            loss = m(batch["x2d"], batch["x3d"], mode="loss")["loss"]
            loss.backward()
            g = torch.cat([p.grad.flatten() for p in m.parameters() if p.grad is not None])
            res[amp or "fp32"] = (float(loss), g)
        (l32, g32), (l16, g16) = res["fp32"], res["bf16"]
        out[kind] = {"loss_fp32": l32, "loss_bf16": l16, "loss_rel_diff": abs(l16 - l32) / l32,
                     "grad_cosine": float(torch.nn.functional.cosine_similarity(g32, g16, dim=0))}  # fmt: skip
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mocap")
    ap.add_argument("--conditioner", default="weights/mixste_paper_cmu.safetensors")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--iters", type=int, default=8)
    ap.add_argument("--skip", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    # (config, camera mode, batch, autocast, conditioner, numpy dropout masks, batch-norm layout): the first
    # row of each model is how it trained before either change, the last how it trains now
    plan = [
        ("mixste_paper_cmu_cpu", "fixed", 64, None, None, False, "strided"),
        ("mixste_paper_cmu", "fresh", 64, None, None, False, "strided"),
        ("mixste_paper_cmu", "fresh", 64, None, None, True, "contiguous"),
        ("mixste_paper_cmu", "fresh", 64, "bf16", None, True, "contiguous"),
        ("diffhpe2d_paper_cmu", "fresh", 64, None, None, False, "strided"),
        ("diffhpe2d_paper_cmu", "fresh", 64, None, None, True, "strided"),
        ("diffhpe2d_paper_cmu", "fresh", 64, None, None, True, "contiguous"),
        ("diffhpe2d_paper_cmu", "fresh", 128, None, None, True, "contiguous"),
        ("wrapper_paper_cmu", "fresh", 64, None, a.conditioner, False, "strided"),
        ("wrapper_paper_cmu", "fresh", 64, None, a.conditioner, True, "strided"),
        ("wrapper_paper_cmu", "fresh", 64, None, a.conditioner, True, "contiguous"),
    ]
    for config, mode, batch, amp, cond, numpy_masks, bn in plan:
        r = measure(a.mocap, config, mode, batch, amp, a.iters, a.skip, cond, numpy_masks, bn)
        rows.append(r)
        print(json.dumps(r), flush=True)
    report = {"machine": platform.processor() or platform.machine(), "threads": a.threads,
              "load_average": os.getloadavg(), "rows": rows,
              "bf16_agreement": bf16_agreement(a.mocap, a.conditioner)}  # fmt: skip
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            report["machine"] = line.split(":", 1)[1].strip()
            break
    print(json.dumps(report["bf16_agreement"]))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
