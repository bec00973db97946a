"""`diffhpe lift VIDEO -o out.csv`: video (or webcam) -> 2D detector -> streaming DiffHPE lifter -> CSV / npz
(+ an optional preview video). The detector runs in its own thread, so it overlaps with the lifting."""

from __future__ import annotations

import sys
from pathlib import Path

from app.commands.options import add_lifter_arguments, given_lifter_options
from lifting import stream_defaults
from lifting.errors import UserError
from lifting.trajectory import DEFAULT_FOV_DEG


def add_parser(sub) -> None:
    p = sub.add_parser(
        "lift",
        help="lift a video or webcam to 3D poses (CSV / npz)",
        description="Detect 2D keypoints in every frame, lift them to 3D with a DiffHPE model and write one CSV row "
        "per frame: joint positions in the camera frame (metres; x right, y down, z forward), the spread of the "
        "diffusion hypotheses and the 2D confidences. Frames without a detected person are lifted from the frames "
        "around them (occlusion-trained models) and marked person_seen=0.",
    )
    p.add_argument("video", nargs="?", help="input video file")
    p.add_argument(
        "--webcam", type=int, metavar="N", help="read camera N instead of a file (stop with Ctrl-C)"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="CSV",
        help="CSV to write (default: <video name>_3d.csv here); its metadata goes beside it (out.csv -> out.json)",
    )
    p.add_argument("--npz", metavar="NPZ", help="also write the arrays as a NumPy .npz")
    p.add_argument("--preview", metavar="MP4", help="also write a preview video (2D overlay + 3D skeleton)")
    from app.commands.export import add_export_options  # --bvh/--trc/--angles/--vertical (issue 17)

    add_export_options(p)
    p.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    p.add_argument(
        "--model",
        metavar="CKPT",
        help="checkpoint path or name in weights/ (default: the shipped default, "
        "weights/default.json, else the best DiffHPE-Wrapper there)",
    )
    p.add_argument("--detector", default=None, help="2D detector (default: mediapipe)")
    add_lifter_arguments(
        p,
        ("device", "mode", "stride", "steps", "hypotheses", "sampler", "seed", "flip", "joints", "fit_2d")
        + ("steady_bones",),
        shown={
            "mode": f"{stream_defaults.DEFAULT_FILE_MODE} for a video file (lifted offline, more accurate), "
            f"{stream_defaults.DEFAULT_MODE} for --webcam"
        },
    )
    p.add_argument(
        "--conf-threshold",
        type=float,
        help="2D joints below this confidence are treated as hidden "
        f"(default: {stream_defaults.DEFAULT_CONF_THRESHOLD})",
    )
    p.add_argument(
        "--fov",
        type=float,
        default=None,
        help="camera field of view across the longer image side, "
        f"degrees, for the root position (default: {DEFAULT_FOV_DEG:g})",
    )
    p.add_argument(
        "--root-relative", action="store_true", help="write root-relative coordinates (pelvis = 0)"
    )
    add_lifter_arguments(p, ("root_filter", "threads"))
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the denoiser (float32: <10%% faster per step on CPU; with --bf16 ~1.7x faster on CPUs "
        "with AMX; ~50 s of compiling the first time, seconds from the on-disk cache after; falls back to normal "
        "execution if compiling fails)",
    )
    p.add_argument(
        "--bf16",
        action="store_true",
        help="run the denoiser in bfloat16: with --compile, faster on CPUs with AMX (not measured on "
        "CUDA); not exact, its accuracy cost is in the README",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _outputs(args) -> tuple[Path | None, Path | None, Path | None]:
    from lifting.export import check_writable, sidecar_path

    csv = args.output
    if csv is None and args.npz is None:
        stem = Path(args.video).stem if args.video else f"webcam{args.webcam}"
        csv = f"{stem}_3d.csv"
    if csv is not None and Path(csv).suffix.lower() == ".json":
        raise UserError(f"cannot write the CSV to {csv}: its metadata goes to the .json of the same name")
    paths = [Path(p) if p else None for p in (csv, args.npz, args.preview)]
    # Every file that will be written, the CSV's metadata included, checked before any work is done.
    written = [p for p in paths if p] + ([sidecar_path(csv)] if csv is not None else [])
    for p in written:
        check_writable(p)
    if len({p.resolve() for p in written}) < len(written):
        raise UserError("the output files must be different paths (the CSV's metadata goes to its .json)")
    from lifting.exports.write import ExportPaths, check_paths

    check_paths(ExportPaths(args.bvh, args.trc, args.angles), written)
    return paths[0], paths[1], paths[2]


def _lift_options(args) -> dict:
    live = getattr(args, "video", None) is None  # a webcam: keep the latency low
    given = ("stride", "steps", "hypotheses", "sampler", "seed", "flip", "joints", "fit_2d", "steady_bones")
    given += ("root_filter",)
    opts = {
        "mode": args.mode or (stream_defaults.DEFAULT_MODE if live else stream_defaults.DEFAULT_FILE_MODE),
        "conf_threshold": args.conf_threshold,
        "fov": args.fov,
    }
    return {**{k: v for k, v in opts.items() if v is not None}, **given_lifter_options(args, given)}


def run(args) -> int:
    if (args.video is None) == (args.webcam is None):
        raise UserError("give a VIDEO file or --webcam N (one of them)")
    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be at least 1")
    if args.video is not None:
        v = Path(args.video)
        if not v.exists():
            raise UserError(f"video file not found: {v}")
    csv_path, npz_path, preview_path = _outputs(args)

    from app.video import open_video, open_webcam

    reader = open_video(args.video) if args.video is not None else open_webcam(args.webcam)
    try:
        return _run(args, reader, csv_path, npz_path, preview_path)
    finally:
        reader.close()


def _run(args, reader, csv_path, npz_path, preview_path) -> int:
    import torch

    from app.detection import start_detector
    from app.lift_pipeline import lift_stream
    from detectors import DEFAULT_DETECTOR
    from lifting.export import sidecar_path, write_csv, write_npz
    from lifting.stream import StreamingLifter
    from lifting.weights import resolve_checkpoint

    torch.set_num_threads(stream_defaults.torch_threads(args.threads))
    ckpt = resolve_checkpoint(args.model)
    lifter = StreamingLifter.from_checkpoint(
        ckpt, device=args.device, compile=args.compile, bf16=args.bf16, **_lift_options(args)
    )
    warm_up_s = lifter.warm_up()  # imports, first calls and compiling happen before the stream's clock starts
    detector_name = args.detector or DEFAULT_DETECTOR
    detector = start_detector(detector_name, reader.first_frame)
    preview = None
    if preview_path is not None:
        from app.preview import PreviewWriter

        preview = PreviewWriter(preview_path, reader.fps, reader.size)

    total = reader.frame_count or None
    if args.max_frames is not None:
        total = min(total, args.max_frames) if total else args.max_frames
    from tqdm import tqdm

    bar = tqdm(
        total=total, unit="frame", desc="lift", disable=True if args.no_progress else None, file=sys.stderr
    )
    try:
        st = lift_stream(reader, detector, lifter, args.max_frames, preview, bar)
    except BaseException:
        if preview is not None:
            preview.abort()
        raise
    finally:
        bar.close()
        detector_ms = detector.ms_per_frame
        detector.close()
    n, seen = st.frames, st.seen
    if n == 0 or seen == 0:
        if preview is not None:
            preview.abort()
        if n == 0:
            raise UserError(f"no frame was read from {reader.name}; nothing written")
        raise UserError(f"no person was detected in any of the {n} frames of {reader.name}; nothing written")
    notes = []
    if n < lifter.window:
        notes.append(
            f"note: the clip has {n} frames, fewer than the model's {lifter.window}-frame window: it was lifted "
            f"with the window padded by repeating its first frame (less temporal context, less accurate)"
        )
    if st.interrupted:
        notes.append(f"note: stopped by Ctrl-C after {n} frames")
    meta = {"source": reader.name, "model": str(ckpt), **lifter.options()}
    written = []
    try:
        if csv_path is not None:
            written.append(
                write_csv(
                    csv_path,
                    st.results,
                    reader.fps,
                    root_relative=args.root_relative,
                    source=reader.name,
                    detector=detector_name,
                    model=str(ckpt),
                    settings=_settings(lifter),
                )
            )
            written.append(sidecar_path(csv_path))
        if npz_path is not None:
            written.append(write_npz(npz_path, st.results, reader.fps, **meta))
        written += _write_exports(args, st.results, reader.fps, reader.name)
    except BaseException:
        if preview is not None:
            preview.abort()
        raise
    if preview is not None:
        written.append(preview.close())
    for line in notes:
        print(line, file=sys.stderr)
    print(
        f"lifted {n} frames ({seen} with a person) in {st.wall_s:.1f} s = {n / st.wall_s:.1f} fps end to end; "
        f"detector {detector_ms:.1f} ms/frame, lifter {1000 * st.lift_s / n:.1f} ms/frame "
        f"({_describe(lifter)}); warm-up before the stream {warm_up_s:.1f} s; "
        f"wrote {', '.join(str(p) for p in written)}",
        file=sys.stderr,
    )
    return 0


def _write_exports(args, results, fps, name) -> list:
    """--bvh/--trc/--angles from the lifted results (camera frame with the root, as the CSV)."""
    from lifting.export import results_to_arrays
    from lifting.exports.write import ExportPaths, write_exports

    paths = ExportPaths(args.bvh, args.trc, args.angles)
    if not paths.any():
        return []
    a = results_to_arrays(results)
    report = write_exports(paths, a["positions"], fps, a["frame"], vertical=args.vertical, title=name)
    for line in report.notes:
        print(f"note: {line}", file=sys.stderr)
    return report.written


def _settings(lifter) -> dict:
    """The lifter's model kind, sampler and streaming options, device and speed-ups, for the CSV's metadata."""
    return {
        "kind": lifter.kind,
        **lifter.options(),
        "device": str(lifter.device),
        "compiled": bool(lifter.compile),
        "bf16": bool(lifter.bf16),
    }


def _describe(lifter) -> str:
    what = f"{lifter.kind}, {lifter.mode}, stride {lifter.stride}"
    if lifter.uses_diffusion:
        what += f", {lifter.sampler} k={lifter.steps}, H={lifter.hypotheses}"
        what += "".join(
            f", {flag}" for flag, on in (("compiled", lifter.compile), ("bf16", lifter.bf16)) if on
        )
    return what + f", latency <= {lifter.max_latency_frames} frames"
