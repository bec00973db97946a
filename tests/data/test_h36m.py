"""Human3.6M loader: format, 32 -> 17 joints, cameras, trimming, camera views, errors."""

import numpy as np
import pytest
from fixtures_h36m import LAYOUT, expected_length, expected_world

from lifting.data import h36m_cameras
from lifting.data.dataset import action_label, camera_views
from lifting.data.h36m import (
    TEST_SUBJECTS,
    TRAIN_SUBJECTS,
    h36m_cameras_for,
    load_h36m,
    load_h36m_2d,
    load_h36m_3d,
)
from lifting.errors import UserError


def test_camera_table_is_complete_and_sane():
    assert set(h36m_cameras.EXTRINSICS) == set(TRAIN_SUBJECTS + TEST_SUBJECTS)
    for subject in h36m_cameras.EXTRINSICS:
        cams = h36m_cameras_for(subject)
        assert [c.id for c in cams] == ["54138969", "55011271", "58860488", "60457274"]
        for q, _ in h36m_cameras.EXTRINSICS[subject]:
            assert abs(np.linalg.norm(q) - 1) < 1e-6  # a mistyped digit breaks the unit norm
        for c in cams:
            assert 4.0 < np.linalg.norm(c.translation) < 6.0  # metres from the capture-space centre
            # The capture-space centre at hip height is in front of every camera and inside the image.
            p = c.world_to_camera(np.array([0.0, 0.0, 0.9]))
            uv = c.project(p)
            assert p[2] > 4 and 0 < uv[0] < c.res_w and 0 < uv[1] < c.res_h
    c = h36m_cameras_for("S9")[2]
    assert c.res_w == 1000 and c.res_h == 1000
    np.testing.assert_allclose(c.translation, [-1.6709921875, 5.21198583984375, 1.528387939453125])
    assert h36m_cameras_for("S1")[0].res_h == 1002


def test_load_shapes_subjects_and_trimming(h36m):
    assert set(h36m.subjects) == set(LAYOUT)
    assert h36m.fps == 50.0
    for subject, actions in LAYOUT.items():
        assert set(h36m.subjects[subject]) == set(actions)
        for action in actions:
            seq = h36m.subjects[subject][action]
            n = expected_length(subject, action)
            assert seq.positions_3d_world.shape == (n, 17, 3)
            assert len(seq.cameras) == 4 and len(seq.keypoints_2d) == 4
            assert all(k.shape == (n, 17, 2) for k in seq.keypoints_2d)
    # S1 'Walking 1' has 3 more 2D frames than 3D; S9 'Photo' one camera 2 frames short.
    assert h36m.subjects["S1"]["Walking 1"].num_frames == 100
    assert h36m.subjects["S9"]["Photo"].num_frames == 58


def test_32_to_17_joints_and_world_positions(h36m):
    for subject, actions in LAYOUT.items():
        for action in actions:
            seq = h36m.subjects[subject][action]
            np.testing.assert_allclose(
                seq.positions_3d_world, expected_world(subject, action)[: seq.num_frames], atol=1e-12
            )


def test_world_camera_round_trip_and_reprojection(h36m):
    seq = h36m.subjects["S9"]["Walking 1"]
    for cam, kp in zip(seq.cameras, seq.keypoints_2d):
        x_cam = cam.world_to_camera(seq.positions_3d_world)
        np.testing.assert_allclose(cam.camera_to_world(x_cam), seq.positions_3d_world, atol=1e-9)
        # Camera-frame 3D projected through the camera reproduces the stored 2D (pixels).
        np.testing.assert_allclose(cam.project(x_cam), kp, atol=1e-6)
        # Rotation only: camera-frame bone lengths equal world bone lengths.
        np.testing.assert_allclose(
            np.linalg.norm(x_cam[:, 2] - x_cam[:, 1], axis=-1),
            np.linalg.norm(seq.positions_3d_world[:, 2] - seq.positions_3d_world[:, 1], axis=-1),
            atol=1e-9,
        )


def test_camera_views_root_relative_and_normalised(h36m):
    seq = h36m.subjects["S1"]["Walking 1"]
    views = camera_views(seq)
    assert len(views) == 4
    for cam, kp, (x3d, x2d) in zip(seq.cameras, seq.keypoints_2d, views):
        assert x3d.shape == (100, 17, 3) and x2d.shape == (100, 17, 2)
        assert x3d.dtype == np.float32 and x2d.dtype == np.float32
        assert np.all(x3d[:, 0] == 0)
        x_cam = cam.world_to_camera(seq.positions_3d_world)
        np.testing.assert_allclose(x3d, x_cam - x_cam[:, :1], atol=1e-6)
        # Normalised x spans [-1, 1] over the width: x/w*2 - 1, y/w*2 - h/w.
        np.testing.assert_allclose(x2d[..., 0], kp[..., 0] / cam.res_w * 2 - 1, atol=1e-6)
        np.testing.assert_allclose(x2d[..., 1], kp[..., 1] / cam.res_w * 2 - cam.res_h / cam.res_w, atol=1e-6)
        # The root-relative pose plus the root, projected, gives back the pixels (the full loop).
        root = x_cam[:, :1]
        px = cam.project(x3d.astype(np.float64) + root)
        np.testing.assert_allclose(cam.normalize(px), x2d, atol=1e-6)


def test_gt_2d_file_loads_the_same(h36m_files, h36m):
    gt = load_h36m(h36m_files["3d"], h36m_files["gt"], subjects=["S9"])
    assert list(gt.subjects) == ["S9"]
    np.testing.assert_array_equal(
        gt.subjects["S9"]["Photo"].keypoints_2d[0], h36m.subjects["S9"]["Photo"].keypoints_2d[0]
    )


def test_default_subjects_and_action_labels(h36m):
    assert list(h36m.subjects) == ["S1", "S5", "S9"]  # train then test order, only those present
    assert action_label("Walking 1") == "Walking"
    assert action_label("TakingPhoto") == "Photo"
    assert action_label("WalkingDog 1") == "WalkDog"
    assert action_label("Directions") == "Directions"


def test_missing_path_raises_user_error(tmp_path):
    with pytest.raises(UserError, match="positions_3d"):
        load_h36m_3d(tmp_path / "nope.npz")
    with pytest.raises(UserError, match="positions_2d"):
        load_h36m_2d(tmp_path / "nope.npz")


def test_wrong_keys_raise_user_error_naming_the_format(tmp_path, h36m_files):
    bad = tmp_path / "bad.npz"
    np.savez(bad, poses=np.zeros((3, 32, 3)))
    with pytest.raises(UserError, match=r"'positions_3d' \(dict subject -> action -> \(N, 32, 3\)"):
        load_h36m_3d(bad)
    with pytest.raises(UserError, match="'positions_2d'.*'metadata'"):
        load_h36m_2d(bad)
    # Swapped files: a 2D file given as 3D and vice versa.
    with pytest.raises(UserError, match="data_3d_h36m.npz"):
        load_h36m(h36m_files["cpn"], h36m_files["3d"])
    # Not an npz at all.
    txt = tmp_path / "x.npz"
    txt.write_text("hello")
    with pytest.raises(UserError, match="positions_3d"):
        load_h36m_3d(txt)


def test_wrong_shapes_and_layout_raise_user_error(tmp_path):
    p3 = tmp_path / "d3.npz"
    np.savez(p3, positions_3d={"S1": {"Walking": np.zeros((5, 20, 3))}})
    with pytest.raises(UserError, match=r"shape \(5, 20, 3\)"):
        load_h36m_3d(p3)
    p2 = tmp_path / "d2.npz"
    np.savez(
        p2,
        positions_2d={"S1": {"Walking": [np.zeros((5, 17, 2))] * 4}},
        metadata={"layout_name": "coco", "num_joints": 17},
    )
    with pytest.raises(UserError, match="H36M 17-joint layout"):
        load_h36m_2d(p2)
    p2b = tmp_path / "d2b.npz"
    np.savez(p2b, positions_2d={"S1": {"Walking": [np.zeros((5, 17, 2))] * 4}})
    with pytest.raises(UserError, match="'metadata'"):
        load_h36m_2d(p2b)


def test_missing_2d_action_or_subject_raises_user_error(tmp_path):
    p3 = tmp_path / "d3.npz"
    np.savez(p3, positions_3d={"S1": {"Walking": np.zeros((5, 32, 3)), "Eating": np.zeros((5, 32, 3))}})
    p2 = tmp_path / "d2.npz"
    meta = {"layout_name": "h36m", "num_joints": 17}
    np.savez(p2, positions_2d={"S1": {"Walking": [np.zeros((5, 17, 2))] * 4}}, metadata=meta)
    with pytest.raises(UserError, match="Eating"):
        load_h36m(p3, p2)
    with pytest.raises(UserError, match="S9"):
        load_h36m(p3, p2, subjects=["S9"])
    with pytest.raises(UserError, match="camera parameters"):
        h36m_cameras_for("S2")
