"""The 3D view's renderers side by side: each draws a moving standing skeleton (grid, trail, joints) in its
renderer process, as the app runs it, as fast as it can for a few seconds; the renderers take turns, `--rounds`
times, so both see the same machine load. Needs a display for the legacy renderer (scripts/with_xvfb.sh).

Usage: python scripts/bench_render.py [--size 640 480] [--seconds 4] [--rounds 2] [--json OUT]"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def run(kind: str, size: tuple[int, int], seconds: float) -> dict:
    from app.gui.renderers import trial_state
    from app.gui.scene3d import RenderProcess

    done, errors, ms = threading.Event(), [], []
    state = {"seq": 0, "t0": None, "n": 0}
    proc = None

    def on_image(image, s) -> None:
        now = time.perf_counter()
        if state["t0"] is None:  # the first image (and the renderer's start-up) is not counted
            state["t0"] = now
        else:
            state["n"] += 1
            ms.append(proc.render_ms)
        if now - state["t0"] >= seconds:
            state["t1"] = now
            done.set()
            return
        state["seq"] += 1
        proc.request(trial_state(size, state["seq"]))

    proc = RenderProcess(on_image, errors.append, max_fps=1000.0, renderer=kind)
    proc.start()
    proc.request(trial_state(size, 0))
    done.wait(seconds + 120)
    proc.stop()
    n = state["n"]
    wall = state.get("t1", time.perf_counter()) - (state["t0"] or 0)
    return {
        "renderer": kind,
        "size": list(size),
        "frames": n,
        "fps": n / wall if n else 0.0,
        "render_ms_mean": sum(ms) / len(ms) if ms else float("nan"),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, nargs=2, default=(640, 480), metavar=("W", "H"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    rows = []
    for r in range(args.rounds):
        for kind in ("legacy", "filament"):
            row = {"round": r, **run(kind, tuple(args.size), args.seconds)}
            rows.append(row)
            print(
                f"round {r} {kind}: {row['fps']:.1f} fps, {row['render_ms_mean']:.1f} ms a render "
                f"({row['frames']} frames, {args.size[0]}x{args.size[1]}) {row['errors'] or ''}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
