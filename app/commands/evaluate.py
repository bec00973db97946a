"""`diffhpe eval`: Table-2-style reports (MPJPE / symmetry gap / segment std per model, per action and
averaged) and, for occlusion-trained models, Table 4 and the train × test pattern heatmaps (Figures 3–5)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.options import add_lifter_arguments
from lifting import stream_defaults
from lifting.errors import UserError

PATTERNS = ["none", "random", "random_leg_arm", "consecutive_leg", "consecutive_frames"]


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate checkpoints and write reports",
        description="Evaluate checkpoints on the test subjects (Human3.6M S9/S11, or the held-out mocap subjects) "
        "and write report.md + report.json (+ heatmap PNGs for occlusion matrices) to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = p.add_argument_group("data (choose one source)")
    data.add_argument("--h36m-3d", metavar="NPZ", help="VideoPose3D data_3d_h36m.npz")
    data.add_argument("--h36m-2d", metavar="NPZ", help="VideoPose3D 2D file (CPN or ground truth)")
    data.add_argument("--mocap", metavar="DIR", help="converted motion capture clips (diffhpe data mocap)")
    data.add_argument("--cameras", type=int, default=4, help="virtual cameras per held-out mocap clip")
    data.add_argument(
        "--subjects", nargs="+", metavar="ID",
        help="mocap subjects to test on (default: the held-out subjects 06 and 13 when the folder has them, "
        "else every subject in the folder)",
    )  # fmt: skip
    p.add_argument(
        "--model", action="append", default=[], metavar="[NAME=]CKPT",
        help="checkpoint to evaluate (repeatable); NAME labels its row",
    )
    p.add_argument(
        "--occlusion-model", action="append", default=[], metavar="PATTERN=CKPT",
        help="checkpoint trained with an occlusion PATTERN (repeatable); evaluated on every --test-pattern to "
        "build the train × test matrices and Table 4",
    )
    p.add_argument("--test-pattern", action="append", choices=PATTERNS, help="occlusion patterns to test (default: all)")
    add_lifter_arguments(
        p, ("hypotheses", "sampler", "steps", "flip"), defaults=stream_defaults.PAPER_SAMPLING
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--reference", action="store_true",
        help="sample with the reference modules instead of lifting.fast_inference (same samples, allclose "
        "1e-5, 2-3x slower on a CPU)",
    )  # fmt: skip
    p.add_argument("--max-windows", type=int, default=None, help="use at most N test windows per action (quick runs)")
    add_lifter_arguments(p, ("device",))
    p.add_argument("--out", default="reports/eval", help="output folder for report.md, report.json and PNGs")
    p.set_defaults(func=run)


def _split_named(spec: str) -> tuple[str, str]:
    if "=" in spec:
        name, path = spec.split("=", 1)
        return name, path
    return Path(spec).stem, spec


def run(args) -> int:
    import numpy as np

    from lifting.data.sources import build_test_windows
    from lifting.evaluate import (
        SamplingOptions,
        evaluate_model,
        per_action_markdown,
        save_heatmap,
        table_markdown,
        write_json,
    )
    from lifting.weights import load_model, resolve_device

    if not args.model and not args.occlusion_model:
        raise UserError("nothing to evaluate: give at least one --model or --occlusion-model checkpoint")
    if not 1 <= args.steps <= 50:
        raise UserError("--steps must be between 1 and 50")
    device = str(resolve_device(args.device))
    windows, description = build_test_windows(
        h36m_3d=args.h36m_3d, h36m_2d=args.h36m_2d, mocap=args.mocap, cameras=args.cameras, subjects=args.subjects,
        max_windows=args.max_windows, seed=args.seed,
    )
    opts = SamplingOptions(
        args.sampler, args.steps, args.hypotheses, args.seed, fast=not args.reference, flip=args.flip
    )
    out = Path(args.out)
    report = {"data": description, "sampling": vars(opts), "models": {}, "occlusion": {}}
    rows = {}
    md = [f"# DiffHPE evaluation\n\nData: {description}\n\nSampling: {opts.sampler}, k = {opts.steps}, "
          f"H = {opts.hypotheses}, seed {opts.seed}{', test-time flip' if opts.flip else ''}. All numbers in "
          "mm.\n"]
    for spec in args.model:
        name, path = _split_named(spec)
        model, cfg, _ = load_model(path, device)
        res = evaluate_model(model, cfg["kind"], windows, opts, device=device)
        report["models"][name] = {"checkpoint": path, "kind": cfg["kind"], **res}
        rows[f"{name} ({cfg['kind']}, H={opts.hypotheses if cfg['kind'] != 'mixste' else 1})"] = res["average"]
        if "mixste_average" in res:
            rows[f"{name}: its frozen MixSTE"] = res["mixste_average"]
        print(f"{name}: MPJPE {res['average']['mpjpe']:.1f} mm, {res['ms_per_window']:.1f} ms/window")
    if rows:
        md += ["## Table 2 style: averaged over actions\n", table_markdown(rows), ""]
        for name, r in report["models"].items():
            md += [f"### {name}: per action\n", per_action_markdown(r["per_action"]), ""]

    if args.occlusion_model:
        tests = args.test_pattern or PATTERNS
        trained = [_split_named(s) for s in args.occlusion_model]
        mats = {m: np.full((len(trained), len(tests)), np.nan) for m in ("mpjpe", "sym_gap", "seg_std")}
        for i, (pattern, path) in enumerate(trained):
            model, cfg, _ = load_model(path, device)
            for j, test in enumerate(tests):
                res = evaluate_model(model, cfg["kind"], windows, opts, occlusion=test, device=device)
                report["occlusion"].setdefault(pattern, {})[test] = {"checkpoint": path, **res["average"]}
                for m in mats:
                    mats[m][i, j] = res["average"][m]
                print(f"trained {pattern} / tested {test}: MPJPE {res['average']['mpjpe']:.1f} mm")
        md += ["## Table 4 style: MPJPE, each model tested with the pattern it was trained with\n",
               "| pattern | MPJPE |", "|---|---|"]
        for i, (pattern, _) in enumerate(trained):
            if pattern in tests:
                md.append(f"| {pattern} | {mats['mpjpe'][i, tests.index(pattern)]:.1f} |")
        md.append("")
        for m, title in (("mpjpe", "MPJPE"), ("sym_gap", "symmetry gap"), ("seg_std", "segment-length std")):
            png = save_heatmap(mats[m], [p for p, _ in trained], tests, f"{title} (mm)", out / f"occlusion_{m}.png")
            md += [f"![{title}]({png.name})", ""]
        report["occlusion_matrices"] = {
            m: {"train": [p for p, _ in trained], "test": tests, "values": v.tolist()} for m, v in mats.items()
        }
    out.mkdir(parents=True, exist_ok=True)
    write_json(report, out / "report.json")
    tmp = out / "report.md.tmp"
    tmp.write_text("\n".join(md) + "\n")
    tmp.replace(out / "report.md")
    print(f"wrote {out / 'report.md'} and {out / 'report.json'}")
    return 0
