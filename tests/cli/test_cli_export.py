"""`diffhpe export IN.csv --bvh --trc --angles` on CSVs written by our own writer (both forms: '#' comment
lines, and plain with a JSON sidecar), every bad input, and `diffhpe lift --bvh --trc --angles`."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers_cli import diffhpe

from lifting.data import bvh_conversion, bvh_reader
from lifting.export import write_csv
from lifting.export_read import read_pose_csv

EXPORTS = Path(__file__).resolve().parents[1] / "exports"


@pytest.fixture(scope="module")
def clip_results():
    sys.path.insert(0, str(EXPORTS))
    from clips import CLIP, DATA, camera_from_z_up, results_from_positions  # the exports tests' helpers

    clip = bvh_conversion.convert_bvh(DATA / CLIP)  # 52 frames at 50 fps
    cam = camera_from_z_up(clip.positions.astype(np.float64), tilt_deg=10.0)
    return results_from_positions(cam), cam


def outputs(d: Path) -> list[Path]:
    return [d / "out.bvh", d / "out.trc", d / "angles.csv", d / "angles.png"]


def run_export(src, d, *extra):
    return diffhpe(
        "export", src, "--bvh", d / "out.bvh", "--trc", d / "out.trc", "--angles", d / "angles.csv", *extra
    )


def assert_clean_failure(proc, d, says):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("diffhpe export: error:"), proc.stderr
    assert says in lines[0], lines[0]
    for p in outputs(d):
        assert not p.exists(), p
    assert not list(d.glob(".*.tmp")), "temporary file left behind"


def old_comment_form(src: Path) -> Path:
    """The CSV form of earlier versions: two '#' lines (a description, then the metadata as JSON) before the
    header, no sidecar."""
    side = src.with_suffix(".json")
    meta = json.loads(side.read_text())
    side.unlink()
    src.write_text(f"# DiffHPE 3D poses: camera frame, metres\n# {json.dumps(meta)}\n" + src.read_text())
    return src


def test_export_csv_with_comment_lines(clip_results, tmp_path):
    results, _ = clip_results
    src = old_comment_form(write_csv(tmp_path / "in.csv", results, 50.0))  # fps in the JSON comment
    proc = run_export(src, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "52 frames at 50 fps (from the CSV's comment line)" in proc.stderr
    for p in outputs(tmp_path):
        assert p.stat().st_size > 0, p
    data = bvh_reader.read_bvh(tmp_path / "out.bvh")
    assert data.num_frames == 52 and data.fps == pytest.approx(50.0)
    assert (tmp_path / "angles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = (tmp_path / "angles.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["frame", "time_s", "left_knee_flexion"]
    assert len((tmp_path / "angles.csv").read_text().splitlines()) == 53


def test_plain_csv_with_sidecar_or_time_column(clip_results, tmp_path):
    results, cam = clip_results
    src = write_csv(tmp_path / "plain.csv", results, 25.0)  # header row first
    assert not src.read_text().startswith("#")
    (tmp_path / "plain.json").write_text(json.dumps({"fps": 50.0, "axes": "camera"}))
    table = read_pose_csv(src)
    assert table.fps == 50.0 and table.fps_from == "the JSON sidecar"
    np.testing.assert_allclose(table.positions, cam, atol=1e-5)  # 5 decimals in the CSV
    (tmp_path / "plain.json").unlink()
    table = read_pose_csv(src)
    assert table.fps == pytest.approx(25.0) and table.fps_from == "the time_s column"
    assert read_pose_csv(src, fps=30.0).fps == 30.0  # --fps wins
    proc = diffhpe("export", src, "--trc", tmp_path / "p.trc", "--fps", "30")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "p.trc").read_text().splitlines()[2].startswith("30\t30\t52\t17\tmm")


def test_not_our_csv(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    assert_clean_failure(
        run_export(bad, tmp_path), tmp_path, "not a DiffHPE pose CSV (missing columns: pelvis_x"
    )


def test_missing_columns_and_binary_and_missing_file(clip_results, tmp_path):
    results, _ = clip_results
    src = write_csv(tmp_path / "in.csv", results, 50.0)
    lines = src.read_text().splitlines()
    cut = [",".join(c for i, c in enumerate(l.split(",")) if i < len(l.split(",")) - 5) for l in lines]
    src.write_text("\n".join(cut) + "\n")  # the last joint (right_wrist) is gone
    assert_clean_failure(run_export(src, tmp_path), tmp_path, "missing columns: right_wrist_x, right_wrist_y")
    blob = tmp_path / "blob.csv"
    blob.write_bytes(bytes(range(256)) * 4)
    assert_clean_failure(run_export(blob, tmp_path), tmp_path, "not a text file")
    assert_clean_failure(run_export(tmp_path / "nope.csv", tmp_path), tmp_path, "file not found")
    nums = tmp_path / "nums.csv"
    nums.write_text(lines[0] + "\n" + lines[1].replace(lines[1].split(",")[5], "abc", 1) + "\n")
    assert_clean_failure(run_export(nums, tmp_path), tmp_path, "is not a number")


def test_unwritable_paths(clip_results, tmp_path):
    results, _ = clip_results
    src = write_csv(tmp_path / "in.csv", results, 50.0)
    proc = diffhpe("export", src, "--bvh", tmp_path / "out.bvh", "--trc", tmp_path / "no" / "such" / "x.trc")
    assert_clean_failure(proc, tmp_path, "does not exist")
    proc = diffhpe("export", src, "--bvh", tmp_path / "out.bvh", "--trc", tmp_path / "out.bvh")
    assert_clean_failure(proc, tmp_path, "different paths")
    proc = diffhpe("export", src)
    assert_clean_failure(proc, tmp_path, "nothing to do")
    assert src.exists()


def test_lift_writes_the_exports(tmp_path, cli_inputs):
    d = tmp_path
    proc = diffhpe(
        "lift", cli_inputs["short"], "-o", d / "s.csv", "--model", cli_inputs["ckpt"], "--no-progress",
        "--bvh", d / "out.bvh", "--trc", d / "out.trc", "--angles", d / "angles.csv", "--vertical", "camera",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for p in outputs(d):
        assert p.exists(), (p, proc.stderr)
    assert bvh_reader.read_bvh(d / "out.bvh").num_frames == 20
    proc = diffhpe(
        "lift", cli_inputs["short"], "-o", d / "t.csv", "--bvh", d / "no" / "x.bvh", "--no-progress"
    )
    assert proc.returncode != 0 and "does not exist" in proc.stderr and not (d / "t.csv").exists()
