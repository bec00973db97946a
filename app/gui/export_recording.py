"""Writing the app's recorded 3D poses to a file (no Qt here): the File menu's export kinds, their default
file names, and the writers `diffhpe lift` uses, so an app export reads like a CLI one."""

from __future__ import annotations

import os

from lifting.keypoints import LiftResult

# export kind -> (default file name suffix, file dialog filter)
EXPORT_KINDS = {
    "csv": (".csv", "CSV (*.csv)"),
    "npz": (".npz", "NumPy archive (*.npz)"),
    "bvh": (".bvh", "BVH animation (*.bvh)"),
    "trc": (".trc", "OpenSim markers (*.trc)"),
    "angles": ("_angles.csv", "CSV (*.csv)"),
}


def default_export_name(source_stem: str | None, suffix: str) -> str:
    """`<video name>_3d<suffix>`, or `webcam_3d<suffix>` when the source is not a file (None)."""
    return f"{source_stem if source_stem is not None else 'webcam'}_3d{suffix}"


def write_recording(
    kind: str,
    path: str | os.PathLike,
    results: list[LiftResult],
    fps: float,
    *,
    source: str | None,
    detector: str,
    model: str,
    lifter,
) -> None:
    """Write `results` atomically as `kind`: csv (the schema of `diffhpe lift`, with its metadata: source,
    detector, model and the lifter's settings now), npz, or bvh / trc / angles (as `diffhpe lift
    --bvh/--trc/--angles`; angles also writes its plot as <name>.png). Raises OSError or UserError."""
    from lifting import export as lift_export

    if kind == "csv":
        # The settings at export time (live changes during the recording are not tracked).
        settings = {"kind": lifter.kind, **lifter.options()} if lifter is not None else None
        lift_export.write_csv(
            path, results, fps, source=source, detector=detector, model=model, settings=settings
        )
    elif kind == "npz":
        lift_export.write_npz(path, results, fps)
    else:
        from lifting.exports.write import ExportPaths, write_exports

        a = lift_export.results_to_arrays(results)
        write_exports(ExportPaths(**{kind: path}), a["positions"], fps, a["frame"])
