"""The measured report of the shipped weights (issue #3): regenerates reports/measured/report.md + report.json.

    .venv/bin/python scripts/measured_report.py [--mocap cache/cmu_h36m17] [--out reports/measured]

On the held-out mocap subjects (06 13; a folder of other, unseen subjects is tested on all its subjects):
  1. MixSTE vs DiffHPE-2D vs DiffHPE-Wrapper (H = 5): MPJPE, P-MPJPE, symmetry gap, segment-length std, jitter;
  2. the Wrapper's accuracy vs sampler steps k in {1, 2, 5, 10, 50} (k = 50: the paper's DDPM loop; k < 50: DDIM)
     and H in {1, 5}, with ms per window (a subset of windows: --sweep-windows per clip);
  3. the occlusion patterns, MixSTE-occ vs Wrapper-occ (Table-4 style, --occlusion-windows per clip);
  4. the real videos (no ground truth): segment-length std, symmetry gap and jitter of MixSTE alone vs Wrapper,
     through the streaming lifter and the MediaPipe detector;
and the paper's targets, each marked met or missed. Convert the mocap first: `diffhpe data mocap ../shared/data
cache/cmu_h36m17`. Timings are on whatever machine runs it (stated in the report)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lifting import metrics  # noqa: E402
from lifting.data.occlusion import PAPER_PATTERNS  # noqa: E402

TEST_PATTERNS = PAPER_PATTERNS[1:]  # the four occlusion patterns (PAPER_PATTERNS[0] is "none")
from lifting.data.sources import build_test_windows  # noqa: E402
from lifting.evaluate import SamplingOptions, evaluate_model, write_json  # noqa: E402
from lifting.weights import load_model  # noqa: E402

MODELS = {  # report name -> file in weights/
    "MixSTE": "mixste_paper_cmu.safetensors",
    "DiffHPE-2D": "diffhpe2d_paper_cmu.safetensors",
    "DiffHPE-Wrapper": "wrapper_paper_cmu.safetensors",
    "MixSTE-occ": "mixste_occ_paper_cmu.safetensors",
    "Wrapper-occ": "wrapper_occ_paper_cmu.safetensors",
}
SWEEP_STEPS = (1, 2, 5, 10, 50)
SWEEP_HYPOTHESES = (1, 5)
DEFAULT_SAMPLING = SamplingOptions("ddim", 5, 5, seed=0)


def sampler_for(k: int) -> str:
    return "ddpm" if k == 50 else "ddim"


def subset(windows: dict, per_clip: int | None) -> dict:
    """At most `per_clip` windows per clip, spread over the clip."""
    if not per_clip:
        return windows
    out = {}
    for action, (x2d, x3d) in windows.items():
        idx = np.unique(np.linspace(0, len(x2d) - 1, min(per_clip, len(x2d))).round().astype(int))
        out[action] = (x2d[idx], x3d[idx])
    return out


def count(windows: dict) -> int:
    return sum(len(x) for x, _ in windows.values())


def fmt_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def scores(avg: dict) -> list[str]:
    return [f"{avg[m]:.1f}" for m in ("mpjpe", "p_mpjpe", "sym_gap", "seg_std")] + [f"{avg['accel']:.2f}"]


def table_models(models, windows, log) -> tuple[list[str], dict]:
    md = [
        "## 1. MixSTE vs DiffHPE-2D vs DiffHPE-Wrapper (held out, all windows)\n",
        f"Diffusion models: DDIM k = 5, H = 5 (the app's default sampler). {count(windows)} windows. "
        "mm; jitter = mean joint acceleration in mm/frame².\n",
        fmt_row(["model", "MPJPE", "P-MPJPE", "sym. gap", "seg. std", "jitter", "ms/window"]),
        fmt_row(["---"] * 7),
    ]
    out = {}
    for name in ("MixSTE", "DiffHPE-2D", "DiffHPE-Wrapper"):
        if name not in models:
            md.append(fmt_row([name, "not shipped"] + [""] * 5))
            continue
        model, cfg = models[name]
        res = evaluate_model(model, cfg["kind"], windows, DEFAULT_SAMPLING)
        out[name] = {"average": res["average"], "ms_per_window": res["ms_per_window"]}
        md.append(fmt_row([name] + scores(res["average"]) + [f"{res['ms_per_window']:.0f}"]))
        if "mixste_average" in res:
            out[name]["its_mixste"] = res["mixste_average"]
        log(f"{name}: MPJPE {res['average']['mpjpe']:.1f} mm, {res['ms_per_window']:.0f} ms/window")
    return md + [""], out


def table_sweep(model, cfg, windows, log) -> tuple[list[str], dict]:
    md = [
        "## 2. DiffHPE-Wrapper: sampler steps k × hypotheses H\n",
        f"{count(windows)} held-out windows (a subset spread over every clip). k = 50 is the paper's full DDPM "
        "loop; k < 50 is DDIM (trailing timesteps). ms/window: the whole batch of windows, hypotheses batched, "
        f"{torch.get_num_threads()} thread(s).\n",
        fmt_row(["k", "sampler", "H", "MPJPE", "P-MPJPE", "sym. gap", "seg. std", "jitter", "ms/window"]),
        fmt_row(["---"] * 9),
    ]
    out = {}
    for h in SWEEP_HYPOTHESES:
        for k in SWEEP_STEPS:
            opts = SamplingOptions(sampler_for(k), k, h, seed=0)
            res = evaluate_model(model, cfg["kind"], windows, opts)
            out[f"k{k}_h{h}"] = {"average": res["average"], "ms_per_window": res["ms_per_window"]}
            md.append(fmt_row([str(k), opts.sampler, str(h)] + scores(res["average"]) + [f"{res['ms_per_window']:.0f}"]))
            log(f"sweep k={k} H={h}: MPJPE {res['average']['mpjpe']:.1f} mm, {res['ms_per_window']:.0f} ms/window")
            if "mixste_average" in res:
                out["its_mixste"] = res["mixste_average"]
    if "its_mixste" in out:
        md.append(fmt_row(["-", "its frozen MixSTE", "-"] + scores(out["its_mixste"]) + ["-"]))
    return md + [""], out


def table_occlusion(models, windows, log) -> tuple[list[str], dict]:
    names = [n for n in ("MixSTE-occ", "Wrapper-occ") if n in models]
    md = [
        "## 3. Occlusion patterns: MixSTE-occ vs Wrapper-occ (Table 4 style)\n",
        f"Both trained with a mix of the paper's patterns; tested on each pattern. Wrapper-occ: DDIM k = 5, H = 5. "
        f"{count(windows)} held-out windows, the same occlusion masks for both models. MPJPE in mm.\n",
        fmt_row(["test pattern"] + names),
        fmt_row(["---"] * (1 + len(names))),
    ]
    out: dict = {}
    for pattern in PAPER_PATTERNS:
        row = [pattern]
        for name in names:
            model, cfg = models[name]
            res = evaluate_model(model, cfg["kind"], windows, DEFAULT_SAMPLING, occlusion=pattern)
            out.setdefault(name, {})[pattern] = res["average"]
            row.append(f"{res['average']['mpjpe']:.1f}")
            log(f"{name} / {pattern}: MPJPE {res['average']['mpjpe']:.1f} mm")
        md.append(fmt_row(row))
    return md + [""], out


def video_keypoints(video: Path):
    from app.detection import detect_video

    return detect_video(video, detector="mediapipe")


def clip_scores(poses: np.ndarray) -> dict:
    """poses (T, 17, 3) metres, consecutive frames -> seg. std, sym. gap (mm), jitter (mm/frame²)."""
    mm = poses * 1000.0
    return {
        "seg_std": metrics.segment_length_std(mm),
        "sym_gap": metrics.symmetry_gap(mm),
        "accel": metrics.mean_acceleration(mm),
    }


def table_videos(model, cfg, videos: list[Path], log) -> tuple[list[str], dict]:
    from lifting.stream import StreamingLifter

    lifter = StreamingLifter(model, cfg)
    md = [
        "## 4. Real videos (no ground truth): MixSTE alone vs DiffHPE-Wrapper\n",
        f"MediaPipe 2D, the streaming lifter's defaults (mode {lifter.mode}, stride {lifter.stride}, "
        f"{lifter.sampler} k = {lifter.steps}, H = {lifter.hypotheses}); every frame with a person. "
        "The MixSTE pose is the Wrapper's own frozen MixSTE on the same windows. Segment-length std over the "
        "whole clip (mm), symmetry gap (mm), jitter = mean joint acceleration (mm/frame²).\n",
        fmt_row(["video", "frames", "pose", "seg. std", "sym. gap", "jitter"]),
        fmt_row(["---"] * 6),
    ]
    out = {}
    for video in videos:
        kps = video_keypoints(video)
        results = lifter.lift_sequence(kps)
        seen = np.array([r.person_seen for r in results])
        wrapper = np.stack([r.pose for r in results])[seen]
        mixste = np.stack([r.mixste_pose for r in results])[seen]
        out[video.name] = {"frames": int(seen.sum()), "MixSTE": clip_scores(mixste), "Wrapper": clip_scores(wrapper)}
        for label in ("MixSTE", "Wrapper"):
            s = out[video.name][label]
            md.append(fmt_row([video.name, str(int(seen.sum())), label, f"{s['seg_std']:.1f}", f"{s['sym_gap']:.1f}",
                               f"{s['accel']:.2f}"]))
        log(f"{video.name}: {out[video.name]}")
    return md + [""], out


def targets(report: dict) -> list[str]:
    md = ["## The paper's claims on our held-out subjects\n", fmt_row(["target", "measured", "met"]), fmt_row(["---"] * 3)]
    t1 = report.get("models", {})
    if "MixSTE" in t1 and "DiffHPE-Wrapper" in t1:
        base = t1["DiffHPE-Wrapper"].get("its_mixste", t1["MixSTE"]["average"])
        w = t1["DiffHPE-Wrapper"]["average"]
        ratio = w["mpjpe"] / base["mpjpe"]
        md.append(fmt_row(["Wrapper MPJPE ≤ 0.97 × its MixSTE's", f"{w['mpjpe']:.1f} / {base['mpjpe']:.1f} = {ratio:.3f}",
                           "yes" if ratio <= 0.97 else "no"]))
        for m, label in (("sym_gap", "symmetry gap"), ("seg_std", "segment-length std")):
            cut = 1 - w[m] / base[m]
            md.append(fmt_row([f"{label} ≥ 30 % lower", f"{w[m]:.1f} vs {base[m]:.1f}: {100 * cut:.0f} % lower",
                               "yes" if cut >= 0.30 else "no"]))
    sweep = report.get("sweep", {})
    if "k5_h5" in sweep and "k50_h5" in sweep:
        a, b = sweep["k5_h5"]["average"]["mpjpe"], sweep["k50_h5"]["average"]["mpjpe"]
        rel = a / b - 1
        md.append(fmt_row(["k = 5 MPJPE within 1 % of the 50-step DDPM (H = 5)", f"{a:.1f} vs {b:.1f}: {100 * rel:+.1f} %",
                           "yes" if rel <= 0.01 else "no"]))
    occ = report.get("occlusion", {})
    if "MixSTE-occ" in occ and "Wrapper-occ" in occ:
        wins = [p for p in TEST_PATTERNS if occ["Wrapper-occ"][p]["mpjpe"] < occ["MixSTE-occ"][p]["mpjpe"]]
        md.append(fmt_row(["Wrapper-occ beats MixSTE-occ on ≥ 3 of the 4 patterns", f"{len(wins)} of 4 ({', '.join(wins) or 'none'})",
                           "yes" if len(wins) >= 3 else "no"]))
    return md + [""]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--mocap", default=str(ROOT / "cache" / "cmu_h36m17"), help="converted mocap folder")
    p.add_argument("--weights", default=str(ROOT / "weights"), help="folder of the shipped checkpoints")
    p.add_argument("--videos", default=str(ROOT.parent / "shared" / "data" / "videos"), help="folder of .mp4 videos")
    p.add_argument("--out", default=str(ROOT / "reports" / "measured"))
    p.add_argument("--sweep-windows", type=int, default=4, help="windows per clip for the k × H sweep")
    p.add_argument("--occlusion-windows", type=int, default=8, help="windows per clip for the occlusion table")
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--skip", nargs="*", default=[], choices=["models", "sweep", "occlusion", "videos"])
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    started = time.time()

    def log(msg):
        print(f"[{time.time() - started:6.0f} s] {msg}", flush=True)

    models = {}
    for name, file in MODELS.items():
        path = Path(args.weights) / file
        if path.is_file():
            model, cfg, _ = load_model(path, "cpu")
            models[name] = (model, cfg)
    windows, description = build_test_windows(mocap=args.mocap)
    report: dict = {"data": description, "device": f"{platform.processor() or platform.machine()}, "
                    f"{torch.get_num_threads()} torch threads", "checkpoints": {n: MODELS[n] for n in models}}
    md = [
        "# Measured report of the shipped weights\n",
        f"Regenerate: `.venv/bin/python scripts/measured_report.py`. Data: {description}. Device: {report['device']} "
        f"(CPU). Seed 0 everywhere. Checkpoints: {', '.join(f'{n} = weights/{f}' for n, f in report['checkpoints'].items())}.\n",
    ]
    sections = []
    if "models" not in args.skip:
        part, report["models"] = table_models(models, windows, log)
        sections += part
    if "sweep" not in args.skip and "DiffHPE-Wrapper" in models:
        part, report["sweep"] = table_sweep(*models["DiffHPE-Wrapper"], subset(windows, args.sweep_windows), log)
        sections += part
    if "occlusion" not in args.skip:
        part, report["occlusion"] = table_occlusion(models, subset(windows, args.occlusion_windows), log)
        sections += part
    if "videos" not in args.skip and "DiffHPE-Wrapper" in models:
        videos = sorted(Path(args.videos).glob("*.mp4"))
        part, report["videos"] = table_videos(*models["DiffHPE-Wrapper"], videos, log)
        sections += part
    md += targets(report) + sections
    md.append(f"Generated in {time.time() - started:.0f} s.")
    write_json(report, out / "report.json")
    tmp = out / "report.md.tmp"
    tmp.write_text("\n".join(md) + "\n")
    tmp.replace(out / "report.md")
    log(f"wrote {out / 'report.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
