"""Root trajectory jitter and lag, unfiltered vs the root filter, on videos: detector -> StreamingLifter (the
shipped default model and options) -> the root of every frame, as `diffhpe lift` computes it.

jitter: mean |second difference| of the root, mm/frame² (a still or evenly moving root has none).
lag: the shift s (frames, 0.1 steps) that best lines the filtered track up with the unfiltered one,
min_s RMS(filtered(t) - raw(t - s)); what the filter adds, 0 for a filter without delay.

Usage: python scripts/root_jitter.py VIDEO... [--json OUT]"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def jitter_mm(track: np.ndarray) -> float:
    """(T, 3) metres -> mean acceleration magnitude in mm/frame² over the frames with finite neighbours."""
    acc = track[2:] - 2 * track[1:-1] + track[:-2]  # (T-2, 3)
    ok = np.isfinite(acc).all(1)
    return float(np.linalg.norm(acc[ok], axis=1).mean() * 1000)


def lag_frames(filtered: np.ndarray, raw: np.ndarray, max_lag: float = 8.0) -> float:
    """The delay (frames) of `filtered` (T, 3) behind `raw` (T, 3) that minimises their RMS distance."""
    t = np.arange(len(raw), dtype=float)
    ok = np.isfinite(raw).all(1)
    best, best_s = np.inf, 0.0
    for s in np.arange(-2.0, max_lag + 1e-9, 0.1):
        shifted = np.stack([np.interp(t - s, t[ok], raw[ok, a]) for a in range(3)], axis=1)
        m = ok & np.isfinite(filtered).all(1) & (t - s >= 0) & (t - s <= len(raw) - 1)
        rms = float(np.sqrt(np.mean(np.sum((filtered[m] - shifted[m]) ** 2, axis=1))))
        if rms < best:
            best, best_s = rms, float(s)
    return best_s


def roots_of(video: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(raw (T, 3), filtered (T, 3), fps) for a video, lifted like `diffhpe lift` does by default."""
    from app.detection import start_detector
    from app.video import open_video
    from detectors import DEFAULT_DETECTOR
    from lifting.stream import StreamingLifter
    from lifting.weights import resolve_checkpoint

    reader = open_video(video)
    try:
        detector = start_detector(DEFAULT_DETECTOR, reader.first_frame)
        keypoints = [detector.detect(frame) for _, frame in reader]
        detector.close()
    finally:
        reader.close()
    lifter = StreamingLifter.from_checkpoint(resolve_checkpoint(None), device="cpu")
    results = lifter.lift_sequence(keypoints)
    raw = np.array([r.extras["root_raw"] for r in results], dtype=float)
    filtered = np.array([r.root for r in results], dtype=float)
    return raw, filtered, reader.fps


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    rows = []
    for video in args.videos:
        raw, filtered, fps = roots_of(video)
        row = {
            "video": Path(video).name,
            "frames": len(raw),
            "fps": fps,
            "jitter_raw_mm": jitter_mm(raw),
            "jitter_filtered_mm": jitter_mm(filtered),
            "lag_frames": lag_frames(filtered, raw),
            "depth_range_m": [float(np.nanmin(raw[:, 2])), float(np.nanmax(raw[:, 2]))],
        }
        row["jitter_ratio"] = row["jitter_filtered_mm"] / row["jitter_raw_mm"]
        rows.append(row)
        print(
            f"{row['video']}: {row['frames']} frames at {fps:g} fps; root jitter {row['jitter_raw_mm']:.1f} -> "
            f"{row['jitter_filtered_mm']:.1f} mm/frame² (x{row['jitter_ratio']:.2f}); "
            f"lag {row['lag_frames']:.1f} frames"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
