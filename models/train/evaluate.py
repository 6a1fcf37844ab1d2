"""Evaluate the exported detectors on the held-out sets with the Ultralytics pipeline and pycocotools.

    .train/venv/bin/python models/train/evaluate.py [--data .train/data] [--models models] [--vis .train/vis]

Needs the venv (onnxruntime, numpy, opencv-python-headless, pycocotools).
Per image: letterbox to 320 (pad 114, RGB, /255), run, keep every (box, class)
with score > 0.001 (multi-label, as Ultralytics val does), class-aware NMS at
IoU 0.7, at most 300 boxes, map back to original pixels; then COCOeval (bbox).
Writes the figures to .train/eval.json (manifest.py copies them into
models/manifest.json) and, with --vis,
a few frames per set with ground truth (green) and predictions at conf ≥ 0.25 (red).
"""
import argparse
import contextlib
import io
import json
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lb import letterbox  # noqa: E402

SETS = ("dev", "night", "remounted", "minor", "production")
VARIANTS = {"fp32": "demo-detector.onnx", "fp16": "demo-detector-fp16.onnx", "int8": "demo-detector-int8.onnx"}
CONF, IOU, MAX_DET, MAX_NMS = 0.001, 0.7, 300, 30000


def nms(boxes, scores, iou):
    """Greedy NMS on xyxy boxes, highest score first; returns kept indices."""
    order = scores.argsort()[::-1]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.clip(np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]), 0, None)
        ih = np.clip(np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]), 0, None)
        inter = iw * ih
        order = rest[inter / (areas[i] + areas[rest] - inter + 1e-9) <= iou]
    return np.array(keep, dtype=np.int64)


def postprocess(out, gain, pad, shape, conf=CONF, iou=IOU, max_det=MAX_DET):
    """[1, 4+nc, N] → rows of (x1, y1, x2, y2, score, class) in original pixels, like ultralytics.ops.non_max_suppression."""
    p = out[0].astype(np.float32).T
    xywh, scores = p[:, :4], p[:, 4:]
    i, j = np.nonzero(scores > conf)
    if i.size == 0:
        return np.zeros((0, 6), np.float32)
    b = xywh[i]
    boxes = np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], 1)
    s, c = scores[i, j], j.astype(np.float32)
    top = s.argsort()[::-1][:MAX_NMS]
    boxes, s, c = boxes[top], s[top], c[top]
    # Offsetting each class far apart makes one NMS pass class-aware.
    keep = nms(boxes + c[:, None] * 7680, s, iou)[:max_det]
    boxes, s, c = boxes[keep], s[keep], c[keep]
    boxes[:, [0, 2]] = ((boxes[:, [0, 2]] - pad[0]) / gain).clip(0, shape[1])
    boxes[:, [1, 3]] = ((boxes[:, [1, 3]] - pad[1]) / gain).clip(0, shape[0])
    return np.concatenate([boxes, s[:, None], c[:, None]], 1)


def coco_eval(manifest, dets):
    """AP50-95 and AP50 from COCOeval; ids start at 1 because 0 means unmatched inside cocoeval."""
    classes = manifest["classes"]
    gt = {"images": [], "annotations": [], "categories": [{"id": k + 1, "name": n} for k, n in enumerate(classes)]}
    res = []
    for k, e in enumerate(manifest["images"], 1):
        gt["images"].append({"id": k, "width": e["width"], "height": e["height"], "file_name": e["file"]})
        for b in e["boxes"]:
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": k, "category_id": classes.index(b["class"]) + 1, "bbox": [b["x"], b["y"], b["w"], b["h"]], "area": b["w"] * b["h"], "iscrowd": 0})
        for x1, y1, x2, y2, s, c in dets[e["file"]]:
            res.append({"image_id": k, "category_id": int(c) + 1, "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)], "score": float(s)})
    if not res:
        return 0.0, 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(res), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return max(0.0, float(ev.stats[0])), max(0.0, float(ev.stats[1]))


def run(session, folder, manifest):
    name = session.get_inputs()[0].name
    dtype = np.float16 if session.get_inputs()[0].type == "tensor(float16)" else np.float32
    size = session.get_inputs()[0].shape[2]
    dets = {}
    for e in manifest["images"]:
        img = cv2.imread(os.path.join(folder, e["file"]))
        x, gain, pad = letterbox(img, size)
        dets[e["file"]] = postprocess(session.run(None, {name: x.astype(dtype)})[0], gain, pad, img.shape)
    return dets


def draw(folder, manifest, dets, out_dir, set_name, n=4):
    os.makedirs(out_dir, exist_ok=True)
    classes = manifest["classes"]
    for e in manifest["images"][:n]:
        img = cv2.imread(os.path.join(folder, e["file"]))
        for b in e["boxes"]:
            cv2.rectangle(img, (round(b["x"]), round(b["y"])), (round(b["x"] + b["w"]), round(b["y"] + b["h"])), (0, 200, 0), 1)
        keep = postprocess_view(dets[e["file"]])
        for x1, y1, x2, y2, s, c in keep:
            cv2.rectangle(img, (int(x1), int(y1)), (int(x2), int(y2)), (0, 0, 255), 1)
            cv2.putText(img, f"{classes[int(c)]} {s:.2f}", (int(x1), max(10, int(y1) - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 255), 1)
        cv2.imwrite(os.path.join(out_dir, f"{set_name}_{e['file']}"), img)


def postprocess_view(d):
    """What the app shows by default: conf 0.25, NMS 0.45 (class-aware) on top of the eval detections."""
    d = d[d[:, 4] >= 0.25]
    return d[nms(d[:, :4] + d[:, 5:6] * 7680, d[:, 4], 0.45)] if len(d) else d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/data")
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", default=".train/eval.json")
    ap.add_argument("--vis", default="")
    ap.add_argument("--variants", default="fp32,fp16,int8")
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    results = {}
    for variant in args.variants.split(","):
        session = ort.InferenceSession(os.path.join(args.models, VARIANTS[variant]), opts, providers=["CPUExecutionProvider"])
        for set_name in SETS:
            folder = os.path.join(args.data, set_name)
            with open(os.path.join(folder, "manifest.json")) as f:
                manifest = json.load(f)
            dets = run(session, folder, manifest)
            ap5095, ap50 = coco_eval(manifest, dets)
            row = results.setdefault(set_name, {"images": len(manifest["images"]), "boxes": sum(len(e["boxes"]) for e in manifest["images"])})
            if variant == "fp32":
                row["fp32"] = {"AP50": round(ap50, 4), "AP50-95": round(ap5095, 4)}
                if args.vis:
                    draw(folder, manifest, dets, args.vis, set_name)
            else:
                row[variant] = {"AP50": round(ap50, 4)}
            print(f"{variant:5} {set_name:11} AP50 {ap50:.3f}  AP50-95 {ap5095:.3f}", flush=True)

    protocol = f"onnxruntime CPU; Ultralytics letterbox to 320; multi-label conf > {CONF}, class-aware NMS IoU {IOU}, max {MAX_DET} boxes; pycocotools COCOeval bbox"
    with open(args.out, "w") as f:
        json.dump({"protocol": protocol, "sets": results}, f, indent=2)
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
