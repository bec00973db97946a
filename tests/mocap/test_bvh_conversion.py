"""BVH -> Human3.6M-17: every flavour converts to a plausible, correctly oriented body at 50 fps."""

import math

import numpy as np
import pytest
from mocap_files import FLAVOUR_FILES

from lifting.data import bvh_conversion, bvh_reader, mocap_clips, mocap_geometry
from lifting.data.bvh_skeletons import FLAVOURS
from lifting.errors import UserError
from lifting.skeleton import JOINT_INDEX as J
from lifting.skeleton import SEGMENTS, segment_lengths

# Plausible adult segment lengths (m): Human3.6M S1 is thigh 0.443, shin 0.454, upper arm 0.279, forearm 0.252.
RANGES = {
    "thigh": ((4, 5), 0.38, 0.50),
    "shin": ((5, 6), 0.38, 0.50),
    "upper arm": ((11, 12), 0.23, 0.33),
    "forearm": ((12, 13), 0.18, 0.30),
}


def _seg(lengths, seg):
    return lengths[..., SEGMENTS.index(seg)]


@pytest.mark.parametrize("flavour", list(FLAVOUR_FILES))
def test_flavour_is_detected(data_dir, flavour):
    bvh = bvh_reader.read_bvh(data_dir / FLAVOUR_FILES[flavour])
    assert bvh_conversion.identify(bvh).name == flavour


@pytest.mark.parametrize("flavour", list(FLAVOUR_FILES))
def test_plausible_constant_symmetric_bones(converted, flavour):
    clip = converted[flavour]
    x = clip.positions.astype(np.float64)
    assert x.shape[1:] == (17, 3) and np.isfinite(x).all()
    lengths = segment_lengths(x)  # (N, 16)
    for name, (seg, lo, hi) in RANGES.items():
        value = float(_seg(lengths, seg).mean())
        assert lo <= value <= hi, f"{flavour}: {name} {value:.3f} m outside [{lo}, {hi}]"
    # Constant over time (a rigid skeleton, like Human3.6M's ground truth) and left = right.
    assert lengths.std(axis=0).max() < 2e-3
    mirror = lengths[:, mocap_geometry.MIRROR_SEGMENT]
    assert np.abs(lengths - mirror).max() < 1e-3
    # Human3.6M-like hip width and head: pelvis-hip ~0.13 m scaled, head above the neck/nose joint.
    assert 0.10 < _seg(lengths, (0, 1)).mean() < 0.15
    assert np.mean(x[:, J["head"], 2] > x[:, J["thorax"], 2]) > 0.9


@pytest.mark.parametrize("flavour", list(FLAVOUR_FILES))
def test_standing_height_and_floor(converted, flavour):
    clip = converted[flavour]
    assert 1.5 <= clip.info["standing_height_m"] <= 1.95
    # The observed head height when upright is below the stretched stature, by at most a crouch (006_08 is
    # a crouched basketball dribble).
    assert (
        clip.info["standing_height_m"] - 0.3
        < clip.info["upright_head_height_m"]
        < clip.info["standing_height_m"] + 0.02
    )
    ankles = np.minimum(clip.positions[:, J["left_ankle"], 2], clip.positions[:, J["right_ankle"], 2])
    assert abs(np.percentile(ankles, 1) - mocap_geometry.ANKLE_HEIGHT) < 1e-3  # floor at z = 0


@pytest.mark.parametrize("flavour", list(FLAVOUR_FILES))
def test_left_is_left_and_nose_in_front(data_dir, converted, flavour):
    """The facing direction comes from the raw BVH feet (toes point forward); the converted left hip must lie
    on the person's left of it and the neck/nose joint in front of the thorax."""
    clip = converted[flavour]
    bvh = bvh_reader.read_bvh(data_dir / FLAVOUR_FILES[flavour])
    fl = bvh_conversion.identify(bvh)
    pos, _ = bvh_reader.forward_kinematics(bvh)
    feet = [
        pos[:, bvh.index(t)] - pos[:, bvh.index(a)]
        for t, a in zip(
            fl.toes, (fl.points["left_ankle"].weights[0][0], fl.points["right_ankle"].weights[0][0])
        )
    ]
    forward = bvh_reader.to_world(feet[0] + feet[1], fl.unit_m)  # (N_src, 3), z up
    # Converted frame k is at source frame drop + k * src_fps / 50.
    src_fps = fl.fps_fix.get(bvh.fps, bvh.fps)
    k = np.arange(clip.num_frames)
    src = clip.info["dropped_leading_frames"] + np.rint(k * src_fps / clip.fps).astype(int)
    keep = src < len(forward)
    f = forward[src[keep]] * [1, 1, 0]
    f /= np.linalg.norm(f, axis=-1, keepdims=True)
    left = np.cross([0, 0, 1], f)
    x = clip.positions[keep]
    hips = x[:, J["left_hip"]] - x[:, J["right_hip"]]
    shoulders = x[:, J["left_shoulder"]] - x[:, J["right_shoulder"]]
    nose = (x[:, J["neck"]] - x[:, J["thorax"]]) * [1, 1, 0]
    assert np.mean(np.sum(hips * left, -1) > 0) > 0.9
    assert np.mean(np.sum(shoulders * left, -1) > 0) > 0.9
    assert np.mean(np.sum(nose * f, -1) > 0) > 0.9


@pytest.mark.parametrize("flavour", list(FLAVOUR_FILES))
def test_resampled_to_50fps(data_dir, converted, flavour):
    clip = converted[flavour]
    bvh = bvh_reader.read_bvh(data_dir / FLAVOUR_FILES[flavour])
    src_fps = clip.info["source_fps"]
    n_src = bvh.num_frames - clip.info["dropped_leading_frames"]
    assert clip.fps == 50.0
    assert clip.num_frames == math.floor((n_src - 1) * 50 / src_fps + 1e-6) + 1
    expected_src = {"daz43": 120, "cmu31": 120, "max31": 120, "iclone100": 60, "daz43_scaled": 120}[flavour]
    assert src_fps == expected_src


def test_daz_tpose_and_blend_in_dropped(data_dir, converted):
    bvh = bvh_reader.read_bvh(data_dir / FLAVOUR_FILES["daz43"])
    raw, _ = bvh_reader.map_to_h36m(bvh, bvh_conversion.identify(bvh))
    assert mocap_geometry.is_t_pose(raw[0])  # the converter's added T-pose
    clip = converted["daz43"]
    assert clip.info["dropped_leading_frames"] >= 2  # the T-pose and the frames blending out of it
    assert not any(mocap_geometry.is_t_pose(p) for p in clip.positions)
    speeds = mocap_geometry.joint_speeds(clip.positions.astype(np.float64), clip.fps)
    assert speeds.max() < 12.0  # no T-pose-to-motion jump left


def test_iclone_has_no_tpose_to_drop(converted):
    assert converted["iclone100"].info["dropped_leading_frames"] == 0


def test_cmu31_frame_rate_fix_gives_free_fall_at_g(converted):
    """16_01 says 30 Hz; at 120 Hz its jump's flight is ballistic with g = 9.81 m/s^2 (at 30 Hz, g / 16)."""
    x = converted["cmu31"].positions.astype(np.float64)
    ankles = np.minimum(x[:, J["left_ankle"], 2], x[:, J["right_ankle"], 2])
    air = np.flatnonzero(ankles > mocap_geometry.ANKLE_HEIGHT + 0.1)
    assert len(air) > 8
    mid = air[(air > air[0] + 2) & (air < air[-1] - 2)]
    c = np.polyfit(mid / 50.0, x[mid, J["pelvis"], 2], 2)
    assert -12.0 < 2 * c[0] < -7.5


def test_numpy_fk_matches_bvhio(data_dir, tmp_path):
    """Our vectorised forward kinematics against bvhio's loadPose / PositionWorld, every flavour (files cut
    to their first 12 frames so bvhio stays quick), root-relative (bvhio replaces a non-zero ROOT OFFSET
    with the position channels)."""
    import bvhio

    for flavour, rel in FLAVOUR_FILES.items():
        text = (data_dir / rel).read_text()
        head, motion = text.split("Frame Time:", 1)
        rows = motion.strip().splitlines()[1:13]
        short = tmp_path / f"{flavour}.bvh"
        short.write_text(
            head.replace(head[head.index("Frames:") :], "Frames: 12\n")
            + "Frame Time:"
            + motion.splitlines()[0]
            + "\n"
            + "\n".join(rows)
            + "\n"
        )
        bvh = bvh_reader.read_bvh(short)
        ours, _ = bvh_reader.forward_kinematics(bvh)
        root = bvhio.readAsHierarchy(str(short))
        layout = root.layout()
        idx = [bvh.index(j.Name) for j, _, _ in layout]
        for frame in (0, 5, 11):
            root.loadPose(frame)
            theirs = np.array([tuple(j.PositionWorld) for j, _, _ in layout])
            mine = ours[frame, idx]
            err = np.abs((mine - mine[:1]) - (theirs - theirs[:1])).max()
            scale = np.abs(theirs - theirs[:1]).max()
            assert err < 1e-5 * scale + 1e-4 * FLAVOURS[0].unit_m / bvh_conversion.identify(bvh).unit_m, (
                flavour,
                frame,
                err,
            )


def test_broken_clip_is_refused(data_dir):
    with pytest.raises(UserError, match="broken motion"):
        bvh_conversion.convert_bvh(data_dir / "cmu_mocap/09/09_10.bvh")


def test_unknown_flavour_is_a_user_error(tmp_path):
    f = tmp_path / "robot.bvh"
    f.write_text(
        "HIERARCHY\nROOT base\n{\n OFFSET 0 0 0\n CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation "
        "Yrotation\n JOINT arm\n {\n  OFFSET 0 10 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n  End Site\n  {\n"
        "   OFFSET 0 5 0\n  }\n }\n}\nMOTION\nFrames: 2\nFrame Time: 0.01\n0 0 0 0 0 0 0 0 0\n0 0 0 0 0 0 0 0 0\n"
    )
    with pytest.raises(UserError, match="unknown BVH flavour"):
        bvh_conversion.convert_bvh(f)
    f.write_text("not a bvh file\n")
    with pytest.raises(UserError):
        bvh_conversion.convert_bvh(f)


def test_clip_ids():
    assert mocap_clips.clip_ids("a/09/09_01.bvh") == ("09", "09_01")
    assert mocap_clips.clip_ids("x/001/001_08.bvh") == ("01", "01_08")  # iClone: the same CMU subject 01
    assert mocap_clips.clip_ids("60_05_scaled.bvh") == ("60", "60_05")
    assert mocap_clips.clip_ids("r/131_03.bvh") == ("131", "131_03")
    assert mocap_clips.clip_ids("myshoot/take one.bvh") == ("myshoot", "take_one")


def test_resample_is_linear_in_time():
    t = np.arange(13, dtype=np.float64)  # 13 frames at 120 Hz: 0.1 s
    x = np.stack([t, 2 * t], -1)[:, None, :]  # (13, 1, 2)
    y = mocap_geometry.resample(x, 120.0, 50.0)
    assert y.shape == (6, 1, 2)  # frames at 0, 20, ..., 100 ms
    np.testing.assert_allclose(y[:, 0, 0], np.arange(6) * 2.4)
    np.testing.assert_allclose(y[:, 0, 1], np.arange(6) * 4.8)


def test_conform_segments_sets_lengths_and_keeps_directions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 17, 3))
    lengths = rng.uniform(0.1, 0.5, size=16)
    y = mocap_geometry.conform_segments(x, lengths)
    np.testing.assert_allclose(segment_lengths(y), np.broadcast_to(lengths, (5, 16)), atol=1e-12)
    for p, c in SEGMENTS:
        a, b = x[:, c] - x[:, p], y[:, c] - y[:, p]
        cos = np.sum(a * b, -1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
        np.testing.assert_allclose(cos, 1.0, atol=1e-12)
    np.testing.assert_array_equal(y[:, 0], x[:, 0])
