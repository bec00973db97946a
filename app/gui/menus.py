"""The main window's menu bar (File, Playback, View), its actions and their shortcuts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt6.QtGui import QAction, QActionGroup, QKeySequence

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

RENDERER_CHOICES = (
    ("auto", "&Auto (the faster here)"),
    ("legacy", "&OpenGL (Open3D legacy)"),
    ("filament", "&Filament (works without a display)"),
)


@dataclass
class MenuActions:
    """The actions whose state the window changes later."""

    record: QAction  # Playback ▸ Record results (checkable)
    renderers: dict[str, QAction]  # View ▸ 3D renderer: renderer name -> its (exclusive) action


def build_menus(window: MainWindow) -> MenuActions:
    """Fill the window's menu bar with actions that call its methods."""

    def action(menu, text, slot, shortcut=None, checkable=False, checked=False):
        a = QAction(text, window)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        a.setChecked(checked)
        (a.toggled if checkable else a.triggered).connect(slot)
        menu.addAction(a)
        return a

    w = window
    file = w.menuBar().addMenu("&File")
    action(file, "&Open video…", lambda: w.open_video(), "Ctrl+O")
    action(file, "Open &webcam…", lambda: w.open_webcam(), "Ctrl+W")
    file.addSeparator()
    action(file, "&Process whole file", w.process_whole_file, "Ctrl+P")
    action(file, "&Export CSV…", lambda: w.export("csv"), "Ctrl+E")
    action(file, "Export &NPZ…", lambda: w.export("npz"))
    action(file, "Export &BVH (animation)…", lambda: w.export("bvh"))
    action(file, "Export &TRC (OpenSim)…", lambda: w.export("trc"))
    action(file, "Export joint &angles…", lambda: w.export("angles"))
    action(file, "Save 3D &screenshot…", lambda: w.save_screenshot(), "Ctrl+S")
    file.addSeparator()
    action(file, "&Quit", w.close, "Ctrl+Q")

    play = w.menuBar().addMenu("&Playback")
    action(play, "Play / &pause", w.toggle_play, "Space")
    action(play, "&Step one frame", w.step, "Right")
    play.addSeparator()
    record = action(play, "&Record results", w.set_recording, "Ctrl+R", True, True)
    action(play, "&Clear recording", w.clear_recording)

    view = w.menuBar().addMenu("&View")
    action(view, "&Reset 3D view", w.view3d.reset_camera, "Home")
    action(view, "Re&start 3D view", w.restart_3d_view)
    renderers = view.addMenu("3D &renderer")
    group = QActionGroup(w)
    renderer_actions = {}
    for choice, text in RENDERER_CHOICES:
        a = QAction(text, w, checkable=True, checked=choice == w.options.renderer)
        a.triggered.connect(lambda _=False, c=choice: w.set_renderer(c))
        group.addAction(a)
        renderers.addAction(a)
        renderer_actions[choice] = a
    return MenuActions(record=record, renderers=renderer_actions)
