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
