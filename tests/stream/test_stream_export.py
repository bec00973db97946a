import csv
import importlib.metadata
import json
import os

import numpy as np
import pandas as pd
import pytest

from lifting import export
from lifting.errors import UserError
from lifting.keypoints import LiftResult
from lifting.skeleton import JOINT_NAMES


def results(n=12, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for f in range(n):
        pose = rng.normal(0, 0.3, (17, 3)).astype(np.float32)
        pose -= pose[0]
        root = np.array([0.1, 0.2, 3.0 + f / 10], np.float32) if f != 4 else np.full(3, np.nan, np.float32)
        out.append(
            LiftResult(
                frame=f,
                pose=pose,
                std=rng.uniform(0, 0.05, 17).astype(np.float32),
                mixste_pose=pose,
                root=root,
                root_reliable=f != 4,
                confidence=rng.uniform(0, 1, 17).astype(np.float32),
                person_seen=f != 4,
                latency_frames=3,
            )
        )
    return out


def test_csv_round_trip(tmp_path):
    res = results()
    path = export.write_csv(tmp_path / "poses.csv", res, fps=25.0)
    lines = path.read_text().splitlines()
    header = next(csv.reader(lines[:1]))  # the header row is the first line: no comment lines
    assert header[:4] == ["frame", "time_s", "person_seen", "root_reliable"]
    assert header[4:9] == ["pelvis_x", "pelvis_y", "pelvis_z", "pelvis_std", "pelvis_conf"]
    assert len(header) == 4 + 5 * len(JOINT_NAMES) and len(lines) == 1 + len(res)
    back = export.read_csv(path)
    assert len(back["frame"]) == len(res)
    np.testing.assert_array_equal(back["frame"], np.arange(12))
    np.testing.assert_allclose(back["time_s"], np.arange(12) / 25.0, atol=1e-4)
    np.testing.assert_allclose(back["positions"][0], res[0].pose + res[0].root, atol=1e-5)
    np.testing.assert_allclose(back["std"][3], res[3].std, atol=1e-5)
    np.testing.assert_allclose(back["confidence"][3], res[3].confidence, atol=1e-3)
    assert (
        np.all(np.isnan(back["positions"][4])) and not back["root_reliable"][4] and not back["person_seen"][4]
    )
    rel = export.read_csv(export.write_csv(tmp_path / "rel.csv", res, fps=25.0, root_relative=True))
    np.testing.assert_allclose(rel["positions"][4], res[4].pose, atol=1e-5)
    assert export.read_metadata(tmp_path / "rel.csv")["root_relative"] is True


def test_csv_opens_in_pandas_and_the_csv_module(tmp_path):
    res = results()
    path = export.write_csv(tmp_path / "poses.csv", res, fps=25.0)
    table = pd.read_csv(path)  # no options: what a user types first
    assert list(table.columns) == export.csv_header() and len(table) == len(res)
    assert all(table[c].dtype.kind in "if" for c in table.columns)  # every column numeric, no junk rows
    np.testing.assert_array_equal(table["frame"], np.arange(12))
    np.testing.assert_allclose(table["head_x"], [r.pose[10, 0] + r.root[0] for r in res], atol=1e-5)
    assert table.loc[4, ["pelvis_x", "pelvis_y", "pelvis_z"]].isna().all()  # no root yet: empty cells -> NaN
    np.testing.assert_allclose(table["neck_conf"], [r.confidence[9] for r in res], atol=1e-3)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(res) and list(rows[0]) == export.csv_header()
    assert [int(r["frame"]) for r in rows] == list(range(12)) and rows[4]["pelvis_z"] == ""
    assert float(rows[3]["right_wrist_std"]) == pytest.approx(res[3].std[16], abs=1e-5)


def test_csv_metadata_beside_it(tmp_path):
    res = results()
    settings = {
        "kind": "wrapper",
        "mode": "causal",
        "stride": 9,
        "steps": 5,
        "hypotheses": 5,
        "sampler": "ddim",
    }
    path = export.write_csv(
        tmp_path / "run.csv",
        res,
        fps=29.97,
        source="clip.mp4",
        detector="mediapipe",
        model="weights/k5.safetensors",
        settings=settings,
    )
    side = tmp_path / "run.json"
    assert export.sidecar_path(path) == side and side.is_file()
    meta = json.loads(side.read_text(encoding="utf-8"))
    assert meta == export.read_metadata(path)
    assert meta["format"] == "diffhpe-poses-csv" and meta["software"]["name"] == "diffhpe"
    assert meta["software"]["version"] == importlib.metadata.version("diffhpe")
    assert meta["fps"] == 29.97 and meta["frames"] == 12 and meta["joints"] == list(JOINT_NAMES)
    assert meta["axes"] == export.AXES_NOTE and meta["root"] == "root translation included"
    assert meta["units"] == {"position": "m", "std": "m", "conf": "0..1", "time_s": "s"}
    assert (meta["source"], meta["detector"], meta["model"]) == (
        "clip.mp4",
        "mediapipe",
        "weights/k5.safetensors",
    )
    assert meta["settings"] == settings
    # every column of the CSV is described (per joint by its pattern)
    patterns = [p for key in meta["columns"] for p in key.split(", ")]
    described = {p.replace("<joint>", j) for p in patterns for j in JOINT_NAMES}
    assert set(export.csv_header()) <= described
    # without the optional fields, they are left out rather than written as null
    export.write_csv(tmp_path / "bare.csv", res, fps=25.0)
    assert not {"source", "detector", "model", "settings"} & set(export.read_metadata(tmp_path / "bare.csv"))


def test_csv_metadata_errors(tmp_path):
    with pytest.raises(UserError, match="metadata"):
        export.write_csv(tmp_path / "out.json", results(), fps=25.0)  # would be its own sidecar
    assert os.listdir(tmp_path) == []
    path = export.write_csv(tmp_path / "out.csv", results(), fps=25.0)
    export.sidecar_path(path).unlink()
    with pytest.raises(UserError, match="out.json is missing"):
        export.read_metadata(path)
    export.sidecar_path(path).write_text("{not json")
    with pytest.raises(UserError, match="cannot read"):
        export.read_metadata(path)
    export.sidecar_path(path).write_text('{"fps": 25}')
    with pytest.raises(UserError, match="not the metadata"):
        export.read_metadata(path)


def test_csv_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    res = results()
    calls = {"n": 0}
    real = export._fmt

    def failing(v, digits):
        calls["n"] += 1
        if calls["n"] > 200:  # several rows in
            raise RuntimeError("disk on fire")
        return real(v, digits)

    monkeypatch.setattr(export, "_fmt", failing)
    with pytest.raises(RuntimeError):
        export.write_csv(target, res, fps=30)
    assert not target.exists()
    assert os.listdir(tmp_path) == []  # no temporary file left behind, and no metadata without its CSV
    # existing files (the CSV and its metadata) are left untouched by a failed write
    target.write_text("old")
    (tmp_path / "out.json").write_text("old meta")
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        export.write_csv(target, res, fps=30)
    assert target.read_text() == "old" and (tmp_path / "out.json").read_text() == "old meta"
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "out.json"]


def test_check_writable(tmp_path):
    with pytest.raises(UserError):
        export.check_writable(tmp_path / "no" / "such" / "dir" / "out.csv")
    with pytest.raises(UserError):
        export.check_writable(tmp_path)  # a folder
    assert export.check_writable(tmp_path / "fine.csv") == tmp_path / "fine.csv"
    assert not (tmp_path / "fine.csv").exists() and os.listdir(tmp_path) == []
    with pytest.raises(UserError):
        export.write_csv(tmp_path / "x.csv", [], fps=30)
    with pytest.raises(UserError):
        export.write_csv(tmp_path / "x.csv", results(), fps=0)


def test_npz(tmp_path):
    res = results()
    path = export.write_npz(tmp_path / "poses.npz", res, fps=50.0, model="m")
    with np.load(path) as z:
        assert z["positions"].shape == (12, 17, 3) and z["pose"].shape == (12, 17, 3)
        np.testing.assert_allclose(z["positions"][1], res[1].pose + res[1].root)
        assert list(z["joint_names"]) == list(JOINT_NAMES)
        assert float(z["fps"]) == 50.0 and z["time_s"][2] == pytest.approx(0.04)
        assert not z["root_reliable"][4]
