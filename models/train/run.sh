#!/usr/bin/env bash
# Rebuild the demo detector end to end from the repository root:
#
#   models/train/run.sh
#
# Needs Node (the repo's own packages), Debian's python3-torch, python3-torchvision and
# python3-onnx (apt-get install -y python3-torch python3-torchvision python3-onnx), and pip's
# package index for the evaluation venv. Everything intermediate goes to .train/ (gitignored).
# On two CPU cores: data ~4 min, training ~15-25 min, evaluation ~3 min.
set -euo pipefail
cd "$(dirname "$0")/../.."

TORCH_PY=/usr/bin/python3   # Debian's python, where python3-torch lives
VENV=.train/venv

npx tsx models/train/generate-data.ts .train/data

"$TORCH_PY" models/train/train.py --data .train/data --out .train/run --iters 2500
"$TORCH_PY" models/train/export.py --weights .train/run/detector.pt --out models/demo-detector.onnx

if [ ! -x "$VENV/bin/python" ]; then
  # A separate venv: pip's numpy 2 must not shadow the numpy Debian's torch was built against.
  "$TORCH_PY" -m venv "$VENV"
  "$VENV/bin/pip" install pycocotools onnxruntime numpy opencv-python-headless onnx ml_dtypes
fi
"$VENV/bin/python" models/train/variants.py --data .train/data --models models
"$VENV/bin/python" models/train/evaluate.py --data .train/data --models models --out .train/eval.json --vis .train/vis
"$TORCH_PY" models/train/manifest.py --data .train/data --run .train/run --eval .train/eval.json --models models
