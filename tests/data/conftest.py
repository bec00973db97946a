"""A tiny Human3.6M in the VideoPose3D npz format, built once per session (see tests/fixtures_h36m.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixtures_h36m import build_h36m_npz


@pytest.fixture(scope="session")
def h36m_files(tmp_path_factory) -> dict[str, Path]:
    return build_h36m_npz(tmp_path_factory.mktemp("h36m"))


@pytest.fixture(scope="session")
def h36m(h36m_files):
    from lifting.data.h36m import load_h36m

    return load_h36m(h36m_files["3d"], h36m_files["cpn"])
