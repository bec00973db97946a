"""The bar under the video: the slider and label follow the frame shown, and seeking asks for a frame."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def bar(qtbot):
    from app.gui.playback_bar import PlaybackBar

    b = PlaybackBar()
    qtbot.addWidget(b)
    return b


def test_a_file_can_seek_and_step_and_the_label_shows_frame_and_time(bar, qtbot):
    assert bar.position_label.text() == "–" and not bar.slider.isEnabled()
    bar.set_source(fps=30.0, frame_count=100, is_file=True)
    assert bar.slider.isEnabled() and bar.step_button.isEnabled() and bar.slider.maximum() == 99
    bar.show_frame(75)
    assert bar.slider.value() == 75 and bar.position_label.text() == "frame 76 / 100   0:02.50"
    with qtbot.waitSignal(bar.seekRequested) as sought:
        bar.slider.setValue(40)
        bar.slider.sliderReleased.emit()
    assert sought.args == [40]


def test_a_webcam_cannot_seek_or_step(bar):
    bar.set_source(fps=25.0, frame_count=0, is_file=False)
    assert not bar.slider.isEnabled() and not bar.step_button.isEnabled()
    bar.show_frame(1500)
    assert bar.position_label.text() == "frame 1501   1:00.00"
