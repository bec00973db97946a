"""Shared test settings: CPU only, few threads, repository paths."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
TORCH_THREADS = int(os.environ.get("DIFFHPE_TEST_THREADS", "1"))
os.environ.setdefault("OMP_NUM_THREADS", str(TORCH_THREADS))  # for the commands the tests start

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _torch_threads():
    # One torch thread by default: with two, every parallel op waits at a barrier for the slower thread, so
    # any other busy process on a 2-core machine stalls the small training models many times over.
    # DIFFHPE_TEST_THREADS=2 restores two on a quiet machine.
    try:
        import torch

        torch.set_num_threads(TORCH_THREADS)
    except ImportError:
        pass
    yield


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared data folder {SHARED} is missing (it must sit beside the repository)")
    return SHARED
