#!/usr/bin/env bash
# Takes docs/app_screenshot.png: the app on the bundled sample video, on a virtual X display (Xvfb),
# grabbed as a real window in the middle of the video.
# Usage: scripts/screenshot_app.sh [OUT.png] [--weights CHECKPOINT] [--frame N]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Xvfb >/dev/null || { echo "Xvfb is missing: run scripts/setup.sh (apt package xvfb)" >&2; exit 1; }

# The first free display from :99 on (another Xvfb may hold :99).
n=99
while [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ]; do n=$((n + 1)); done
Xvfb ":${n}" -screen 0 1600x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${n}" ] && break; sleep 0.1; done

DISPLAY=":${n}" QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshot_app.py "$@"
