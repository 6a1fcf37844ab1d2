"""Ultralytics preprocessing with OpenCV, shared by variants.py and evaluate.py (venv python; not run on its own)."""
import cv2
import numpy as np


def letterbox(bgr, size):
    """Ultralytics LetterBox: keep aspect, INTER_LINEAR, centre on 114 grey; returns RGB NCHW float32 /255, gain, (left, top)."""
    h, w = bgr.shape[:2]
    r = min(size / h, size / w)
    nw, nh = round(w * r), round(h * r)
    if (nw, nh) != (w, h):
        bgr = cv2.resize(bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
    dw, dh = (size - nw) / 2, (size - nh) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    img = cv2.copyMakeBorder(bgr, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    x = img[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
    return np.ascontiguousarray(x), r, (left, top)
