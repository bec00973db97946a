"""The status bar's rates line and its tooltip, from the app's meters (no Qt here)."""

from __future__ import annotations

from app.gui.renderers import LABELS

SEPARATOR = "  ·  "
LEGEND = (
    "video: frames shown per second; UI: UI-thread ticks per second (longest stall {max_gap_ms:.0f} ms); "
    "3D: images rendered per second (render time, renderer: {renderer}); input: frames read per second; "
    "2D interpolated: frames read while the detector was behind, their 2D keypoints interpolated between the "
    "detections on either side; latency: frames and time from capture to its 3D pose"
)


def stats_text(
    view3d,
    lift,
    capture,
    *,
    video_fps: float,
    ui_hz: float,
    delay_s: float,
    queue_dropped: int,
    max_gap_ms: float,
) -> tuple[str, str]:
    """(the rates line, its tooltip). `view3d`, `lift` and `capture` (None: no source open) are read for
    their rates; `video_fps` and `ui_hz` are the UI's own, `delay_s` the display delay of the 3D poses."""
    v = view3d
    parts = [
        f"video {video_fps:4.1f} fps",
        f"UI {ui_hz:3.0f} Hz",
        f"3D {v.render_fps:4.1f} fps ({v.render_ms:.0f} ms{', ' + LABELS[v.backend] if v.backend else ''})",
    ]
    if capture is not None:
        parts.append(f"input {capture.meter.rate:4.1f} fps")
        parts.append(f"detect {capture.detect_ms:.0f} ms")
        if capture.gaps.interpolated:
            parts.append(f"2D interpolated {capture.gaps.interpolated}")
    parts.append(f"lift {lift.push_ms:.0f} ms/frame ({lift.window_ms:.0f} ms/window)")
    parts.append(f"latency {lift.latency_frames} fr / {delay_s * 1000:.0f} ms")
    if capture is not None:
        parts.append(f"dropped {capture.skipped + queue_dropped}")
    renderer = v.renderer.backend_note if v.renderer else "stopped"
    return SEPARATOR.join(parts), LEGEND.format(max_gap_ms=max_gap_ms, renderer=renderer)
