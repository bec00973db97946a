#!/usr/bin/env bash
# Idempotent set-up: apt packages (g++ for torch.compile), the .venv with the exact versions of requirements.lock
# (generated from requirements.txt by scripts/lock.sh), mmengine (no deps, see DESIGN.md), and this project in
# editable mode. Quick when already done (a stamp file holds the hash of the lock and of this script).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

apt_pkgs="xvfb xauth libusb-1.0-0 libxcb-icccm4 libxcb-keysyms1 libvulkan1 mesa-vulkan-drivers libgl1 libegl1
 libgomp1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0
 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1 libfontconfig1 libdbus-1-3 g++"
missing=$(for p in $apt_pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "[setup] installing apt packages: $(echo $missing)"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

py=${PYTHON:-python3.11}
command -v "$py" >/dev/null || py=python3
stamp=.venv/.setup-stamp
want=$(cat requirements.lock pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "[setup] creating/updating .venv (first run takes a few minutes)"
[ -x .venv/bin/python ] || "$py" -m venv .venv
# pip warns about every local index folder without the package: keep the log readable.
pip() { .venv/bin/python -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
pip install -q pip==26.3
# Every package at its locked version (pip still adds what a platform needs beyond the lock, e.g. the CUDA build's
# nvidia-* packages on a CUDA machine).
pip install -q -r requirements.lock
# mmengine's metadata asks for opencv-python, which would install a second cv2 beside mediapipe's
# opencv-contrib-python: install it without its dependencies (they are in requirements.txt and the lock).
pip install -q --no-deps mmengine==0.10.7
# Built with the venv's locked setuptools, not whatever build isolation would fetch.
pip install -q --no-deps --no-build-isolation -e .
echo "$want" > "$stamp"
echo "[setup] done"
