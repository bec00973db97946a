import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixtures_h36m import build_h36m_npz


@pytest.fixture(scope="session")
def h36m_files(tmp_path_factory) -> dict[str, Path]:
    return build_h36m_npz(tmp_path_factory.mktemp("h36m_train"))


def write_config(folder: Path, kind: str, **extra) -> Path:
    """A small training config (tiny profile) in the same format as the bundled ones."""
    lines = [
        f'name = "test_{kind}"',
        f'model = dict(kind="{kind}", profile="tiny")',
        "batch_size = 16",
        "lr = 1e-3",
        "weight_decay = 1e-6",
        "epochs = 8",
        "plateau = dict(factor=0.5, patience=50)",
        "val_interval = 4",
        "log_interval = 1000",
        "flip = True",
        'occlusion = "none"',
        'val_sampling = dict(sampler="ddim", steps=2, hypotheses=1)',
    ] + [f"{k} = {v!r}" for k, v in extra.items()]
    path = folder / f"test_{kind}.py"
    path.write_text("\n".join(lines) + "\n")
    return path
