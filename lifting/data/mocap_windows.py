"""Real motion capture (converted BVH clips) as a lifting dataset: virtual cameras, detector-like 2D,
augmentation (mirroring, bone-length scaling), a split by whole subjects, windows for training and testing.

Folder layout of converted clips (written by `convert_folder`): one npz per clip with 'positions'
(N, 17, 3) metres z up at 50 fps, 'subject', 'clip', 'flavour', 'source'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from lifting.data.bvh_h36m import convert_bvh
from lifting.data.dataset import PoseDataset, Sequence
from lifting.data.noise2d import DetectorNoise, add_detector_noise
from lifting.data.virtual_rig import sample_cameras
from lifting.data.windows import WindowDataset, dataset_pairs, windows_by_action
from lifting.errors import UserError
from lifting.skeleton import PARENTS, SYMMETRIC_SEGMENT_PAIRS, flip_pose

# Whole subjects held out from training for our own evaluation: 13 (jumps, reaching, tiptoeing) and
# 06 (walking, basketball dribbling and shooting): motion both like and unlike the training set.
TEST_SUBJECTS: tuple[str, ...] = ("06", "13")
# The 2D noise of the held-out windows: a detector's jitter, outliers and left/right swaps, no dropouts.
TEST_NOISE = DetectorNoise(dropout_p=0.0)


def subject_of(path: Path) -> str:
    """CMU subject id from a clip file name: 02_01.bvh, 002_05.bvh, 60_01_scaled.bvh, 131_01.bvh."""
    head = path.stem.split("_")[0]
    return str(int(head)).zfill(2) if head.isdigit() else head


def convert_folder(src: str | Path, dst: str | Path, progress: bool = True) -> list[Path]:
    """Convert every BVH under src (recursively) to dst/<clip>.npz; files of an unknown flavour are skipped
    with a message. Returns the written files."""
    src, dst = Path(src), Path(dst)
    if not src.exists():
        raise UserError(f"no such folder or file: {src}")
    files = [src] if src.is_file() else sorted(src.rglob("*.bvh"))
    if not files:
        raise UserError(f"no .bvh files under {src}")
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for f in tqdm(files, desc="converting BVH", unit="clip", disable=not progress):
        try:
            clip = convert_bvh(f)
        except UserError as exc:
            tqdm.write(f"skipped {f}: {exc}")
            continue
        out = dst / f"{f.stem.removesuffix('_scaled')}.npz"
        tmp = out.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp, positions=clip["positions"], subject=subject_of(f), clip=out.stem, flavour=clip["flavour"],
            source=str(f), source_fps=clip["source_fps"],
        )  # fmt: skip
        tmp.replace(out)
        written.append(out)
    return written


def load_clips(folder: str | Path) -> list[dict]:
    folder = Path(folder)
    files = sorted(folder.glob("*.npz")) if folder.is_dir() else []
    if not files:
        raise UserError(f"no converted clips in {folder}: run `diffhpe data mocap SRC {folder}` first")
    clips = []
    for f in files:
        with np.load(f) as z:
            if "positions" not in z or "subject" not in z:
                raise UserError(f"{f} is not a converted clip (expected keys 'positions' and 'subject')")
            clips.append({"positions": z["positions"].astype(np.float64), "subject": str(z["subject"]), "clip": f.stem})
    return clips


def scale_bones(world: np.ndarray, rng: np.random.Generator, spread: float = 0.08) -> np.ndarray:
    """Scale every bone by a random factor (the same for left and right), rebuilding positions from the
    pelvis outwards along PARENTS: (N, 17, 3) -> (N, 17, 3)."""
    factors = np.exp(rng.normal(scale=spread, size=17))
    for (l_p, l_c), (r_p, r_c) in SYMMETRIC_SEGMENT_PAIRS:
        factors[r_c] = factors[l_c]
    out = world.copy()
    for child, parent in enumerate(PARENTS):
        if parent >= 0:
            out[:, child] = out[:, parent] + factors[child] * (world[:, child] - world[:, parent])
    return out


def mirror(world: np.ndarray) -> np.ndarray:
    """A mirrored performance (x -> -x, left and right swapped)."""
    return flip_pose(world)


def _views(world: np.ndarray, cameras: int, rng: np.random.Generator, noise: DetectorNoise | None) -> Sequence:
    cams = sample_cameras(world, cameras, rng)
    kps = []
    for cam in cams:
        uv = cam.project(cam.world_to_camera(world), distort=False)
        if noise is not None:
            uv, _ = add_detector_noise(uv, (cam.res_w, cam.res_h), rng, noise)
        kps.append(uv)
    return Sequence(positions_3d_world=world, cameras=cams, keypoints_2d=kps)


def build_mocap_dataset(
    folder: str | Path,
    subjects: list[str] | tuple[str, ...],
    cameras: int,
    seed: int,
    augment: bool,
    noise: DetectorNoise | None = None,
    train_fraction: float = 1.0,
) -> PoseDataset:
    """subject -> clip (and augmented copies) -> Sequence with `cameras` random virtual cameras each."""
    rng = np.random.default_rng(seed)
    clips = [c for c in load_clips(folder) if c["subject"] in subjects]
    if train_fraction < 1.0:
        order = rng.permutation(len(clips))[: max(1, round(train_fraction * len(clips)))]
        clips = [clips[i] for i in sorted(order)]
    data: dict[str, dict[str, Sequence]] = {}
    for c in clips:
        variants = {c["clip"]: c["positions"]}
        if augment:
            variants[c["clip"] + " mirrored"] = mirror(c["positions"])
            variants[c["clip"] + " rescaled"] = scale_bones(c["positions"], rng)
        for name, world in variants.items():
            data.setdefault(c["subject"], {})[name] = _views(world, cameras, rng, noise)
    return PoseDataset(data, fps=50.0, name="CMU mocap")


def split_subjects(folder: str | Path) -> tuple[list[str], list[str]]:
    subjects = sorted({c["subject"] for c in load_clips(folder)})
    test = [s for s in subjects if s in TEST_SUBJECTS]
    train = [s for s in subjects if s not in TEST_SUBJECTS]
    if not train:
        raise UserError(f"{folder}: every subject is a held-out test subject ({', '.join(TEST_SUBJECTS)})")
    return train, test


def build_mocap_training_data(
    folder, occlusion="none", flip=True, stride=1, train_fraction=1.0, cameras=4, seed=0
) -> tuple[WindowDataset, WindowDataset, str]:
    """Training windows (augmented, fresh detector noise per window) and held-out validation windows."""
    train_subjects, test_subjects = split_subjects(folder)
    train_ds = build_mocap_dataset(folder, train_subjects, cameras, seed, augment=True, train_fraction=train_fraction)
    x2d, x3d, act, subs, sizes = dataset_pairs(train_ds, train_subjects)
    train = WindowDataset(
        x2d, x3d, act, stride=stride, train=True, flip=flip, occlusion=occlusion, noise=DetectorNoise(),
        subjects=subs, image_sizes=sizes, seed=seed,
    )  # fmt: skip
    if test_subjects:
        test_ds = build_mocap_dataset(folder, test_subjects, cameras, seed + 1, augment=False, noise=TEST_NOISE)
        x2d, x3d, act, subs, sizes = dataset_pairs(test_ds, test_subjects)
    test = WindowDataset(x2d, x3d, act, train=False, subjects=subs, image_sizes=sizes, seed=seed)
    desc = (
        f"CMU mocap ({folder}), train subjects {' '.join(train_subjects)} x{cameras} virtual cameras "
        f"(+mirrored, +bone-rescaled, fraction {train_fraction:g}), held out {' '.join(test_subjects) or 'none'}"
    )
    return train, test, desc


def build_mocap_test_windows(folder, cameras=4, max_windows=None, seed=0):
    _, test_subjects = split_subjects(folder)
    if not test_subjects:
        raise UserError(f"{folder}: none of the held-out subjects {', '.join(TEST_SUBJECTS)} is there")
    ds = build_mocap_dataset(folder, test_subjects, cameras, seed + 1, augment=False, noise=TEST_NOISE)
    desc = (
        f"CMU mocap held-out subjects {' '.join(test_subjects)} ({folder}), {cameras} virtual cameras per clip, "
        "detector-like 2D noise"
    )
    return windows_by_action(ds, test_subjects, max_windows=max_windows), desc
