"""Shared fixtures for the motion capture tests: one small real BVH file per flavour from ../shared/data,
converted once per session, and a small folder of converted clips (train and held-out subjects)."""

from pathlib import Path

import pytest
from mocap_files import DATA, DATASET_FILES, FLAVOUR_FILES


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"the shared data folder {DATA} is missing (it must sit beside the repository)")
    return DATA


@pytest.fixture(scope="session")
def converted(data_dir):
    from lifting.data.bvh_conversion import convert_bvh

    return {name: convert_bvh(data_dir / rel) for name, rel in FLAVOUR_FILES.items()}


@pytest.fixture(scope="session")
def clip_dir(data_dir, tmp_path_factory) -> Path:
    """A folder of converted clips of five subjects (two of them held out)."""
    from lifting.data.mocap_folder import convert_folder

    src = tmp_path_factory.mktemp("bvh")
    for rel in DATASET_FILES:
        (src / Path(rel).name).symlink_to(data_dir / rel)
    dst = tmp_path_factory.mktemp("clips")
    report = convert_folder(src, dst, log=None)
    assert len(report.converted) == len(DATASET_FILES), report.skipped
    return dst
