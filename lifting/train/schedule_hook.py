"""Learning-rate schedule and stopping rule for runs measured in updates or in wall-clock time: a linear
warm-up, then a cosine decay to `final` × the base rate over the run's progress, where progress is the larger
of (iterations done / max_iters) and (training seconds / time_budget). With a time budget the run stops when
it is spent, so the same recipe trains as far as a machine allows in a given time; the seconds already spent
travel in the checkpoint, so a resumed run continues the same schedule."""

from __future__ import annotations

import math
import time

from mmengine.hooks import Hook


class BudgetScheduleHook(Hook):
    priority = "HIGH"

    def __init__(self, max_iters: int | None = None, time_budget: float | None = None, warmup: float = 0.02,
                 final: float = 0.01):  # fmt: skip
        if not max_iters and not time_budget:
            raise ValueError("give max_iters, time_budget or both")
        self.max_iters, self.time_budget = max_iters, time_budget
        self.warmup, self.final = warmup, final
        self.spent = 0.0  # training seconds of earlier sessions of this run (from the checkpoint)
        self._start: float | None = None
        self._base: list[float] = []
        self._first_iter: int | None = None

    def seconds(self) -> float:
        return self.spent + (time.perf_counter() - self._start if self._start is not None else 0.0)

    def progress(self, it: int) -> float:
        p = it / self.max_iters if self.max_iters else 0.0
        if self.time_budget:
            p = max(p, self.seconds() / self.time_budget)
        return min(p, 1.0)

    def factor(self, progress: float) -> float:
        if progress < self.warmup:
            return (progress + 1e-3) / (self.warmup + 1e-3)
        q = (progress - self.warmup) / max(1e-9, 1 - self.warmup)
        return self.final + (1 - self.final) * 0.5 * (1 + math.cos(math.pi * q))

    def before_train(self, runner) -> None:
        self._base = [g.get("initial_lr", g["lr"]) for g in runner.optim_wrapper.param_groups]
        for g, lr in zip(runner.optim_wrapper.param_groups, self._base):
            g["initial_lr"] = lr
        self._start = time.perf_counter()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self._first_iter is None:
            self._first_iter = runner.iter
        f = self.factor(self.progress(runner.iter))
        for g, lr in zip(runner.optim_wrapper.param_groups, self._base):
            g["lr"] = lr * f

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.time_budget and self.seconds() >= self.time_budget:
            # make this the last update: the loop then validates, and the checkpoint hook saves, as at max_iters
            runner.train_loop._max_iters = runner.iter + 1

    def after_train(self, runner) -> None:
        done = runner.iter - (self._first_iter or 0)
        secs = time.perf_counter() - self._start if self._start is not None else 0.0
        batch = getattr(runner.train_dataloader, "dataset", None)
        size = getattr(batch, "batch_size", None)
        rate = f", {done * size / secs:.1f} windows/s" if size and secs > 0 else ""
        runner.logger.info(f"trained {done} updates in {secs:.0f} s{rate} (validation included)")

    def before_val_epoch(self, runner) -> None:
        runner.message_hub.update_info("train_seconds", self.seconds())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault("meta", {})["train_seconds"] = self.seconds()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.spent = float(checkpoint.get("meta", {}).get("train_seconds", 0.0))
