"""`diffhpe score REF.npz`: how well monocular lifting recovers a real video's triangulated 3D (the
`../shared/data/real3d/` check): P-MPJPE, MPJPE, per joint, and the symmetry / segment-length / jitter of the
prediction vs the reference, for a CSV written earlier, for lifting the video with one or more sampler
settings (the 2D detections are computed once and cached), for the models' MixSTE alone, and for MediaPipe's
own 3D. The numbers are those of the reference's scoring tool (`lifting/real_reference.py`)."""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from pathlib import Path

from app.commands.options import add_lifter_arguments, given_lifter_options
from lifting import stream_defaults
from lifting.errors import UserError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VIDEO_DIR = REPO.parent / "shared" / "data" / "videos"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "score",
        help="score lifted 3D against a real video's triangulated reference",
        description="Score monocular 3D against a triangulated reference (npz, see lifting/real_reference.py): "
        "a CSV of ours (--csv), or lift VIDEO here with --model and every combination of --steps and "
        "--hypotheses; the rows also give the model's MixSTE alone and MediaPipe's own 3D.",
    )
    p.add_argument("reference", help="reference npz, e.g. ../shared/data/real3d/pose2sim_cam01_reference.npz")
    p.add_argument("--view", help="the reference's view (default: its first)")
    p.add_argument(
        "--csv", action="append", default=[], metavar="PRED.csv", help="score a CSV of ours (repeatable)"
    )
    p.add_argument(
        "--video", help="lift this video (default: the view's video beside the shared data, VIEW.mp4)"
    )
    p.add_argument(
        "--model",
        action="append",
        default=[],
        help="checkpoint(s) to lift with (default: the shipped default)",
    )
    add_lifter_arguments(
        p,
        ("steps", "hypotheses", "mode", "stride", "device", "flip", "joints", "fit_2d", "steady_bones"),
        defaults={"device": "cpu", "mode": stream_defaults.DEFAULT_FILE_MODE},  # a video file, as `diffhpe lift`
        several=True,
    )
    p.add_argument(
        "--detect-every",
        type=int,
        default=1,
        metavar="N",
        help="detect only every N-th frame and interpolate the 2D of the others, as the app does in real time "
        "when the detector falls behind (default: 1, every frame)",
    )
    p.add_argument("--per-joint", action="store_true", help="print the per-joint MPJPE table too")
    p.add_argument("--json", metavar="OUT", help="write every row's full metrics as JSON")
    p.set_defaults(func=run)


def _video_for(args, ref) -> Path:
    if args.video:
        v = Path(args.video)
    else:
        stem = Path(ref.path).name.split("_reference")[0]
        v = DEFAULT_VIDEO_DIR / f"{stem}.mp4"
    if not v.is_file():
        raise UserError(f"video not found: {v} (pass --video)")
    return v


def detections(video: Path, frames: int, every: int = 1) -> list:
    """MediaPipe 2D of the first `frames` frames of `video` (of every `every`-th, the others interpolated),
    cached in cache/detections/ by file size and time and by the joint-centre ratios the detector's
    landmarks are mapped with."""
    import numpy as np

    from detectors.layouts import JOINT_CENTRE_RATIOS
    from lifting.keypoints import Keypoints2D

    st = video.stat()
    # Keyed by the keypoint definitions too: the cache holds the detector's 2D after the layout's mapping.
    definitions = hashlib.sha1(json.dumps(JOINT_CENTRE_RATIOS, sort_keys=True).encode()).hexdigest()[:8]
    every_tag = f"_every{every}" if every > 1 else ""
    name = f"{video.stem}_{st.st_size}_{int(st.st_mtime)}_{frames}_{definitions}{every_tag}.npz"
    cache = REPO / "cache" / "detections" / name
    if cache.is_file():
        z = np.load(cache)
        size = tuple(int(s) for s in z["size"])
        return [
            Keypoints2D(xy, c, b, size) if seen else None
            for xy, c, b, seen in zip(z["xy"], z["conf"], z["bbox"], z["seen"])
        ]
    from app.detection import detect_video

    kps = detect_video(video, frames, detector="mediapipe", every=every)
    size = next((k.image_size for k in kps if k is not None), (0, 0))  # read back only for seen frames
    cache.parent.mkdir(parents=True, exist_ok=True)
    z = {
        "xy": np.stack([k.xy if k else np.zeros((17, 2)) for k in kps]),
        "conf": np.stack([k.confidence if k else np.zeros(17) for k in kps]),
        "bbox": np.stack([k.bbox if k else np.zeros(4) for k in kps]),
        "seen": np.array([k is not None for k in kps]),
        "size": np.array(size),
    }
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, **z)
    tmp.replace(cache)
    return kps


def poses_by_frame(results, n: int, attr: str = "pose"):
    """LiftResults -> (n, 17, 3) of their `attr` by frame number, NaN where nobody was seen."""
    import numpy as np

    out = np.full((n, 17, 3), np.nan)
    for r in results:
        if r.frame < n and r.person_seen:
            out[r.frame] = getattr(r, attr)
    return out


def run(args) -> int:
    from lifting.real_reference import load_reference, score

    ref = load_reference(args.reference, args.view)
    if args.json:
        from lifting.export import check_writable

        check_writable(args.json)
    rows: list[tuple[str, dict]] = []
    if ref.mediapipe_cam is not None:
        rows.append(("MediaPipe's own 3D (world landmarks)", score(ref, ref.mediapipe_cam)))
    for csv in args.csv:
        import numpy as np

        from lifting.export_read import read_pose_csv

        table = read_pose_csv(csv)
        pred = np.full(ref.joints_cam.shape, np.nan)
        for f, pose in zip(table.frame, table.positions):
            if 0 <= int(f) < ref.num_frames:
                pred[int(f)] = pose
        rows.append((f"CSV {csv}", score(ref, pred)))
    if args.model or not args.csv:
        rows += _lift_rows(args, ref)
    _print(ref, rows, args.per_joint)
    if args.json:
        from lifting.export import atomic_write

        report = {"reference": ref.path, "view": ref.view, "rows": [{"what": w, **m} for w, m in rows]}
        atomic_write(args.json, lambda f: f.write(json.dumps(report, indent=1).encode()))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def lifter_options(args) -> dict:
    """The StreamingLifter options this command line sets (steps and hypotheses are swept per row)."""
    return given_lifter_options(args, ("mode", "stride", "flip", "joints", "fit_2d", "steady_bones"))


def _lift_rows(args, ref) -> list[tuple[str, dict]]:
    from lifting.real_reference import score
    from lifting.stream import StreamingLifter
    from lifting.weights import resolve_checkpoint

    if args.detect_every < 1:
        raise UserError(f"--detect-every must be >= 1, got {args.detect_every}")
    kps = detections(_video_for(args, ref), ref.num_frames, args.detect_every)
    if not any(k is not None for k in kps):
        raise UserError("the detector found nobody in the video")
    rows = []
    for spec in args.model or [None]:
        ckpt = resolve_checkpoint(spec)
        base = lifter_options(args)
        lifter = StreamingLifter.from_checkpoint(ckpt, device=args.device, **base)
        name = Path(ckpt).stem
        steps = args.steps or [lifter.steps]
        hyps = args.hypotheses or [lifter.hypotheses]
        first = True
        for k, h in itertools.product(steps, hyps):
            if lifter.uses_diffusion:
                lifter.configure(steps=k, hypotheses=h)
            res = lifter.lift_sequence(kps)
            if first and lifter.kind == "wrapper":  # the frozen MixSTE's own pose, once per model
                rows.append((f"{name}: its MixSTE", score(ref, poses_by_frame(res, ref.num_frames, "mixste_pose"))))
            first = False
            label = f"{name}: k={k} H={h}" if lifter.uses_diffusion else name
            if args.flip:
                label += ", flip"
            label += f", {lifter.joints}"
            if lifter.fit_2d:
                label += f", 2D fit {lifter.fit_2d:g}"
            if lifter.steady_bones:
                label += ", steady bones"
            if args.detect_every > 1:
                label += f", 2D every {args.detect_every} frames"
            rows.append(
                (
                    f"{label} ({lifter.mode}, stride {lifter.stride})",
                    score(ref, poses_by_frame(res, ref.num_frames)),
                )
            )
            if not lifter.uses_diffusion:
                break
    return rows


def _print(ref, rows, per_joint: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=None if sys.stdout.isatty() else 140)
    t = Table(
        title=f"{Path(ref.path).name}, view {ref.view}: {ref.num_frames} frames at {ref.fps:g} fps (mm)"
    )
    for col in ("what", "P-MPJPE", "limb P-MPJPE", "MPJPE", "sym. gap", "seg. std", "jitter mm/f²"):
        t.add_column(col, justify="left" if col == "what" else "right")
    r0 = rows[0][1]["reference"] if rows else None
    for what, m in rows:
        p = m["prediction"]
        t.add_row(what, f"{m['p_mpjpe_mm']:.1f}", f"{m['limb_p_mpjpe_mm']:.1f}", f"{m['mpjpe_mm']:.1f}", f"{p['symmetry_gap_mm']:.1f}",
                  f"{p['seg_len_std_mm']:.1f}", f"{p['jitter_mm_per_frame2']:.1f}")  # fmt: skip
    if r0:
        t.add_row("the reference itself", "", "", "", f"{r0['symmetry_gap_mm']:.1f}", f"{r0['seg_len_std_mm']:.1f}",
                  f"{r0['jitter_mm_per_frame2']:.1f}")  # fmt: skip
    con.print(t)
    if per_joint and rows:
        j = Table(title="per-joint MPJPE (mm)")
        j.add_column("joint")
        for what, _ in rows:
            j.add_column(what[:28], justify="right")
        for name in rows[0][1]["per_joint_mpjpe_mm"]:
            j.add_row(name, *[f"{m['per_joint_mpjpe_mm'][name]:.0f}" for _, m in rows])
        con.print(j)
