"""Writes the best model (by validation MPJPE) and the last model as safetensors checkpoints with their config;
with an EMAHook in the run, the weights written are the moving average (the ones validation measured)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from mmengine.dist import is_main_process
from mmengine.hooks import EMAHook, Hook
from mmengine.model import is_model_wrapper

from lifting.weights import save_checkpoint


class SafetensorsExportHook(Hook):
    priority = "LOW"

    def __init__(self, monitor: str = "mpjpe", out_dir: str | None = None, extra_info: dict | None = None):
        self.monitor = monitor
        self.out_dir = out_dir
        self.extra_info = extra_info or {}
        self.best = math.inf

    def _adapter(self, runner):
        """The model to write: the EMA copy when the run keeps one. This hook runs after EMAHook's (LOW vs
        NORMAL priority), so after a validation the copy holds the averaged weights again."""
        ema = [h for h in runner.hooks if isinstance(h, EMAHook) and hasattr(h, "ema_model")]
        if ema:
            return ema[0].ema_model.module
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _save(self, runner, name: str, metrics: dict | None) -> None:
        if not is_main_process():
            return
        adapter = self._adapter(runner)
        info = {
            **self.extra_info,
            "epoch": runner.epoch,
            "iter": runner.iter,
            "val_metrics": {k: float(v) for k, v in (metrics or {}).items()},
        }
        out = Path(self.out_dir or runner.work_dir) / name
        save_checkpoint(out, adapter.net, adapter.model_cfg, info)
        runner.logger.info(f"saved {out}")

    def after_val_epoch(self, runner, metrics=None) -> None:
        if not metrics or self.monitor not in metrics:
            return
        value = float(metrics[self.monitor])
        if value < self.best:
            self.best = value
            self._save(runner, "best.safetensors", metrics)
            if is_main_process():
                Path(self.out_dir or runner.work_dir, "best.json").write_text(
                    json.dumps({"epoch": runner.epoch, "iter": runner.iter, **{k: float(v) for k, v in metrics.items()}})
                )

    def after_train(self, runner) -> None:
        self._save(runner, "last.safetensors", None)
