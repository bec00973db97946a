"""Helper of screenshot_app.sh: opens the app on the sample video, lets it play every frame to the middle,
pauses when the 3D view shows the pose of the frame on screen, and grabs the window from the X screen."""

from __future__ import annotations

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

    from app.gui.main_window import AppOptions, MainWindow

    out = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "docs" / "app_screenshot.png")
    app = QApplication(sys.argv[:1])
    window = MainWindow(AppOptions(video=str(REPO / "assets" / "sample.mp4"), realtime=False, device="cpu"))
    window.setGeometry(0, 0, 1600, 870)
    window.show()
    t0 = time.perf_counter()
    state = {"rc": 1, "paused_at": None}

    def poll() -> None:
        shown = window.video_view.packet
        view = window.view3d
        last = view.last_result
        if state["paused_at"] is None:
            # Mid-video, with the 3D image drawn for the very frame the video pane shows.
            if (
                shown is not None
                and shown.index >= MID_FRAME
                and last is not None
                and last.frame == shown.index
                and view.shown_seq == view.pose_seq
            ):
                window.pause()
                state["paused_at"] = time.perf_counter()
        elif time.perf_counter() - state["paused_at"] > 1.0:  # let the status bar and the last render settle
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
