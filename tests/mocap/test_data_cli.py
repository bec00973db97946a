"""`diffhpe data mocap SRC DST`."""

import json

import pytest

from app.cli import build_parser, main
from lifting.data.mocap_clips import load_clip
from lifting.errors import UserError


def test_converts_a_folder_with_one_file(data_dir, tmp_path, capsys):
    src = tmp_path / "bvh" / "nested"
    src.mkdir(parents=True)
    (src / "09_03.bvh").symlink_to(data_dir / "cmu_mocap/09/09_03.bvh")
    dst = tmp_path / "out"
    assert main(["data", "mocap", str(tmp_path / "bvh"), str(dst)]) == 0
    clip = load_clip(dst / "09_03.npz")
    assert clip.subject == "09" and clip.flavour == "daz43" and clip.positions.shape[1:] == (17, 3)
    manifest = json.loads((dst / "manifest.json").read_text())
    assert manifest["summary"]["clips"] == 1 and manifest["clips"][0]["clip"] == "09_03"
    assert "1 clips converted" in capsys.readouterr().out
    # A second run keeps the up-to-date clip.
    assert main(["data", "mocap", str(tmp_path / "bvh"), str(dst), "-q"]) == 0
    assert "1 already up to date" in capsys.readouterr().out


def test_unknown_flavour_is_skipped_with_a_message(data_dir, tmp_path, capsys):
    (tmp_path / "robot.bvh").write_text("HIERARCHY\nROOT a\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition "
                                        "Zposition\n End Site\n {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 1\n"
                                        "Frame Time: 0.01\n0 0 0\n")  # fmt: skip
    (tmp_path / "16_01.bvh").symlink_to(data_dir / "cmu_mocap/16/16_01.bvh")
    assert main(["data", "mocap", str(tmp_path), str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "skip robot.bvh" in out and "unknown BVH flavour" in out
    assert (tmp_path / "out" / "16_01.npz").is_file()


def test_bad_paths_are_user_errors(tmp_path, capsys):
    args = build_parser(["data"]).parse_args(
        ["data", "mocap", str(tmp_path / "missing"), str(tmp_path / "out")]
    )
    with pytest.raises(UserError, match="no such file or folder"):
        args.func(args)
    assert main(["data", "mocap", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert "error" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="no .bvh files"):
        args.func(build_parser(["data"]).parse_args(["data", "mocap", str(empty), str(tmp_path / "out")]))
    (empty / "bad.bvh").write_text("garbage\n")
    with pytest.raises(UserError, match="no BVH file could be converted"):
        args.func(build_parser(["data"]).parse_args(["data", "mocap", str(empty), str(tmp_path / "out")]))
