"""`diffhpe train CONFIG`: train MixSTE, DiffHPE-2D or DiffHPE-Wrapper with mmengine (single process, or
DDP under torchrun with --launcher pytorch)."""

from __future__ import annotations

import argparse
from pathlib import Path

from lifting.errors import UserError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a model (mmengine)",
        description="Train MixSTE, DiffHPE-2D or DiffHPE-Wrapper. Data: Human3.6M in the VideoPose3D npz format "
        "(--h36m-3d and --h36m-2d), or the CMU motion capture set built by `diffhpe data mocap` (--mocap). "
        "Bundled configs: mixste_paper, diffhpe2d_paper, wrapper_paper and their *_mixste512 variants "
        "(paper Table 1 hyper-parameters). Multi-GPU / multi-node: "
        "`torchrun --nproc_per_node N -m app.cli train CONFIG --launcher pytorch ...`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("config", help="bundled config name (e.g. wrapper_paper) or path to an mmengine .py config")
    data = p.add_argument_group("data (choose one source)")
    data.add_argument("--h36m-3d", metavar="NPZ", help="VideoPose3D data_3d_h36m.npz")
    data.add_argument(
        "--h36m-2d", metavar="NPZ", help="VideoPose3D 2D file, e.g. data_2d_h36m_cpn_ft_h36m_dbb.npz or data_2d_h36m_gt.npz"
    )
    data.add_argument("--mocap", metavar="DIR", help="folder of converted motion capture clips (diffhpe data mocap)")
    data.add_argument("--train-fraction", type=float, default=1.0, help="use only this fraction of the training clips")
    data.add_argument(
        "--camera-mode",
        choices=["fresh", "fixed"],
        default=None,
        help="mocap: 'fresh' draws a new virtual camera (phone, webcam, tripod), augmentation and 2D noise for "
        "every training window, on the training device, and trains by updates (--iters / --time-budget); "
        "'fixed' is the older mode: --cameras fixed cameras per clip, trained by epochs (default: the config's)",
    )
    data.add_argument(
        "--cameras", type=int, default=4, help="fixed virtual cameras per mocap clip (training in 'fixed' mode; "
        "validation always)",
    )  # fmt: skip
    data.add_argument(
        "--limb-mix", type=float, metavar="P",
        help="'fresh' mode: give each window, with probability P per part (left arm, right arm, legs), that "
        "part's motion from another window, for poses beyond the mocap set's (default: the config's, 0)",
    )  # fmt: skip
    data.add_argument(
        "--joint-rotation", type=float, metavar="DEG",
        help="'fresh' mode: turn each window's limbs, trunk and head at their joints by rotations up to this "
        "sigma in degrees, moving smoothly over the window, for poses beyond the mocap set's (default: the "
        "config's, 0)",
    )  # fmt: skip
    data.add_argument("--val-windows", type=int, help="validate on about this many held-out windows (fixed subset)")
    data.add_argument(
        "--occlusion",
        default=None,
        choices=["none", "random", "random_leg_arm", "consecutive_leg", "consecutive_frames", "mixed"],
        help="occlusion pattern applied to the 2D inputs while training (default: the config's); 'mixed' draws "
        "one of the paper's patterns (or none) per window",
    )
    p.add_argument(
        "--prediction",
        choices=["epsilon", "sample"],
        help="what the diffusion network predicts: the noise (the paper's) or the clean pose x0 (default: the config's)",
    )
    p.add_argument("--conditioner", metavar="CKPT", help="trained MixSTE checkpoint (required for the Wrapper)")
    p.add_argument("--work-dir", help="where logs and checkpoints go (default work_dirs/<config name>)")
    p.add_argument("--epochs", type=int, help="override the config's number of epochs")
    p.add_argument("--batch-size", type=int, help="override the config's batch size")
    p.add_argument("--lr", type=float, help="override the config's learning rate")
    p.add_argument("--iters", type=int, help="'fresh' mode: updates to train for (the cosine schedule's length)")
    p.add_argument(
        "--time-budget", type=float, metavar="SECONDS",
        help="'fresh' mode: train for this many seconds (the cosine schedule follows the time spent)",
    )  # fmt: skip
    p.add_argument(
        "--ema", type=float, metavar="M",
        help="keep an exponential moving average of the weights, moving this fraction toward the new weights "
        "each update (0.01: about the last 100 updates, as the shipped DiffHPE-2D); validation and the best/last "
        "checkpoints use it",
    )  # fmt: skip
    p.add_argument("--amp", choices=["none", "bf16"], help="bfloat16 autocast in the training step (default: config's)")
    p.add_argument(
        "--load-from", metavar="CKPT",
        help="start from this trained safetensors checkpoint of the same kind (fine-tuning, or continuing a "
        "shipped model); a Wrapper keeps its --conditioner and takes only the denoiser",
    )  # fmt: skip
    p.add_argument("--stride", type=int, default=1, help="frames between consecutive training windows")
    p.add_argument("--val-interval", type=int, help="validate every N epochs (fresh mode: every N updates)")
    p.add_argument("--num-workers", type=int, default=0, help="data loader worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="resume from the latest checkpoint in the work dir")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument(
        "--launcher", default="none", choices=["none", "pytorch"], help="'pytorch' under torchrun for DDP"
    )
    p.set_defaults(func=run)


def fresh_only(camera_mode: str, cfg, key: str, requested: float | None) -> float:
    """A pose augmentation that needs fresh cameras (limb_mix, joint_rotation) to build the training data with:
    the config's (or the command line's) with fresh cameras; with fixed cameras the recipes' own value does not
    apply, and only an explicit option is passed on (for build_training_data to refuse it)."""
    if camera_mode == "fresh":
        return cfg.get(key) or 0.0
    return requested or 0.0


def run(args) -> int:
    from lifting.data.sources import build_training_data
    from lifting.train.runner import build_runner, finish_distributed, load_train_config
    from lifting.weights import resolve_device

    cfg = load_train_config(
        args.config,
        {
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "val_interval": args.val_interval,
            "work_dir": args.work_dir,
            "seed": args.seed,
            "num_workers": args.num_workers,
            "resume": args.resume or None,
            "conditioner": args.conditioner,
            "occlusion": args.occlusion,
            "prediction": args.prediction,
            "camera_mode": args.camera_mode,
            "max_iters": args.iters,
            "time_budget": args.time_budget,
            "amp": args.amp,
            "ema": args.ema,
            "init_from": args.load_from,
            "val_windows": args.val_windows,
            "limb_mix": args.limb_mix,
            "joint_rotation": args.joint_rotation,
        },
    )
    if args.ema is not None and not 0 < args.ema < 1:
        raise UserError(f"--ema {args.ema}: the moving average's momentum must be between 0 and 1 (e.g. 0.01)")
    if args.load_from and not Path(args.load_from).is_file():
        raise UserError(f"--load-from {args.load_from}: no such file")
    mode = cfg.get("camera_mode", "fixed")
    if mode == "fresh" and args.val_interval:
        cfg.val_interval_iters = args.val_interval
    if mode == "fresh" and not args.mocap:
        raise UserError("--camera-mode fresh needs motion capture (--mocap DIR); Human3.6M has its own cameras")
    if mode == "fresh" and not (cfg.get("max_iters") or cfg.get("time_budget")):
        raise UserError("training with fresh cameras runs by updates: give --iters N and/or --time-budget SECONDS")
    if cfg.model["kind"] == "wrapper" and not cfg.get("conditioner"):
        raise UserError("the Wrapper trains on a frozen MixSTE: pass its checkpoint with --conditioner")
    device = resolve_device(args.device)
    train_set, val_set, description = build_training_data(
        h36m_3d=args.h36m_3d,
        h36m_2d=args.h36m_2d,
        mocap=args.mocap,
        occlusion=cfg.get("occlusion", "none"),
        flip=cfg.get("flip", True),
        stride=args.stride,
        train_fraction=args.train_fraction,
        cameras=args.cameras,
        seed=args.seed,
        camera_mode=mode if args.mocap else "fixed",
        device=str(device),
        val_windows=cfg.get("val_windows"),
        limb_mix=fresh_only(mode, cfg, "limb_mix", args.limb_mix),
        joint_rotation=fresh_only(mode, cfg, "joint_rotation", args.joint_rotation),
    )
    cfg.data_description = description
    runner = build_runner(cfg, train_set, val_set, launcher=args.launcher, device=str(device))
    import torch

    from lifting.train.runner import trusted_checkpoint_globals

    with torch.serialization.safe_globals(trusted_checkpoint_globals()):
        runner.train()
    finish_distributed()  # DDP: every rank leaves together, its process group closed (a no-op otherwise)
    return 0
