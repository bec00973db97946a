#!/usr/bin/env bash
# Runs a command on a private virtual X display (Xvfb, software OpenGL), e.g.
#   scripts/with_xvfb.sh .venv/bin/python scripts/app_rates.py assets/sample.mp4
set -euo pipefail
command -v Xvfb >/dev/null || { echo "Xvfb is missing: run scripts/setup.sh (apt package xvfb)" >&2; exit 1; }
n=99  # the first free display from :99 on (another Xvfb may hold :99)
while [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ]; do n=$((n + 1)); done
Xvfb ":${n}" -screen 0 1600x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${n}" ] && break; sleep 0.1; done
DISPLAY=":${n}" QT_QPA_PLATFORM=xcb "$@"
