#!/usr/bin/env bash
# Takes docs/app_screenshot.png: the app on the bundled sample video, on a virtual X display (Xvfb),
# grabbed as a real window in the middle of the video.
# Usage: scripts/screenshot_app.sh [OUT.png] [--weights CHECKPOINT] [--frame N]   (PYTHON overrides .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with_xvfb.sh "${PYTHON:-.venv/bin/python}" scripts/screenshot_app.py "$@"
