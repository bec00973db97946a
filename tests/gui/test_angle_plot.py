"""The app's live joint-angle plot: the angle picked in its box, from the 3D results it is given."""

from __future__ import annotations

import numpy as np

from lifting.keypoints import LiftResult
from lifting.skeleton import JOINT_INDEX

J = JOINT_INDEX


def result(frame: int, knee_deg: float) -> LiftResult:
    """A standing pose in the camera frame (y down) whose right knee is bent by knee_deg (shank backwards)."""
    x = np.zeros((17, 3))
    down, up, left = (
        np.array([0, 1.0, 0]),
        np.array([0, -1.0, 0]),
        np.array([-1.0, 0, 0]),
    )  # person faces camera
    for side, s in (("left", 1), ("right", -1)):
        x[J[f"{side}_hip"]] = s * 0.12 * left
        x[J[f"{side}_knee"]] = x[J[f"{side}_hip"]] + 0.45 * down
        x[J[f"{side}_ankle"]] = x[J[f"{side}_knee"]] + 0.45 * down
        x[J[f"{side}_shoulder"]] = 0.5 * up + s * 0.15 * left
        x[J[f"{side}_elbow"]] = x[J[f"{side}_shoulder"]] + 0.28 * down
        x[J[f"{side}_wrist"]] = x[J[f"{side}_elbow"]] + 0.25 * down
    a = np.radians(knee_deg)
    x[J["right_ankle"]] = x[J["right_knee"]] + 0.45 * (np.cos(a) * down + np.sin(a) * np.array([0, 0, 1.0]))
    x[J["spine"]], x[J["thorax"]], x[J["neck"]], x[J["head"]] = 0.25 * up, 0.5 * up, 0.62 * up, 0.74 * up
    return LiftResult(frame, x, np.zeros(17), x, np.array([0, 0, 3.0]), True, np.ones(17), True, 0)


def test_plot_shows_the_picked_angle(qtbot):
    from app.gui.angle_plot import AnglePlot

    w = AnglePlot(seconds=1.0)
    qtbot.addWidget(w)
    w.resize(300, 200)
    w.show()
    before = w.canvas.grab().toImage()
    w.add([result(i, 3.0 * i) for i in range(20)], fps=30.0)
    w.set_angle("right_knee_flexion")
    frames, values = w.series()
    assert frames == list(range(20))
    np.testing.assert_allclose(values, 3.0 * np.arange(20), atol=1e-6)
    assert w.value_label.text() == "57°"
    w.set_angle("left_knee_flexion")
    assert np.allclose(w.series()[1], 0.0) and w.value_label.text() == "0°"
    after = w.canvas.grab().toImage()
    assert after != before  # the line was drawn
    # only the last second stays; a frame number going back (a seek) starts over
    w.add([result(i, 10.0) for i in range(20, 60)], fps=30.0)
    assert w.series()[0][0] >= 59 - 30
    w.add([result(5, 10.0)], fps=30.0)
    assert w.series()[0] == [5]
