#!/usr/bin/env bash
# Stage 1 on a GPU machine (the device tool): VAE, text encoder, DiT teacher, each with a time
# budget so that the whole job ends inside 10 minutes; results packed into $OUT.
#   bash training/gpu/stage1.sh   (from the folder that holds the `training` package)
set -uo pipefail
START=$(date +%s)
OUT=${OUT:-/tmp/stage1-out}
R=${RUNS:-/tmp/runs}
SEED=${SEED:-0}
mkdir -p "$OUT" "$R"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
$PY -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))' 2>&1 | tee "$OUT/stage1.log"
$PY -m training.train_vae --seed "$SEED" --out "$R/vae" --steps 8000 --max-seconds 100 --batch 16 --lr 6e-4 \
  > "$OUT/vae.log" 2>&1
tail -2 "$OUT/vae.log" | cut -c1-400 | tee -a "$OUT/stage1.log"
$PY -m training.train_text --seed "$SEED" --out "$R/text" --steps 1500 --max-seconds 25 > "$OUT/text.log" 2>&1
tail -2 "$OUT/text.log" | cut -c1-400 | tee -a "$OUT/stage1.log"
$PY -m training.train_dit --seed "$SEED" --vae "$R/vae" --text "$R/text" --out "$R/teacher" --clips 16000 \
  --steps 40000 --deadline $((START + ${TEACHER_END:-505})) --batch 128 --lr 5e-4 --eval > "$OUT/teacher.log" 2>&1
tail -3 "$OUT/teacher.log" | cut -c1-600 | tee -a "$OUT/stage1.log"
echo "elapsed $(( $(date +%s) - START )) s" | tee -a "$OUT/stage1.log"
tar czf - -C "$R" vae text teacher/model teacher/log.jsonl teacher/quick_eval.json teacher/sheet.ppm 2>>"$OUT/stage1.log" \
  | split -b 15m - "$OUT/stage1.tgz.part-"
ls -la "$OUT" | tee -a "$OUT/stage1.log"
