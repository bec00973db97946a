"""Where does the real-video error come from? Splits the lifter's error on a real-video 3D reference into the 2D
detector, the joint definitions, the camera and the motion.

    .venv/bin/python scripts/real_gap.py ../shared/data/real3d/pose2sim_cam01_reference.npz \
        --mocap cache/mocap_h36m17 --out reports/real_gap/pose2sim_cam01.json

1. The detector's 2D (MediaPipe, cached as by `diffhpe score`) against the reference projected into the view.
2. The lifter on the detector's 2D and on the projected reference (perfect 2D), scored against the reference with
   its output in either joint definition (lifting.definitions).
3. Perfect 2D of the reference's motion moved onto joint-centre definitions, and of held-out mocap clips, seen by
   a camera like the real one (portrait, 1.9 m high, 3.1 m away) and by a Human3.6M-like one, from three
   headings: P-MPJPE against the 3D that was projected. No detector and no definitions involved.
The reference is a check: nothing here trains on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.commands.score import DEFAULT_VIDEO_DIR, detections, poses_by_frame
from lifting.data.mocap_clips import load_clips
from lifting.data.mocap_dataset import TEST_SUBJECTS
from lifting.definitions import LANDMARKS_TO_JOINT_CENTRES, to_landmarks
from lifting.export import write_json
from lifting.keypoints import Keypoints2D
from lifting.metrics import procrustes_align
from lifting.real_reference import load_reference, score
from lifting.stream import StreamingLifter
from lifting.weights import resolve_checkpoint

# name -> (width, height, focal px, camera height m, horizontal distance m)
CAMERAS = {"like cam01": (1080, 1920, 1681.0, 1.9, 3.1), "Human3.6M-like": (1000, 1000, 1145.0, 1.6, 4.5)}
HEADINGS_DEG = (0, 90, 180)


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World (z up) -> OpenCV camera rotation looking from position at target, level."""
    f = (target - position) / np.linalg.norm(target - position)
    r = np.cross(f, [0.0, 0.0, 1.0])
    r /= np.linalg.norm(r)
    return np.stack([r, np.cross(f, r), f])


def render(world: np.ndarray, camera: str, heading: float):
    """world (T, 17, 3) z up -> pixels (T, 17, 2), camera-frame 3D (T, 17, 3), image size."""
    w, h, focal, height, distance = CAMERAS[camera]
    centre = world[:, 0].mean(0)
    position = centre + distance * np.array([np.cos(heading), np.sin(heading), 0.0])
    position[2] = height
    R = look_at(position, centre)
    x_cam = (world - position) @ R.T
    uv = x_cam[..., :2] / x_cam[..., 2:] * focal + np.array([w / 2, h / 2])
    return uv, x_cam, (w, h)


def perfect_keypoints(uv: np.ndarray, size) -> list[Keypoints2D]:
    """Pixels (T, 17, 2) -> one fully confident detection per frame."""
    return [
        Keypoints2D(u.astype(np.float32), np.ones(17, np.float32), np.r_[u.min(0), u.max(0)].astype(np.float32), size)
        for u in uv
    ]


def lift(lifter: StreamingLifter, kps: list) -> np.ndarray:
    """(T, 17, 3) lifted poses, NaN where nobody was seen."""
    return poses_by_frame(lifter.lift_sequence(kps), len(kps))


def p_mpjpe_mm(pred: np.ndarray, gt: np.ndarray) -> float:
    p, g = pred - pred[:, :1], gt - gt[:, :1]
    ok = np.isfinite(p).all(axis=(1, 2))
    return 1000 * float(np.mean([np.linalg.norm(procrustes_align(a, b) - b, axis=-1).mean() for a, b in zip(p[ok], g[ok])]))


def scores(ref, pred: np.ndarray) -> dict:
    out = {}
    for name, p in (("centres", pred), ("landmarks", to_landmarks(pred))):
        s = score(ref, p)
        out[name] = {k: round(s[k], 1) for k in ("p_mpjpe_mm", "limb_p_mpjpe_mm", "mpjpe_mm")}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", help="real-video 3D reference .npz (shared/data/real3d)")
    ap.add_argument("--mocap", required=True, help="converted clips; the held-out subjects' are rendered")
    ap.add_argument("--model", help="checkpoint (default: the shipped default)")
    ap.add_argument("--steps", "-k", type=int, default=2)
    ap.add_argument("--hypotheses", "-H", type=int, default=5)
    ap.add_argument("--clips", type=int, default=3, help="held-out clips per subject (first 400 frames each)")
    ap.add_argument("--out", help="write the figures as JSON")
    args = ap.parse_args()

    ref = load_reference(args.reference)
    with np.load(args.reference) as z:
        K, dist, world = z["K"][0], z["dist"][0], z["joints_world"].astype(np.float64)
    lifter = StreamingLifter.from_checkpoint(resolve_checkpoint(args.model), device="cpu", joints="centres")
    lifter.configure(steps=args.steps, hypotheses=args.hypotheses)
    report: dict = {"reference": args.reference, "model": str(lifter.checkpoint), "k": args.steps, "H": args.hypotheses}

    # 1. the detector's 2D vs the reference projected (the layout's joint-centre mapping on both)
    video = DEFAULT_VIDEO_DIR / f"{Path(args.reference).name.split('_reference')[0]}.mp4"
    kps = detections(video, ref.num_frames)
    proj, _ = cv2.projectPoints(ref.joints_cam.reshape(-1, 3), np.zeros(3), np.zeros(3), K, dist)
    ideal = np.einsum("jk,tkc->tjc", LANDMARKS_TO_JOINT_CENTRES, proj.reshape(-1, 17, 2))
    seen = [t for t, k in enumerate(kps) if k is not None]
    detected = np.stack([kps[t].xy for t in seen])
    height = float(np.ptp(ideal[seen, :, 1], axis=1).mean())
    err = np.linalg.norm(detected - ideal[seen], axis=-1)
    report["detector_2d"] = {
        "person_height_px": round(height, 1),
        "mean_error_px": round(float(err.mean()), 1),
        "mean_error_pct_of_height": round(100 * float(err.mean()) / height, 2),
        "per_joint_pct_of_height": np.round(100 * err.mean(0) / height, 2).tolist(),
        "mean_offset_px": np.round((detected - ideal[seen]).mean(0), 1).tolist(),
    }
    print("detector 2D vs projected reference:", report["detector_2d"]["mean_error_pct_of_height"], "% of height")

    # 2. lifting the detector's 2D and the perfect 2D
    size = kps[seen[0]].image_size
    report["lifted"] = {}
    for name, inp in (("detector 2D", kps), ("projected reference 2D", perfect_keypoints(ideal, size))):
        report["lifted"][name] = scores(ref, lift(lifter, inp))
        print(name, report["lifted"][name])

    # 3. perfect 2D of rendered motion: the reference's (joint-centre definitions) and held-out mocap
    with np.load(args.reference) as z:
        R, t = z["R"][0], z["t"][0]
    cam01_heading = float(np.arctan2(*((-R.T @ t) - world[:, 0].mean(0))[1::-1]))
    motions = {"reference motion (joint centres)": np.einsum("jk,tkc->tjc", LANDMARKS_TO_JOINT_CENTRES, world)}
    clips = [c for c in load_clips(args.mocap) if c.subject in TEST_SUBJECTS]
    for subject in TEST_SUBJECTS:
        for c in [c for c in clips if c.subject == subject][: args.clips]:
            motions[f"held-out {c.clip}"] = c.positions[:400].astype(np.float64)
    report["rendered_p_mpjpe_mm"] = {}
    for name, motion in motions.items():
        base = cam01_heading if name.startswith("reference") else 0.0
        row = {}
        for camera in CAMERAS:
            for deg in HEADINGS_DEG:
                uv, x_cam, size = render(motion, camera, base + np.radians(deg))
                row[f"{camera}, {deg} deg"] = round(p_mpjpe_mm(lift(lifter, perfect_keypoints(uv, size)), x_cam), 1)
        report["rendered_p_mpjpe_mm"][name] = row
        print(name, row)
    if args.out:
        write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
