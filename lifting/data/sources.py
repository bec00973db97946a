"""One entry point from command-line data options to training / test windows: Human3.6M (VideoPose3D npz)
or the converted motion-capture clips with virtual cameras."""

from __future__ import annotations

import numpy as np

from lifting.data.noise2d import DetectorNoise
from lifting.data.windows import make_window_datasets, windows_by_action
from lifting.errors import UserError


def _check_one_source(h36m_3d, h36m_2d, mocap) -> str:
    if mocap and (h36m_3d or h36m_2d):
        raise UserError("choose one data source: --mocap DIR, or --h36m-3d with --h36m-2d")
    if mocap:
        return "mocap"
    if h36m_3d and h36m_2d:
        return "h36m"
    if h36m_3d or h36m_2d:
        raise UserError("Human3.6M needs both files: --h36m-3d data_3d_h36m.npz and --h36m-2d <2D npz>")
    raise UserError("no data given: pass --h36m-3d and --h36m-2d (VideoPose3D npz files) or --mocap DIR")



def build_training_data(
    h36m_3d=None,
    h36m_2d=None,
    mocap=None,
    occlusion: str = "none",
    flip: bool = True,
    stride: int = 1,
    train_fraction: float = 1.0,
    cameras: int = 4,
    seed: int = 0,
    camera_mode: str = "fixed",
    device: str = "cpu",
    val_windows: int | None = None,
    limb_mix: float = 0.0,
    joint_rotation: float = 0.0,
):
    """-> (train WindowDataset, validation WindowDataset, description). For mocap with camera_mode='fresh' the
    training set is a SyntheticWindows generator on `device` (a new camera for every window) instead, which
    mixes limbs across windows with probability `limb_mix` per part and turns limbs, trunk and head at their joints
    up to `joint_rotation` degrees (sigma)."""
    if camera_mode not in ("fixed", "fresh"):
        raise UserError(f"camera mode must be 'fixed' or 'fresh', got {camera_mode!r}")
    source = _check_one_source(h36m_3d, h36m_2d, mocap)
    if not 0 < train_fraction <= 1:
        raise UserError("--train-fraction must be in (0, 1]")
    if limb_mix and camera_mode != "fresh":
        raise UserError("--limb-mix needs motion capture with fresh cameras (--mocap DIR --camera-mode fresh)")
    if not 0 <= limb_mix <= 1:
        raise UserError(f"--limb-mix must be in [0, 1], got {limb_mix}")
    if joint_rotation and camera_mode != "fresh":
        raise UserError(
            "--joint-rotation needs motion capture with fresh cameras (--mocap DIR --camera-mode fresh)"
        )
    if not 0 <= joint_rotation <= 60:
        raise UserError(f"--joint-rotation must be in [0, 60] degrees, got {joint_rotation}")
    if source == "h36m":
        from lifting.data.h36m import TEST_SUBJECTS, TRAIN_SUBJECTS, load_h36m

        dataset = load_h36m(h36m_3d, h36m_2d)
        train_subjects = [s for s in TRAIN_SUBJECTS if s in dataset.subjects]
        test_subjects = [s for s in TEST_SUBJECTS if s in dataset.subjects]
        if not train_subjects or not test_subjects:
            raise UserError(
                f"{h36m_3d}: need training subjects {TRAIN_SUBJECTS} and test subjects {TEST_SUBJECTS}; "
                f"found {sorted(dataset.subjects)}"
            )
        train, test = make_window_datasets(
            dataset, train_subjects, test_subjects, stride=stride, flip=flip, occlusion=occlusion, seed=seed
        )
        if train_fraction < 1:
            keep = np.random.default_rng(seed).permutation(len(train.index))[: max(1, int(train_fraction * len(train.index)))]
            train.index = train.index[np.sort(keep)]
        desc = f"Human3.6M ({h36m_2d}), train {' '.join(train_subjects)}, test {' '.join(test_subjects)}"
        return train, test, desc
    if camera_mode == "fresh":
        from lifting.data.mocap_dataset import build_mocap_synthetic_training_data

        return build_mocap_synthetic_training_data(
            mocap, occlusion=occlusion, train_fraction=train_fraction, cameras=cameras, seed=seed,
            device=device, val_windows=val_windows, limb_mix=limb_mix,
            joint_rotation=joint_rotation,
        )  # fmt: skip
    from lifting.data.mocap_dataset import build_mocap_training_data

    return build_mocap_training_data(
        mocap, occlusion=occlusion, flip=flip, stride=stride, train_fraction=train_fraction, cameras=cameras, seed=seed
    )


def build_test_windows(
    h36m_3d=None,
    h36m_2d=None,
    mocap=None,
    cameras: int = 4,
    max_windows: int | None = None,
    seed: int = 0,
    subjects: list[str] | None = None,
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str]:
    """Test windows per action (non-overlapping, 27 frames) and a description of the data. `subjects`
    (mocap only) overrides the held-out subjects."""
    source = _check_one_source(h36m_3d, h36m_2d, mocap)
    if source == "h36m":
        from lifting.data.h36m import TEST_SUBJECTS, load_h36m

        dataset = load_h36m(h36m_3d, h36m_2d)
        present = [s for s in TEST_SUBJECTS if s in dataset.subjects]
        if not present:
            raise UserError(f"{h36m_3d}: no test subject ({' '.join(TEST_SUBJECTS)}) in the file")
        return windows_by_action(dataset, present, max_windows=max_windows), (
            f"Human3.6M ({h36m_2d}), test subjects {' '.join(present)}"
        )
    from lifting.data.mocap_dataset import build_mocap_test_windows

    return build_mocap_test_windows(mocap, cameras=cameras, max_windows=max_windows, seed=seed, subjects=subjects)


__all__ = ["DetectorNoise", "build_test_windows", "build_training_data"]
