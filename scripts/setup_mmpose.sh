#!/usr/bin/env bash
# Idempotent set-up of the optional mmpose extra in its own venv, .venv-mmpose (see DESIGN.md, "Environment
# facts"): mmpose needs torchvision, which only works here with torch 2.14.1, so it cannot share .venv.
# The first run on a machine takes ~10 min or more (mmcv's C++ ops are compiled, the wheel is cached in
# ~/.cache/diffhpe-wheels); later runs return at once (stamp file).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=.venv-mmpose
stamp=$venv/.setup-stamp
want=$(cat scripts/setup_mmpose.sh | sha256sum | cut -d' ' -f1)
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
pip install -q --upgrade pip
# torch 2.14.1 + torchvision 0.29.1 is the pair whose torchvision works here (a CUDA build that runs on the CPU).
pip install -q torch==2.14.1 torchvision==0.29.1
pip install -q "setuptools<70" wheel cython ninja numpy scipy opencv-contrib-python pytest \
  addict matplotlib packaging pillow pyyaml rich termcolor yapf tqdm \
  json_tricks munkres six pycocotools shapely terminaltables
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
  pip install -q --no-deps --no-build-isolation --force-reinstall --no-binary xtcocotools xtcocotools
fi
pip install -q --no-deps -e .
"$venv/bin/python" -c "import cv2, mmcv.ops, mmdet, mmpose.apis, xtcocotools.mask, torchvision, lifting, detectors"
echo "$want" > "$stamp"
echo "[setup_mmpose] done"
