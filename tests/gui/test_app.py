"""The desktop app end to end on the bundled sample video, with the real detector and StreamingLifter."""

from __future__ import annotations

import os
import signal
import threading
import time

import cv2
import numpy as np
import pytest
from PyQt6.QtCore import QMimeData, QPointF, Qt, QThread, QThreadPool, QUrl
from PyQt6.QtGui import QDropEvent, QImage

from app.gui import main_window as main_window_module
from app.gui.scene3d import LEFT_COLOUR, RIGHT_COLOUR
from lifting.export import read_csv, read_metadata
from lifting.stream_defaults import DEFAULT_FIT_2D
from tests.gui.conftest import diffusion_model, wait_for

pytestmark = pytest.mark.gui


def qimage_to_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    return (
        np.frombuffer(image.constBits().asstring(bpl * h), np.uint8)
        .reshape(h, bpl)[:, : 3 * w]
        .reshape(h, w, 3)
    )


def limb_pixels(image: np.ndarray) -> int:
    """Pixels in the left- or right-limb colour: the skeleton, not the grid or the background."""
    n = 0
    for colour in (LEFT_COLOUR, RIGHT_COLOUR):
        target = np.array(colour) * 255
        n += int((np.abs(image.astype(float) - target).max(-1) < 40).sum())
    return n


def test_plays_sample_to_the_end_shows_3d_skeleton_and_exports(make_window, sample_video, tmp_path, qtbot):
    # Real-time playback: frames are dropped when the pipeline is slower than the video's 60 fps.
    w = make_window(video=str(sample_video), realtime=True)
    wait_for(qtbot, lambda: w.finished_count >= 1, 120, "the sample video to play to its end")
    assert not w.errors, w.errors
    assert 0 < w.capture.processed <= 100 and w.capture.processed + w.capture.skipped == 100
    assert w.lift.spec.options["steps"] == 1 and w.controls.steps.value() == 1  # the app's real-time default

    # 2D: frames were shown with a skeleton on the person.
    assert w.frames_shown > 0
    assert w.video_view.packet is not None and w.video_view.packet.keypoints is not None
    assert not w.banner.isVisible()

    # 3D: the newest pose gets drawn, and the image holds a skeleton in the limb colours.
    wait_for(
        qtbot,
        lambda: w.view3d.shown_seq == w.view3d.pose_seq and w.view3d.pose_seq > 0,
        60,
        "the last pose drawn",
    )
    image = qimage_to_array(w.view3d.image())
    background = image[0, 0].astype(int)
    assert (np.abs(image.astype(int) - background).sum(-1) > 30).sum() > 500
    assert limb_pixels(image) > 50

    # Export: one CSV row per frame that went through detector and lifter.
    lifted = w.lift.lifted
    assert lifted == w.capture.processed - w.session.queue.dropped == len(w.lift.recorded())
    out = tmp_path / "played.csv"
    assert w.export("csv", out) == out
    table = read_csv(out)  # the schema of `diffhpe lift`, checked by its reader
    assert len(table["frame"]) == lifted
    meta = read_metadata(out)  # and its metadata beside it, as `diffhpe lift` writes it
    assert meta["frames"] == lifted and meta["source"] == w.source.name and meta["detector"] == "mediapipe"
    assert meta["model"] == w.lift.spec.model and meta["settings"] == {
        "kind": w.lift.lifter.kind,
        **w.lift.lifter.options(),
    }
    # atomic: no temporary file left
    assert not [p.name for p in tmp_path.iterdir() if p.name not in ("played.csv", "played.json")]

    png = w.save_screenshot(tmp_path / "view3d.png")
    assert png is not None and QImage(str(png)).width() == w.view3d.image().width()

    # Process the whole file: every frame, then the save dialog opens by itself.
    whole = tmp_path / "whole.csv"
    w.ask_save_path = lambda *a: str(whole)
    w.process_whole_file()
    wait_for(
        qtbot, lambda: w.finished_count >= 2 and whole.is_file(), 150, "the whole file processed and exported"
    )
    table = read_csv(whole)
    assert list(table["frame"]) == list(range(100)) and w.capture.processed >= 100
    assert np.isfinite(table["positions"][:, :, 2]).mean() > 0.5  # depth filled for most frames
    assert w.controls.realtime.isChecked()  # real-time playback is back on afterwards
    npz = w.export("npz", tmp_path / "whole.npz")
    assert npz is not None and np.load(npz)["positions"].shape == (100, 17, 3)
    # BVH / TRC / joint angles from the File menu's export, and the live angle plot got the poses
    from lifting.data.bvh_reader import read_bvh

    assert read_bvh(w.export("bvh", tmp_path / "whole.bvh")).num_frames == 100
    assert (tmp_path / "whole.trc") == w.export("trc", tmp_path / "whole.trc")
    assert w.export("angles", tmp_path / "angles.csv") is not None and (tmp_path / "angles.png").is_file()
    assert len(w.angle_plot.series()[0]) > 10


def test_changing_k_h_and_mode_while_playing_applies_without_restart(make_window, sample_video, qtbot):
    w = make_window(
        video=str(sample_video), realtime=False, lift_options={"mode": "centred"}, model=diffusion_model()
    )
    wait_for(qtbot, lambda: w.poses_shown >= 3, 120, "the first 3D poses")
    lift, lifter, capture = w.lift, w.lift.lifter, w.capture
    assert lift.latency_frames >= 13  # centred: a frame waits for half a window of future frames
    lifted_before = lift.lifted

    w.controls.steps.setValue(3)
    w.controls.hypotheses.setValue(3)
    w.controls.mode.setCurrentText("causal")
    assert not w.controls.flip.isChecked()
    w.controls.flip.setChecked(True)
    assert w.controls.joints.currentData() == "landmarks"  # the lifter's default, shown in the panel
    w.controls.joints.setCurrentIndex(w.controls.joints.findData("centres"))
    assert w.controls.fit_2d.value() == pytest.approx(DEFAULT_FIT_2D)  # the lifter's default, shown
    w.controls.fit_2d.setValue(0.6)
    assert w.controls.steady_bones.isChecked()  # the lifter's default, shown
    w.controls.steady_bones.setChecked(False)
    if w.finished_count:  # the file ended meanwhile: keep playing from the start
        w.play()
    wait_for(
        qtbot,
        lambda: lift.spec.options.get("mode") == "causal" and lift.lifted > lifted_before + 3,
        120,
        "poses lifted with the new options",
    )
    wait_for(qtbot, lambda: lift.latency_frames < 13, 60, "causal results (no look-ahead)")
    assert lift.lifter is lifter and w.capture is capture and lift.is_alive()  # no restart
    assert lift.spec.options["steps"] == 3 and lift.spec.options["hypotheses"] == 3
    assert (lifter.steps, lifter.hypotheses, lifter.mode) == (3, 3, "causal") and lifter.uses_diffusion
    assert lift.spec.options["flip"] is True and lifter.flip
    assert lift.spec.options["joints"] == "centres" and lifter.joints == "centres"
    assert lift.spec.options["fit_2d"] == pytest.approx(0.6) and lifter.fit_2d == pytest.approx(0.6)
    assert lift.spec.options["steady_bones"] is False and lifter.steady_bones is False
    assert w.controls.steps.isEnabled() and w.controls.hypotheses.isEnabled()
    assert not w.errors, w.errors


def test_closing_mid_play_stops_every_thread_and_releases_the_source(
    make_window, sample_video, qtbot, thread_baseline
):
    w = make_window(video=str(sample_video), realtime=False)
    wait_for(qtbot, lambda: w.poses_shown >= 2, 120, "playback to start")
    assert w.finished_count == 0 and w.playing
    capture, lift, renderer, source = w.capture, w.lift, w.view3d.renderer, w.source
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 15
    assert not capture.is_alive() and not lift.is_alive() and not renderer.is_alive()
    assert not source._cap.isOpened()  # the file (or webcam) is released
    leftover = [t.name for t in threading.enumerate() if t.ident not in thread_baseline]
    assert leftover == []
    assert all(not t.isRunning() for t in w.findChildren(QThread))
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def test_errors_show_a_dialog_and_the_window_stays_usable(
    make_window, sample_video, tmp_path, qtbot, monkeypatch
):
    w = make_window()
    wait_for(qtbot, lambda: w.lift.lifter is not None, 60, "the model to load")
    model_before = w.lift.spec.model

    def last_error():
        title, text = w.errors[-1]
        boxes = w.error_boxes()
        assert boxes and boxes[-1].isVisible() and boxes[-1].text() == text
        return title, text

    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    assert not w.open_video(broken)
    title, text = last_error()
    assert title == "Cannot open video" and "broken.mp4" in text

    assert not w.open_video(tmp_path / "missing.mp4")
    assert "not found" in last_error()[1]

    monkeypatch.setattr(main_window_module, "probe_webcams", list)  # as on a machine without one
    assert not w.open_webcam()
    assert last_error()[0] == "No webcam"

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    n = len(w.errors)
    w.set_model(str(bad))
    wait_for(qtbot, lambda: len(w.errors) > n, 30, "the checkpoint error")
    title, text = last_error()
    assert title == "Model failed to load" and "bad.safetensors" in text
    assert w.lift.lifter is not None and w.lift.spec.model == model_before  # the old model keeps running

    # Still usable: a video dropped on the window opens and plays; an unwritable export path is an error too.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sample_video))])
    drop = QDropEvent(
        QPointF(100, 100),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(drop)
    assert w.source is not None and w.source.name == sample_video.name
    wait_for(qtbot, lambda: len(w.lift.recorded()) >= 1, 120, "3D poses after the errors")
    w.pause()
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert w.export("csv", blocker / "out.csv") is None
    title, text = last_error()
    assert title == "Export failed" and "out.csv" in text
    assert w.export("csv", tmp_path / "ok.csv") is not None

    for box in w.error_boxes():
        box.close()
    assert w.isVisible() and w.lift.is_alive() and w.capture.is_alive()


def test_no_person_is_a_banner_not_a_dialog(make_window, tmp_path, qtbot):
    path = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (320, 240))
    for _ in range(12):
        writer.write(np.full((240, 320, 3), 90, np.uint8))
    writer.release()
    w = make_window(video=str(path), realtime=False)
    wait_for(qtbot, lambda: w.finished_count >= 1, 60, "the empty video to end")
    assert w.banner.isVisible() and "No person" in w.banner.text()
    assert not w.errors and not w.error_boxes()


def test_a_crashed_renderer_is_an_error_and_can_be_restarted(make_window, qtbot):
    """Open3D runs in its own process: if it dies (Open3D 0.20 segfaults on some inputs), the app reports it
    and keeps running, and View > Restart 3D view brings the 3D view back."""
    w = make_window()
    wait_for(qtbot, lambda: w.view3d.frames_rendered >= 1, 60, "the first 3D image")
    os.kill(w.view3d.renderer.pid, signal.SIGKILL)
    wait_for(qtbot, lambda: bool(w.errors), 30, "the renderer error")
    title, text = w.errors[-1]
    assert title == "3D view unavailable" and "ended unexpectedly" in text
    assert w.isVisible() and w.lift.is_alive()

    w.restart_3d_view()
    w.view3d.reset_camera()  # asks for a new image
    wait_for(qtbot, lambda: w.view3d.frames_rendered >= 1, 60, "an image from the restarted renderer")
    assert w.view3d.message == ""
