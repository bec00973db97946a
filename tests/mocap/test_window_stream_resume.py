"""A resumed run takes the training windows' random stream over from its checkpoint
(lifting/train/synthetic_batches.py): the batches it skips come back empty, and the next one is the batch an
uninterrupted run would have drawn."""

import logging
from types import SimpleNamespace

import pytest
import torch

from lifting.data.synthetic import SyntheticWindows
from lifting.train.synthetic_batches import SyntheticBatches, WindowStreamHook


@pytest.fixture(scope="module")
def clips(clip_dir):
    from lifting.data.mocap_clips import load_clips

    return [c.positions for c in load_clips(clip_dir)]


def _stream(clips):
    batches = SyntheticBatches(SyntheticWindows(clips, seed=11), batch_size=4)
    return batches, WindowStreamHook(batches)


def _runner(update: int) -> SimpleNamespace:
    """What the hook reads of mmengine's runner when the loop starts: the update it starts at, and the logger."""
    return SimpleNamespace(iter=update, logger=logging.getLogger("test_window_stream"))


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a if torch.is_tensor(a[k]))


def test_resume_continues_the_stream_without_remaking_the_skipped_batches(clips):
    run, hook = _stream(clips)
    drawn = [run[i] for i in range(3)]
    checkpoint = {"meta": {"iter": 3}}
    hook.before_save_checkpoint(None, checkpoint)
    after = [run[3], run[4]]  # what the uninterrupted run trains on next

    resumed, hook2 = _stream(clips)
    hook2.after_load_checkpoint(None, checkpoint)
    hook2.before_train_epoch(_runner(3))  # mmengine's loop then skips 3 batches
    assert [resumed[i] for i in range(3)] == [{}, {}, {}]
    nxt = [resumed[3], resumed[4]]
    assert all(_same(a, b) for a, b in zip(nxt, after))
    assert not _same(nxt[0], drawn[0])  # not the stream restarted from the seed


def test_loading_weights_without_resuming_keeps_the_seeded_stream(clips):
    run, hook = _stream(clips)
    first = run[0]
    checkpoint = {"meta": {"iter": 3}}
    hook.before_save_checkpoint(None, checkpoint)

    fresh, hook2 = _stream(clips)
    hook2.after_load_checkpoint(None, checkpoint)
    hook2.before_train_epoch(_runner(0))  # load_from: the run starts at update 0
    assert _same(fresh[0], first)


def test_an_older_checkpoint_without_the_state_leaves_the_skipped_batches_to_be_made(clips):
    fresh, hook = _stream(clips)
    hook.after_load_checkpoint(None, {"meta": {"iter": 2}})
    hook.before_train_epoch(_runner(2))
    assert fresh.skip == 0 and "x2d" in fresh[0]
