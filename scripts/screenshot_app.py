"""Helper of screenshot_app.sh: opens the app on the sample video, lets it play in real time (or, with
--every-frame, lift every frame) to the given frame (in real time on its second pass), pauses, waits until the 3D view shows the pose of the frame on screen, and grabs the window from the X
screen."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MID_FRAME = 50
TIMEOUT_S = 300


def main() -> int:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from app.gui.app_options import AppOptions
    from app.gui.main_window import MainWindow

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", default=str(REPO / "docs" / "app_screenshot.png"))
    parser.add_argument("--weights", help="checkpoint (default: the shipped one, as the app chooses)")
    parser.add_argument("--frame", type=int, default=MID_FRAME, help="grab once this frame is shown")
    parser.add_argument(
        "--every-frame", action="store_true", help="lift every frame (not real time) on the way there"
    )
    args = parser.parse_args()
    out = Path(args.out)
    app = QApplication(sys.argv[:1])
    options = AppOptions(
        video=str(REPO / "assets" / "sample.mp4"),
        model=args.weights,
        realtime=not args.every_frame,
        device="cpu",
    )
    window = MainWindow(options)
    window.setGeometry(0, 0, 1600, 870)
    window.show()
    t0 = time.perf_counter()
    state = {"rc": 1, "paused_at": None}

    def poll() -> None:
        shown = window.video_view.packet
        view = window.view3d
        last = view.last_result
        warming_up = not args.every_frame and not state.get("replayed")
        if warming_up and window.finished_count >= 1 and not window.playing:
            # in real time the first pass warms up (first detection, display delay); grab on the second
            window.play()
            state["replayed"] = time.perf_counter()
        elif state["paused_at"] is None and not warming_up:
            if window.capture is not None and window.capture.source.position >= args.frame:
                window.pause()
                state["paused_at"] = time.perf_counter()
        elif (
            state["paused_at"] is not None
            and time.perf_counter() - state["paused_at"] > 0.3  # the status bar still shows the playing rates
            and not window.display_sync.pending  # every pending pose shown ...
            and last is not None
            and last.frame == window.video_view.packet.index  # ... the video on the frame of the 3D pose ...
            and view.shown_seq == view.pose_seq  # ... and drawn
        ):
            screen = window.screen()
            g = window.frameGeometry()
            shot = screen.grabWindow(0, g.x(), g.y(), g.width(), g.height())
            out.parent.mkdir(parents=True, exist_ok=True)
            if shot.save(str(out), "PNG"):
                print(
                    f"saved {out} ({shot.width()}x{shot.height()}), frame {shown.index}; "
                    f"{window.stats_label.text()}"
                )
                state["rc"] = 0
            window.close()
            app.quit()
            return
        if time.perf_counter() - t0 > TIMEOUT_S:
            print(f"timed out; errors: {window.errors}", file=sys.stderr)
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    app.exec()
    window.shutdown()
    return state["rc"]


if __name__ == "__main__":
    sys.exit(main())
