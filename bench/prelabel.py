"""The usual Python pre-label pipeline, for comparison with Loupe's (bench/prelabel.ts runs it).

    python bench/prelabel.py --model models/demo-detector.onnx --images DIR [--threads 2]

onnxruntime + OpenCV + numpy, as an Ultralytics user would write it: cv2.imread,
letterbox (centred, pad 114, INTER_LINEAR), BGR->RGB, /255, NCHW; session.run;
decode the [1, 4+nc, N] output; class-aware NMS (cv2.dnn.NMSBoxesBatched); boxes
back to original pixels. Sequential, one session with every core, warmed up.
Prints one JSON line: {"imagesPerSecond": .., "boxes": .., "images": ..}.
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort


def letterbox(img, size):
    h, w = img.shape[:2]
    r = min(size[0] / h, size[1] / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (size[1] - nw) / 2, (size[0] - nh) / 2
    if (w, h) != (nw, nh):
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    return img, r, left, top


def detect(session, name, size, path, conf=0.25, iou=0.45, max_det=300):
    img = cv2.imread(path)
    if img is None:
        raise ValueError(f"cannot read {path}")
    h0, w0 = img.shape[:2]
    lb, r, left, top = letterbox(img, size)
    x = lb[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    out = session.run(None, {name: np.ascontiguousarray(x)})[0][0]  # [4+nc, N]
    p = out.T
    scores = p[:, 4:]
    cls = scores.argmax(1)
    score = scores[np.arange(len(cls)), cls]
    keep = score > conf
    p, cls, score = p[keep], cls[keep], score[keep]
    if len(p) == 0:
        return []
    xywh = p[:, :4].copy()
    xywh[:, 0] -= xywh[:, 2] / 2
    xywh[:, 1] -= xywh[:, 3] / 2
    idx = cv2.dnn.NMSBoxesBatched(xywh.tolist(), score.tolist(), cls.tolist(), conf, iou, top_k=max_det)
    idx = np.array(idx).reshape(-1)[:max_det]
    boxes = []
    for i in idx:
        x1 = np.clip((xywh[i, 0] - left) / r, 0, w0)
        y1 = np.clip((xywh[i, 1] - top) / r, 0, h0)
        x2 = np.clip((xywh[i, 0] + xywh[i, 2] - left) / r, 0, w0)
        y2 = np.clip((xywh[i, 1] + xywh[i, 3] - top) / r, 0, h0)
        boxes.append((float(x1), float(y1), float(x2 - x1), float(y2 - y1), float(score[i]), int(cls[i])))
    return boxes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    session = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    size = (inp.shape[2], inp.shape[3])
    files = sorted(os.path.join(a.images, f) for f in os.listdir(a.images) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    for f in files[:5]:
        detect(session, inp.name, size, f)
    dt = float("inf")
    for _ in range(3):  # best of three passes, as for Loupe's figures
        t0 = time.perf_counter()
        n = 0
        for f in files:
            n += len(detect(session, inp.name, size, f))
        dt = min(dt, time.perf_counter() - t0)
    print(f"python pipeline: {len(files)} images in {dt:.2f}s", file=sys.stderr)
    print(json.dumps({"imagesPerSecond": len(files) / dt, "boxes": n, "images": len(files)}))


if __name__ == "__main__":
    main()
