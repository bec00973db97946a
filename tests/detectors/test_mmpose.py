"""Runs the real mmpose tests (tests/detectors/mmpose_env/) inside .venv-mmpose, from the main environment.

mmpose needs torchvision, which needs another torch than the main venv's, so it lives in its own venv made by
scripts/setup_mmpose.sh (./test.sh runs it first). A missing venv is a failure, not a skip, while the script
exists: the optional extra must keep working.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO / ".venv-mmpose" / "bin" / "python"
SETUP = REPO / "scripts" / "setup_mmpose.sh"
TESTS = Path(__file__).resolve().parent / "mmpose_env"


@pytest.mark.mmpose
@pytest.mark.skipif(
    importlib.util.find_spec("mmpose") is not None, reason="mmpose is here: its tests run directly"
)
def test_mmpose_tests_pass_in_their_venv():
    if not VENV_PYTHON.exists():
        if SETUP.exists():
            pytest.fail(f"{VENV_PYTHON} is missing: run `bash {SETUP.relative_to(REPO)}` (./test.sh does)")
        pytest.skip("no mmpose extra in this checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    cmd = [str(VENV_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs", str(TESTS)]
    proc = subprocess.run(cmd, check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    sys.stdout.write(proc.stdout[-6000:])
    assert proc.returncode == 0, (
        f"mmpose tests failed in .venv-mmpose:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    )
    assert " passed" in proc.stdout and " skipped" not in proc.stdout.splitlines()[-1]
