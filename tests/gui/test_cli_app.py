"""`diffhpe app`: argument parsing and the errors it reports before any window opens."""

from __future__ import annotations

from app.cli import build_parser, main


def test_app_parser_maps_options():
    argv = ["app", "clip.mp4", "-k", "3", "-H", "4", "--mode", "causal", "--device", "cpu", "--paused"]
    args = build_parser(["app"]).parse_args([*argv, "--model", "x"])
    assert args.video == "clip.mp4" and args.steps == 3 and args.hypotheses == 4 and args.mode == "causal"
    assert args.paused and args.device == "cpu" and args.webcam is None and args.model == "x"
    assert args.func.__module__ == "app.commands.gui_app"
    # the app's real-time default is one sampler step (diffhpe lift keeps the lifter's own)
    assert build_parser(["app"]).parse_args(["app"]).steps == 1
    assert build_parser(["lift"]).parse_args(["lift", "clip.mp4"]).steps is None


def test_missing_video_is_a_clean_error(tmp_path, capsys):
    assert main(["app", str(tmp_path / "nope.mp4")]) == 2
    assert "video file not found" in capsys.readouterr().err


def test_no_display_is_a_clean_error(monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["app"]) == 2
    assert "no display" in capsys.readouterr().err


def test_unknown_checkpoint_is_a_clean_error(capsys):
    assert main(["app", "--model", "no_such_model"]) == 2
    assert "no_such_model" in capsys.readouterr().err
