"""Fixtures for the app tests: the real detector and StreamingLifter on the bundled sample video, headless
Qt (offscreen) and Open3D's software renderer."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "sample.mp4"


def test_model() -> str:
    """The shipped checkpoint when there is one, else an untrained model of the paper's size."""
    from app.gui.lifter_factory import preferred_checkpoint

    return preferred_checkpoint() or "random:paper"


test_model.__test__ = False  # not a test


def diffusion_model() -> str:
    """A model that samples hypotheses (k and H matter): the shipped default if it is one, else an untrained
    DiffHPE-Wrapper of the paper's size."""
    from lifting.weights import read_checkpoint

    model = test_model()
    if not model.startswith("random:") and read_checkpoint(model)[1]["kind"] in ("wrapper", "diffhpe2d"):
        return model
    return "random:paper"


@pytest.fixture
def sample_video() -> Path:
    assert SAMPLE.is_file(), f"the bundled sample video {SAMPLE} is missing"
    return SAMPLE


@pytest.fixture
def make_window(qtbot):
    """make_window(**AppOptions fields) -> a shown MainWindow; shut down (threads joined) after the test."""
    import torch

    from app.gui.app_options import AppOptions
    from app.gui.main_window import MainWindow

    made = []
    threads = torch.get_num_threads()  # the app sets its own count; other tests keep theirs

    def make(**kw):
        kw.setdefault("model", test_model())
        kw.setdefault("device", "cpu")
        w = MainWindow(AppOptions(**kw))
        qtbot.addWidget(w)
        w.resize(1280, 720)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.shutdown()
    torch.set_num_threads(threads)


@pytest.fixture
def thread_baseline():
    """Names of the Python threads that existed before the test (pytest's own, Qt's, ...)."""
    return {t.ident for t in threading.enumerate()}


def wait_for(qtbot, condition, timeout_s: float, what: str) -> None:
    try:
        qtbot.waitUntil(condition, timeout=int(timeout_s * 1000))
    except AssertionError:
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for: {what}") from None
