#!/usr/bin/env bash
# The main job: opens the app on the bundled sample video with the shipped weights
# (or, with no display, lifts the sample video to sample_3d.csv). Installs what it needs on first use.
# Any arguments are passed to `diffhpe` instead, e.g. ./run.sh lift my.mp4 -o my.csv
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ $# -gt 0 ]; then exec .venv/bin/diffhpe "$@"; fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/diffhpe app assets/sample.mp4
fi
echo "No display found: lifting the sample video to sample_3d.csv instead (set DISPLAY to open the app)."
exec .venv/bin/diffhpe lift assets/sample.mp4 -o sample_3d.csv
