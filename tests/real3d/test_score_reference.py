"""`diffhpe score` on the shared real-video reference gives the numbers of the reference's own scoring tool."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
REF = SHARED / "data" / "real3d" / "pose2sim_cam01_reference.npz"
TOOL = SHARED / "tools" / "score_lift.py"
DIFFHPE = [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def reference():
    if not REF.is_file() or not TOOL.is_file():
        pytest.fail(f"the shared reference {REF} or its tool {TOOL} is missing")
    return np.load(REF)


def _write_our_csv(path: Path, poses: np.ndarray) -> None:
    from lifting.skeleton import JOINT_NAMES

    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "time_s"] + [f"{n}_{a}" for n in JOINT_NAMES for a in "xyz"])
        for i, p in enumerate(poses):
            w.writerow([i, i / 60] + ["" if not np.isfinite(v) else f"{v:.6f}" for v in p.reshape(-1)])


def _tool(*args) -> dict:
    out = subprocess.run(
        [sys.executable, str(TOOL), str(REF), "cam01", *args], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_score_matches_the_reference_tool_on_a_csv(tmp_path, reference):
    rng = np.random.default_rng(0)
    pred = reference["mp_world_h36m"][:, 0] + rng.normal(
        0, 0.03, (100, 17, 3)
    )  # some prediction, camera axes
    pred[5:9, 3] = np.nan  # missing cells are skipped by both
    path = tmp_path / "pred.csv"
    _write_our_csv(path, pred)
    ours = tmp_path / "ours.json"
    r = subprocess.run(DIFFHPE + ["score", str(REF), "--csv", str(path), "--json", str(ours)], cwd=REPO,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = json.loads(ours.read_text())["rows"]
    tool = _tool(str(path))
    mine = next(row for row in rows if row["what"].startswith("CSV"))
    for key in ("p_mpjpe_mm", "mpjpe_mm", "frames_scored", "joints_scored"):
        assert mine[key] == pytest.approx(tool[key], rel=1e-9), key
    for key in ("symmetry_gap_mm", "seg_len_std_mm", "jitter_mm_per_frame2"):
        assert mine["prediction"][key] == pytest.approx(tool["prediction"][key], rel=1e-9), key
    np.testing.assert_allclose(
        list(mine["per_joint_mpjpe_mm"].values()), list(tool["per_joint_mpjpe_mm"].values()), atol=0.051
    )
    # the MediaPipe baseline row equals the tool's --mediapipe-baseline
    base = _tool("--mediapipe-baseline")
    assert rows[0]["p_mpjpe_mm"] == pytest.approx(base["p_mpjpe_mm"], rel=1e-9)
    assert rows[0]["p_mpjpe_mm"] == pytest.approx(72.6, abs=0.05)


def test_limb_score_ignores_where_hips_shoulders_neck_and_head_are_defined():
    from lifting.real_reference import LIMB_ENDS, load_reference, score

    ref = load_reference(REF, "cam01")
    pred = ref.mediapipe_cam.copy()
    moved = pred.copy()
    moved[:, ~LIMB_ENDS] += np.random.default_rng(1).normal(0, 0.05, moved[:, ~LIMB_ENDS].shape)
    before, after = score(ref, pred), score(ref, moved)
    assert after["limb_p_mpjpe_mm"] == pytest.approx(before["limb_p_mpjpe_mm"], rel=1e-12)
    assert after["p_mpjpe_mm"] > before["p_mpjpe_mm"] + 5
    hurt = pred.copy()
    hurt[:, LIMB_ENDS] += 0.05
    hurt[:, LIMB_ENDS] += np.random.default_rng(2).normal(0, 0.05, hurt[:, LIMB_ENDS].shape)
    assert score(ref, hurt)["limb_p_mpjpe_mm"] > before["limb_p_mpjpe_mm"] + 5


def test_a_wrong_reference_gives_one_clear_message(tmp_path):
    bad = tmp_path / "x.npz"
    np.savez(bad, a=np.zeros(3))
    r = subprocess.run(
        DIFFHPE + ["score", str(bad), "--csv", "nothing.csv"], cwd=REPO, capture_output=True, text=True
    )
    assert r.returncode != 0 and "not a 3D reference file" in r.stderr and "Traceback" not in r.stderr
