#!/usr/bin/env bash
# Evaluate the bundled policy as the browser runs it: onnxruntime samples (Python), resvg renders and the
# world verifier scores (Node). Val/held-out prompts are exported fresh from the current world, so the
# specs the verifier checks always match the prompts.
#
#   training/policy/eval.sh [MODEL_DIR] [N per split and temperature] [OUT_DIR]
set -euo pipefail
MODEL=${1:-public/models/sgp-tiny-policy}
N=${2:-400}
OUT=${3:-training/runs/policy/eval}
DATA=$OUT/world
mkdir -p "$OUT"
npm run -s world:export -- --n 0 --val "$N" --heldout "$N" --seed 1 --out "$DATA" >/dev/null
for f in model model_quantized; do  # fp32 and the default (int8) variant, on the same prompts and seeds
  for split in val heldout; do
    for t in 1 0; do
      python3 training/policy/sample.py --model "$MODEL" --data "$DATA" --split $split --n "$N" --temperature $t \
        --batch 64 --file onnx/$f.onnx --out "$OUT/$split.t$t.$f.jsonl"
    done
  done
done
node --import tsx training/policy/score.ts --seed 1 "$OUT"/*.jsonl | tee "$OUT/metrics.json"
