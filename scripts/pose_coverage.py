"""How far are poses from the training set's? For every pose of the held-out mocap subjects and of a real-video
3D reference, the distance (mean per joint, mm) to the nearest training pose, for the whole body and per part.
Poses are compared pelvis-centred, turned so the hips face the same way, and scaled to equal limb length.

    .venv/bin/python scripts/pose_coverage.py --mocap cache/mocap_h36m17 \
        --reference ../shared/data/real3d/pose2sim_cam01_reference.npz --limb-mix 0.3 --out reports/...json

The reference is moved onto joint-centre definitions first (lifting.definitions), as the training poses are.
--limb-mix P also measures a pool of as many poses made by `mix_limbs` (P per part) from the training clips' 27-frame
windows (most of the original poses are in both pools)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifting.data.joint_rotation import rotate_joints
from lifting.data.limb_mix import heading, mix_limbs, turn_about_vertical
from lifting.data.mocap_clips import load_clips
from lifting.data.mocap_dataset import TEST_SUBJECTS
from lifting.definitions import LANDMARKS_TO_JOINT_CENTRES
from lifting.export import write_json

LIMBS = ((1, 2), (2, 3), (4, 5), (5, 6), (11, 12), (12, 13), (14, 15), (15, 16))
# part -> (its joints, the joint it is measured from; None = the pelvis-centred pose as it is)
PARTS = {
    "whole body": (tuple(range(17)), None),
    "left arm (from its shoulder)": ((11, 12, 13), 11),
    "right arm": ((14, 15, 16), 14),
    "left leg (from its hip)": ((4, 5, 6), 4),
    "right leg": ((1, 2, 3), 1),
    "torso and head": ((0, 7, 8, 9, 10, 11, 14), None),
}


def normalised(x: np.ndarray) -> torch.Tensor:
    """(N, 17, 3) z-up poses -> pelvis at 0, right->left hip line along +x, mean limb length 0.25 m."""
    t = torch.from_numpy(x - x[:, :1])[:, None]  # (N, 1, 17, 3): limb_mix's (windows, frames) layout
    t = turn_about_vertical(t, -heading(t, "right_hip", "left_hip"))[:, 0]
    limb = torch.stack([(t[:, i] - t[:, j]).norm(dim=-1) for i, j in LIMBS]).mean(dim=0)
    return t / limb[:, None, None] * 0.25


def nearest_mm(query: torch.Tensor, pool: torch.Tensor, joints, origin) -> float:
    q, p = query[:, list(joints)], pool[:, list(joints)]
    if origin is not None:
        q, p = q - query[:, origin : origin + 1], p - pool[:, origin : origin + 1]
    best = torch.cdist(q.flatten(1), p.flatten(1)).argmin(dim=1)
    return 1000 * float((q - p[best]).norm(dim=-1).mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mocap", required=True, help="converted clips (diffhpe data mocap)")
    ap.add_argument("--reference", help="a real-video 3D reference .npz (joints_world, z up)")
    ap.add_argument("--every", type=int, default=5, help="query every N-th held-out frame (default 5)")
    ap.add_argument("--limb-mix", type=float, default=0.0, help="also a pool mixed with this P per part")
    ap.add_argument("--joint-rotation", type=float, default=0.0, help="also a pool turned with this sigma (deg)")
    ap.add_argument("--out", help="write the figures as JSON")
    args = ap.parse_args()

    train, held = [], []
    for clip in load_clips(args.mocap):
        (held if clip.subject in TEST_SUBJECTS else train).append(clip.positions.astype(np.float64))
    pools = {"training poses": normalised(np.concatenate(train))}
    if args.limb_mix > 0 or args.joint_rotation > 0:
        L = 27
        windows = torch.from_numpy(np.stack([c[i : i + L] for c in train for i in range(0, len(c) - L + 1, L)]))
        g = torch.Generator().manual_seed(0)
        augmented = {}
        if args.limb_mix > 0:
            augmented[f"limb-mixed (p = {args.limb_mix:g})"] = lambda w: mix_limbs(w, args.limb_mix, g)
        if args.joint_rotation > 0:
            rotated = f"joint-rotated (sigma = {args.joint_rotation:g} deg)"
            augmented[rotated] = lambda w: rotate_joints(w, args.joint_rotation, g)
        if len(augmented) == 2:
            augmented["limb-mixed and joint-rotated"] = lambda w: rotate_joints(
                mix_limbs(w, args.limb_mix, g), args.joint_rotation, g
            )
        for name, augment in augmented.items():
            pools[f"as many {name} training poses"] = normalised(augment(windows).numpy().reshape(-1, 17, 3))
    queries = {"held-out mocap": normalised(np.concatenate([c[:: args.every] for c in held]))}
    if args.reference:
        with np.load(args.reference) as z:
            ref = np.einsum("jk,tkc->tjc", LANDMARKS_TO_JOINT_CENTRES, z["joints_world"].astype(np.float64))
        queries[Path(args.reference).name] = normalised(ref)
    report = {"poses": {k: len(v) for k, v in {**pools, **queries}.items()}, "nearest_mm": {}}
    for pname, pool in pools.items():
        for qname, q in queries.items():
            row = {part: round(nearest_mm(q, pool, j, o), 1) for part, (j, o) in PARTS.items()}
            report["nearest_mm"][f"{qname} -> {pname}"] = row
            print(f"{qname} -> {pname}: " + ", ".join(f"{k} {v:.0f}" for k, v in row.items()))
    if args.out:
        write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
