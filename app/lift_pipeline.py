"""The command line's lift pipeline: frames -> 2D detector (its own thread, so it overlaps with the lifting) ->
StreamingLifter, for `diffhpe lift` and `diffhpe bench`."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

FRAME_QUEUE = 32  # detected frames waiting for the lifter


class _End:
    pass


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


@dataclass
class StreamStats:
    """What lift_stream lifted, and what it cost."""

    results: list = field(default_factory=list)  # LiftResult per frame, in frame order
    frames: int = 0
    seen: int = 0  # frames with a detected person
    wall_s: float = 0.0  # end to end: from starting the detector thread to the last result
    lift_s: float = 0.0  # in lifter.push / lifter.flush
    interrupted: bool = False  # a webcam capture ended with Ctrl-C


def _detect_loop(reader, detector, max_frames, out: queue.Queue, stop: threading.Event, preview_height):
    """Reader + detector thread: puts (index, small frame or None, keypoints) then _End (or _Failed)."""
    import cv2

    try:
        for index, frame in reader:
            if stop.is_set() or (max_frames is not None and index >= max_frames):
                break
            kp = detector.detect(frame)
            small = None
            if preview_height:
                h, w = frame.shape[:2]
                small = cv2.resize(
                    frame, (max(2, round(w * preview_height / h)), preview_height), cv2.INTER_AREA
                )
            while not stop.is_set():
                try:
                    out.put((index, small, kp), timeout=0.1)
                    break
                except queue.Full:
                    continue
        out.put(_End())
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread
        out.put(_Failed(exc))


def lift_stream(reader, detector, lifter, max_frames=None, preview=None, progress=None) -> StreamStats:
    """Frames -> detector (its own thread) -> lifter.push, then flush. Ctrl-C ends a webcam capture (what was lifted
    is kept) and aborts a file. `preview`: a PreviewWriter or None; `progress`: a tqdm bar or None."""
    frames: queue.Queue = queue.Queue(maxsize=FRAME_QUEUE)
    stop = threading.Event()
    worker = threading.Thread(
        target=_detect_loop,
        args=(reader, detector, max_frames, frames, stop, preview.height if preview else 0),
        name="diffhpe-detect",
        daemon=True,
    )
    st = StreamStats()
    pending_preview: dict[int, tuple] = {}

    def take(new):
        st.results.extend(new)
        if preview is not None:
            for r in new:
                small, kp = pending_preview.pop(r.frame)
                preview.write(small, kp, r)

    t0 = time.perf_counter()
    worker.start()
    try:
        while True:
            try:
                item = frames.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, _End):
                break
            if isinstance(item, _Failed):
                raise item.exc
            index, small, kp = item
            st.frames += 1
            st.seen += kp is not None
            if preview is not None:
                pending_preview[index] = (small, kp)
            t1 = time.perf_counter()
            new = lifter.push(kp)
            st.lift_s += time.perf_counter() - t1
            take(new)
            if progress is not None:
                progress.update(1)
    except KeyboardInterrupt:
        if not reader.is_webcam:
            raise
        st.interrupted = True  # Ctrl-C is how a webcam capture ends
    finally:
        stop.set()
        worker.join(timeout=5)
    t1 = time.perf_counter()
    take(lifter.flush())
    st.lift_s += time.perf_counter() - t1
    st.wall_s = time.perf_counter() - t0
    return st
