#!/usr/bin/env bash
# Idempotent set-up of the optional mmpose extra in its own venv, .venv-mmpose (see DESIGN.md, "Environment
# facts"): mmpose needs torchvision, which only works here with torch 2.14.1, so it cannot share .venv.
# The first run on a machine takes ~10 min or more (mmcv's C++ ops are compiled, the wheel is cached in
# ~/.cache/diffhpe-wheels); later runs return at once (stamp file).
# Exact versions: requirements-mmpose.lock (generated from requirements-mmpose.txt by scripts/lock.sh), and the
# pins below for the packages installed without their dependencies.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=.venv-mmpose
stamp=$venv/.setup-stamp
want=$(cat requirements-mmpose.lock scripts/setup_mmpose.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

# One build at a time (test.sh may be started twice): wait for the other one, then re-check the stamp.
mkdir -p "$venv"
exec 9>"$venv/.setup-lock"
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

echo "[setup_mmpose] creating/updating $venv (first run takes ~10 minutes: mmcv is compiled)"
py=${PYTHON:-python3.11}
command -v "$py" >/dev/null || py=python3
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
# pip warns about every local index folder without the package: keep the log readable.
pip() { "$venv/bin/python" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
pip install -q pip==26.3
# torch 2.14.1 + torchvision 0.29.1 (the pair whose torchvision works here), the build tools and what the mm*
# packages import. --no-deps: the lock is complete, and it overrides torch's setuptools>=77 with the <70 that
# mmcv 2.1.0 builds with, which pip's resolver would refuse.
pip install -q --no-deps -r requirements-mmpose.lock
# The mm* packages ask for opencv-python, which would put a second cv2 beside opencv-contrib-python: no deps.
pip install -q --no-deps mmengine==0.10.7
if ! "$venv/bin/python" -c "import mmcv, mmcv.ops" >/dev/null 2>&1; then
  # Full mmcv (with ops; mmcv-lite is not enough for mmdet/mmpose), compiled against this torch. The wheel is
  # kept outside the checkout, so a fresh clone on this machine (CI) installs it in seconds.
  wheels=${DIFFHPE_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/diffhpe-wheels}/torch-2.14.1-cp311
  if ! ls "$wheels"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    # torch 2.14's headers need C++20; mmcv 2.1.0's setup.py asks for C++17 (the later -std wins): patch it.
    src=$(mktemp -d)
    pip download -q --no-deps --no-binary :all: --no-build-isolation mmcv==2.1.0 -d "$src"
    tar xzf "$src/mmcv-2.1.0.tar.gz" -C "$src"
    sed -i "s/extra_compile_args\['cxx'\] = \['-std=c++17'\]/extra_compile_args['cxx'] = ['-std=c++20']/" \
      "$src/mmcv-2.1.0/setup.py"
    grep -q "c++20" "$src/mmcv-2.1.0/setup.py"
    mkdir -p "$wheels"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} pip wheel -q --no-build-isolation --no-deps -w "$wheels" "$src/mmcv-2.1.0"
    rm -rf "$src"
  fi
  pip install -q --no-deps "$wheels"/mmcv-2.1.0-*.whl
fi
pip install -q --no-deps mmpose==1.3.2 mmdet==3.3.0
# xtcocotools' wheels are built against numpy 1: rebuild it against the numpy installed here.
if ! "$venv/bin/python" -c "import xtcocotools.mask" >/dev/null 2>&1; then
  pip install -q --no-deps --no-build-isolation --force-reinstall --no-binary xtcocotools xtcocotools==1.14.3
fi
pip install -q --no-deps -e .
"$venv/bin/python" -c "import cv2, mmcv.ops, mmdet, mmpose.apis, xtcocotools.mask, torchvision, lifting, detectors"
echo "$want" > "$stamp"
echo "[setup_mmpose] done"
