"""Detector-like 2D noise: magnitudes, outliers, swaps, dropouts, seeding."""

import numpy as np

from lifting.data.noise2d import JOINT_SIGMA_SCALE, DetectorNoise, add_detector_noise
from lifting.skeleton import FLIP_PERMUTATION


def _clean(n=2000):
    rng = np.random.default_rng(0)
    return rng.uniform(200, 800, size=(n, 17, 2))


def test_gaussian_sigma_per_joint():
    x = _clean()
    noisy, dropped = add_detector_noise(
        x, (1000, 1000), np.random.default_rng(1), DetectorNoise(3.0, 0, 0, 0, 0)
    )
    assert not dropped.any()
    std = (noisy - x).std(axis=(0, 2))
    np.testing.assert_allclose(std, 3.0 * np.asarray(JOINT_SIGMA_SCALE), rtol=0.05)
    # Sigmas scale with the image width (given for 1000 px).
    noisy2, _ = add_detector_noise(x, (2000, 1000), np.random.default_rng(1), DetectorNoise(3.0, 0, 0, 0, 0))
    np.testing.assert_allclose((noisy2 - x).std(), 2 * (noisy - x).std(), rtol=0.01)


def test_outliers_dropouts_and_swaps():
    x = _clean()
    p = DetectorNoise(sigma_px=0.0, outlier_p=0.05, outlier_px=50.0, swap_p=0.0, dropout_p=0.1)
    noisy, dropped = add_detector_noise(x, (1000, 1000), np.random.default_rng(2), p)
    moved = np.linalg.norm(noisy - x, axis=-1) > 1e-9
    assert abs(moved.mean() - 0.05) < 0.005 and abs(dropped.mean() - 0.1) < 0.01
    assert np.all((noisy >= 0) & (noisy <= 999))
    p = DetectorNoise(sigma_px=0.0, outlier_p=0.0, swap_p=0.2, dropout_p=0.0)
    noisy, _ = add_detector_noise(x, (1000, 1000), np.random.default_rng(3), p)
    swapped = ~np.all(noisy == x, axis=(1, 2))
    assert abs(swapped.mean() - 0.2) < 0.03
    np.testing.assert_array_equal(noisy[swapped], x[swapped][:, list(FLIP_PERMUTATION)])


def test_seeded_and_input_untouched():
    x = _clean(50)
    copy = x.copy()
    a = add_detector_noise(x, (1000, 1000), np.random.default_rng(5))
    b = add_detector_noise(x, (1000, 1000), np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(x, copy)
