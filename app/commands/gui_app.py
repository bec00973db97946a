"""`diffhpe app [VIDEO]`: open the desktop app on a video file or a webcam."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.commands.options import add_lifter_arguments, given_lifter_options
from app.gui.app_options import APP_LIFT_DEFAULTS
from lifting.errors import UserError


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "app",
        help="desktop app: video or webcam -> 2D keypoints -> live 3D skeleton",
        description="Open the DiffHPE desktop app. Drop a video on the window or use File > Open; "
        "File > Export CSV writes the same CSV as `diffhpe lift`.",
    )
    p.add_argument("video", nargs="?", help="video file to open (default: none, or --webcam)")
    p.add_argument(
        "--webcam", type=int, metavar="INDEX", help="open this webcam (0, 1, ...) instead of a file"
    )
    p.add_argument(
        "--model",
        "--weights",
        dest="model",
        metavar="CKPT",
        help="checkpoint path or name in weights/ (default: the shipped default, as for `diffhpe lift`); "
        "'random:paper' for an untrained model",
    )
    p.add_argument("--weights-dir", metavar="DIR", help="folder listed in the Model box (default: weights/)")
    p.add_argument("--detector", default="mediapipe", help="2D detector (default: mediapipe)")
    add_lifter_arguments(
        p,
        ("device", "mode", "steps", "hypotheses", "stride", "sampler", "joints", "fit_2d", "steady_bones"),
        defaults=APP_LIFT_DEFAULTS,
    )
    p.add_argument(
        "--renderer",
        choices=("auto", "legacy", "filament"),
        default="auto",
        help="the 3D view's Open3D renderer: legacy (OpenGL, fast on software OpenGL, needs a display), "
        "filament (works headless), or auto: time both at start and keep the faster (default: auto)",
    )
    add_lifter_arguments(p, ("root_filter",))
    p.add_argument("--paused", action="store_true", help="open the video paused on its first frame")
    p.add_argument("--every-frame", action="store_true", help="lift every frame instead of keeping real time")
    p.add_argument(
        "--threads",
        type=int,
        help="torch CPU threads for the lifter (default: half the cores; the detector "
        "and the 3D renderer use the rest)",
    )
    p.set_defaults(func=run)
    return p


def _check_display() -> None:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UserError(
            "no display found (DISPLAY is not set). Run the app on a desktop, or use "
            "`diffhpe lift VIDEO -o out.csv` for the same 3D output without a window."
        )


def lifter_options(args: argparse.Namespace) -> dict:
    """The StreamingLifter options this command line sets (the rest are the app's or the lifter's own)."""
    names = ("mode", "steps", "hypotheses", "stride", "sampler", "joints", "fit_2d", "steady_bones")
    return given_lifter_options(args, (*names, "root_filter"))


def run(args: argparse.Namespace) -> int:
    if args.video and not Path(args.video).is_file():
        raise UserError(f"video file not found: {args.video}")
    model = args.model
    if model and not model.startswith("random:"):
        from lifting.weights import resolve_checkpoint

        model = str(resolve_checkpoint(model, args.weights_dir))
    if args.threads is not None:
        if args.threads < 1:
            raise UserError(f"--threads must be 1 or more, got {args.threads}")
        os.environ["DIFFHPE_TORCH_THREADS"] = str(args.threads)
    _check_display()
    from app.gui.app_options import AppOptions
    from app.gui.run_app import run_app

    lift_options = lifter_options(args)
    options = AppOptions(
        video=args.video,
        webcam=args.webcam,
        model=model,
        weights_dir=args.weights_dir,
        detector=args.detector,
        device=args.device,
        lift_options=lift_options,
        realtime=not args.every_frame,
        autoplay=not args.paused,
        renderer=args.renderer,
    )
    return run_app(options)
