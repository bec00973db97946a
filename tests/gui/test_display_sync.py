"""The app's display timing, without Qt or threads: which video frames and 3D results each UI tick shows."""

from __future__ import annotations

import numpy as np
import pytest

from app.gui.display_sync import SYNC_GIVE_UP_S, DisplayDelay, DisplaySync
from app.gui.frame_queues import FramePacket, LiftOutput

T0 = 100.0  # a perf_counter time well after the app started


def frame(index: int, captured_at: float, stepped: bool = False) -> FramePacket:
    return FramePacket(
        index=index,
        time_s=index / 4,
        image=np.zeros((2, 2, 3), np.uint8),
        scale=1.0,
        keypoints=None,
        detect_ms=0.0,
        captured_at=captured_at,
        stepped=stepped,
    )


def output(packet: FramePacket) -> LiftOutput:
    return LiftOutput(result=f"pose {packet.index}", packet=packet, latency_ms=0.0)


def tick(sync: DisplaySync, now: float, packet=None, outputs=(), *, synced=False, playing=True, shown=None):
    """One UI tick; returns (indices of the frames shown, indices of the poses due)."""
    u = sync.update(now, packet, list(outputs), sync=synced, playing=playing, shown=shown)
    return [p.index for p in u.frames], [o.packet.index for o in u.poses]


def test_delay_is_the_worst_latency_of_the_last_seconds():
    d = DisplayDelay(window_s=3.0)
    assert d.value(0.0) == 0.0
    d.add(0.0, 0.2)
    d.add(1.0, 0.5)
    d.add(2.0, 0.1)
    assert d.value(2.0) == 0.5
    assert d.value(3.5) == 0.5  # the sample at 0 s has left the window, the one at 1 s has not
    assert d.value(4.5) == 0.1
    assert d.value(10.0) == 0.0  # no recent results: no delay


def test_without_sync_each_new_frame_is_shown_at_once():
    s = DisplaySync()
    assert tick(s, T0, frame(0, T0)) == ([0], [])
    assert tick(s, T0 + 0.25, frame(1, T0 + 0.25), shown=frame(0, T0)) == ([1], [])
    assert tick(s, T0 + 0.5) == ([], [])  # nothing new


def test_a_burst_of_results_is_released_at_the_pace_the_frames_came_in():
    # The lifter emits a window's frames together: three frames captured 0.25 s apart arrive at once, 1 s
    # after the first was captured. Each is shown 1 s (the worst latency) after its capture.
    s = DisplaySync()
    f = [frame(i, T0 + 0.25 * i) for i in range(3)]
    assert tick(s, T0 + 1.0, outputs=[output(p) for p in f]) == ([], [0])
    assert s.pending == 2 and s.delay_s(T0 + 1.0) == pytest.approx(1.0)
    assert tick(s, T0 + 1.2) == ([], [])  # frame 1 is due at 1.25 s
    assert tick(s, T0 + 1.25) == ([], [1])
    assert tick(s, T0 + 1.6) == ([], [2])
    assert s.pending == 0


def test_sync_holds_a_playing_frame_until_its_pose_is_due():
    s = DisplaySync()
    f0, f1 = frame(0, T0 - 0.3), frame(1, T0)
    assert tick(s, T0, f1, [output(f0)], synced=True) == ([0], [0])  # poses are coming (delay 0.3 s)
    assert tick(s, T0 + 0.1, synced=True, shown=f0) == ([], [])  # frame 1 held: its pose isn't there yet
    # its pose arrives 0.3 s after its capture: due at once, shown with its frame
    assert tick(s, T0 + 0.3, outputs=[output(f1)], synced=True, shown=f0) == ([1], [1])


def test_sync_shows_a_stepped_or_seeked_frame_at_once():
    s = DisplaySync()
    assert tick(s, T0, frame(7, T0, stepped=True), synced=True, playing=False) == ([7], [])


def test_sync_shows_the_held_frame_when_poses_stop_coming():
    s = DisplaySync()
    f = [frame(i, T0 + 0.25 * i) for i in range(3)]
    tick(s, T0, f[0], synced=True)
    assert tick(s, T0 + 0.1, outputs=[output(f[0])], synced=True) == ([0], [0])  # last pose at +0.1 s
    shown = f[0]
    assert tick(s, T0 + 0.5, f[2], synced=True, shown=shown) == ([], [])  # frame 1 was dropped; 2 held
    # still waiting for its pose until the give-up time (1 s, or twice the delay) has passed
    assert tick(s, T0 + 0.1 + SYNC_GIVE_UP_S - 0.01, synced=True, shown=shown) == ([], [])
    assert tick(s, T0 + 0.1 + SYNC_GIVE_UP_S + 0.01, synced=True, shown=shown) == ([2], [])
    # once shown, the frame is no longer held
    assert tick(s, T0 + 5.0, synced=True, shown=f[2]) == ([], [])


def test_sync_waits_twice_the_delay_when_that_is_longer_than_the_give_up_time():
    s = DisplaySync()
    f0, f1 = frame(0, T0), frame(1, T0 + 0.25)
    tick(s, T0, f0, synced=True)
    assert tick(s, T0 + 0.8, outputs=[output(f0)], synced=True) == ([0], [0])  # delay 0.8 s: wait 1.6 s
    tick(s, T0 + 0.9, f1, synced=True, shown=f0)
    assert tick(s, T0 + 0.8 + 1.5, synced=True, shown=f0) == ([], [])
    assert tick(s, T0 + 0.8 + 1.7, synced=True, shown=f0) == ([1], [])


def test_sync_does_not_give_up_while_paused():
    s = DisplaySync()
    tick(s, T0, frame(0, T0), synced=True, playing=False)
    assert tick(s, T0 + 10.0, synced=True, playing=False) == ([], [])


def test_no_pose_ever_still_plays_the_video():
    # In sync mode before the first pose (a model still loading): the frames are not held back for good.
    s = DisplaySync()
    assert tick(s, T0, frame(0, T0), synced=True) == ([0], [])


def test_turning_sync_off_shows_the_held_frame():
    s = DisplaySync()
    f0 = frame(0, T0)
    tick(s, T0, f0, synced=True, playing=False)
    assert tick(s, T0 + 0.01, synced=False) == ([0], [])


def test_a_held_frame_older_than_the_one_on_screen_is_not_shown():
    s = DisplaySync()
    tick(s, T0, frame(3, T0), synced=True, playing=False)
    assert tick(s, T0 + 0.01, synced=False, shown=frame(5, T0)) == ([], [])


def test_a_pose_moves_the_video_to_its_frame_across_dropped_frames():
    s = DisplaySync()
    f0, f5 = frame(0, T0), frame(5, T0 + 0.5)
    tick(s, T0 + 0.5, f5, synced=True, shown=f0)  # frames 1-4 were dropped by the capture thread
    assert tick(s, T0 + 0.6, outputs=[output(f5)], synced=True, shown=f0) == ([5], [5])


def test_a_late_pose_moves_the_video_back_only_while_playing():
    f4, f10 = frame(4, T0), frame(10, T0 + 1.5)
    paused = DisplaySync()
    assert tick(paused, T0 + 2.0, outputs=[output(f4)], synced=True, playing=False, shown=f10) == ([], [4])
    playing = DisplaySync()
    assert tick(playing, T0 + 2.0, outputs=[output(f4)], synced=True, shown=f10) == ([4], [4])


def test_end_of_stream_the_flushed_results_play_out_and_the_video_follows():
    # At the end of a file the capture thread stops playing and the lifter flushes its last frames at once.
    s = DisplaySync()
    f = [frame(i, T0 + 0.25 * i) for i in range(4)]
    for p in f:
        tick(s, p.captured_at, p, synced=True)
    assert tick(s, T0 + 1.0, outputs=[output(f[0])], synced=True) == ([0], [0])  # delay 1 s
    flushed = [output(p) for p in f[1:]]
    assert tick(s, T0 + 1.1, outputs=flushed, synced=True, playing=False, shown=f[0]) == ([], [])
    assert tick(s, T0 + 1.25, synced=True, playing=False, shown=f[0]) == ([1], [1])
    assert tick(s, T0 + 1.5, synced=True, playing=False, shown=f[1]) == ([2], [2])
    assert tick(s, T0 + 1.75, synced=True, playing=False, shown=f[2]) == ([3], [3])
    assert s.pending == 0
    assert tick(s, T0 + 10.0, synced=True, playing=False, shown=f[3]) == ([], [])
    assert s.delay_s(T0 + 10.0) == 0.0


def test_a_new_source_drops_what_is_pending_and_held():
    s = DisplaySync()
    f0, f1 = frame(0, T0), frame(1, T0 + 0.25)
    tick(s, T0 + 1.0, outputs=[output(f0), output(f1)])  # frame 1 pending until 1.25 s
    tick(s, T0 + 1.0, frame(2, T0 + 1.0), synced=True, playing=False)  # held
    s.reset()
    assert s.pending == 0
    assert tick(s, T0 + 5.0, synced=False) == ([], [])


def test_a_seek_drops_what_is_pending_but_keeps_the_held_frame():
    s = DisplaySync()
    f0, f1 = frame(0, T0), frame(1, T0 + 0.25)
    tick(s, T0 + 1.0, outputs=[output(f0), output(f1)])
    tick(s, T0 + 1.0, frame(2, T0 + 1.0), synced=True, playing=False)
    s.clear_pending()
    assert s.pending == 0
    assert tick(s, T0 + 1.3, synced=False) == ([2], [])


def test_at_most_max_pending_results_wait_the_oldest_are_dropped():
    s = DisplaySync(max_pending=2)
    f = [frame(i, T0 + 0.25 * i) for i in range(3)]
    assert tick(s, T0 + 1.0, outputs=[output(p) for p in f]) == ([], [])  # frame 0 dropped, not shown
    assert s.pending == 2
    assert tick(s, T0 + 2.0) == ([], [1, 2])
