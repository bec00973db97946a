"""How MediaPipe's landmarks differ from the mocap joint centres the lifters are trained on.

MediaPipe's own 3D (pose_world_landmarks, metres) on real videos gives the segment lengths of its landmark
definitions; the converted mocap clips give those of the training targets. Both are divided by the person's
mean shin length (knee to ankle, the segment whose two ends mean the same thing in both), so people of
different sizes compare. The ratio of the two says by how much the detector's points sit elsewhere than the
joint centres, e.g. the nose, which feeds the H36M neck/nose joint, sits much higher above the shoulders than
the mocap neck joint does above the thorax.

    python scripts/keypoint_definitions.py ../shared/data/videos/sports2d_demo.mp4 assets/sample.mp4 \
        --mocap cache/mocap_h36m17 --out reports/keypoint_definitions/definitions.json

Not a check video: the real-video 3D reference is scored elsewhere and is never used to choose a mapping.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors.layouts import BLAZEPOSE_NAMES  # noqa: E402

_B = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}

# Segment name -> (from, to) as functions of a (..., P, 3) array of points of each source.
_MP_POINTS = {
    "mid_hip": ("left_hip", "right_hip"),
    "mid_shoulder": ("left_shoulder", "right_shoulder"),
    "nose": ("nose",),
    "mid_eye": ("left_eye", "right_eye"),
    "left_hip": ("left_hip",),
    "right_hip": ("right_hip",),
    "left_shoulder": ("left_shoulder",),
    "right_shoulder": ("right_shoulder",),
    "left_knee": ("left_knee",),
    "right_knee": ("right_knee",),
    "left_ankle": ("left_ankle",),
    "right_ankle": ("right_ankle",),
    "left_elbow": ("left_elbow",),
    "right_elbow": ("right_elbow",),
    "left_wrist": ("left_wrist",),
    "right_wrist": ("right_wrist",),
}
# The same points in H36M-17 mocap joints (lifting.skeleton order).
_H36M_POINTS = {
    "mid_hip": (0,),
    "mid_shoulder": (8,),
    "nose": (9,),
    "mid_eye": (10,),
    "left_hip": (4,),
    "right_hip": (1,),
    "left_shoulder": (11,),
    "right_shoulder": (14,),
    "left_knee": (5,),
    "right_knee": (2,),
    "left_ankle": (6,),
    "right_ankle": (3,),
    "left_elbow": (12,),
    "right_elbow": (15,),
    "left_wrist": (13,),
    "right_wrist": (16,),
}
SEGMENTS = {
    "shin": [("left_knee", "left_ankle"), ("right_knee", "right_ankle")],
    "thigh": [("left_hip", "left_knee"), ("right_hip", "right_knee")],
    "hip_width": [("left_hip", "right_hip")],
    "shoulder_width": [("left_shoulder", "right_shoulder")],
    "torso (mid-hip to mid-shoulder)": [("mid_hip", "mid_shoulder")],
    "mid-shoulder to nose / neck joint": [("mid_shoulder", "nose")],
    "mid-shoulder to mid-eye / head joint": [("mid_shoulder", "mid_eye")],
    "upper_arm": [("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow")],
    "forearm": [("left_elbow", "left_wrist"), ("right_elbow", "right_wrist")],
}


def _points(joints: np.ndarray, table: dict, index) -> dict[str, np.ndarray]:
    """Named points (T, 3), each the mean of its source joints of `joints` (T, J, 3)."""
    return {name: joints[:, [index(s) for s in src]].mean(axis=1) for name, src in table.items()}


def _segment_medians(points: dict[str, np.ndarray]) -> dict[str, float]:
    out = {}
    for seg, pairs in SEGMENTS.items():
        lengths = np.concatenate([np.linalg.norm(points[a] - points[b], axis=-1) for a, b in pairs])
        out[seg] = float(np.median(lengths))
    return out


def mediapipe_world(video: Path, max_frames: int) -> np.ndarray:
    """MediaPipe's world landmarks (T, 33, 3) metres for the frames where it found a person."""
    import cv2
    import mediapipe as mp

    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise SystemExit(f"cannot open {video}")
    frames = []
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        while len(frames) < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            if result.pose_world_landmarks is not None:
                frames.append([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
    cap.release()
    if not frames:
        raise SystemExit(f"MediaPipe found no person in {video}")
    return np.asarray(frames, np.float64)


def relative(lengths: dict[str, float]) -> dict[str, float]:
    return {k: v / lengths["shin"] for k, v in lengths.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument("--mocap", type=Path, required=True, help="folder of converted mocap clips (*.npz)")
    ap.add_argument("--max-frames", type=int, default=600)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    clips = sorted(args.mocap.glob("*.npz"))
    if not clips:
        raise SystemExit(f"no converted clips (*.npz) in {args.mocap}")
    mocap = [
        relative(_segment_medians(_points(np.load(c)["positions"].astype(np.float64), _H36M_POINTS, int)))
        for c in clips
    ]
    mocap_rel = {k: float(np.median([m[k] for m in mocap])) for k in SEGMENTS}

    report = {"mocap_clips": len(clips), "mocap_relative_to_shin": mocap_rel, "videos": {}}
    rows = []
    for video in args.videos:
        world = mediapipe_world(video, args.max_frames)
        mp_rel = relative(_segment_medians(_points(world, _MP_POINTS, _B.__getitem__)))
        report["videos"][video.name] = {
            "frames": len(world),
            "relative_to_shin": mp_rel,
            "mediapipe_over_mocap": {k: mp_rel[k] / mocap_rel[k] for k in SEGMENTS},
        }
        rows.append((video.name, mp_rel))

    print(f"segment length / shin length (medians); mocap: {len(clips)} clips")
    print(f"{'segment':40s} {'mocap':>7s} " + " ".join(f"{name[:18]:>18s}" for name, _ in rows))
    for seg in SEGMENTS:
        cells = " ".join(f"{rel[seg]:7.3f} ({rel[seg] / mocap_rel[seg]:5.2f}x)" for _, rel in rows)
        print(f"{seg:40s} {mocap_rel[seg]:7.3f} {cells}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, indent=1))
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
