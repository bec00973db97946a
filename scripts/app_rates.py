"""The app's rates while a video plays at its own speed (real time), per 3D renderer: video frames shown per
second, UI ticks per second, 3D images per second and their render time, frames dropped. Run on a display,
e.g. `scripts/with_xvfb.sh .venv/bin/python scripts/app_rates.py assets/sample.mp4 --renderer legacy filament`.

The video is played `--loops` times from the start (the shared clips are 100-230 frames); the rates are
counted from the first pose shown to the end of the last loop."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TIMEOUT_S = 600


def _cpu_s(stat_path: str) -> float:
    """utime + stime of a /proc stat file, in seconds (Linux)."""
    import os

    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_thread() -> dict:
    """CPU seconds so far of each named Python thread of this process, the rest of its threads together,
    and each child process (the 3D renderer): where the two cores go. Empty where /proc is missing."""
    import os
    import threading

    if not Path("/proc/self/task").is_dir():
        return {}
    named = {t.native_id: t.name for t in threading.enumerate()}
    out: dict = {"other threads": 0.0}
    for task in Path("/proc/self/task").iterdir():
        try:
            cpu = _cpu_s(f"{task}/stat")
        except OSError:
            continue
        name = named.get(int(task.name))
        if name:
            out[name] = round(cpu, 2)
        else:
            out["other threads"] += cpu
    me = str(os.getpid())
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            comm = (proc / "comm").read_text().strip()
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                out[f"child {comm} {proc.name}"] = round(_cpu_s(f"{proc}/stat"), 2)
            elif comm == "Xvfb":  # the X server draws the windows: its share is the display's cost
                out[f"Xvfb {proc.name}"] = round(_cpu_s(f"{proc}/stat"), 2)
        except OSError:
            continue
    out["other threads"] = round(out["other threads"], 2)
    return out


def measure(
    video: str, renderer: str, loops: int, model: str | None, lift_options: dict | None = None
) -> dict:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from app.gui.app_options import AppOptions
    from app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(
        AppOptions(
            video=video,
            model=model,
            realtime=True,
            device="cpu",
            renderer=renderer,
            lift_options=dict(lift_options or {}),
        )
    )
    window.setGeometry(0, 0, 1600, 870)
    window.show()
    t_start = time.perf_counter()
    m: dict = {"ui_hz": [], "stall_ms": 0.0, "t0": None}

    def sample() -> None:
        now = time.perf_counter()
        v = window.view3d
        if m["t0"] is None:
            if window.playing and window.poses_shown > 0:  # counting starts with the first pose on screen
                m.update(
                    t0=now, frames0=window.frames_shown, renders0=v.frames_rendered, cpu0=cpu_by_thread()
                )
        elif window.playing:
            m["ui_hz"].append(window.loop_meter.rate)
            m["stall_ms"] = max(m["stall_ms"], window.ui_max_gap_ms)
        if window.finished_count >= loops and not window.playing:
            c = window.capture
            wall = now - m["t0"]
            m.update(
                wall_s=wall,
                video_fps=(window.frames_shown - m["frames0"]) / wall,
                render_fps=(v.frames_rendered - m["renders0"]) / wall,
                render_ms=v.render_ms,
                backend=v.backend,
                backend_note=v.renderer.backend_note if v.renderer else "",
                cores_used={  # CPU seconds per wall second while playing, per thread / renderer process
                    k: round((v - m["cpu0"].get(k, 0.0)) / wall, 2) for k, v in cpu_by_thread().items()
                },
                dropped=c.skipped + window.session.queue.dropped,
                dropped_reading=c.skipped,
                dropped_lifting=window.session.queue.dropped,
                lift_ms_per_frame=window.lift.push_ms,
                processed=c.processed,
                interpolated=c.gaps.interpolated,
                frames=c.processed + c.skipped,
                errors=list(window.errors),
            )
            window.close()
            app.quit()
        elif window.finished_count > m.get("loops_seen", 0) and not window.playing:
            m["loops_seen"] = window.finished_count
            window.play()  # the next loop, from the start
        if now - t_start > TIMEOUT_S:
            m["errors"] = ["timed out", *window.errors]
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(50)
    app.exec()
    window.shutdown()
    hz = m.pop("ui_hz")
    m["ui_hz_mean"] = sum(hz) / len(hz) if hz else 0.0
    m["ui_hz_min"] = min(hz) if hz else 0.0
    for k in ("t0", "frames0", "renders0", "loops_seen", "cpu0"):
        m.pop(k, None)
    return {"video": Path(video).name, "renderer": renderer, "lift_options": dict(lift_options or {}), **m}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--renderer", nargs="+", default=["legacy", "filament"])
    parser.add_argument("--loops", type=int, default=3)
    parser.add_argument("--model", help="checkpoint (default: the shipped one)")
    parser.add_argument("--steps", type=int, help="sampler steps k (default: the app's)")
    parser.add_argument("--hypotheses", type=int, help="hypotheses H (default: the app's)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    rows = []
    for video in args.videos:
        for renderer in args.renderer:  # side by side: each video with each renderer in turn
            options = {k: v for k in ("steps", "hypotheses") if (v := getattr(args, k)) is not None}
            r = measure(video, renderer, args.loops, args.model, options)
            rows.append(r)
            print(
                f"{r['video']} {renderer} ({r.get('backend')}): video {r.get('video_fps', 0):.1f} fps, "
                f"UI {r['ui_hz_mean']:.0f} Hz (min {r['ui_hz_min']:.0f}, longest stall {r['stall_ms']:.0f} ms), "
                f"3D {r.get('render_fps', 0):.1f} fps ({r.get('render_ms', 0):.0f} ms), "
                f"dropped {r.get('dropped')} of {r.get('frames')} (reading {r.get('dropped_reading')}, "
                f"lifting {r.get('dropped_lifting')}, lift {r.get('lift_ms_per_frame', 0):.1f} ms/frame), 2D interpolated {r.get('interpolated')}, "
                f"{r.get('wall_s', 0):.1f} s; {r.get('backend_note', '')}; errors {r.get('errors')}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
