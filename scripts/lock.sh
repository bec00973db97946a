#!/usr/bin/env bash
# Regenerates the lock files from the human-readable lists with `uv pip compile`:
#   requirements.txt        -> requirements.lock        (.venv, scripts/setup.sh)
#   requirements-mmpose.txt -> requirements-mmpose.lock (.venv-mmpose, scripts/setup_mmpose.sh)
# Needs uv (`pip install uv` in any venv; or UV=/path/to/uv). Run it after editing a list, then commit both.
# Resolved for CPython 3.11 on x86-64 Linux with glibc >= 2.35 (open3d 0.20 has no older manylinux wheel).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

uv=${UV:-uv}
if ! command -v "$uv" >/dev/null; then
  echo "error: uv not found; install it with 'pip install uv' or point UV at it" >&2
  exit 1
fi
target=(--python-version 3.11 --python-platform x86_64-manylinux_2_35 --quiet
        --custom-compile-command "bash scripts/lock.sh")

# Write next to the target, then rename: an interrupted run leaves the old lock intact.
tmp=$(mktemp requirements.lock.XXXXXX)
tmp_mm=$(mktemp requirements-mmpose.lock.XXXXXX)
trap 'rm -f "$tmp" "$tmp_mm"' EXIT

# The CPU build of torch lies in /opt/wheels on these machines (pip's find-links): resolve against it so the lock
# holds the CPU build's dependencies, not the CUDA build's nvidia-* packages. Its local label (+cpu) is dropped,
# so that the same pin takes the CPU wheel here and the CUDA build from PyPI on a CUDA machine (as before).
find_links=()
[ -d /opt/wheels ] && find_links=(--find-links /opt/wheels)
"$uv" pip compile requirements.txt "${target[@]}" "${find_links[@]}" -o "$tmp"
sed -i -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/' "$tmp"
grep -qx "torch==2.13.0" "$tmp" || { echo "error: torch==2.13.0 missing from the main lock" >&2; exit 1; }

# mmcv 2.1.0 builds only with setuptools < 70 while torch 2.14.1 asks for >= 77: override torch's wish (the lock
# is then installed with --no-deps; it is complete, so nothing is missing).
"$uv" pip compile requirements-mmpose.txt --override requirements-mmpose-override.txt "${target[@]}" -o "$tmp_mm"

chmod 644 "$tmp" "$tmp_mm"
mv "$tmp" requirements.lock
mv "$tmp_mm" requirements-mmpose.lock
echo "[lock] wrote requirements.lock ($(grep -c '^[a-zA-Z]' requirements.lock) packages)" \
     "and requirements-mmpose.lock ($(grep -c '^[a-zA-Z]' requirements-mmpose.lock) packages)"
