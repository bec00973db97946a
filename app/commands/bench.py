"""`diffhpe bench [VIDEO]`: what each stage costs on this machine, in one run: the 2D detector, MixSTE and the
Wrapper sampler per window and amortised per frame (k steps × H hypotheses, reference vs fast inference), the
latency in frames, end-to-end fps of `diffhpe lift`, peak memory; CUDA too when there is a GPU. Warm-up runs
are excluded; on CUDA every timing is synchronised. Prints a table and writes --json."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from app.commands.options import add_lifter_arguments
from lifting import stream_defaults
from lifting.errors import UserError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VIDEOS = (
    REPO.parent / "shared" / "data" / "videos" / "pose2sim_cam01.mp4",
    REPO / "assets" / "sample.mp4",
)
STEPS = (1, 2, 5, 10, 50)
HYPOTHESES = (1, 5)
QUICK_STEPS = (1, 5)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="measure detector / lifter speed, latency and memory",
        description="Measure, in one run, the 2D detector (ms/frame), MixSTE (ms/window and amortised per frame), "
        "the DiffHPE-Wrapper sampler for k in {1,2,5,10,50} steps and H in {1,5} hypotheses (reference and fast "
        "inference), latency in frames, end-to-end fps of the lift pipeline and peak memory. Timings on a shared "
        "machine are noisy: compare numbers from one run.",
    )
    p.add_argument(
        "video",
        nargs="?",
        help=f"video for the detector and end-to-end runs (default: {DEFAULT_VIDEOS[0].name}, "
        "else the bundled sample)",
    )
    p.add_argument(
        "--model",
        help="checkpoint path or name (default: the shipped default; a random-init 'paper' "
        "Wrapper when weights/ is empty: speed does not depend on the weights); 'random:PROFILE' times a "
        "random-init Wrapper of that size profile (paper, mixste512)",
    )
    add_lifter_arguments(p, ("device", "stride", "mode"))
    p.add_argument("--frames", type=int, default=120, help="frames for the detector and end-to-end runs")
    p.add_argument(
        "--repeats", type=int, default=5, help="timed repeats per configuration (after one warm-up)"
    )
    add_lifter_arguments(p, ("threads",))
    p.add_argument(
        "--compile",
        action="store_true",
        help="also time torch.compile of the fast denoiser, float32 and bfloat16",
    )
    p.add_argument("--quick", action="store_true", help="k in {1,5}, H=5 only, 2 repeats, 60 frames")
    p.add_argument(
        "--accuracy",
        metavar="MOCAP_DIR",
        help="instead of speed: MPJPE of the streaming settings (mode, stride, k, H, sampler) on held-out mocap "
        "sequences (folder of `diffhpe data mocap`), against the paper's sampler (centred, 50-step DDPM, H=5)",
    )
    p.add_argument(
        "--accuracy-frames", type=int, default=300, help="frames per held-out sequence for --accuracy"
    )
    p.add_argument("--accuracy-sequences", type=int, default=4, help="held-out sequences for --accuracy")
    p.add_argument(
        "--robustness",
        action="store_true",
        help="instead of speed: hide the right leg (confidence 0) for 10 frames of VIDEO's 2D and report how far "
        "the lifted pose moves (mm) compared with the unhidden lift",
    )
    p.add_argument("--json", metavar="OUT", help="write the results as JSON")
    p.set_defaults(func=run)


def _timer(device):
    import torch

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def measure(fn, repeats: int) -> float:
        """Median wall ms of fn() over `repeats` runs after one warm-up."""
        fn()
        sync()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return times[len(times) // 2]

    return measure


def _model(spec: str | None, device, any_kind: bool = False):
    from lifting.config import build_model, model_config
    from lifting.weights import load_model, resolve_checkpoint

    if spec is not None and spec.startswith("random:") and spec != "random:paper":
        from lifting.config import PROFILES

        profile = spec.split(":", 1)[1]
        if profile not in PROFILES:
            raise UserError(f"unknown profile {profile!r} in --model {spec}; choose one of {', '.join(PROFILES)}")
        cfg = model_config("wrapper", profile)
        return build_model(cfg).to(device).eval(), cfg, f"random-init {profile} Wrapper"
    if spec in ("random", "random:paper") or spec is None:
        try:
            if spec is None:
                path = resolve_checkpoint(None)
                model, cfg, _ = load_model(path, device, expect_kind="wrapper")
                return model, cfg, str(path)
        except UserError:
            pass
        cfg = model_config("wrapper", "paper")
        return build_model(cfg).to(device).eval(), cfg, "random-init paper Wrapper"
    path = resolve_checkpoint(spec)
    model, cfg, _ = load_model(path, device)
    if cfg["kind"] != "wrapper" and not any_kind:
        raise UserError(f"bench times the DiffHPE-Wrapper; {path} holds a {cfg['kind']} model")
    return model, cfg, str(path)


def _lifter_timings(
    model, cfg, device, stride, lookahead, repeats, steps_list, hyp_list, compile_too
) -> dict:
    import torch

    from lifting.diffusion import sample
    from lifting.fast_inference import FastDiffusion

    measure = _timer(device)
    window = cfg["window"]
    g = torch.Generator().manual_seed(0)
    x2d = (torch.rand(1, window, 17, 2, generator=g) * 2 - 1).to(device)
    fast = FastDiffusion(model).to(device).eval()
    out: dict = {"stride": stride, "window": window, "rows": []}
    with torch.inference_mode():
        mixste_ms = measure(lambda: model.mixste_pose(model.condition(x2d)), repeats)
        out["mixste_ms_per_window"] = mixste_ms
        cond = model.condition(x2d)
        cond_fast = fast.prepare(cond)
        for h in hyp_list:
            noise = torch.randn(1, h, window, 17, 3, generator=g)
            for k in steps_list:
                reps = max(1, repeats if k <= 10 else repeats // 2)
                fast_ms = measure(
                    lambda n=noise, k=k: sample(fast, fast.prepare(cond), steps=k, sampler="ddim", noise=n), reps
                )
                row = {"steps": k, "hypotheses": h, "fast_ms_per_window": fast_ms}
                if k in (1, 5):
                    row["reference_ms_per_window"] = measure(
                        lambda n=noise, k=k: sample(model, cond, steps=k, sampler="ddim", noise=n), reps
                    )
                window_ms = mixste_ms + fast_ms
                row["window_ms"] = window_ms
                row["amortised_ms_per_frame"] = window_ms / stride
                out["rows"].append(row)
        # one denoiser step, reference vs fast (the PAPER.md cost note's unit)
        xt = torch.randn(5, window, 17, 3, generator=g).to(device)
        t = torch.full((5,), 10, dtype=torch.long, device=device)
        ch = cond.repeat_interleave(5, 0)
        fch = cond_fast.repeat_interleave(5, 0)
        out["step_h5_reference_ms"] = measure(lambda: model.predict_noise(xt, ch, t), repeats)
        out["step_h5_fast_ms"] = measure(lambda: fast.predict_noise(xt, fch, t), repeats)
        if compile_too:  # torch.compile of the fast denoiser, float32 and bfloat16
            for name, bf16 in (("compiled", False), ("compiled_bf16", True)):
                variant = FastDiffusion(model, compile=True, bf16=bf16).to(device).eval()
                fch_v = variant.prepare(cond).repeat_interleave(5, 0)
                variant.predict_noise(xt, fch_v, t)  # compiles
                if variant.compile_error:
                    out[f"{name}_error"] = variant.compile_error
                    continue
                out[f"{name}_compile_s"] = variant.compile_s
                out[f"step_h5_{name}_ms"] = measure(
                    lambda v=variant, c=fch_v: v.predict_noise(xt, c, t), repeats
                )
                noise = torch.randn(1, 5, window, 17, 3, generator=g)
                for row in out["rows"]:
                    if row["hypotheses"] == 5 and row["steps"] in (1, 5):
                        ms = measure(
                            lambda v=variant, k=row["steps"], n=noise: sample(
                                v, v.prepare(cond), steps=k, sampler="ddim", noise=n
                            ),
                            max(1, repeats),
                        )
                        row[f"{name}_ms_per_window"] = ms
                        row[f"{name}_amortised_ms_per_frame"] = (mixste_ms + ms) / stride
    out["latency_frames_max"] = lookahead + stride - 1
    return out


def _detector_and_end_to_end(video: Path, ckpt_model, cfg, device, frames: int, lift_options: dict) -> dict:
    from app.detection import start_detector
    from app.lift_pipeline import lift_stream
    from app.video import open_video
    from lifting.stream import StreamingLifter

    out: dict = {"video": str(video)}
    with open_video(video) as reader:
        detector = start_detector("mediapipe", reader.first_frame)
        t0 = time.perf_counter()
        n = 0
        for _, frame in reader:
            if n >= frames:
                break
            detector.detect(frame)
            n += 1
        out["detector_ms_per_frame"] = detector.ms_per_frame
        out["detector_frames"] = n
        out["read_detect_ms_per_frame"] = (time.perf_counter() - t0) * 1000 / max(n, 1)
        detector.close()
    with open_video(video) as reader:
        detector = start_detector("mediapipe", reader.first_frame)
        lifter = StreamingLifter(ckpt_model, cfg, device=device, **lift_options)
        out["warm_up_s"] = lifter.warm_up()  # as diffhpe lift does before its stream
        st = lift_stream(reader, detector, lifter, max_frames=frames)
        detector.close()
    out["end_to_end_frames"] = st.frames
    out["end_to_end_fps"] = st.frames / st.wall_s
    out["end_to_end_lift_ms_per_frame"] = 1000 * st.lift_s / max(st.frames, 1)
    out["max_latency_frames_seen"] = max((r.latency_frames for r in st.results[: -lifter.window]), default=0)
    return out


def _run_accuracy(args, model, cfg, device, model_name) -> dict:
    from lifting.stream_accuracy import accuracy_table, held_out_sequences

    seqs = held_out_sequences(args.accuracy, args.accuracy_sequences, args.accuracy_frames)
    print(
        f"accuracy on {len(seqs)} held-out sequences, {sum(len(k) for k, _ in seqs)} frames ...",
        file=sys.stderr,
    )

    def on_row(r: dict) -> None:
        print(f"  {r['setting']}: MPJPE {r['mpjpe']:.1f} mm", file=sys.stderr)

    rows = accuracy_table(model, cfg, device, seqs, on_row)
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Streaming settings vs accuracy, held-out mocap ({model_name})")
    for col in (
        "setting",
        "MPJPE mm",
        "P-MPJPE",
        "sym gap",
        "seg std",
        "MixSTE MPJPE",
        "Δ to first row, mm",
        "latency ≤ frames",
    ):
        t.add_column(col, justify="right" if col != "setting" else "left")
    for r in rows:
        t.add_row(
            r["setting"],
            f"{r['mpjpe']:.1f}",
            f"{r['p_mpjpe']:.1f}",
            f"{r['sym_gap']:.1f}",
            f"{r['seg_std']:.1f}",
            f"{r['mixste_mpjpe']:.1f}",
            f"{r['diff_to_reference_mm']:.1f}",
            str(r["latency_frames_max"]),
        )
    Console(width=None if sys.stdout.isatty() else 140).print(t)
    return {"accuracy": rows, "sequences": len(seqs), "frames": sum(len(k) for k, _ in seqs)}


def _run_robustness(args, model, cfg, device, video: Path) -> dict:
    from app.detection import detect_video
    from lifting.robustness import robustness
    from lifting.stream import StreamingLifter

    kps = detect_video(video, min(args.frames, 120), detector="mediapipe")
    if not any(k is not None for k in kps):
        raise UserError(f"no person detected in {video}")
    out = {"video": str(video), "frames": len(kps)}
    for mode in stream_defaults.MODES:
        lifter = StreamingLifter(
            model, cfg, device=device, mode=mode, stride=args.stride or stream_defaults.DEFAULT_STRIDE
        )
        out[mode] = r = robustness(lifter, kps)
        print(
            f"{mode}: right leg hidden in frames {r['frames'][0]}-{r['frames'][1] - 1}: the hidden joints move "
            f"{r['mean_mm_hidden_joints']:.1f} mm on average (max {r['max_mm_hidden_joints']:.1f}), all joints "
            f"{r['mean_mm_all_joints']:.1f} mm; MixSTE alone {r['mixste_mean_mm_hidden_joints']:.1f} mm; hypothesis "
            f"spread of those joints {r['std_mm_hidden_joints_visible']:.1f} -> {r['std_mm_hidden_joints_hidden']:.1f} mm"
        )
    return out


def run(args) -> int:
    if args.video is not None and not Path(args.video).is_file():
        raise UserError(f"video file not found: {args.video}")
    video = Path(args.video) if args.video else next((v for v in DEFAULT_VIDEOS if v.is_file()), None)
    if video is None:
        raise UserError("no video to benchmark: pass VIDEO")
    if args.json:
        from lifting.export import check_writable

        check_writable(args.json)

    import torch

    from lifting.stream import StreamingLifter
    from lifting.weights import resolve_device

    torch.set_num_threads(stream_defaults.torch_threads(args.threads))  # as `diffhpe lift`
    device = resolve_device(args.device)
    repeats = 2 if args.quick else args.repeats
    frames = min(args.frames, 60) if args.quick else args.frames
    steps_list = QUICK_STEPS if args.quick else STEPS
    hyp_list = (5,) if args.quick else HYPOTHESES
    model, cfg, model_name = _model(args.model, device, any_kind=bool(args.accuracy or args.robustness))
    if args.accuracy or args.robustness:
        report = {"device": _device_name(device), "model": model_name, "profile": cfg.get("profile")}
        if args.accuracy:
            report.update(_run_accuracy(args, model, cfg, device, model_name))
        if args.robustness:
            report["robustness"] = _run_robustness(args, model, cfg, device, video)
        _write_json(args.json, report)
        return 0
    mode = args.mode or stream_defaults.DEFAULT_MODE
    stride = args.stride or stream_defaults.DEFAULT_STRIDE
    probe = StreamingLifter(model, cfg, device=device, mode=mode, stride=stride)  # validates mode/stride
    lookahead = probe.lookahead
    report = {
        "device": _device_name(device),
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "model": model_name,
        "profile": cfg.get("profile"),
        "mode": mode,
    }
    report["lifter"] = _lifter_timings(
        model, cfg, device, stride, lookahead, repeats, steps_list, hyp_list, args.compile
    )
    py_peak = _python_peak(probe)
    try:
        import mediapipe  # noqa: F401  (the 2D stage; a GPU box for lifter timings may not have it)
    except ImportError:
        report["pipeline"] = {"skipped": "no 2D detector installed (mediapipe): lifter timings only"}
    else:
        report["pipeline"] = _detector_and_end_to_end(
            video, model, cfg, device, frames, {"mode": mode, "stride": stride}
        )
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["python_peak_alloc_mb_lifter"] = py_peak / 2**20
    if device.type == "cuda":
        report["cuda_peak_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    _print(report)
    _write_json(args.json, report)
    return 0


def _write_json(path, report: dict) -> None:
    if path:
        from lifting.export import atomic_write

        atomic_write(path, lambda f: f.write(json.dumps(report, indent=2).encode()))
        print(f"wrote {path}", file=sys.stderr)


def _python_peak(lifter) -> int:
    """Peak Python-heap bytes (tracemalloc) of lifting 40 frames; kept apart from the timings it would slow."""
    import tracemalloc

    import numpy as np

    from lifting.keypoints import Keypoints2D

    rng = np.random.default_rng(0)
    kps = [
        Keypoints2D(
            rng.uniform(0, 500, (17, 2)).astype(np.float32), np.ones(17, np.float32), np.zeros(4), (640, 480)
        )
        for _ in range(40)
    ]
    tracemalloc.start()
    for kp in kps:
        lifter.push(kp)
    lifter.flush()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _device_name(device) -> str:
    import platform

    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU: {name}"


def _print(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    lf, pl = r["lifter"], r["pipeline"]
    con = Console(width=None if sys.stdout.isatty() else 120)
    con.print(
        f"[bold]{r['device']}[/], {r['torch_threads']} torch thread(s), load average {r['load_average'][0]:.1f}; "
        f"model: {r['model']} ({r['profile']}); {r['mode']} mode, stride {lf['stride']}"
    )
    t = Table(title="DiffHPE-Wrapper lifting cost (DDIM, per 27-frame window and amortised per frame)")
    for col in (
        "k",
        "H",
        "sampler ms/window (fast)",
        "reference ms/window",
        "MixSTE+sampler ms/window",
        f"ms/frame at stride {lf['stride']}",
    ):
        t.add_column(col, justify="right")
    for row in lf["rows"]:
        ref = row.get("reference_ms_per_window")
        t.add_row(
            str(row["steps"]),
            str(row["hypotheses"]),
            f"{row['fast_ms_per_window']:.1f}",
            f"{ref:.1f}" if ref is not None else "–",
            f"{row['window_ms']:.1f}",
            f"{row['amortised_ms_per_frame']:.1f}",
        )
    con.print(t)
    s = Table(title="Stages")
    s.add_column("what")
    s.add_column("value", justify="right")
    if "skipped" in pl:
        s.add_row("2D detector and end to end", pl["skipped"])
    else:
        s.add_row("2D detector (MediaPipe), ms/frame", f"{pl['detector_ms_per_frame']:.1f}")
    s.add_row("MixSTE, ms/window", f"{lf['mixste_ms_per_window']:.1f}")
    s.add_row(
        f"MixSTE, ms/frame at stride {lf['stride']}", f"{lf['mixste_ms_per_window'] / lf['stride']:.1f}"
    )
    s.add_row("one denoiser step H=5, reference ms", f"{lf['step_h5_reference_ms']:.1f}")
    s.add_row("one denoiser step H=5, fast ms", f"{lf['step_h5_fast_ms']:.1f}")
    for name, what in (("compiled", "torch.compile"), ("compiled_bf16", "torch.compile bf16")):
        if f"step_h5_{name}_ms" in lf:
            s.add_row(f"one denoiser step H=5, {what} ms", f"{lf[f'step_h5_{name}_ms']:.1f}")
            s.add_row(f"{what} time, s", f"{lf[f'{name}_compile_s']:.1f}")
            for row in lf["rows"]:
                if f"{name}_amortised_ms_per_frame" in row:
                    s.add_row(
                        f"k={row['steps']} H=5 {what}, ms/window | ms/frame at stride {lf['stride']}",
                        f"{row[f'{name}_ms_per_window'] + lf['mixste_ms_per_window']:.1f} | "
                        f"{row[f'{name}_amortised_ms_per_frame']:.1f}",
                    )
        if f"{name}_error" in lf:
            s.add_row(what, lf[f"{name}_error"])
    s.add_row("latency, frames (max, + one window's compute)", str(lf["latency_frames_max"]))
    if "skipped" not in pl:
        s.add_row(
            f"end to end (detector thread + lifter), fps over {pl['end_to_end_frames']} frames",
            f"{pl['end_to_end_fps']:.1f}",
        )
        s.add_row("end to end, lifter ms/frame", f"{pl['end_to_end_lift_ms_per_frame']:.1f}")
    s.add_row("peak RSS, MB", f"{r['peak_rss_mb']:.0f}")
    if "cuda_peak_mb" in r:
        s.add_row("CUDA peak allocated, MB", f"{r['cuda_peak_mb']:.0f}")
    con.print(s)
