"""A map-style dataset whose every item is a whole training batch from `SyntheticWindows`, made on the
training device: the DataLoader takes one item at a time and passes it through as it is (no collation, no
worker processes). `WindowStreamHook` keeps the windows' random stream in the training checkpoints, so a
resumed run goes on with the batches an uninterrupted run would have drawn, without remaking the ones before."""

from __future__ import annotations

from mmengine.hooks import Hook
from torch.utils.data import DataLoader, Dataset

from lifting.data.synthetic import SyntheticWindows

STATE_KEY = "window_generator_state"


class SyntheticBatches(Dataset):
    def __init__(self, windows: SyntheticWindows, batch_size: int, batches_per_epoch: int = 1000):
        self.windows, self.batch_size, self.batches = windows, int(batch_size), int(batches_per_epoch)
        self.skip = 0  # items to hand out empty: batches a resumed run already trained on

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, item: int) -> dict:
        if self.skip > 0:
            self.skip -= 1
            return {}
        return self.windows.batch(self.batch_size)


class WindowStreamHook(Hook):
    """Saves the window generator's state with each training checkpoint and restores it on resume. mmengine's
    iteration loop then draws the `iter` batches it skips; those come back empty instead of being made again
    (at batch 128 with every augmentation, 200 of them took ~5 minutes on a 2-core CPU)."""

    def __init__(self, batches: SyntheticBatches):
        self.batches = batches
        self._state = None  # the generator state of the checkpoint loaded, if it has one

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault("meta", {})[STATE_KEY] = self.batches.windows.generator.get_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._state = checkpoint.get("meta", {}).get(STATE_KEY)

    def before_train_epoch(self, runner) -> None:
        # Just before the loop skips runner.iter batches: only a resumed run (iter > 0) takes the stream over;
        # an older checkpoint without the state leaves the loop to remake the skipped batches from the seed.
        if self._state is None or runner.iter == 0:
            return
        self.batches.windows.generator.set_state(self._state)
        self.batches.skip = runner.iter
        self._state = None
        runner.logger.info(f"training windows: the stream goes on from update {runner.iter} (skipped, not remade)")


def _first(items: list[dict]) -> dict:
    return items[0]


def synthetic_loader(windows: SyntheticWindows, batch_size: int) -> DataLoader:
    return DataLoader(
        SyntheticBatches(windows, batch_size), batch_size=1, shuffle=False, num_workers=0, collate_fn=_first
    )
