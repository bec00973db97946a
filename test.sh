#!/usr/bin/env bash
# Runs the whole test suite on the CPU; installs what it needs on first use (idempotent).
# Extra arguments go to pytest, e.g. ./test.sh tests/test_skeleton.py -x
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ -f scripts/setup_mmpose.sh ] && [ "${DIFFHPE_SKIP_MMPOSE:-0}" != 1 ]; then
  bash scripts/setup_mmpose.sh
fi
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export MPLBACKEND=Agg
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
