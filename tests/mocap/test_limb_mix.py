"""Limb mixing across training windows (lifting/data/limb_mix.py): a mixed part takes another window's motion,
turned to the receiving body's heading, with the receiving body's bone lengths; the rest stays."""

import numpy as np
import pytest
import torch

from lifting.data.limb_mix import bone_vectors, from_bones, heading, mix_limbs
from lifting.data.synthetic import MotionAugmentation, SyntheticWindows

ARM_SEGMENTS = {"left_arm": [11, 12], "right_arm": [14, 15]}  # SEGMENTS indices of shoulder->elbow->wrist
LEG_SEGMENTS = [1, 2, 4, 5]
TORSO_SEGMENTS = [0, 3, 6, 7, 8, 9, 10, 13]


@pytest.fixture(scope="module")
def windows(clip_dir):
    from lifting.data.mocap_clips import load_clips

    gen = SyntheticWindows([c.positions for c in load_clips(clip_dir)], motion=None, corruption=None, seed=3)
    return gen.motion_windows(64)


def test_bones_round_trip_through_forward_kinematics(windows):
    torch.testing.assert_close(from_bones(windows[:, :, 0], bone_vectors(windows)), windows, atol=1e-5, rtol=0)


def test_mixed_parts_keep_every_bone_length_and_the_torso(windows):
    g = torch.Generator().manual_seed(0)
    out = mix_limbs(windows, 0.5, g)
    before, after = bone_vectors(windows), bone_vectors(out)
    torch.testing.assert_close(after.norm(dim=-1), before.norm(dim=-1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(after[:, :, TORSO_SEGMENTS], before[:, :, TORSO_SEGMENTS], atol=1e-6, rtol=0)
    changed = (after - before).norm(dim=-1).amax(dim=1) > 1e-4  # (B, 16) which segments moved
    assert 0.6 < changed.any(dim=1).float().mean() < 0.99  # 1 - 0.5^3 of the windows, not all, not none
    for seg in (*ARM_SEGMENTS.values(), LEG_SEGMENTS):  # a part moves as a whole
        assert torch.equal(changed[:, seg].all(dim=1), changed[:, seg].any(dim=1))


def test_a_mixed_arm_is_the_donors_arm_turned_to_the_receivers_heading(windows):
    g = torch.Generator().manual_seed(1)
    out = mix_limbs(windows, 0.5, g)
    bones, donor_bones = bone_vectors(windows), bone_vectors(out)
    seg = ARM_SEGMENTS["left_arm"]
    mixed = ((donor_bones - bones)[:, :, seg].norm(dim=-1).amax(dim=(1, 2)) > 1e-4).nonzero().flatten()
    assert len(mixed) > 0
    for i in mixed[:5].tolist():
        # the direction relative to the receiver's shoulder heading is some other window's, frame by frame
        rel = _turn_back(out[i : i + 1], seg)
        found = False
        for j in range(len(windows)):
            if j != i and torch.allclose(rel, _turn_back(windows[j : j + 1], seg), atol=1e-4):
                found = True
                break
        assert found, f"window {i}: the mixed arm is no other window's arm"


def _turn_back(x, seg):
    """Unit bone directions of `seg`, turned so the shoulder line points along +x: (1, L, len(seg), 3)."""
    b = bone_vectors(x)[:, :, seg]
    a = -heading(x, "right_shoulder", "left_shoulder")[..., None]
    c, s = torch.cos(a), torch.sin(a)
    v = torch.stack([c * b[..., 0] - s * b[..., 1], s * b[..., 0] + c * b[..., 1], b[..., 2]], dim=-1)
    return v / v.norm(dim=-1, keepdim=True)


def test_mixed_legs_keep_the_window_on_its_floor(windows):
    g = torch.Generator().manual_seed(2)
    out = mix_limbs(windows, 1.0, g)
    lowest = lambda x: x[:, :, [3, 6], 2].amin(dim=(1, 2))
    torch.testing.assert_close(lowest(out), lowest(windows), atol=1e-5, rtol=0)


def test_no_mixing_at_p0_and_seeded_mixing_repeats(windows, clip_dir):
    assert torch.equal(mix_limbs(windows, 0.0, torch.Generator().manual_seed(0)), windows)
    a = mix_limbs(windows, 0.3, torch.Generator().manual_seed(5))
    b = mix_limbs(windows, 0.3, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    from lifting.data.mocap_clips import load_clips

    clips = [c.positions for c in load_clips(clip_dir)]
    gen = lambda p: SyntheticWindows(clips, motion=MotionAugmentation(limb_mix_p=p), seed=4).batch(8)["x3d"]
    assert not torch.equal(gen(0.5), gen(0.0))
    assert np.isfinite(gen(0.5).numpy()).all()


def test_limb_mix_needs_fresh_cameras_and_a_probability():
    from lifting.data.sources import build_training_data
    from lifting.errors import UserError

    with pytest.raises(UserError, match="--limb-mix needs motion capture with fresh cameras"):
        build_training_data(mocap="x", limb_mix=0.3, camera_mode="fixed")
    with pytest.raises(UserError, match=r"--limb-mix must be in \[0, 1\]"):
        build_training_data(mocap="x", limb_mix=1.5, camera_mode="fresh")


def test_the_recipes_limb_mix_applies_to_fresh_cameras_only():
    from app.commands.train import fresh_only
    from lifting.train.runner import load_train_config

    cfg = load_train_config("wrapper_paper_cmu")
    assert cfg.limb_mix == 0.3
    assert fresh_only("fresh", cfg, "limb_mix", None) == 0.3
    assert fresh_only("fresh", load_train_config("wrapper_paper_cmu", {"limb_mix": 0.5}), "limb_mix", 0.5) == 0.5
    # the older fixed-camera mode still trains a fresh-camera recipe; only an explicit --limb-mix reaches the check
    assert fresh_only("fixed", cfg, "limb_mix", None) == 0.0
    assert fresh_only("fixed", cfg, "limb_mix", 0.2) == 0.2
