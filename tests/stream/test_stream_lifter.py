import numpy as np
import pytest
from helpers_stream import keypoints_sequence, perturbed

from lifting.config import model_config
from lifting.data.camera import normalize_screen_coordinates
from lifting.errors import UserError
from lifting.stream import StreamingLifter, lift_sequence
from lifting.weights import save_checkpoint


def stream(lifter, kps):
    """Push every frame; returns (results, for each result the index of the push that returned it)."""
    out, when = [], []
    for i, kp in enumerate(kps):
        new = lifter.push(kp)
        out += new
        when += [i] * len(new)
    tail = lifter.flush()
    return out + tail, when + [len(kps)] * len(tail)


@pytest.mark.parametrize("mode", ["causal", "centred"])
@pytest.mark.parametrize("stride", [1, 4, 9])
def test_one_result_per_frame_in_order(tiny_wrapper, mode, stride):
    lifter = StreamingLifter(tiny_wrapper, mode=mode, stride=stride, steps=1, hypotheses=2, device="cpu")
    res, _ = stream(lifter, keypoints_sequence(32))
    assert [r.frame for r in res] == list(range(32))
    for r in res:
        assert r.pose.shape == (17, 3) and r.std.shape == (17,) and r.mixste_pose.shape == (17, 3)
        assert np.allclose(r.pose[0], 0) and np.all(np.isfinite(r.pose))
        assert r.root.shape == (3,)


@pytest.mark.parametrize(
    "mode,stride,lookahead", [("causal", 1, 0), ("causal", 9, 0), ("centred", 1, 13), ("centred", 4, 13)]
)
def test_latency_and_frame_indices(tiny_wrapper, mode, stride, lookahead):
    lifter = StreamingLifter(tiny_wrapper, mode=mode, stride=stride, steps=1, hypotheses=1, device="cpu")
    assert lifter.lookahead == lookahead and lifter.max_latency_frames == lookahead + stride - 1
    n = 36
    res, when = stream(lifter, keypoints_sequence(n))
    for r, pushed in zip(res, when):
        if pushed < n:  # not from flush
            assert r.latency_frames == pushed - r.frame
            assert lookahead <= r.latency_frames <= lookahead + stride - 1
    if stride == 1:  # causal: frame f comes back from push(f); centred: from push(f + 13)
        assert all(pushed == r.frame + lookahead for r, pushed in zip(res, when) if pushed < n)
    assert max(r.latency_frames for r in res) <= lifter.max_latency_frames


def test_centred_uses_future_frames_causal_does_not(tiny_wrapper):
    kps = keypoints_sequence(30)
    changed = keypoints_sequence(30)
    changed[25] = None  # only a future frame differs for frame 20
    for mode, differs in (("causal", False), ("centred", True)):
        a = lift_sequence(tiny_wrapper, kps, mode=mode, stride=3, steps=1, hypotheses=2, device="cpu")
        b = lift_sequence(tiny_wrapper, changed, mode=mode, stride=3, steps=1, hypotheses=2, device="cpu")
        assert (not np.allclose(a[20].pose, b[20].pose)) == differs


@pytest.mark.parametrize("mode,stride", [("centred", 4), ("centred", 9), ("causal", 5)])
def test_streaming_equals_offline(tiny_wrapper, mode, stride):
    kps = keypoints_sequence(50, missing={3, 30}, low_conf={(10, 2), (11, 3)})
    lifter = StreamingLifter(tiny_wrapper, mode=mode, stride=stride, steps=3, hypotheses=3, device="cpu")
    online, _ = stream(lifter, kps)
    offline = lifter.lift_sequence(kps, batch=4)
    assert [r.frame for r in offline] == list(range(50))
    for a, b in zip(online, offline):
        atol = 1e-6 * max(1.0, float(np.abs(b.pose).max()))  # float32 round-off against the pose scale
        np.testing.assert_allclose(a.pose, b.pose, rtol=1e-5, atol=atol)
        np.testing.assert_allclose(a.std, b.std, rtol=1e-5, atol=1e-5)
        assert a.latency_frames == b.latency_frames and a.extras["windows"] == b.extras["windows"]


def test_stride_averages_the_windows_that_cover_a_frame(tiny_wrapper):
    kps = keypoints_sequence(40)
    lifter = StreamingLifter(
        tiny_wrapper,
        mode="centred",
        stride=4,
        steps=2,
        hypotheses=2,
        device="cpu",
        joints="centres",
        steady_bones=False,
    )  # the model's own joints and lengths, to compare with its windows
    res, when = stream(lifter, kps)
    f = 15
    r = res[f]
    emitted_at = when[f]  # the window ending at the push that emitted it
    ends = [e for e in range(0, emitted_at + 1, 4) if e - 26 <= f <= e]
    assert r.extras["windows"] == len(ends) > 1
    # the same windows lifted one by one and averaged by hand
    fresh = StreamingLifter(tiny_wrapper, mode="centred", stride=4, steps=2, hypotheses=2, device="cpu")
    for kp in kps:
        fresh._append(kp)
    wins = fresh._compute(ends)
    pose = np.mean([wins[e].pose[f - (e - 26)] for e in ends], axis=0)
    np.testing.assert_allclose(r.pose, pose - pose[:1], rtol=1e-5, atol=1e-6)


def test_missing_frames_and_low_confidence_joints_are_zeroed(tiny_wrapper):
    kps = keypoints_sequence(30, missing={0, 1, 12}, low_conf={(5, 2), (5, 3), (20, 16)})
    lifter = StreamingLifter(tiny_wrapper, stride=3, steps=1, hypotheses=1, conf_threshold=0.3, device="cpu")
    for kp in kps:
        lifter._append(kp)
    x = lifter._window_input(26)  # frames 0..26
    assert np.all(x[0] == 0) and np.all(x[1] == 0) and np.all(x[12] == 0)
    assert np.all(x[5, [2, 3]] == 0) and np.any(x[5, 4] != 0)
    expected = normalize_screen_coordinates(kps[7].xy, 640, 480)
    np.testing.assert_allclose(x[7], expected, rtol=1e-6)
    # and it lifts without trouble: a result per frame, confidences passed through, frames flagged
    res = lift_sequence(tiny_wrapper, kps, stride=3, steps=1, hypotheses=1, device="cpu")
    assert len(res) == 30
    assert not res[0].person_seen and not res[12].person_seen and res[13].person_seen
    assert np.all(res[12].confidence == 0) and res[5].confidence[2] == pytest.approx(0.05)
    assert all(np.all(np.isfinite(r.pose)) for r in res)
    assert not res[12].root_reliable


def test_left_padding_repeats_the_first_frame(tiny_wrapper):
    kps = keypoints_sequence(5)
    lifter = StreamingLifter(tiny_wrapper, device="cpu")
    for kp in kps:
        lifter._append(kp)
    x = lifter._window_input(4)
    assert np.all(x[:23] == x[22]) and np.allclose(x[22], normalize_screen_coordinates(kps[0].xy, 640, 480))
    res, _ = stream(StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, device="cpu"), kps)
    assert [r.frame for r in res] == [0, 1, 2, 3, 4]


def test_no_detection_at_all_still_gives_poses(tiny_wrapper):
    res = lift_sequence(tiny_wrapper, [None] * 12, steps=1, hypotheses=1, device="cpu")
    assert len(res) == 12 and not any(r.person_seen for r in res)
    assert all(np.all(np.isnan(r.root)) for r in res) and not any(r.root_reliable for r in res)


def test_configure_on_the_fly(tiny_wrapper):
    kps = keypoints_sequence(80)
    lifter = StreamingLifter(tiny_wrapper, mode="causal", stride=1, steps=2, hypotheses=3, device="cpu")
    out = []
    for kp in kps[:20]:
        out += lifter.push(kp)
    assert np.all(out[-1].std > 0)
    lifter.configure(hypotheses=1, steps=1)
    new = []
    for kp in kps[20:30]:
        new += lifter.push(kp)
    assert new and all(np.all(r.std == 0) for r in new)  # one hypothesis: no spread
    lifter.configure(mode="centred", stride=2, hypotheses=2, sampler="dpmsolver")
    for kp in kps[30:80]:
        new += lifter.push(kp)
    new += lifter.flush()
    out += new
    assert [r.frame for r in out] == list(range(80))
    assert max(r.latency_frames for r in out[40:60]) >= 13
    with pytest.raises(UserError):
        lifter.configure(steps=0)
    with pytest.raises(UserError):
        lifter.configure(mode="sideways")
    with pytest.raises(UserError):
        lifter.configure(stride=20)  # centred: a frame must stay inside a window 13 frames later
    with pytest.raises(UserError):
        lifter.configure(colour="red")
    assert lifter.options()["steps"] == 1 and lifter.mode == "centred"


@pytest.mark.parametrize(
    "bad",
    [
        {"fit_2d": 2.0},
        {"flip": "yes"},
        {"joints": "elbows"},
        {"root_filter": "on"},
        {"steady_bones": 1},
        {"fov": 0.0},
    ],
)
def test_a_bad_option_changes_nothing(tiny_wrapper, bad):
    lifter = StreamingLifter(tiny_wrapper, mode="causal", stride=1, steps=2, hypotheses=3, device="cpu")
    before = lifter.options()
    toggled = not before["root_filter"]
    good = {
        "mode": "centred",
        "stride": 2,
        "steps": 1,
        "flip": True,
        "root_filter": toggled,
        "steady_bones": False,
    }
    with pytest.raises(UserError):
        lifter.configure(**{**good, **bad})
    assert lifter.options() == before


def test_reset_restarts_frame_numbers(tiny_wrapper):
    lifter = StreamingLifter(tiny_wrapper, steps=1, hypotheses=1, stride=1, device="cpu")
    first = [r for kp in keypoints_sequence(5) for r in lifter.push(kp)]
    lifter.reset()
    again = [r for kp in keypoints_sequence(5) for r in lifter.push(kp)]
    assert [r.frame for r in again] == [0, 1, 2, 3, 4]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.pose, b.pose)  # seeded per window: same input, same output


def test_fast_inference_matches_reference_in_the_lifter():
    model = perturbed("wrapper", "paper", seed=1)
    kps = keypoints_sequence(20)
    opts = {"mode": "centred", "stride": 9, "steps": 2, "hypotheses": 5, "device": "cpu"}
    opts["steady_bones"] = False  # the two model paths as they come out, no lengths round-off
    fast = lift_sequence(model, kps, fast=True, **opts)
    ref = lift_sequence(model, kps, fast=False, **opts)
    for a, b in zip(fast, ref):
        atol = 1e-6 * max(1.0, float(np.abs(b.pose).max()))  # float32 round-off against the pose scale
        np.testing.assert_allclose(a.pose, b.pose, rtol=1e-5, atol=atol)
        np.testing.assert_allclose(a.std, b.std, rtol=1e-5, atol=atol)
        np.testing.assert_allclose(a.mixste_pose, b.mixste_pose, rtol=1e-5, atol=1e-6)


def test_mixste_and_diffhpe2d_checkpoints(tmp_path):
    kps = keypoints_sequence(20)
    for kind in ("mixste", "diffhpe2d"):
        model = perturbed(kind, "tiny")
        path = save_checkpoint(tmp_path / f"{kind}.safetensors", model, model_config(kind, "tiny"))
        # steady bones off: a MixSTE's pose is then its MixSTE pose (steady bones change `pose` only)
        lifter = StreamingLifter.from_checkpoint(
            path, device="cpu", steps=2, hypotheses=2, stride=3, steady_bones=False
        )
        assert lifter.kind == kind and lifter.uses_diffusion == (kind != "mixste")
        res, _ = stream(lifter, kps)
        assert len(res) == 20
        if kind == "mixste":
            assert all(np.all(r.std == 0) and np.allclose(r.pose, r.mixste_pose) for r in res)
        else:
            assert any(np.any(r.std > 0) for r in res)


def test_from_checkpoint_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(UserError):
        StreamingLifter.from_checkpoint(bad, device="cpu")
    with pytest.raises(UserError):
        StreamingLifter.from_checkpoint(tmp_path / "missing.safetensors", device="cpu")


def test_default_checkpoint_rule(tmp_path):
    from lifting.weights import default_checkpoint, resolve_checkpoint

    with pytest.raises(UserError):
        default_checkpoint(tmp_path)
    for kind in ("mixste", "wrapper"):
        save_checkpoint(tmp_path / f"a_{kind}.safetensors", perturbed(kind), model_config(kind, "tiny"))
    save_checkpoint(
        tmp_path / "b_wrapper.safetensors",
        perturbed("wrapper"),
        model_config("wrapper", "tiny"),
        info={"mpjpe_mm": 50.0},
    )
    assert default_checkpoint(tmp_path).name == "b_wrapper.safetensors"  # a Wrapper, lowest MPJPE
    (tmp_path / "default.json").write_text('{"default": "a_mixste.safetensors"}')
    assert default_checkpoint(tmp_path).name == "a_mixste.safetensors"  # the manifest wins
    assert resolve_checkpoint("a_wrapper", tmp_path).name == "a_wrapper.safetensors"
    with pytest.raises(UserError):
        resolve_checkpoint("nope", tmp_path)


def test_empty_sequence(tiny_wrapper):
    lifter = StreamingLifter(tiny_wrapper, device="cpu")
    assert lifter.lift_sequence([]) == [] and lifter.flush() == []


def test_bench_accuracy_and_robustness_helpers(tiny_wrapper):
    from lifting.robustness import robustness
    from lifting.stream_accuracy import ACCURACY_SETTINGS, accuracy_table

    kps = keypoints_sequence(30)
    gt = np.random.default_rng(0).normal(0, 0.2, (30, 17, 3))
    rows = accuracy_table(tiny_wrapper, model_config("wrapper", "tiny"), "cpu", [(kps, gt)])
    assert [r["setting"] for r in rows] == [label for label, _ in ACCURACY_SETTINGS]
    assert rows[0]["diff_to_reference_mm"] == 0 and all(r["mpjpe"] > 0 for r in rows)
    lifter = StreamingLifter(tiny_wrapper, steps=2, hypotheses=2, device="cpu")
    r = robustness(lifter, kps, start=10)
    assert r["frames"] == [10, 20] and r["mean_mm_hidden_joints"] > 0


def test_warm_up_leaves_no_trace_in_the_results(tiny_wrapper):
    kps = keypoints_sequence(20)
    cold = StreamingLifter(tiny_wrapper, stride=4, steps=2, hypotheses=2, device="cpu")
    warm = StreamingLifter(tiny_wrapper, stride=4, steps=2, hypotheses=2, device="cpu")
    warm.push(kps[0])  # a frame pushed before the warm-up is forgotten with it
    assert warm.warm_up() > 0
    assert warm.frames_pushed == 0 and warm.windows_computed == 0
    a, _ = stream(cold, kps)
    b, _ = stream(warm, kps)
    assert [r.frame for r in b] == list(range(20))
    assert all(np.array_equal(x.pose, y.pose) and np.array_equal(x.root, y.root) for x, y in zip(a, b))
