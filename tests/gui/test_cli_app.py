"""`diffhpe app`: argument parsing and the errors it reports before any window opens."""

from __future__ import annotations

from app.cli import build_parser, main


def test_app_parser_maps_options():
    args = build_parser(["app"]).parse_args(
        [
            "app",
            "clip.mp4",
            "--steps",
            "3",
            "--hypotheses",
            "4",
            "--mode",
            "causal",
            "--device",
            "cpu",
            "--paused",
        ]
    )
    assert args.video == "clip.mp4" and args.steps == 3 and args.hypotheses == 4 and args.mode == "causal"
    assert args.paused and args.device == "cpu" and args.webcam is None
    assert args.func.__module__ == "app.commands.gui_app"


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
