"""Joint rotation of training windows (lifting/data/joint_rotation.py): limbs, trunk and head turn at their joints,
smoothly over the window, with bone lengths, knee and elbow angles and the floor kept."""

import math

import pytest
import torch

from lifting.data.joint_rotation import axis_angle_matrix, rotate_joints
from lifting.data.limb_mix import bone_vectors
from lifting.data.synthetic import MotionAugmentation, SyntheticWindows
from lifting.skeleton import JOINT_INDEX as J

PELVIS_TO_HIPS = [0, 3]  # SEGMENTS indices of pelvis->right_hip and pelvis->left_hip


@pytest.fixture(scope="module")
def windows(clip_dir):
    from lifting.data.mocap_clips import load_clips

    gen = SyntheticWindows([c.positions for c in load_clips(clip_dir)], motion=None, corruption=None, seed=3)
    return gen.motion_windows(64).double()


def _angle(x, a, b, c):
    u, v = x[..., J[a], :] - x[..., J[b], :], x[..., J[c], :] - x[..., J[b], :]
    return torch.acos((u * v).sum(-1) / (u.norm(dim=-1) * v.norm(dim=-1)))


def test_axis_angle_matrices_are_rotations():
    m = axis_angle_matrix(
        torch.tensor([[0.0, 0.0, math.pi / 2], [0.0, 0.0, 0.0], [0.3, -1.2, 0.7]], dtype=torch.float64)
    )
    torch.testing.assert_close(
        m[0] @ torch.tensor([1.0, 0, 0], dtype=torch.float64), torch.tensor([0.0, 1, 0], dtype=torch.float64)
    )
    torch.testing.assert_close(m[1], torch.eye(3, dtype=torch.float64))
    torch.testing.assert_close(m @ m.transpose(-1, -2), torch.eye(3, dtype=torch.float64).expand(3, 3, 3))
    torch.testing.assert_close(torch.linalg.det(m), torch.ones(3, dtype=torch.float64))


def test_turns_keep_bone_lengths_hinge_angles_and_the_floor(windows):
    out = rotate_joints(windows, 20.0, torch.Generator().manual_seed(0))
    torch.testing.assert_close(bone_vectors(out).norm(dim=-1), bone_vectors(windows).norm(dim=-1))
    for a, b, c in (
        ("right_hip", "right_knee", "right_ankle"),
        ("left_shoulder", "left_elbow", "left_wrist"),
    ):
        torch.testing.assert_close(_angle(out, a, b, c), _angle(windows, a, b, c), atol=1e-6, rtol=0)
    # the pelvis and the hip line do not move; the thighs, upper arms and trunk do
    torch.testing.assert_close(
        bone_vectors(out)[:, :, PELVIS_TO_HIPS], bone_vectors(windows)[:, :, PELVIS_TO_HIPS]
    )
    moved = (out - windows).norm(dim=-1).mean(dim=(0, 1))  # (J,)
    for joint in ("right_knee", "left_elbow", "thorax", "head"):
        assert moved[J[joint]] > 0.01
    torch.testing.assert_close(out[:, :, J["pelvis"], :2], windows[:, :, J["pelvis"], :2])
    ankles = [J["left_ankle"], J["right_ankle"]]
    torch.testing.assert_close(
        out[:, :, ankles, 2].amin(dim=(1, 2)), windows[:, :, ankles, 2].amin(dim=(1, 2))
    )


def test_turns_are_smooth_in_time_and_seeded(windows):
    still = windows[:, :1].expand(-1, 27, -1, -1).contiguous()  # a window that does not move
    out = rotate_joints(still, 20.0, torch.Generator().manual_seed(1))
    assert (out[:, 0] - out[:, -1]).norm(dim=-1).amax() > 0.02  # the turn changes over the window ...
    accel = (out[:, 2:] - 2 * out[:, 1:-1] + out[:, :-2]).norm(dim=-1)
    assert accel.amax() < 5e-3  # ... smoothly (under 5 mm per frame^2; a jump would be centimetres)
    a = rotate_joints(windows, 20.0, torch.Generator().manual_seed(5))
    assert torch.equal(a, rotate_joints(windows, 20.0, torch.Generator().manual_seed(5)))
    assert not torch.equal(a, rotate_joints(windows, 20.0, torch.Generator().manual_seed(6)))
    assert torch.equal(rotate_joints(windows, 0.0, torch.Generator()), windows)


def test_generator_turns_joints_when_asked(clip_dir):
    from lifting.data.mocap_clips import load_clips

    clips = [c.positions for c in load_clips(clip_dir)]
    gen = lambda deg: SyntheticWindows(
        clips, motion=MotionAugmentation(joint_rotation_deg=deg), seed=4
    ).batch(8)["x3d"]
    assert not torch.equal(gen(20.0), gen(0.0))
    assert torch.isfinite(gen(20.0)).all()


def test_joint_rotation_needs_fresh_cameras_and_a_sane_angle():
    from app.commands.train import fresh_only
    from lifting.data.sources import build_training_data
    from lifting.errors import UserError
    from lifting.train.runner import load_train_config

    with pytest.raises(UserError, match="--joint-rotation needs motion capture with fresh cameras"):
        build_training_data(mocap="x", joint_rotation=20, camera_mode="fixed")
    with pytest.raises(UserError, match=r"--joint-rotation must be in \[0, 60\]"):
        build_training_data(mocap="x", joint_rotation=90, camera_mode="fresh")
    cfg = load_train_config("diffhpe2d_paper_cmu")
    assert cfg.joint_rotation == 20.0  # the recipes' own
    assert fresh_only("fresh", cfg, "joint_rotation", None) == 20.0
    cfg = load_train_config("diffhpe2d_paper_cmu", {"joint_rotation": 15.0})
    assert fresh_only("fresh", cfg, "joint_rotation", 15.0) == 15.0
    assert fresh_only("fixed", cfg, "joint_rotation", None) == 0.0  # fixed cameras: only an explicit option
