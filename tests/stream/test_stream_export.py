import csv
import os

import numpy as np
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
    assert lines[0].startswith("#") and "metres" in lines[0] and "x right, y down, z forward" in lines[0]
    header = next(csv.reader([l for l in lines if not l.startswith("#")]))
    assert header[:4] == ["frame", "time_s", "person_seen", "root_reliable"]
    assert header[4:9] == ["pelvis_x", "pelvis_y", "pelvis_z", "pelvis_std", "pelvis_conf"]
    assert len(header) == 4 + 5 * len(JOINT_NAMES)
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
    assert os.listdir(tmp_path) == []  # no temporary file left behind
    # an existing file is left untouched by a failed write
    target.write_text("old")
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        export.write_csv(target, res, fps=30)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.csv"]


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
