"""`diffhpe export IN.csv --bvh out.bvh --trc out.trc --angles out.csv`: convert a pose CSV written earlier by
`diffhpe lift` or the app, so nobody has to lift a video twice."""

from __future__ import annotations

import sys
from pathlib import Path

from lifting.errors import UserError
from lifting.exports.world import VERTICALS


def add_export_options(p, with_vertical: bool = True) -> None:
    """--bvh/--trc/--angles (shared with `diffhpe lift`)."""
    p.add_argument(
        "--bvh", metavar="BVH", help="write a BVH animation (Y up, centimetres; Blender, Unity, ...)"
    )
    p.add_argument("--trc", metavar="TRC", help="write the joints as OpenSim TRC markers (Y up, millimetres)")
    p.add_argument(
        "--angles",
        metavar="CSV",
        help="write joint angles per frame (degrees) to this CSV, and their plot beside it as <stem>.png",
    )
    if with_vertical:
        p.add_argument(
            "--vertical",
            choices=VERTICALS,
            default="camera",
            help="where 'up' is for BVH/TRC/angles: 'camera' takes the camera's up (assumes a level camera), "
            "'pose' estimates it from the poses (ankles to thorax over the clip; for people upright with their "
            "feet under them) (default: camera)",
        )


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="convert a pose CSV to BVH / TRC / joint angles",
        description="Read a 3D pose CSV written by `diffhpe lift` or the app and write it as BVH (animation), "
        "TRC (OpenSim markers) and/or joint angles (CSV + PNG plot). See the README for axes and units.",
    )
    p.add_argument("input", metavar="IN.csv", help="pose CSV written by `diffhpe lift` or the app")
    add_export_options(p)
    p.add_argument(
        "--fps",
        type=float,
        help="frame rate, when neither a JSON sidecar nor the time_s column gives it (overrides both)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from lifting.export_read import read_pose_csv
    from lifting.exports.write import ExportPaths, check_paths, write_exports

    paths = ExportPaths(args.bvh, args.trc, args.angles)
    if not paths.any():
        raise UserError("nothing to do: give at least one of --bvh, --trc, --angles")
    check_paths(paths, [Path(args.input)])  # before reading: a bad path costs nothing
    table = read_pose_csv(args.input, args.fps)
    report = write_exports(
        paths, table.positions, table.fps, table.frame, table.time_s, args.vertical, Path(args.input).name
    )
    for line in report.notes:
        print(f"note: {line}", file=sys.stderr)
    print(
        f"exported {table.num_frames} frames at {table.fps:g} fps (from {table.fps_from}): "
        f"{', '.join(str(p) for p in report.written)}",
        file=sys.stderr,
    )
    return 0
