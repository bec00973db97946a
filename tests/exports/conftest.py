"""Fixtures for the export tests."""

from __future__ import annotations

import pytest
from clips import CLIP, DATA


@pytest.fixture(scope="session")
def cmu_clip():
    from lifting.data.bvh_conversion import convert_bvh

    path = DATA / CLIP
    if not path.is_file():
        pytest.fail(f"the shared mocap file {path} is missing (it must sit beside the repository)")
    return convert_bvh(path)
