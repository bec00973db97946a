"""`diffhpe lift` end to end, and every bad input: exit code != 0, one clear line on stderr, no traceback and no
output file left behind."""

import csv
import json

import numpy as np
import pandas as pd
import pytest
from helpers_cli import SAMPLE, diffhpe

from lifting.export import csv_header, read_csv, read_metadata, sidecar_path
from lifting.skeleton import JOINT_NAMES


def assert_clean_failure(proc, *outputs, says=None):
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("diffhpe lift: error:"), lines[0]
    if says:
        assert says in lines[0], lines[0]
    for p in outputs:
        # a CSV's metadata is written with it (out.csv -> out.json): neither may be left
        for q in (p, sidecar_path(p)) if p.suffix == ".csv" else (p,):
            assert not q.exists(), q
            assert not list(q.parent.glob(f".{q.name}*")), "temporary file left behind"


def test_missing_video(tmp_path, cli_inputs):
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", tmp_path / "nope.mp4", "-o", out, "--model", cli_inputs["ckpt"])
    assert_clean_failure(proc, out, says="not found")


def test_not_a_video(tmp_path, cli_inputs):
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", cli_inputs["text"], "-o", out, "--model", cli_inputs["ckpt"])
    assert_clean_failure(proc, out, says="video")


def test_unwritable_output(tmp_path, cli_inputs):
    out = tmp_path / "no" / "such" / "folder" / "out.csv"
    proc = diffhpe("lift", SAMPLE, "-o", out, "--model", cli_inputs["ckpt"])
    assert_clean_failure(proc, out, says="cannot write")
    proc = diffhpe("lift", SAMPLE, "-o", tmp_path, "--model", cli_inputs["ckpt"])  # a folder
    assert_clean_failure(proc, says="folder")


def test_csv_metadata_path_clashes(tmp_path, cli_inputs):
    out = tmp_path / "out.json"  # the CSV would be its own metadata file
    proc = diffhpe("lift", SAMPLE, "-o", out, "--model", cli_inputs["ckpt"])
    assert_clean_failure(proc, out, says=".json of the same name")
    out, npz = tmp_path / "out.csv", tmp_path / "out.json"  # another output on the CSV's metadata
    proc = diffhpe("lift", SAMPLE, "-o", out, "--npz", npz, "--model", cli_inputs["ckpt"])
    assert_clean_failure(proc, out, npz, says="different paths")


@pytest.mark.parametrize("which", ["corrupt", "mismatched"])
def test_bad_checkpoint(tmp_path, cli_inputs, which):
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", SAMPLE, "-o", out, "--model", cli_inputs[which], "--no-progress")
    assert_clean_failure(proc, out, says=str(cli_inputs[which].name))


def test_missing_checkpoint(tmp_path):
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", SAMPLE, "-o", out, "--model", tmp_path / "none.safetensors")
    assert_clean_failure(proc, out, says="not found")


def test_no_webcam(tmp_path, cli_inputs):
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", "--webcam", "7", "-o", out, "--model", cli_inputs["ckpt"], "--max-frames", "5")
    assert_clean_failure(proc, out, says="webcam")


def test_video_without_a_person(tmp_path, cli_inputs):
    out, npz, preview = tmp_path / "out.csv", tmp_path / "out.npz", tmp_path / "prev.mp4"
    proc = diffhpe(
        "lift",
        cli_inputs["black"],
        "-o",
        out,
        "--npz",
        npz,
        "--preview",
        preview,
        "--model",
        cli_inputs["ckpt"],
        "--no-progress",
    )
    assert_clean_failure(proc, out, npz, preview, says="no person")


def test_short_clip_is_padded_and_says_so(tmp_path, cli_inputs):
    out = tmp_path / "short.csv"
    proc = diffhpe("lift", cli_inputs["short"], "-o", out, "--model", cli_inputs["ckpt"], "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "fewer than the model's 27-frame window" in proc.stderr
    data = read_csv(out)
    assert len(data["frame"]) == 20 and data["person_seen"].sum() >= 15


def test_bf16_lift_says_so_and_writes_every_frame(tmp_path, cli_inputs):
    out = tmp_path / "short_bf16.csv"
    proc = diffhpe(
        "lift", cli_inputs["short"], "-o", out, "--model", cli_inputs["ckpt"], "--bf16", "--no-progress"
    )
    assert proc.returncode == 0, proc.stderr
    assert ", bf16, latency" in proc.stderr  # the summary line names the precision
    data = read_csv(out)
    assert len(data["frame"]) == 20 and np.all(np.isfinite(data["positions"][data["person_seen"] == 1]))


def test_lift_sample_end_to_end(tmp_path, cli_inputs):
    out, npz, preview = tmp_path / "sample.csv", tmp_path / "sample.npz", tmp_path / "sample_preview.mp4"
    proc = diffhpe(
        "lift",
        SAMPLE,
        "-o",
        out,
        "--npz",
        npz,
        "--preview",
        preview,
        "--model",
        cli_inputs["ckpt"],
        "--mode",
        "centred",
        "--stride",
        "5",
        "--steps",
        "2",
        "--hypotheses",
        "3",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "lifted 100 frames" in proc.stderr
    data = read_csv(out)
    assert len(data["frame"]) == 100 and list(data["frame"]) == list(range(100))
    assert data["person_seen"].mean() > 0.9
    assert np.all(np.isfinite(data["confidence"]))
    # A plain CSV, as any reader opens it: pandas with no options and the csv module give the same table.
    table = pd.read_csv(out)
    assert list(table.columns) == csv_header() and len(table) == 100
    assert table["frame"].dtype.kind == "i" and table["pelvis_z"].dtype.kind == "f"
    np.testing.assert_allclose(table["time_s"], np.arange(100) / 60.0, atol=2e-3)
    np.testing.assert_allclose(table[[f"{j}_z" for j in JOINT_NAMES]].to_numpy(), data["positions"][..., 2])
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 100 and list(rows[0]) == csv_header() and rows[99]["frame"] == "99"
    # Its metadata beside it, in JSON: what the run was.
    meta = json.loads(sidecar_path(out).read_text())
    assert read_metadata(out) == meta and sidecar_path(out) == tmp_path / "sample.json"
    assert meta["fps"] == pytest.approx(60.0, rel=0.01) and meta["frames"] == 100
    assert meta["joints"] == list(JOINT_NAMES) and "x right, y down, z forward" in meta["axes"]
    assert meta["units"]["position"] == "m" and not meta["root_relative"]
    assert meta["source"].endswith(SAMPLE.name) and meta["detector"] == "mediapipe"
    assert meta["model"] == str(cli_inputs["ckpt"]) and meta["software"]["name"] == "diffhpe"
    settings = meta["settings"]
    assert (settings["mode"], settings["stride"], settings["steps"], settings["hypotheses"]) == (
        "centred",
        5,
        2,
        3,
    )
    assert settings["kind"] == "wrapper" and settings["sampler"] in ("ddim", "dpmsolver", "ddpm")
    assert f"wrote {out}, {sidecar_path(out)}," in proc.stderr
    with np.load(npz) as z:
        assert z["pose"].shape == (100, 17, 3) and float(z["fps"]) == pytest.approx(60.0, rel=0.01)
    import cv2

    cap = cv2.VideoCapture(str(preview))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 100
    cap.release()


def test_help_mentions_the_lifter_defaults():
    import inspect

    from lifting.stream import StreamingLifter

    proc = diffhpe("lift", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    d = {k: p.default for k, p in inspect.signature(StreamingLifter.__init__).parameters.items()}
    for opt in ("stride", "steps", "hypotheses", "sampler", "conf_threshold"):
        assert f"(default: {d[opt]})" in text, opt
    # the mode is the command's: the lifter's (causal) for a webcam, centred for a file lifted offline
    assert f"(default: centred for a video file (lifted offline, more accurate), {d['mode']} for --webcam)" in text


def test_root_filter_is_on_by_default_and_can_be_turned_off(tmp_path, cli_inputs):
    """The root trajectory is smoothed unless --no-root-filter; the root-relative pose is the same either way."""
    import json

    runs = {}
    for name, extra in (("filtered", []), ("raw", ["--no-root-filter"])):
        npz = tmp_path / f"{name}.npz"
        proc = diffhpe(
            "lift", cli_inputs["short"], "--npz", npz, "--model", cli_inputs["ckpt"], "--no-progress", *extra
        )
        assert proc.returncode == 0, proc.stderr
        with np.load(npz) as z:
            runs[name] = (z["root"], z["pose"], json.loads(str(z["meta"]))["root_filter"])
    (root_f, pose_f, meta_f), (root_r, pose_r, meta_r) = runs["filtered"], runs["raw"]
    assert meta_f == "True" and meta_r == "False"
    np.testing.assert_array_equal(pose_f, pose_r)
    seen = np.isfinite(root_r).all(1)
    assert seen.sum() >= 15 and not np.allclose(root_f[seen], root_r[seen], atol=1e-4)
    accel = lambda r: np.linalg.norm(np.diff(r[seen], 2, axis=0), axis=1).mean()
    assert accel(root_f) < accel(root_r)  # smoother


def test_flip_reaches_the_lifter_only_when_asked():
    from app.cli import build_parser
    from app.commands.lift import _lift_options

    parser = build_parser(["lift"])
    assert _lift_options(parser.parse_args(["lift", "clip.mp4", "--flip"]))["flip"] is True
    assert "flip" not in _lift_options(parser.parse_args(["lift", "clip.mp4"]))  # the lifter's own default: off


def test_joints_reach_the_lifter_only_when_asked_and_bad_values_are_refused(capsys):
    from app.cli import build_parser
    from app.commands.lift import _lift_options

    parser = build_parser(["lift"])
    assert _lift_options(parser.parse_args(["lift", "clip.mp4", "--joints", "centres"]))["joints"] == "centres"
    assert "joints" not in _lift_options(parser.parse_args(["lift", "clip.mp4"]))  # the lifter's own default
    with pytest.raises(SystemExit):
        parser.parse_args(["lift", "clip.mp4", "--joints", "markers"])
    assert "invalid choice: 'markers'" in capsys.readouterr().err


def test_a_video_file_is_lifted_centred_a_webcam_causal_unless_asked():
    from app.cli import build_parser
    from app.commands.lift import _lift_options

    parser = build_parser(["lift"])
    assert _lift_options(parser.parse_args(["lift", "clip.mp4"]))["mode"] == "centred"
    assert _lift_options(parser.parse_args(["lift", "--webcam", "0"]))["mode"] == "causal"
    assert _lift_options(parser.parse_args(["lift", "clip.mp4", "--mode", "causal"]))["mode"] == "causal"
    assert _lift_options(parser.parse_args(["lift", "--webcam", "0", "--mode", "centred"]))["mode"] == "centred"
    assert build_parser(["score"]).parse_args(["score", "ref.npz"]).mode == "centred"


def test_fit_2d_reaches_the_lifter_when_asked_and_an_out_of_range_amount_is_one_clear_error(tmp_path, cli_inputs):
    from app.cli import build_parser
    from app.commands.lift import _lift_options
    from lifting.stream_defaults import DEFAULT_FIT_2D

    parser = build_parser(["lift"])
    assert _lift_options(parser.parse_args(["lift", "clip.mp4", "--fit-2d", "0"]))["fit_2d"] == 0.0
    assert "fit_2d" not in _lift_options(parser.parse_args(["lift", "clip.mp4"]))  # the lifter's own default
    assert f"(default: {DEFAULT_FIT_2D})" in " ".join(diffhpe("lift", "--help").stdout.split())
    out = tmp_path / "out.csv"
    proc = diffhpe("lift", cli_inputs["short"], "-o", out, "--model", cli_inputs["ckpt"], "--fit-2d", "1.5")
    assert_clean_failure(proc, out, says="fit_2d must be between 0 and 1")


def test_no_steady_bones_reaches_the_lifter_of_lift_score_and_the_app():
    from app.cli import build_parser
    from app.commands.lift import _lift_options

    parser = build_parser(["lift"])
    assert _lift_options(parser.parse_args(["lift", "clip.mp4", "--no-steady-bones"]))["steady_bones"] is False
    assert "steady_bones" not in _lift_options(parser.parse_args(["lift", "clip.mp4"]))  # the lifter's default
    score = build_parser(["score"])
    assert score.parse_args(["score", "ref.npz", "--no-steady-bones"]).steady_bones is False
    assert score.parse_args(["score", "ref.npz"]).steady_bones is None
    app = build_parser(["app"])
    assert app.parse_args(["app", "--no-steady-bones"]).steady_bones is False
    assert "--no-steady-bones" in diffhpe("lift", "--help").stdout


def test_lift_score_and_the_app_pass_the_same_lifter_options():
    from app.cli import build_parser
    from app.commands import gui_app, score
    from app.commands.lift import _lift_options

    given = ["--mode", "causal", "--stride", "3", "--joints", "centres", "--fit-2d", "0", "--no-steady-bones"]
    lift = _lift_options(build_parser(["lift"]).parse_args(["lift", "clip.mp4", *given, "--flip"]))
    scored = score.lifter_options(build_parser(["score"]).parse_args(["score", "ref.npz", *given, "--flip"]))
    app = gui_app.lifter_options(build_parser(["app"]).parse_args(["app", *given, "--no-root-filter"]))
    expected = {"mode": "causal", "stride": 3, "joints": "centres", "fit_2d": 0.0, "steady_bones": False}
    assert scored == {**expected, "flip": True}
    assert {k: lift[k] for k in expected} == expected and lift["flip"] is True
    assert app == {**expected, "steps": 1, "root_filter": False}  # steps: the app's own default
    # nothing given: only what each command sets itself, the rest is the lifter's
    assert score.lifter_options(build_parser(["score"]).parse_args(["score", "ref.npz"])) == {"mode": "centred"}
    assert gui_app.lifter_options(build_parser(["app"]).parse_args(["app"])) == {"steps": 1}
    assert _lift_options(build_parser(["lift"]).parse_args(["lift", "clip.mp4"])) == {"mode": "centred", "seed": 0}
