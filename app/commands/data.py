"""`diffhpe data mocap SRC DST`: convert a folder of CMU motion capture BVH files (any of the known flavours)
into Human3.6M-17 clips at 50 fps, one npz per clip, for `diffhpe train --mocap DST`."""

from __future__ import annotations

import argparse

from lifting.errors import UserError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "data",
        help="prepare training data (motion capture conversion)",
        description="Prepare training data.",
    )
    data_sub = p.add_subparsers(dest="data_command", metavar="WHAT")
    data_sub.required = True
    m = data_sub.add_parser(
        "mocap",
        help="convert BVH motion capture to Human3.6M-17 clips",
        description="Convert every .bvh file under SRC (recursively) into DST/<clip>.npz: the 17 Human3.6M joints "
        "in metres (world z up, floor at z = 0), resampled to 50 fps, plus DST/manifest.json. Known BVH flavours "
        "of the CMU database: the 43-joint Daz/Poser-friendly release (also scaled by 1/128), the 31-joint "
        "conversions with CMU bone names or 3ds Max names, and the 100-joint iClone CC_Base rig. Other files "
        "are reported and skipped. Clip ids come from CMU file names (09_01.bvh -> subject 09, clip 09_01). "
        "Descriptions are read from CSV/markdown/index files found under SRC or given with --descriptions.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    m.add_argument("src", metavar="SRC", help="folder of BVH files (searched recursively), or one .bvh file")
    m.add_argument("dst", metavar="DST", help="output folder for the converted clips")
    m.add_argument("--fps", type=float, default=50.0, help="output frame rate (Human3.6M: 50)")
    m.add_argument("--overwrite", action="store_true", help="convert again clips that are already in DST")
    m.add_argument("--jobs", "-j", type=int, default=1, help="parallel conversion processes")
    m.add_argument(
        "--descriptions", action="append", default=[], metavar="FILE",
        help="extra description file (CMU index text, 'CMU data.csv' or a markdown table); repeatable",
    )  # fmt: skip
    m.add_argument(
        "--max-glitch", type=float, default=0.1, metavar="FRACTION",
        help="skip clips where more than this fraction of frame steps move a joint faster than 15 m/s",
    )  # fmt: skip
    m.add_argument("--quiet", "-q", action="store_true", help="print only the summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from lifting.data.mocap_clips import load_clips
    from lifting.data.mocap_folder import convert_folder, summarize

    if args.data_command != "mocap":  # argparse only offers 'mocap' today
        raise UserError(f"unknown data command {args.data_command!r}")
    if args.fps <= 0:
        raise UserError("--fps must be positive")
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    report = convert_folder(
        args.src,
        args.dst,
        fps=args.fps,
        overwrite=args.overwrite,
        jobs=args.jobs,
        description_files=args.descriptions,
        max_glitch_fraction=args.max_glitch,
        log=None if args.quiet else print,
    )
    print(
        f"{len(report.converted)} clips converted, {len(report.kept)} already up to date, "
        f"{len(report.skipped)} skipped, in {report.seconds:.1f} s -> {args.dst}"
    )
    if not report.converted and not report.kept:
        raise UserError(f"{args.src}: no BVH file could be converted (see the messages above)")
    summary = summarize(load_clips(args.dst))
    per_subject = ", ".join(
        f"{s}: {v['clips']} clips / {v['frames']} frames" for s, v in summary["subjects"].items()
    )
    print(
        f"{args.dst}: {summary['clips']} clips, {summary['frames']} frames at {args.fps:g} fps ({per_subject})"
    )
    if args.quiet:
        return 0
    print("mean segment lengths (m), converted vs Human3.6M S1:")
    ref = summary["h36m_s1_segment_lengths_m"]
    for name, value in summary["mean_segment_lengths_m"].items():
        print(f"  {name:28s} {value:.3f}  {ref[name]:.3f}")
    return 0
