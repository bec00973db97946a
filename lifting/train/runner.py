"""Builds an mmengine Runner from a training config and datasets: Adam, plateau LR scheduler,
best-checkpoint selection, resume, logging and DDP (torchrun) come from mmengine."""

from __future__ import annotations

from pathlib import Path

from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.hooks import EMAHook
from mmengine.runner import Runner
from torch.utils.data import Dataset

from lifting.config import model_config
from lifting.data.synthetic import SyntheticWindows
from lifting.train.adapter import LiftingModel
from lifting.train.export_hook import SafetensorsExportHook
from lifting.train.metric import PoseMetric
from lifting.train.schedule_hook import BudgetScheduleHook
from lifting.train.synthetic_batches import WindowStreamHook, synthetic_loader

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


def config_path(name: str) -> Path:
    """A config by file path or by the name of a bundled config (e.g. 'wrapper_paper')."""
    p = Path(name)
    if p.suffix == ".py" and p.is_file():
        return p
    bundled = CONFIG_DIR / f"{name.removesuffix('.py')}.py"
    if bundled.is_file():
        return bundled
    from lifting.errors import UserError

    names = ", ".join(sorted(c.stem for c in CONFIG_DIR.glob("*.py") if not c.stem.startswith("_")))
    raise UserError(f"no training config {name!r}: give a .py config file or one of: {names}")


def load_train_config(name: str, overrides: dict | None = None) -> Config:
    cfg = Config.fromfile(str(config_path(name)))
    if overrides:
        cfg.merge_from_dict({k: v for k, v in overrides.items() if v is not None})
    return cfg


def finish_distributed() -> None:
    """End of a successful DDP run: wait for every rank, then shut the process group down while the interpreter
    is fully alive. A gloo process that exits with its group still open can abort during interpreter shutdown
    ("terminate called without an active exception": gloo's worker threads still hold work whose tensors refer
    to Python objects), more often when the CPU is busy. Only on success: after an error the other ranks may be
    inside a collective that never completes, and torchrun stops them. Nothing to do without a process group."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def build_runner(
    cfg: Config,
    train_set: Dataset | SyntheticWindows,
    val_set: Dataset,
    launcher: str = "none",
    device: str = "cpu",
) -> Runner:
    """cfg fields: model (kind, profile, ...), conditioner, batch_size, lr, weight_decay, epochs, val_interval,
    plateau (factor, patience), val_sampling, work_dir, seed, num_workers, resume, log_interval, amp, init_from,
    ema (momentum of an exponential moving average of the weights; validation and the exported checkpoints then
    use the average).

    A Dataset trains by epochs with the plateau scheduler. A SyntheticWindows generator (a fresh camera per
    window) trains by updates: `max_iters` and/or `time_budget` (seconds) set the length, the learning rate
    warms up and follows a cosine over the run (BudgetScheduleHook), and validation runs every
    `val_interval` updates."""
    mcfg = model_config(cfg.model["kind"], cfg.model.get("profile", "paper"), **cfg.model.get("extra", {}))
    if mcfg["kind"] != "mixste" and cfg.get("prediction"):
        mcfg["prediction"] = cfg.prediction
    if cfg.get("dropout") is not None:
        (mcfg["mixste"] if mcfg["kind"] == "mixste" else mcfg["denoiser"])["dropout"] = cfg.dropout
    mcfg["training"] = {
        "config": cfg.get("name", ""),
        "data": cfg.get("data_description", ""),
        "occlusion": cfg.get("occlusion", "none"),
    }
    model = LiftingModel(
        mcfg, conditioner=cfg.get("conditioner"), val_sampling=cfg.get("val_sampling"), amp=cfg.get("amp")
    )
    if cfg.get("init_from"):
        model.load_initial_weights(cfg.init_from)
    loader = dict(
        batch_size=cfg.batch_size,
        num_workers=cfg.get("num_workers", 0),
        persistent_workers=False,
        collate_fn=dict(type="default_collate"),
    )
    work_dir = cfg.get("work_dir") or f"work_dirs/{cfg.get('name', 'run')}"
    plateau = cfg.get("plateau", {"factor": 0.5, "patience": 50})
    if launcher == "pytorch" and not device.startswith("cuda"):
        # mmengine's init_dist calls torch.cuda.set_device, which a CPU build lacks: start the gloo process
        # group ourselves (from torchrun's environment); the Runner then uses it as it is.
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="gloo")
        # and DDP on the CPU must not be given a device id (the Runner reads this from its cfg).
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None, broadcast_buffers=False)
    export = SafetensorsExportHook(monitor="mpjpe", extra_info={"train_config": cfg.get("name", "")})
    if isinstance(train_set, SyntheticWindows):
        by_epoch = False
        val_interval = int(cfg.get("val_interval_iters", 500))
        train_loader = synthetic_loader(train_set, cfg.batch_size)
        train_cfg = dict(
            by_epoch=False, max_iters=int(cfg.get("max_iters") or 10**9), val_interval=val_interval
        )
        param_scheduler = None
        custom_hooks = [
            BudgetScheduleHook(cfg.get("max_iters"), cfg.get("time_budget"), warmup=cfg.get("warmup", 0.02)),
            WindowStreamHook(train_loader.dataset),
            export,
        ]
    else:
        by_epoch = True
        val_interval = cfg.get("val_interval", 1)
        train_loader = dict(dataset=train_set, sampler=dict(type="DefaultSampler", shuffle=True), **loader)
        train_cfg = dict(by_epoch=True, max_epochs=cfg.epochs, val_interval=val_interval)
        param_scheduler = [
            dict(
                type="ReduceOnPlateauLR",
                monitor="mpjpe",
                rule="less",
                factor=plateau["factor"],
                patience=plateau["patience"],
                by_epoch=True,
            )
        ]
        custom_hooks = [export]
    ema = cfg.get("ema")
    if ema:
        if not 0 < float(ema) < 1:
            raise ValueError(f"ema momentum must be between 0 and 1, got {ema!r}")
        # update_buffers=False: the batch-norm statistics are copied from the trained weights at every update.
        custom_hooks.append(EMAHook(momentum=float(ema), update_buffers=False))
    runner = Runner(
        model=model,
        work_dir=work_dir,
        train_dataloader=train_loader,
        val_dataloader=dict(
            dataset=val_set, sampler=dict(type="DefaultSampler", shuffle=False), **{**loader, "batch_size": 256}
        ),
        val_evaluator=Evaluator(PoseMetric()),
        train_cfg=train_cfg,
        val_cfg=dict(),
        optim_wrapper=dict(
            optimizer=dict(
                type="Adam", lr=cfg.lr, betas=(0.9, 0.999), weight_decay=cfg.get("weight_decay", 1e-6)
            ),
            clip_grad=cfg.get("clip_grad"),
        ),
        param_scheduler=param_scheduler,
        log_processor=dict(by_epoch=by_epoch),
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=cfg.get("log_interval", 50)),
            checkpoint=dict(
                type="CheckpointHook", interval=1 if by_epoch else val_interval, by_epoch=by_epoch,
                max_keep_ckpts=2, save_best="mpjpe", rule="less", save_last=True,
            ),  # fmt: skip
        ),
        custom_hooks=custom_hooks,
        launcher=launcher,
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl" if device.startswith("cuda") else "gloo")),
        randomness=dict(seed=cfg.get("seed", 0)),
        resume=cfg.get("resume", False),
        load_from=cfg.get("load_from"),
        default_scope=None,
        cfg=cfg,
    )
    return runner


def trusted_checkpoint_globals() -> list:
    """What mmengine's own .pth checkpoints (in the run's work dir, written by this program) hold besides
    tensors: its logging buffers and numpy values. torch.load's weights_only default refuses them; --resume
    loads them with exactly these allowed."""
    import builtins

    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    return [HistoryBuffer, np._core.multiarray._reconstruct, np.ndarray, np.dtype, np._core.multiarray.scalar,
            builtins.getattr, *{type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")}]  # fmt: skip
