"""BVH export: read back with bvhio (and our numpy BVH reader), forward kinematics against the input."""

from __future__ import annotations

import numpy as np
import pytest
from clips import camera_from_z_up

from lifting.data import bvh_reader, mocap_geometry
from lifting.exports import bvh as bvh_export
from lifting.exports.world import to_world
from lifting.exports.write import ExportPaths, write_exports
from lifting.skeleton import JOINT_INDEX, JOINT_NAMES, PARENTS


def _read_positions(path) -> tuple[np.ndarray, bvh_reader.BvhData]:
    """Every frame's H36M joint positions (T, 17, 3) in metres from a written BVH, by forward kinematics."""
    data = bvh_reader.read_bvh(path)
    pos, _ = bvh_reader.forward_kinematics(data)
    return pos[:, [data.index(n) for n in JOINT_NAMES]] / bvh_export.CM, data


def test_constant_bone_clip_round_trips_within_1mm(cmu_clip, tmp_path):
    import bvhio

    cam = camera_from_z_up(cmu_clip.positions.astype(np.float64), tilt_deg=12.0)
    out = tmp_path / "run.bvh"
    write_exports(ExportPaths(bvh=out), cam, cmu_clip.fps, vertical="pose")  # the pose undoes the tilt
    expected = to_world(cam, vertical="pose").positions  # the Y-up world every export uses

    ours, data = _read_positions(out)
    assert data.fps == pytest.approx(cmu_clip.fps)
    assert data.num_frames == len(cam)
    err_mm = 1000 * np.linalg.norm(ours - expected, axis=-1)
    assert err_mm.max() < 1.0, err_mm.max()

    # bvhio's own forward kinematics (its hierarchy, loadPose, PositionWorld) on a few frames
    root = bvhio.readAsHierarchy(str(out))
    layout = {j.Name: j for j, _, _ in root.layout()}
    for frame in (0, len(cam) // 2, len(cam) - 1):
        root.loadPose(frame)
        theirs = np.array([tuple(layout[n].PositionWorld) for n in JOINT_NAMES]) / bvh_export.CM
        assert 1000 * np.abs(theirs - expected[frame]).max() < 1.0

    # Y is up and the floor is at 0: the head stays above the ankles and the lower ankle near the ankle height
    j = JOINT_INDEX
    assert (ours[:, j["head"], 1] > ours[:, j["left_ankle"], 1] + 1.0).all()
    lower = np.minimum(ours[:, j["left_ankle"], 1], ours[:, j["right_ankle"], 1])
    assert abs(np.percentile(lower, 5) - mocap_geometry.ANKLE_HEIGHT) < 0.01


def test_world_is_the_true_world_for_a_level_camera(cmu_clip):
    """With the camera's vertical (the default) and a level camera, the world's Y is the mocap's z (up to the
    floor offset); the pose-estimated vertical undoes a camera tilt on this upright clip."""
    x = cmu_clip.positions.astype(np.float64)
    world = to_world(camera_from_z_up(x)).positions
    height = world[..., 1] - x[..., 2]
    assert np.ptp(height) < 1e-9
    # pose-estimated vertical on a tilted camera: within a few degrees of the truth for this (running) clip
    tilted = to_world(camera_from_z_up(x, tilt_deg=15.0), vertical="pose").positions
    v = tilted[:, JOINT_INDEX["head"]] - tilted[:, JOINT_INDEX["pelvis"]]
    t = x[:, JOINT_INDEX["head"]] - x[:, JOINT_INDEX["pelvis"]]
    tilt_vs_truth = np.degrees(np.arccos(v[:, 1] / np.linalg.norm(v, axis=-1))) - np.degrees(
        np.arccos(t[:, 2] / np.linalg.norm(t, axis=-1))
    )
    assert np.abs(tilt_vs_truth).max() < 12.0


def test_changing_bone_lengths_keep_directions_and_err_by_the_length_change(cmu_clip):
    rng = np.random.default_rng(0)
    x = cmu_clip.positions.astype(np.float64) @ bvh_reader.Y_UP_TO_Z_UP  # z up -> y up
    x = x + rng.normal(scale=0.01, size=x.shape)  # 1 cm noise: bone lengths change frame to frame
    motion = bvh_export.solve(x, 50.0)
    fk = bvh_export.forward_kinematics(motion)
    lengths = bvh_export.bone_lengths(x)
    change = np.zeros(x.shape[:2])  # (T, 17) summed |length - median| along the chain to the root
    for c, p in enumerate(PARENTS):
        if p >= 0:
            change[:, c] = change[:, p] + np.abs(np.linalg.norm(x[:, c] - x[:, p], axis=-1) - lengths[c])
    err = np.linalg.norm(fk - x, axis=-1)
    assert change.max() > 0.005  # the noise really changes the lengths
    assert (err <= change + 1e-9).all()
    for c, p in enumerate(PARENTS):
        if p >= 0:
            a, b = fk[:, c] - fk[:, p], x[:, c] - x[:, p]
            cos = np.sum(a * b, -1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
            assert cos.min() > 1 - 1e-9


def rest_pose() -> np.ndarray:
    """(17, 3) the BVH rest pose (T-pose, Y up, facing +Z, left at +X) with made-up bone lengths."""
    x = np.zeros((17, 3))
    x[0] = (0.2, 0.95, -0.3)
    for c, p in enumerate(PARENTS):
        if p >= 0:
            x[c] = x[p] + (0.1 + 0.02 * c) * np.asarray(bvh_export.REST_DIRECTION[JOINT_NAMES[c]])
    return x


def test_zero_motion_clip_gives_the_rest_pose(tmp_path):
    x = np.repeat(rest_pose()[None], 6, axis=0)
    out = bvh_export.write_bvh(tmp_path / "rest.bvh", x, 25.0)
    data = bvh_reader.read_bvh(out)
    rotations = np.concatenate([data.motion[:, c] for c in data.rotation_columns], axis=1)
    assert rotations.shape == (6, 3 * len(bvh_export.BVH_NAMES))
    assert np.abs(rotations).max() < 1e-4  # degrees: every joint at rest
    np.testing.assert_allclose(
        data.motion[:, data.position_columns[0]], np.tile(x[0, 0] * 100, (6, 1)), atol=1e-4
    )
    pos, _ = _read_positions(out)
    assert np.abs(pos - x).max() < 1e-6
    # any held pose gives constant channels
    y = rest_pose()
    y[JOINT_INDEX["left_elbow"]] += (0.0, -0.1, 0.1)
    still = bvh_export.solve(np.repeat(y[None], 4, axis=0), 25.0)
    assert np.ptp(still.local, axis=0).max() < 1e-12
    assert np.abs(still.local[0] - np.eye(3)).max() > 0.1  # and it is not the rest pose


def test_gaps_are_filled_and_reported(cmu_clip, tmp_path):
    cam = camera_from_z_up(cmu_clip.positions.astype(np.float64))
    cam[:3] = np.nan  # no root yet for the first three frames (as in a CSV from `diffhpe lift`)
    report = write_exports(ExportPaths(bvh=tmp_path / "gap.bvh"), cam, 50.0)
    assert any("3 of" in n for n in report.notes)
    pos, data = _read_positions(tmp_path / "gap.bvh")
    assert data.num_frames == len(cam)
    assert np.abs(pos[0] - pos[3]).max() < 1e-6
