"""Windows: counts, edge padding, non-overlapping test windows, flip, occlusion/noise inside the Dataset."""

import numpy as np
import torch

from lifting.data.h36m import TEST_SUBJECTS, TRAIN_SUBJECTS
from lifting.data.noise2d import DetectorNoise
from lifting.data.windows import (
    WindowDataset,
    eval_window_starts,
    flip_window,
    make_window_datasets,
    take_window,
    train_window_starts,
    windows_by_action,
)
from lifting.skeleton import FLIP_PERMUTATION


def test_window_starts():
    assert list(train_window_starts(30, 27, 1)) == [0, 1, 2, 3]
    assert list(train_window_starts(27, 27, 1)) == [0]
    assert list(train_window_starts(100, 27, 5)) == list(range(0, 74, 5))
    assert list(train_window_starts(20, 27)) == [-3]  # one centred window, 3 + 4 replicated frames
    assert list(eval_window_starts(100, 27)) == [0, 27, 54]  # 19 trailing frames dropped
    assert list(eval_window_starts(26, 27)) == []


def test_take_window_replicates_edges():
    x = np.arange(20)[:, None]
    w = take_window(x, -3, 27)[:, 0]
    assert w.shape == (27,)
    assert list(w[:4]) == [0, 0, 0, 0] and list(w[3:23]) == list(range(20)) and list(w[23:]) == [19] * 4


def test_train_and_test_window_counts(h36m):
    train, test = make_window_datasets(h36m, TRAIN_SUBJECTS[:1] + ("S5",), TEST_SUBJECTS[:1])
    # S1: 'Walking 1' 100 frames -> 74, 'TakingPhoto' 20 frames -> 1 padded; S5: 64 frames -> 38; x 4 cameras.
    assert len(train) == (74 + 1 + 38) * 4
    # S9: 90 frames -> 3, 'Photo' trimmed to 58 -> 2; x 4 cameras.
    assert len(test) == (3 + 2) * 4
    train5, _ = make_window_datasets(h36m, ["S1", "S5"], ["S9"], stride=5)
    assert len(train5) == (15 + 1 + 8) * 4
    item = test[0]
    assert item["x2d"].shape == (27, 17, 2) and item["x2d"].dtype == torch.float32
    assert item["x3d"].shape == (27, 17, 3) and item["x3d"].dtype == torch.float32
    assert item["mask"].shape == (27, 17) and not item["mask"].any()
    assert item["subject"] == "S9" and item["action"] in ("Walking", "Photo")
    assert {test[i]["action"] for i in range(len(test))} == {"Walking", "Photo"}


def test_test_windows_are_consecutive_non_overlapping_slices(h36m):
    _, test = make_window_datasets(h36m, ["S1"], ["S9"])
    x2d, x3d = test.stacked()
    assert x2d.shape == (20, 27, 17, 2) and x3d.shape == (20, 27, 17, 3)
    # The first two windows of the first pair are frames 0-26 and 27-53 of that pair.
    np.testing.assert_array_equal(x3d[0], test.x3d[0][:27])
    np.testing.assert_array_equal(x3d[1], test.x3d[0][27:54])
    for i in range(len(test)):
        np.testing.assert_array_equal(test[i]["x3d"].numpy(), x3d[i])
        np.testing.assert_array_equal(test[i]["x2d"].numpy(), x2d[i])
    by_action = windows_by_action(h36m, ["S9"])
    assert set(by_action) == {"Photo", "Walking"}
    assert by_action["Walking"][0].shape == (12, 27, 17, 2) and by_action["Photo"][1].shape == (8, 27, 17, 3)
    assert windows_by_action(h36m, ["S9"], max_windows=3)["Walking"][0].shape[0] == 3


def test_flip_twice_is_identity_and_mirrors(h36m):
    train, _ = make_window_datasets(h36m, ["S1"], ["S9"])
    x2d, x3d = train.stacked()
    for x in (x2d[:5], x3d[:5]):
        f = flip_window(x)
        np.testing.assert_array_equal(flip_window(f), x)
        np.testing.assert_array_equal(f[..., 1, 0], -x[..., FLIP_PERMUTATION[1], 0])
        np.testing.assert_array_equal(f[..., 4, 1:], x[..., 1, 1:])


def test_train_flip_is_random_and_consistent(h36m):
    train, _ = make_window_datasets(h36m, ["S1"], ["S9"], flip=True)
    ref2d, ref3d = train.stacked()
    torch.manual_seed(0)
    flips = []
    for i in range(0, len(train), 7):
        item = train[i]
        e2d, e3d = (flip_window(ref2d[i]), flip_window(ref3d[i])) if item["flipped"] else (ref2d[i], ref3d[i])
        np.testing.assert_allclose(item["x2d"].numpy(), e2d)
        np.testing.assert_allclose(item["x3d"].numpy(), e3d)
        flips.append(item["flipped"])
    assert 0.2 < np.mean(flips) < 0.8


def test_occlusion_in_dataset_zeroes_masked_joints_and_is_fixed_for_test(h36m):
    _, test = make_window_datasets(h36m, ["S1"], ["S9"], test_occlusion="consecutive_leg")
    a, b = test[3], test[3]
    np.testing.assert_array_equal(a["mask"].numpy(), b["mask"].numpy())  # deterministic per index
    m = a["mask"].numpy()
    assert m.sum() == 30 and m[:, [1, 2, 3]].sum() == 30
    assert np.all(a["x2d"].numpy()[m] == 0) and np.all(a["x2d"].numpy()[~m] != 0)


def test_noise_moves_keypoints_by_pixels():
    rng = np.random.default_rng(0)
    x2d = rng.uniform(-0.5, 0.5, size=(60, 17, 2))
    x3d = rng.normal(size=(60, 17, 3))
    params = DetectorNoise(sigma_px=2.0, outlier_p=0.0, swap_p=0.0, dropout_p=0.0)
    ds = WindowDataset([x2d], [x3d], ["A"], train=False, noise=params, image_sizes=[(1000, 1000)])
    item = ds[0]
    d_px = (item["x2d"].numpy() - x2d[:27]) * 1000 / 2  # normalised -> pixels
    assert 1.5 < d_px.std() < 3.0
    np.testing.assert_allclose(item["x3d"].numpy(), x3d[:27].astype(np.float32))
