"""Converted clips -> PoseDataset with virtual cameras and detector-like 2D; subject split; augmentation;
data fraction; training / test windows."""

import numpy as np
import pytest

from lifting.data.dataset import PoseDataset, camera_views
from lifting.data.mocap_clips import load_clips
from lifting.data.mocap_dataset import (
    TEST_SUBJECTS,
    Augmentation,
    build_mocap_dataset,
    build_mocap_test_windows,
    build_mocap_training_data,
    select_fraction,
    split_subjects,
    subjects_to_test,
)
from lifting.data.mocap_geometry import MIRROR_SEGMENT
from lifting.data.noise2d import DetectorNoise
from lifting.errors import UserError
from lifting.skeleton import segment_lengths


def test_structure_and_split(clip_dir):
    ds = build_mocap_dataset(clip_dir, cameras_per_clip=3, seed=0)
    assert isinstance(ds, PoseDataset) and ds.fps == 50.0
    assert sorted(ds.subjects) == ["05", "06", "09", "13", "16"]
    assert set(ds.subjects["13"]) == {"13_40"}
    for _, _, seq in ds.sequences():
        n = seq.num_frames
        assert seq.positions_3d_world.shape == (n, 17, 3)
        assert len(seq.cameras) == len(seq.keypoints_2d) == len(seq.confidence) == 3
        for cam, kp, conf in zip(seq.cameras, seq.keypoints_2d, seq.confidence):
            assert kp.shape == (n, 17, 2) and conf.shape == (n, 17)
            assert (kp[..., 0] > -50).all() and (kp[..., 0] < cam.res_w + 50).all()
    train, test = split_subjects(ds)
    assert test == sorted(TEST_SUBJECTS) and not set(train) & set(TEST_SUBJECTS)


def test_camera_views_root_relative_in_front(clip_dir):
    ds = build_mocap_dataset(clip_dir, cameras_per_clip=2, seed=0, noise=None)
    seq = ds.subjects["09"]["09_03"]
    assert seq.confidence is None
    for cam, (x3d, x2d) in zip(seq.cameras, camera_views(seq)):
        np.testing.assert_allclose(x3d[:, 0], 0.0)
        assert (cam.world_to_camera(seq.positions_3d_world)[..., 2] > 1).all()
        assert np.abs(x2d).max() < 1.1  # normalised screen coordinates
    # Without noise the 2D is the exact projection of the 3D.
    cam = seq.cameras[0]
    np.testing.assert_allclose(seq.keypoints_2d[0], cam.project(cam.world_to_camera(seq.positions_3d_world)))


def test_detector_noise_is_a_few_pixels_and_seeded(clip_dir):
    clean = build_mocap_dataset(clip_dir, cameras_per_clip=2, seed=3, noise=None)
    noisy = build_mocap_dataset(
        clip_dir, cameras_per_clip=2, seed=3, noise=DetectorNoise(outlier_p=0, swap_p=0)
    )
    again = build_mocap_dataset(
        clip_dir, cameras_per_clip=2, seed=3, noise=DetectorNoise(outlier_p=0, swap_p=0)
    )
    a, b = clean.subjects["05"]["05_01"], noisy.subjects["05"]["05_01"]
    np.testing.assert_array_equal(a.cameras[1].translation, b.cameras[1].translation)  # same cameras
    d = b.keypoints_2d[1] - a.keypoints_2d[1]
    assert 2.0 < d.std() < 5.0
    np.testing.assert_array_equal(b.keypoints_2d[1], again.subjects["05"]["05_01"].keypoints_2d[1])


def test_augmented_copies(clip_dir):
    aug = Augmentation(copies=2)
    ds = build_mocap_dataset(
        clip_dir, cameras_per_clip=1, seed=0, noise=None, augment=aug, subjects=["09", "16"]
    )
    assert set(ds.subjects["16"]) == {"16_01", "16_01 aug1", "16_01 aug2"}
    orig = ds.subjects["16"]["16_01"].positions_3d_world
    for k in (1, 2):
        copy = ds.subjects["16"][f"16_01 aug{k}"].positions_3d_world
        assert copy.shape == orig.shape
        lo, hi = segment_lengths(orig).mean(0), segment_lengths(copy)
        assert hi.std(0).max() < 1e-6  # rigid
        np.testing.assert_allclose(hi, hi[:, MIRROR_SEGMENT], atol=1e-9)  # symmetric
        ratio = hi.mean(0) / lo
        assert (ratio > 0.9 * 0.92 - 1e-6).all() and (ratio < 1.1 * 1.08 + 1e-6).all()
        assert not np.allclose(copy, orig)
        # Still upright, on the floor.
        assert np.mean(copy[:, 10, 2] > copy[:, 0, 2]) > 0.9
        assert abs(np.percentile(np.minimum(copy[:, 3, 2], copy[:, 6, 2]), 1) - 0.08) < 1e-6


def test_select_fraction(clip_dir):
    clips = load_clips(clip_dir)
    total = sum(c.num_frames for c in clips)
    half = select_fraction(clips, 0.5, seed=1)
    assert abs(sum(c.num_frames for c in half) - round(0.5 * total)) <= 1
    assert [c.clip for c in half] == [c.clip for c in select_fraction(clips, 0.5, seed=1)]
    assert len(half) < len(clips) and select_fraction(clips, 1.0) == clips
    with pytest.raises(UserError):
        select_fraction(clips, 0.0)
    ds = build_mocap_dataset(
        clip_dir, cameras_per_clip=1, noise=None, fraction=0.3, subjects=["09", "16", "05"]
    )
    frames = sum(s.num_frames for _, _, s in ds.sequences())
    train_total = sum(c.num_frames for c in clips if c.subject in ("09", "16", "05"))
    assert abs(frames - round(0.3 * train_total)) <= 1


def test_training_and_test_windows_hold_out_subjects(clip_dir):
    train, val, desc = build_mocap_training_data(clip_dir, stride=9, cameras=2, seed=0)
    assert set(train.subjects) == {"05", "09", "16"} and set(val.subjects) == set(TEST_SUBJECTS)
    item = train[0]
    assert tuple(item["x2d"].shape) == (27, 17, 2) and tuple(item["x3d"].shape) == (27, 17, 3)
    assert "test 06 13" in desc
    windows, _ = build_mocap_test_windows(clip_dir, cameras=2)
    assert set(windows) == {"06_08", "13_40"}
    x2d, x3d = windows["13_40"]
    assert x2d.shape[1:] == (27, 17, 2) and x3d.shape[1:] == (27, 17, 3)
    np.testing.assert_allclose(x3d[:, :, 0], 0.0)


def test_small_fraction_trains_on_the_subjects_that_kept_clips(clip_dir):
    # 5 % of the frames is one or two clips: the other training subjects have none and are left out (no KeyError).
    train, val, desc = build_mocap_training_data(clip_dir, stride=9, cameras=1, seed=0, train_fraction=0.05)
    assert set(train.subjects) < {"05", "09", "16"}  # a strict subset
    assert set(val.subjects) == set(TEST_SUBJECTS) and len(train) > 0 and "fraction 0.05" in desc


def test_missing_subject_and_folder_are_user_errors(clip_dir, tmp_path):
    with pytest.raises(UserError, match="no clips of subject"):
        build_mocap_dataset(clip_dir, subjects=["77"])
    with pytest.raises(UserError, match="no such folder"):
        build_mocap_dataset(tmp_path / "nothing")


def test_test_subjects_default_explicit_and_unseen_folder(clip_dir, tmp_path):
    assert subjects_to_test(clip_dir)[0] == ["06", "13"]
    assert subjects_to_test(clip_dir, ["09"])[0] == ["09"]
    with pytest.raises(UserError, match="no clips of subject 77"):
        subjects_to_test(clip_dir, ["77"])
    # A folder of subjects never seen in training (none of the held-out ids): every subject is tested.
    unseen = tmp_path / "unseen"
    unseen.mkdir()
    for name in ("09_03.npz", "16_01.npz"):
        (unseen / name).symlink_to(clip_dir / name)
    subjects, which = subjects_to_test(unseen)
    assert subjects == ["09", "16"] and "all subjects" in which
    windows, desc = build_mocap_test_windows(unseen, cameras=1)
    assert set(windows) == {"09_03", "16_01"} and "all subjects 09 16" in desc
