#!/usr/bin/env bash
# Trains the five shipped checkpoints in the order they depend on each other, with the configs in the repo:
#   MixSTE -> Wrapper;  MixSTE -> MixSTE-occ (fine-tuned) -> Wrapper-occ (denoiser fine-tuned from the Wrapper);
#   DiffHPE-2D on its own.
# Each run has a time budget (its learning-rate schedule follows the time spent, see
# lifting/train/schedule_hook.py), is wrapped in `timeout`, and exports best.safetensors at every validation,
# so a stopped chain keeps what it has. The best checkpoint of each run is copied to OUT/<name>.safetensors.
#
#   scripts/train_shipped.sh MOCAP_DIR OUT_DIR [BUDGET_SECONDS] [DEVICE] [parallel|serial] [EXTRA TRAIN ARGS...]
#
# BUDGET_SECONDS is the whole chain's training time (default 3600). 'parallel' (for a GPU) runs independent
# models side by side: DiffHPE-2D beside everything; the Wrapper beside MixSTE-occ and Wrapper-occ (which
# starts from the Wrapper's best checkpoint so far). 'serial' (default; for a CPU) runs one after the other.
# Set PYTHON to choose the interpreter (default: .venv/bin/python, else python3).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  sed -n 2,15p "$0"
  exit 2
fi
mocap=$1 out=$2 budget=${3:-3600} device=${4:-auto} how=${5:-serial}
shift $(( $# < 5 ? $# : 5 ))
extra=("$@")
py=${PYTHON:-}
[ -n "$py" ] || { [ -x .venv/bin/python ] && py=.venv/bin/python || py=python3; }
[ -d "$mocap" ] || { echo "no mocap folder $mocap (make it with: diffhpe data mocap ../shared/data $mocap)"; exit 2; }
mkdir -p "$out/runs"

# share(FRACTION): that part of the budget, in whole seconds
share() { awk -v b="$budget" -v f="$1" 'BEGIN { printf "%d", b * f }'; }

# train NAME CONFIG SECONDS [ARGS...]: one run, its log in OUT/runs/NAME.log, its best model in OUT/NAME.safetensors
train() {
  local name=$1 config=$2 secs=$3
  shift 3
  echo "[$(date +%T)] start $name ($secs s) $*"
  timeout --kill-after=30 $((secs + 300)) "$py" -m app.cli train "$config" --mocap "$mocap" --device "$device" \
    --time-budget "$secs" --work-dir "$out/runs/$name" "$@" "${extra[@]}" >"$out/runs/$name.log" 2>&1
  local rc=$?
  if [ -f "$out/runs/$name/best.safetensors" ]; then
    cp "$out/runs/$name/best.safetensors" "$out/$name.safetensors"
  fi
  echo "[$(date +%T)] end $name rc=$rc best: $(cat "$out/runs/$name/best.json" 2>/dev/null || echo none)"
  return $rc
}

# best_so_far NAME: the run's latest exported best checkpoint (or nothing)
best_so_far() { [ -f "$out/runs/$1/best.safetensors" ] && echo "$out/runs/$1/best.safetensors"; }

if [ "$how" = parallel ]; then
  train diffhpe2d_paper_cmu diffhpe2d_paper_cmu "$(share 0.92)" &
  d2=$!
  train mixste_paper_cmu mixste_paper_cmu "$(share 0.40)"
  [ -f "$out/mixste_paper_cmu.safetensors" ] || { echo "MixSTE did not train"; wait; exit 1; }
  train wrapper_paper_cmu wrapper_paper_cmu "$(share 0.52)" --conditioner "$out/mixste_paper_cmu.safetensors" &
  w=$!
  train mixste_occ_paper_cmu mixste_occ_paper_cmu "$(share 0.16)" --load-from "$out/mixste_paper_cmu.safetensors"
  init=$(best_so_far wrapper_paper_cmu)
  train wrapper_occ_paper_cmu wrapper_occ_paper_cmu "$(share 0.36)" \
    --conditioner "$out/mixste_occ_paper_cmu.safetensors" ${init:+--load-from "$init"}
  wait $w $d2
else
  train mixste_paper_cmu mixste_paper_cmu "$(share 0.25)" || exit 1
  train mixste_occ_paper_cmu mixste_occ_paper_cmu "$(share 0.10)" --load-from "$out/mixste_paper_cmu.safetensors"
  train wrapper_paper_cmu wrapper_paper_cmu "$(share 0.25)" --conditioner "$out/mixste_paper_cmu.safetensors"
  train wrapper_occ_paper_cmu wrapper_occ_paper_cmu "$(share 0.20)" \
    --conditioner "$out/mixste_occ_paper_cmu.safetensors" --load-from "$out/wrapper_paper_cmu.safetensors"
  train diffhpe2d_paper_cmu diffhpe2d_paper_cmu "$(share 0.20)"
fi
ls -la "$out"/*.safetensors
