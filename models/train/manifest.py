"""Write models/manifest.json: the files, the recipe that made them and their measured figures.

    /usr/bin/python3 models/train/manifest.py [--data .train/data] [--run .train/run] [--eval .train/eval.json] [--models models]

Standard library only. Reads the set table from generate-data.ts (<data>/sets.json),
the training log (<run>/train.json) and the evaluation (<eval>).
"""
import argparse
import collections
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import LICENSE, VERSION  # noqa: E402
from model import IMGSZ, NAMES, STRIDES  # noqa: E402

FILES = (("demo-detector.onnx", "float32"), ("demo-detector-fp16.onnx", "float16"), ("demo-detector-int8.onnx", "int8 (QDQ: uint8 activations, int8 per-channel weights; float32 input and output)"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/data")
    ap.add_argument("--run", default=".train/run")
    ap.add_argument("--eval", default=".train/eval.json")
    ap.add_argument("--models", default="models")
    args = ap.parse_args()
    with open(os.path.join(args.data, "sets.json")) as f:
        sets = json.load(f)
    with open(os.path.join(args.run, "train.json")) as f:
        train = json.load(f)
    with open(args.eval) as f:
        evaluation = json.load(f)
    with open(os.path.join(args.data, "production", "manifest.json")) as f:
        prod = json.load(f)["images"]
    mix = {k: dict(sorted(collections.Counter(e[k] for e in prod).items())) for k in ("shift", "camera", "defectSize")}

    n = sum((IMGSZ // s) ** 2 for s in STRIDES)
    files = []
    for name, dtype in FILES:
        with open(os.path.join(args.models, name), "rb") as f:
            data = f.read()
        files.append({"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "dtype": dtype, "inputSize": [IMGSZ, IMGSZ], "classes": list(NAMES)})

    manifest = {
        "name": "Loupe demo defect detector",
        "version": VERSION,
        "license": LICENSE,
        "task": "detect",
        "layout": "Ultralytics YOLOv8 ONNX",
        "classes": list(NAMES),
        "input": {"name": "images", "shape": [1, 3, IMGSZ, IMGSZ], "preprocess": "letterbox (centred, pad 114), RGB, /255, NCHW"},
        "output": {"name": "output0", "shape": [1, 4 + len(NAMES), n], "rows": "cx, cy, w, h in input pixels, then one sigmoid score per class; no NMS in the graph"},
        "files": files,
        "recipe": {
            "data": {
                "generator": "resources/demo/generate.ts generateDemo(outDir, {count, seed, slice}) via models/train/generate-data.ts",
                "sets": sets,
                "productionMix": mix,
                "note": "training sees only the development slice (day shift, nominal camera, large defects); every other set is held out",
            },
            "training": {k: train[k] for k in ("arch", "params", "iterations", "batch", "optimizer", "loss", "augmentation", "seed", "torch", "train_images", "seconds")},
            "export": "torch.onnx.export opset 17, batch norm folded; fp16 by onnxruntime.transformers.float16 (keep_io_types=False); int8 by onnxruntime.quantization.quantize_static (QDQ, Conv only, per channel, 64 calibration images from the training set)",
            "reproduce": "models/train/run.sh",
        },
        "evaluation": evaluation,
    }
    path = os.path.join(args.models, "manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
