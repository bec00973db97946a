"""Start the Qt application with one main window; Ctrl-C in the terminal closes it cleanly."""

from __future__ import annotations

import signal
import sys

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from app.gui.app_options import AppOptions
from app.gui.main_window import MainWindow


def run_app(options: AppOptions, argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("DiffHPE")
    window = MainWindow(options)
    window.show()
    # Ctrl-C in the terminal closes the window cleanly (Python only sees signals between Qt events).
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(200)
    try:
        rc = app.exec()
    finally:
        window.shutdown()
        signal.signal(signal.SIGINT, previous)
    return rc
