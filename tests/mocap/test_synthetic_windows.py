"""The on-the-fly training generator (lifting/data/synthetic.py): a new camera for every window that keeps the
person in view, projections that match `dataset.Camera.project`, exact repeats for a seed, augmentation and
corruption that do what they say."""

import numpy as np
import pytest
import torch

from lifting.data.dataset import Camera
from lifting.data.synthetic import CameraDistribution, Corruption2D, SyntheticWindows, occlusion_masks
from lifting.data.virtual_cameras import rotation_to_quaternion
from lifting.skeleton import segment_lengths


@pytest.fixture(scope="module")
def clips(clip_dir):
    from lifting.data.mocap_clips import load_clips

    return [c.positions for c in load_clips(clip_dir)]


def _clean(clips, **kw):
    return SyntheticWindows(clips, motion=None, corruption=None, **kw)


def _as_camera(cams, i) -> Camera:
    R = cams.R[i].double().numpy()  # world -> camera
    return Camera(
        id="synthetic",
        orientation=rotation_to_quaternion(R.T),
        translation=cams.position[i].double().numpy(),
        focal=np.full(2, float(cams.focal[i])),
        center=cams.centre[i].double().numpy(),
        res_w=int(cams.size[i, 0]),
        res_h=int(cams.size[i, 1]),
    )


def test_projection_matches_camera_project(clips):
    gen = _clean(clips, seed=1, cameras=CameraDistribution(cut_p=0.0))
    batch, cams, world = gen.generate(16)
    for i in range(16):
        cam = _as_camera(cams, i)
        x_cam = cam.world_to_camera(world[i].double().numpy())
        np.testing.assert_allclose(batch["x3d"][i].numpy(), x_cam - x_cam[:, :1], atol=1e-4)
        np.testing.assert_allclose(batch["x2d"][i].numpy(), cam.normalize(cam.project(x_cam)), atol=1e-4)


def test_every_window_gets_its_own_camera_in_view(clips):
    dist = CameraDistribution(cut_p=0.0)
    gen = _clean(clips, seed=2, cameras=dist)
    batch, cams, world = gen.generate(256)
    assert len({tuple(np.round(p, 4)) for p in cams.position.numpy()}) == 256
    assert len(set(np.round(cams.focal.numpy(), 3))) == 256
    assert not batch["mask"].any()  # nobody cut by the frame edge, no corruption
    heights = cams.position[:, 2].numpy()
    assert heights.min() >= dist.height_m[0] and heights.max() <= dist.height_m[1]
    fov = np.degrees(2 * np.arctan(cams.size.max(1).values.numpy() / 2 / cams.focal.numpy()))
    assert fov.min() >= dist.fov_deg[0] - 1e-3 and fov.max() <= dist.fov_deg[1] + 1e-3
    for i in range(0, 256, 8):  # every joint of every frame inside the image by the margin
        cam = _as_camera(cams, i)
        uv = cam.project(cam.world_to_camera(world[i].double().numpy()))
        m = dist.margin * min(cam.res_w, cam.res_h) - 1e-3
        assert (uv >= m).all() and (uv[..., 0] <= cam.res_w - m).all() and (uv[..., 1] <= cam.res_h - m).all()
    # portrait and landscape images both occur
    assert (cams.size[:, 0] < cams.size[:, 1]).any() and (cams.size[:, 0] > cams.size[:, 1]).any()


def test_cut_windows_flag_joints_outside_the_image(clips):
    gen = SyntheticWindows(clips, motion=None, corruption=Corruption2D(sigma=(0.0, 0.0), outlier_p=0,
                           swap_p=0, dropout_p=0, cut_drop_p=1.0), cameras=CameraDistribution(cut_p=1.0,
                           distance_m=(1.0, 2.0)), seed=3)  # fmt: skip
    batch, cams, world = gen.generate(64)
    assert batch["mask"].any()
    w = cams.size[:, 0].view(-1, 1, 1)
    h = cams.size[:, 1].view(-1, 1, 1)
    for i in torch.nonzero(batch["mask"].flatten(1).any(1)).flatten()[:8]:
        cam = _as_camera(cams, int(i))
        px = cam.project(cam.world_to_camera(world[int(i)].double().numpy()))
        outside = (px[..., 0] < 0) | (px[..., 0] > float(w[i])) | (px[..., 1] < 0) | (px[..., 1] > float(h[i]))
        np.testing.assert_array_equal(batch["mask"][i].numpy(), outside)


def test_seeded_runs_repeat_exactly_and_seeds_differ(clips):
    a = SyntheticWindows(clips, occlusion="mixed", seed=7).batch(32)
    b = SyntheticWindows(clips, occlusion="mixed", seed=7).batch(32)
    c = SyntheticWindows(clips, occlusion="mixed", seed=8).batch(32)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert not torch.equal(a["x2d"], c["x2d"])


def test_augmentation_keeps_left_right_symmetric_lengths_and_scales_bodies(clips):
    gen = SyntheticWindows(clips, corruption=None, seed=4)
    _, _, world = gen.generate(128)
    lengths = segment_lengths(world.double().numpy()).mean(1)  # (n, 16)
    from lifting.data.mocap_geometry import MIRROR_SEGMENT

    np.testing.assert_allclose(lengths, lengths[:, MIRROR_SEGMENT], rtol=0.15)
    base = segment_lengths(_clean(clips, seed=4).generate(128)[2].double().numpy()).mean(1)
    ratio = lengths.sum(1) / base.sum(1)
    assert ratio.std() > 0.02  # bodies of different sizes


def test_corruption_scales_with_the_person_in_the_image(clips):
    quiet = Corruption2D(sigma=(0.01, 0.01), smooth=0.0, outlier_p=0, swap_p=0, dropout_p=0, cut_drop_p=0)
    noisy = SyntheticWindows(clips, motion=None, corruption=quiet, seed=5, cameras=CameraDistribution(cut_p=0))
    clean = _clean(clips, seed=5, cameras=CameraDistribution(cut_p=0))
    a, cams, _ = noisy.generate(64)
    b = clean.generate(64)[0]
    err_px = ((a["x2d"] - b["x2d"]) * cams.size[:, 0].view(-1, 1, 1, 1) / 2).norm(dim=-1)  # (n, L, J) pixels
    px = b["x2d"] * cams.size[:, 0].view(-1, 1, 1, 1) / 2
    height = (px[..., 1].amax(-1) - px[..., 1].amin(-1)).median(1).values  # (n,)
    rel = (err_px.mean(dim=(1, 2)) / height).numpy()
    # the mean norm of 2D Gaussian noise of std s (times the per-joint factors, ~1.15) is ~1.25 s
    assert 0.008 < np.median(rel) < 0.02
    assert rel.std() / rel.mean() < 0.35  # the same relative noise for near and far people


def test_batched_occlusion_patterns_match_the_paper_shapes():
    g = torch.Generator().manual_seed(0)
    m = occlusion_masks("consecutive_frames", 200, 27, 17, g, "cpu")
    assert (m.all(-1).sum(1) == 5).all() and (m.any(-1) == m.all(-1)).all()
    m = occlusion_masks("consecutive_leg", 200, 27, 17, g, "cpu")
    assert (m[..., [1, 2, 3]].sum(1) == 10).all() and m.sum() == 200 * 10 * 3
    m = occlusion_masks("random", 400, 27, 17, g, "cpu")
    assert abs(m.float().mean().item() - 0.2) < 0.01
    m = occlusion_masks("mixed", 500, 27, 17, g, "cpu")
    kinds = {int(k) for k in m.flatten(1).sum(1)}
    assert 0 in kinds and 27 * 17 * 0 + 5 * 17 in kinds and 30 in kinds
