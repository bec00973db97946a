"""The status bar's rates line, from stand-ins for the 3D view, the lift thread and the capture thread."""

from __future__ import annotations

from types import SimpleNamespace

from app.gui.stats_text import stats_text

VIEW3D = SimpleNamespace(
    render_fps=29.5, render_ms=12.4, backend="", renderer=SimpleNamespace(backend_note="software")
)
LIFT = SimpleNamespace(push_ms=3.2, window_ms=95.0, latency_frames=13)
CAPTURE = SimpleNamespace(
    meter=SimpleNamespace(rate=30.0), detect_ms=21.6, skipped=4, gaps=SimpleNamespace(interpolated=0)
)
RATES = {"video_fps": 29.9, "ui_hz": 66.0, "delay_s": 0.42, "queue_dropped": 2, "max_gap_ms": 48.0}


def test_with_a_source_every_rate_and_the_dropped_frames_are_listed():
    text, tooltip = stats_text(VIEW3D, LIFT, CAPTURE, **RATES)
    assert text.split("  ·  ") == [
        "video 29.9 fps",
        "UI  66 Hz",
        "3D 29.5 fps (12 ms)",
        "input 30.0 fps",
        "detect 22 ms",
        "lift 3 ms/frame (95 ms/window)",
        "latency 13 fr / 420 ms",
        "dropped 6",
    ]
    assert "longest stall 48 ms" in tooltip and "renderer: software" in tooltip


def test_frames_with_interpolated_2d_are_counted_when_there_are_any():
    capture = SimpleNamespace(**{**vars(CAPTURE), "gaps": SimpleNamespace(interpolated=57)})
    text, tooltip = stats_text(VIEW3D, LIFT, capture, **RATES)
    assert text.split("  ·  ")[5] == "2D interpolated 57"
    assert "2D interpolated: frames read while the detector was behind" in tooltip


def test_without_a_source_the_capture_rates_are_left_out():
    text, tooltip = stats_text(SimpleNamespace(**{**vars(VIEW3D), "renderer": None}), LIFT, None, **RATES)
    assert "input" not in text and "detect" not in text and "dropped" not in text
    assert "renderer: stopped" in tooltip
