#!/usr/bin/env bash
# One prepared run on a lent GPU machine (see the developers' guide): trains the five shipped models with
# scripts/train_shipped.sh in parallel mode, then times the streaming lifter on CUDA for both size profiles.
# Everything it brings back goes to $OUT: the five safetensors, train.log and results.json.
#   OUT=/some/dir bash scripts/gpu_chain.sh MOCAP_DIR [BUDGET_SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
mocap=$1 budget=${2:-420}
export PYTHONUNBUFFERED=1 PYTHON=${PYTHON:-python3}
chain=/tmp/chain
rm -rf "$chain"
timeout $((budget + 150)) bash scripts/train_shipped.sh "$mocap" "$chain" "$budget" cuda parallel \
  --amp bf16 --val-interval 1000 >"$OUT/train.log" 2>&1
cp "$chain"/*.safetensors "$OUT/" 2>/dev/null
for f in "$chain"/runs/*.log; do
  echo "=== $f"
  grep -E "Iter\(val\)|trained|Error|error|Traceback" "$f" | tail -30
  grep "Iter(train)" "$f" | tail -3
done >>"$OUT/train.log"
for p in paper mixste512; do
  timeout 100 $PYTHON -m app.cli bench --device cuda --model "random:$p" --stride 1 --quick --repeats 10 \
    --json "/tmp/bench_$p.json" >>"$OUT/train.log" 2>&1
done
$PYTHON - "$chain" >"$OUT/results.json" <<'PY'
import json, pathlib, sys
chain = pathlib.Path(sys.argv[1])
out = {"runs": {}, "bench": {}}
for run in sorted((chain / "runs").glob("*/best.json")):
    out["runs"][run.parent.name] = json.loads(run.read_text())
for p in ("paper", "mixste512"):
    f = pathlib.Path(f"/tmp/bench_{p}.json")
    if f.is_file():
        out["bench"][p] = json.loads(f.read_text())
print(json.dumps(out, indent=1))
PY
ls -la "$OUT"
