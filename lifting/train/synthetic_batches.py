"""A map-style dataset whose every item is a whole training batch from `SyntheticWindows`, made on the
training device: the DataLoader takes one item at a time and passes it through as it is (no collation, no
worker processes)."""

from __future__ import annotations

from torch.utils.data import DataLoader, Dataset

from lifting.data.synthetic import SyntheticWindows


class SyntheticBatches(Dataset):
    def __init__(self, windows: SyntheticWindows, batch_size: int, batches_per_epoch: int = 1000):
        self.windows, self.batch_size, self.batches = windows, int(batch_size), int(batches_per_epoch)

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, item: int) -> dict:
        return self.windows.batch(self.batch_size)


def _first(items: list[dict]) -> dict:
    return items[0]


def synthetic_loader(windows: SyntheticWindows, batch_size: int) -> DataLoader:
    return DataLoader(
        SyntheticBatches(windows, batch_size), batch_size=1, shuffle=False, num_workers=0, collate_fn=_first
    )
