import json

from helpers_cli import SAMPLE, diffhpe


def test_bench_quick_writes_json(tmp_path, cli_inputs):
    out = tmp_path / "bench.json"
    proc = diffhpe(
        "bench",
        SAMPLE,
        "--quick",
        "--frames",
        "12",
        "--model",
        cli_inputs["ckpt"],
        "--json",
        out,
        "--threads",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())
    lf = r["lifter"]
    assert lf["mixste_ms_per_window"] > 0 and lf["step_h5_fast_ms"] > 0
    assert {(row["steps"], row["hypotheses"]) for row in lf["rows"]} == {(1, 5), (5, 5)}
    assert lf["latency_frames_max"] == 8
    assert r["pipeline"]["detector_ms_per_frame"] > 0 and r["pipeline"]["end_to_end_fps"] > 0
    assert "MixSTE" in proc.stdout and "end to end" in proc.stdout


def test_bench_missing_video(tmp_path):
    proc = diffhpe("bench", tmp_path / "nope.mp4")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "not found" in proc.stderr


def test_bench_robustness_on_a_shared_video(tmp_path, cli_inputs, shared_dir):
    """Item 7 of the issue: hide the right leg for 10 frames of a real video's 2D and measure the 3D change."""
    video = shared_dir / "data" / "videos" / "pose2sim_cam01.mp4"
    out = tmp_path / "robust.json"
    proc = diffhpe(
        "bench",
        video,
        "--robustness",
        "--frames",
        "40",
        "--model",
        cli_inputs["ckpt"],
        "--json",
        out,
        "--threads",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())["robustness"]
    for mode in ("causal", "centred"):
        assert r[mode]["frames"] == [15, 25] and r[mode]["hidden_joints"] == [1, 2, 3]
        assert r[mode]["mean_mm_hidden_joints"] >= 0 and r[mode]["mixste_mean_mm_hidden_joints"] > 0
    assert "right leg hidden" in proc.stdout
