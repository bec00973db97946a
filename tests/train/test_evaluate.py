"""`diffhpe eval` on the VideoPose3D-format fixture: Table-2 report (markdown + json), occlusion matrices and
heatmaps, clean errors."""

import json
import subprocess
from pathlib import Path

import pytest

from lifting.config import build_model, model_config
from lifting.weights import save_checkpoint

REPO = Path(__file__).resolve().parents[2]
DIFFHPE = str(REPO / ".venv" / "bin" / "diffhpe")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpts")
    paths = {}
    for kind in ("mixste", "wrapper", "diffhpe2d"):
        cfg = model_config(kind, "tiny")
        paths[kind] = save_checkpoint(folder / f"{kind}.safetensors", build_model(cfg), cfg)
    return paths


def _eval(h36m_files, out, *args):
    return subprocess.run(
        [DIFFHPE, "eval", "--h36m-3d", str(h36m_files["3d"]), "--h36m-2d", str(h36m_files["cpn"]),
         "--out", str(out), "--sampler", "ddim", "--steps", "2", "-H", "2", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_table2_report(tmp_path, h36m_files, checkpoints):
    proc = _eval(
        h36m_files, tmp_path, "--model", f"MixSTE={checkpoints['mixste']}", "--model", f"Wrapper={checkpoints['wrapper']}",
        "--model", str(checkpoints["diffhpe2d"]),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["models"]) == {"MixSTE", "Wrapper", "diffhpe2d"}
    for r in report["models"].values():
        assert set(r["per_action"]) == {"Walking", "Photo"}  # the fixture's S9 actions, grouped
        for m in ("mpjpe", "sym_gap", "seg_std", "p_mpjpe"):
            assert r["average"][m] >= 0
        assert r["average"]["mpjpe"] == pytest.approx(
            sum(a["mpjpe"] for a in r["per_action"].values()) / 2
        )
    assert "mixste_average" in report["models"]["Wrapper"]
    md = (tmp_path / "report.md").read_text()
    assert "| MixSTE (mixste, H=1) |" in md and "Wrapper: its frozen MixSTE" in md


def test_occlusion_matrices_and_heatmaps(tmp_path, h36m_files, checkpoints):
    proc = _eval(
        h36m_files, tmp_path, "--occlusion-model", f"random={checkpoints['mixste']}",
        "--occlusion-model", f"consecutive_leg={checkpoints['mixste']}",
        "--test-pattern", "none", "--test-pattern", "random", "--test-pattern", "consecutive_leg",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text())
    mats = report["occlusion_matrices"]["mpjpe"]
    assert mats["train"] == ["random", "consecutive_leg"] and len(mats["values"][0]) == 3
    # Occluding inputs changes the prediction of a (random) model: the 'none' column differs from the others.
    assert mats["values"][0][0] != mats["values"][0][1]
    for name in ("occlusion_mpjpe.png", "occlusion_sym_gap.png", "occlusion_seg_std.png"):
        assert (tmp_path / name).stat().st_size > 5000
    assert "Table 4 style" in (tmp_path / "report.md").read_text()


def test_eval_errors(tmp_path, h36m_files):
    proc = _eval(h36m_files, tmp_path)
    assert proc.returncode == 2 and "--model" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"not a checkpoint")
    proc = _eval(h36m_files, tmp_path, "--model", str(bad))
    assert proc.returncode == 2 and "safetensors" in proc.stderr and "Traceback" not in proc.stderr
