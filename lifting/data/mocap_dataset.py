"""Converted motion capture clips (`diffhpe data mocap`) -> PoseDataset: virtual cameras per clip, projected
2D with detector-like noise, a subject split, training augmentation and a data-fraction knob.

Actions are clip ids ('13_11'); augmented copies are '<clip> aug<k>', so `action_label` groups them with
their clip. The world is z up (see bvh_conversion.py); 3D in each camera frame, root-relative, comes from
`dataset.camera_views` exactly as for Human3.6M."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifting.data.dataset import PoseDataset, Sequence
from lifting.data.mocap_clips import MocapClip, load_clips
from lifting.data.mocap_geometry import ANKLE_HEIGHT, MIRROR_SEGMENT, conform_segments
from lifting.data.noise2d import DetectorNoise, add_detector_noise
from lifting.data.virtual_cameras import CameraSampling, cameras_for_clip
from lifting.errors import UserError
from lifting.skeleton import JOINT_INDEX, flip_pose, segment_lengths

# Held out for our own evaluation (whole subjects; a CMU subject's iClone clips are the same person, so they
# share the subject id and the split), the split of the shipped weights: 06 (walking, basketball dribbling
# and shooting) and 13 (forward jumps, jumps, jumping up to grab / reaching / tiptoeing). Training keeps every
# kind of motion: walking (02 03 05 10 12 131), running (02 09), jumps (02 14 16), reaching (14), ballet (05),
# playground climbing (01), punching / swordplay / washing (02), salsa (60 61).
TEST_SUBJECTS: tuple[str, ...] = ("06", "13")
FPS = 50.0
DEFAULT_NOISE = DetectorNoise()  # the detector-like 2D corruption (noise2d defaults)


@dataclass(frozen=True)
class Augmentation:
    """Training-time variations of the 3D motion, each copy drawn independently per clip."""

    copies: int = 1  # augmented copies per clip, besides the original
    mirror_p: float = 0.5  # mirror the world (x -> -x, left <-> right)
    rotate: bool = True  # random rotation about the vertical axis
    bone_scale: tuple[float, float] = (0.9, 1.1)  # per-segment length factor, the same left and right
    body_scale: tuple[float, float] = (0.92, 1.08)  # overall size factor


DEFAULT_AUGMENTATION = Augmentation()


def _seed(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on (seed, keys): a clip's draws don't change when other clips are added
    or removed."""
    return np.random.default_rng([seed] + [zlib.crc32(str(k).encode()) for k in keys])


def put_on_floor(x: np.ndarray) -> np.ndarray:
    """Shift (N, 17, 3) vertically so the lowest ankle (1st percentile) is ANKLE_HEIGHT above z = 0."""
    j = JOINT_INDEX
    ankles = np.minimum(x[:, j["left_ankle"], 2], x[:, j["right_ankle"], 2])
    out = x.copy()
    out[..., 2] += ANKLE_HEIGHT - np.percentile(ankles, 1)
    return out


def augment_motion(x: np.ndarray, rng: np.random.Generator, aug: Augmentation) -> np.ndarray:
    """One augmented copy of a clip (N, 17, 3), world metres, z up: mirrored, rotated about the vertical
    through its mean position, segments rescaled (symmetric) with forward kinematics, back on the floor."""
    out = np.asarray(x, np.float64)
    if rng.random() < aug.mirror_p:
        out = flip_pose(out)  # mirror about the plane x = 0, which contains the vertical axis
    if aug.rotate:
        a = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(a), np.sin(a)
        rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        centre = out.reshape(-1, 3).mean(0) * [1, 1, 0]
        out = (out - centre) @ rz.T + centre
    factor = rng.uniform(*aug.bone_scale, size=16)
    factor = np.sqrt(factor * factor[MIRROR_SEGMENT])  # one factor per left/right pair
    lengths = np.median(segment_lengths(out), axis=0) * factor * rng.uniform(*aug.body_scale)
    return put_on_floor(conform_segments(out, lengths))


def select_fraction(clips: list[MocapClip], fraction: float, seed: int = 0) -> list[MocapClip]:
    """About `fraction` of the frames of `clips`, as whole clips in a seeded random order (the last one cut
    short to hit the fraction): fewer recordings, as with less data collected. Sorted by clip id."""
    if not 0 < fraction <= 1:
        raise UserError(f"the data fraction must be in (0, 1], got {fraction}")
    if fraction >= 1:
        return list(clips)
    total = sum(c.num_frames for c in clips)
    want = max(1, round(fraction * total))
    order = _seed(seed, "fraction").permutation(len(clips))
    out = []
    for i in order:
        c = clips[int(i)]
        if want <= 0:
            break
        take = min(c.num_frames, want)
        out.append(
            c if take == c.num_frames else MocapClip(**{**c.__dict__, "positions": c.positions[:take]})
        )
        want -= take
    return sorted(out, key=lambda c: c.clip)


def _sequence(
    positions: np.ndarray,
    rng: np.random.Generator,
    cameras: int,
    noise: DetectorNoise | None,
    sampling: CameraSampling | None,
) -> Sequence:
    cams = cameras_for_clip(positions, cameras, rng, sampling)
    kps, conf = [], []
    for cam in cams:
        uv = cam.project(cam.world_to_camera(positions), distort=False)  # (N, 17, 2) pixels
        if noise is not None:
            uv, dropped = add_detector_noise(uv, (cam.res_w, cam.res_h), rng, noise)
            conf.append((~dropped).astype(np.float32))
        kps.append(uv)
    return Sequence(positions, cams, kps, conf if noise is not None else None)


def build_mocap_dataset(
    cache_dir: str | Path,
    cameras_per_clip: int = 4,
    seed: int = 0,
    noise: DetectorNoise | None = DEFAULT_NOISE,
    augment: Augmentation | None = None,
    subjects: list[str] | tuple[str, ...] | None = None,
    fraction: float = 1.0,
    sampling: CameraSampling | None = None,
) -> PoseDataset:
    """PoseDataset (subject -> clip -> Sequence) from a folder of converted clips.

    Each sequence has `cameras_per_clip` virtual cameras and one (N, 17, 2) pixel array per camera: the
    projection, plus detector-like noise when `noise` is given (joints the simulated detector missed keep
    their noisy position and get confidence 0; without noise, confidence is None). With `augment`, each clip
    also gets `augment.copies` varied copies ('<clip> aug<k>') with their own cameras. `subjects` restricts
    the subjects (default all); `fraction` keeps that share of their frames (select_fraction). Everything is
    seeded by (seed, clip id)."""
    if cameras_per_clip < 1:
        raise UserError("need at least one camera per clip")
    clips = load_clips(cache_dir)
    if subjects is not None:
        missing = sorted(set(subjects) - {c.subject for c in clips})
        if missing:
            raise UserError(f"{cache_dir}: no clips of subject(s) {', '.join(missing)}")
        clips = [c for c in clips if c.subject in set(subjects)]
    clips = select_fraction(clips, fraction, seed)
    out: dict[str, dict[str, Sequence]] = {}
    for clip in clips:
        x = clip.positions.astype(np.float64)
        seqs = out.setdefault(clip.subject, {})
        seqs[clip.clip] = _sequence(x, _seed(seed, clip.clip, "cameras"), cameras_per_clip, noise, sampling)
        for k in range(1, (augment.copies if augment else 0) + 1):
            rng = _seed(seed, clip.clip, "augment", k)
            seqs[f"{clip.clip} aug{k}"] = _sequence(
                augment_motion(x, rng, augment), rng, cameras_per_clip, noise, sampling
            )
    return PoseDataset(out, fps=FPS, name=f"CMU mocap ({cache_dir})")


def split_subjects(
    dataset: PoseDataset, test_subjects: tuple[str, ...] = TEST_SUBJECTS
) -> tuple[list[str], list[str]]:
    """(train subjects, test subjects) present in the dataset."""
    test = [s for s in sorted(dataset.subjects) if s in test_subjects]
    return [s for s in sorted(dataset.subjects) if s not in test_subjects], test


def _subjects_in(cache_dir) -> tuple[list[str], list[str]]:
    present = sorted({c.subject for c in load_clips(cache_dir)})
    train = [s for s in present if s not in TEST_SUBJECTS]
    test = [s for s in present if s in TEST_SUBJECTS]
    if not train or not test:
        raise UserError(
            f"{cache_dir}: need clips of the test subjects {' '.join(TEST_SUBJECTS)} and of at least one other "
            f"subject; found {' '.join(present)}"
        )
    return train, test


def build_mocap_training_data(
    mocap: str | Path,
    occlusion: str = "none",
    flip: bool = True,
    stride: int = 1,
    train_fraction: float = 1.0,
    cameras: int = 4,
    seed: int = 0,
    augment: Augmentation | None = DEFAULT_AUGMENTATION,
    noise: DetectorNoise | None = DEFAULT_NOISE,
):
    """-> (train WindowDataset, validation WindowDataset on TEST_SUBJECTS, description). Training 2D is clean
    in the dataset and gets fresh detector noise for every window drawn; validation noise is fixed per
    window."""
    from lifting.data.windows import make_window_datasets

    train_subjects, test_subjects = _subjects_in(mocap)
    train_ds = build_mocap_dataset(
        mocap, cameras, seed, noise=None, augment=augment, subjects=train_subjects, fraction=train_fraction
    )
    # A fraction of the clips may leave a training subject without any: train on the subjects that kept some.
    train_subjects = [s for s in train_subjects if train_ds.subjects.get(s)]
    test_ds = build_mocap_dataset(mocap, cameras, seed, noise=None, subjects=test_subjects)
    merged = PoseDataset({**train_ds.subjects, **test_ds.subjects}, fps=FPS, name=train_ds.name)
    train, val = make_window_datasets(
        merged, train_subjects, test_subjects, stride=stride, flip=flip, occlusion=occlusion,
        noise=noise, test_noise=noise, seed=seed,
    )  # fmt: skip
    frames = sum(s.num_frames for _, _, s in train_ds.sequences())
    desc = (
        f"CMU mocap ({mocap}), {cameras} virtual cameras per clip, train subjects {' '.join(train_subjects)} "
        f"({frames} frames incl. augmented copies, fraction {train_fraction:g}), test {' '.join(test_subjects)}"
    )
    return train, val, desc


def build_mocap_synthetic_training_data(
    mocap: str | Path,
    occlusion: str = "none",
    train_fraction: float = 1.0,
    cameras: int = 4,
    seed: int = 0,
    device: str = "cpu",
    val_windows: int | None = None,
    limb_mix: float = 0.0,
    joint_rotation: float = 0.0,
):
    """-> (SyntheticWindows over the training subjects' clips: a fresh camera, augmentation and 2D corruption
    for every window, made on `device`; the validation WindowDataset of `build_mocap_training_data` (fixed,
    seeded cameras and noise on TEST_SUBJECTS, so numbers stay comparable), cut to about `val_windows`
    windows by an even, fixed subsample; description)."""
    from lifting.data.synthetic import MotionAugmentation, SyntheticWindows
    from lifting.data.windows import make_window_datasets

    train_subjects, test_subjects = _subjects_in(mocap)
    clips = [c for c in load_clips(mocap) if c.subject in set(train_subjects)]
    clips = select_fraction(clips, train_fraction, seed)
    motion = MotionAugmentation(limb_mix_p=limb_mix, joint_rotation_deg=joint_rotation)
    train = SyntheticWindows(
        [c.positions for c in clips], motion=motion, occlusion=occlusion, seed=seed, device=device
    )
    test_ds = build_mocap_dataset(mocap, cameras, seed, noise=None, subjects=test_subjects)
    _, val = make_window_datasets(
        test_ds, [], test_subjects, occlusion="none", noise=DEFAULT_NOISE, test_noise=DEFAULT_NOISE, seed=seed
    )
    if val_windows and len(val.index) > val_windows:
        val.index = val.index[:: int(np.ceil(len(val.index) / val_windows))]
    frames = sum(c.num_frames for c in clips)
    subjects = sorted({c.subject for c in clips})
    rotation = f"limbs, trunk and head turned at their joints (sigma up to {joint_rotation:g} deg), "
    desc = (
        f"CMU mocap ({mocap}), a fresh virtual camera per training window (synthetic.CameraDistribution), "
        + (f"limbs mixed across windows (p = {limb_mix:g} per part), " if limb_mix else "")
        + (rotation if joint_rotation else "")
        + f"train subjects {' '.join(subjects)} ({frames} frames, fraction {train_fraction:g}), "
        f"validation {' '.join(test_subjects)} with {cameras} fixed cameras per clip ({len(val.index)} windows)"
    )
    return train, val, desc


def subjects_to_test(mocap: str | Path, subjects: list[str] | None = None) -> tuple[list[str], str]:
    """The subjects to test on: `subjects` if given; else the held-out TEST_SUBJECTS found in the folder; a
    folder without any of them (e.g. new subjects converted by a user) is tested on all its subjects."""
    present = sorted({c.subject for c in load_clips(mocap)})
    if subjects:
        missing = [s for s in subjects if s not in present]
        if missing:
            raise UserError(f"{mocap}: no clips of subject {' '.join(missing)}; found {' '.join(present)}")
        return list(subjects), "subjects " + " ".join(subjects)
    held_out = [s for s in present if s in TEST_SUBJECTS]
    if held_out:
        return held_out, "held-out subjects " + " ".join(held_out)
    return present, "all subjects " + " ".join(present) + " (none of them seen in training)"


def build_mocap_test_windows(
    mocap: str | Path,
    cameras: int = 4,
    max_windows: int | None = None,
    seed: int = 0,
    subjects: list[str] | None = None,
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str]:
    """Non-overlapping test windows per clip of the test subjects (`subjects_to_test`), 2D with fixed
    detector-like noise."""
    from lifting.data.windows import windows_by_action

    test_subjects, which = subjects_to_test(mocap, subjects)
    dataset = build_mocap_dataset(mocap, cameras, seed, noise=DEFAULT_NOISE, subjects=test_subjects)
    desc = f"CMU mocap ({mocap}), {which}, {cameras} virtual cameras per clip"
    return windows_by_action(dataset, test_subjects, max_windows=max_windows), desc
