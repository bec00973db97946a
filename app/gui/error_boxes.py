"""The warning boxes the app's errors open: non-modal, so the app keeps running behind them."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox, QWidget


class ErrorBoxes:
    """The error boxes over `parent` that are still open."""

    def __init__(self, parent: QWidget):
        self._parent = parent
        self._boxes: list[QMessageBox] = []

    def open(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self._parent)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.show()

    def open_boxes(self) -> list[QMessageBox]:
        return list(self._boxes)

    def close_all(self) -> None:
        for box in list(self._boxes):
            box.close()
