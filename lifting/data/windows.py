"""Fixed-length windows over (2D, 3D) sequence pairs: every-frame training windows (edge-padded when a
sequence is shorter than the window, as VideoPose3D's ChunkedGenerator pads), non-overlapping test windows
(trailing remainder dropped, as the official DiffHPE test set), flip augmentation, occlusion and 2D noise."""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC

import numpy as np
import torch
from torch.utils.data import Dataset

from lifting.data.dataset import PoseDataset, action_label, camera_views
from lifting.data.noise2d import DetectorNoise, add_detector_noise_normalized
from lifting.data.occlusion import check_pattern, occlusion_mask
from lifting.skeleton import flip_pose

WINDOW = 27


def train_window_starts(num_frames: int, window: int = WINDOW, stride: int = 1) -> np.ndarray:
    """Start frames of the training windows: every `stride` frames while a whole window fits; one centred,
    edge-padded window (negative start) when the sequence is shorter than the window."""
    if num_frames <= 0:
        return np.zeros(0, dtype=np.int64)
    if num_frames < window:
        return np.array([-((window - num_frames) // 2)], dtype=np.int64)
    return np.arange(0, num_frames - window + 1, stride, dtype=np.int64)


def eval_window_starts(num_frames: int, window: int = WINDOW) -> np.ndarray:
    """Non-overlapping windows from frame 0; the trailing remainder (< window frames) is dropped."""
    return np.arange(num_frames // window, dtype=np.int64) * window


def take_window(x: np.ndarray, start: int, window: int = WINDOW) -> np.ndarray:
    """x (N, ...) -> (window, ...) from `start`, frames outside [0, N) replaced by the nearest edge frame."""
    idx = np.clip(np.arange(start, start + window), 0, len(x) - 1)
    return x[idx]


def flip_window(x: np.ndarray) -> np.ndarray:
    """Mirror a window (..., J, D), D = 2 (normalised screen coordinates) or 3 (camera frame): x -> -x and
    left/right joints swapped. Its own inverse."""
    return flip_pose(x)


class WindowDataset(Dataset):
    """Windows over paired sequences. Items are dicts:
    {'x2d': (L, J, 2) float32 tensor (normalised, occluded/noisy), 'x3d': (L, J, 3) float32 tensor (metres,
    root-relative), 'mask': (L, J) bool tensor (True = 2D joint omitted), 'action': str, 'subject': str,
    'flipped': bool}.

    train=True: windows start every `stride` frames, random flip (p = 0.5) if flip, a fresh occlusion /
    noise draw per item from torch's RNG (so DataLoader workers and mmengine's seed govern it).
    train=False: non-overlapping windows, no flip, occlusion / noise fixed per item by (seed, index)."""

    def __init__(
        self,
        pairs_2d: SequenceABC[np.ndarray],
        pairs_3d: SequenceABC[np.ndarray],
        actions: SequenceABC[str],
        window: int = WINDOW,
        stride: int = 1,
        train: bool = True,
        flip: bool = False,
        occlusion: str | None = None,
        noise: DetectorNoise | None = None,
        subjects: SequenceABC[str] | None = None,
        image_sizes: SequenceABC[tuple[int, int]] | None = None,
        seed: int = 0,
    ):
        if not (len(pairs_2d) == len(pairs_3d) == len(actions)):
            raise ValueError("pairs_2d, pairs_3d and actions must have the same length")
        self.x2d = [np.asarray(a, dtype=np.float32) for a in pairs_2d]  # each (N, J, 2)
        self.x3d = [np.asarray(a, dtype=np.float32) for a in pairs_3d]  # each (N, J, 3)
        for a, b in zip(self.x2d, self.x3d):
            if a.shape[0] != b.shape[0]:
                raise ValueError(f"2D and 3D sequences differ in length: {a.shape} vs {b.shape}")
        self.actions = list(actions)
        self.subjects = list(subjects) if subjects is not None else [""] * len(self.actions)
        self.image_sizes = (
            list(image_sizes) if image_sizes is not None else [(1000, 1000)] * len(self.actions)
        )
        self.window, self.stride, self.train = window, stride, train
        self.flip = flip and train
        self.occlusion = check_pattern(occlusion)
        self.noise = noise
        self.seed = seed
        index = []
        for i, a in enumerate(self.x3d):
            starts = (
                train_window_starts(len(a), window, stride) if train else eval_window_starts(len(a), window)
            )
            index.append(np.stack([np.full(len(starts), i), starts], axis=1))
        self.index = np.concatenate(index).astype(np.int64) if index else np.zeros((0, 2), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.index)

    def _rng(self, item: int) -> np.random.Generator:
        if self.train:
            return np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))
        return np.random.default_rng([self.seed, item])

    def __getitem__(self, item: int) -> dict:
        pair, start = (int(v) for v in self.index[item])
        x2d = take_window(self.x2d[pair], start, self.window)
        x3d = take_window(self.x3d[pair], start, self.window)
        rng = self._rng(item)
        flipped = bool(self.flip and rng.random() < 0.5)
        if flipped:
            x2d, x3d = flip_window(x2d), flip_window(x3d)
        mask = occlusion_mask(self.occlusion, self.window, x2d.shape[1], rng)
        if self.noise is not None:
            x2d, dropped = add_detector_noise_normalized(x2d, self.image_sizes[pair], rng, self.noise)
            mask |= dropped
        x2d = np.where(mask[..., None], np.float32(0), x2d).astype(np.float32)
        return {
            "x2d": torch.from_numpy(x2d),
            "x3d": torch.from_numpy(np.ascontiguousarray(x3d, dtype=np.float32)),
            "mask": torch.from_numpy(mask),
            "action": self.actions[pair],
            "subject": self.subjects[pair],
            "flipped": flipped,
        }

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """All windows without occlusion, noise or flip: (x2d (W, L, J, 2), x3d (W, L, J, 3))."""
        if len(self.index) == 0:
            nj = self.x3d[0].shape[1] if self.x3d else 17
            return np.zeros((0, self.window, nj, 2), np.float32), np.zeros(
                (0, self.window, nj, 3), np.float32
            )
        x2d = np.stack([take_window(self.x2d[p], s, self.window) for p, s in self.index])
        x3d = np.stack([take_window(self.x3d[p], s, self.window) for p, s in self.index])
        return x2d, x3d


def dataset_pairs(
    dataset: PoseDataset, subjects: SequenceABC[str]
) -> tuple[list[np.ndarray], list[np.ndarray], list[str], list[str], list[tuple[int, int]]]:
    """One pair per (subject, action, camera): (2D normalised (N, J, 2), 3D camera-frame root-relative
    (N, J, 3), action label, subject, (res_w, res_h))."""
    x2d, x3d, actions, subs, sizes = [], [], [], [], []
    for subject, action, seq in dataset.sequences(list(subjects)):
        for cam, (v3d, v2d) in zip(seq.cameras, camera_views(seq)):
            x2d.append(v2d)
            x3d.append(v3d)
            actions.append(action_label(action))
            subs.append(subject)
            sizes.append((cam.res_w, cam.res_h))
    return x2d, x3d, actions, subs, sizes


def make_window_datasets(
    dataset: PoseDataset,
    train_subjects: SequenceABC[str],
    test_subjects: SequenceABC[str],
    window: int = WINDOW,
    stride: int = 1,
    flip: bool = True,
    occlusion: str | None = None,
    test_occlusion: str | None = None,
    noise: DetectorNoise | None = None,
    test_noise: DetectorNoise | None = None,
    seed: int = 0,
) -> tuple[WindowDataset, WindowDataset]:
    """(train, test) WindowDatasets from a PoseDataset and a subject split (for H36M: h36m.TRAIN_SUBJECTS,
    h36m.TEST_SUBJECTS). Occlusion / noise of the test set are separate (default: none)."""
    x2d, x3d, act, subs, sizes = dataset_pairs(dataset, train_subjects)
    train = WindowDataset(
        x2d, x3d, act, window, stride, train=True, flip=flip, occlusion=occlusion, noise=noise,
        subjects=subs, image_sizes=sizes, seed=seed,
    )  # fmt: skip
    x2d, x3d, act, subs, sizes = dataset_pairs(dataset, test_subjects)
    test = WindowDataset(
        x2d, x3d, act, window, train=False, occlusion=test_occlusion, noise=test_noise,
        subjects=subs, image_sizes=sizes, seed=seed,
    )  # fmt: skip
    return train, test


def windows_by_action(
    dataset: PoseDataset,
    subjects: SequenceABC[str],
    window: int = WINDOW,
    max_windows: int | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """action label -> (x2d (W, L, J, 2) normalised, x3d (W, L, J, 3) metres): non-overlapping windows of
    every camera view of the subjects, the form `lifting.evaluate.evaluate_model` takes. max_windows keeps
    the first N per action (quick runs)."""
    x2d, x3d, act, _, _ = dataset_pairs(dataset, subjects)
    out: dict[str, tuple[list, list]] = {}
    for a2, a3, a in zip(x2d, x3d, act):
        for s in eval_window_starts(len(a3), window):
            out.setdefault(a, ([], []))
            out[a][0].append(a2[s : s + window])
            out[a][1].append(a3[s : s + window])
    result = {}
    for a, (l2, l3) in sorted(out.items()):
        if max_windows is not None:
            l2, l3 = l2[:max_windows], l3[:max_windows]
        result[a] = (np.stack(l2), np.stack(l3))
    return result
