"""Train the demo detector on the development distribution only (day shift, nominal camera, large defects).

    /usr/bin/python3 models/train/train.py [--data .train/data] [--out .train/run] [--iters 2500]

Debian's python3-torch on the CPU (not the pyenv python first on PATH). Every
random choice comes from SEED and the iteration count is fixed, so a run is
reproducible. Writes <out>/detector.pt (the EMA weights) and <out>/train.json.
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torchvision.io import read_image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import ARCH, IMGSZ, NAMES, Detector  # noqa: E402

SEED = 0
BATCH = 16
LR = 2e-3
WEIGHT_DECAY = 5e-4
WARMUP = 150
TOPK = 10
GAIN = {"iou": 7.5, "cls": 0.5, "l1": 1.5}


def letterbox(img, size=IMGSZ):
    """Resize uint8 CHW keeping aspect, centre it on a 114 canvas (Ultralytics LetterBox); returns img, gain, (left, top)."""
    _, h, w = img.shape
    r = min(size / h, size / w)
    nw, nh = round(w * r), round(h * r)
    if (nw, nh) != (w, h):
        # Bilinear with half-pixel centres and no antialias is what cv2.INTER_LINEAR computes.
        img = F.interpolate(img[None].float(), size=(nh, nw), mode="bilinear", align_corners=False)[0].round().clamp(0, 255).byte()
    dw, dh = (size - nw) / 2, (size - nh) / 2
    top, left = round(dh - 0.1), round(dw - 0.1)
    out = torch.full((3, size, size), 114, dtype=torch.uint8)
    out[:, top : top + nh, left : left + nw] = img
    return out, r, (left, top)


def load_set(folder):
    """All images of a generated set, letterboxed, and their boxes as [k, 5] (class, x1, y1, x2, y2) in input pixels."""
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    imgs = torch.empty((len(manifest["images"]), 3, IMGSZ, IMGSZ), dtype=torch.uint8)
    targets = []
    for i, e in enumerate(manifest["images"]):
        img, r, (left, top) = letterbox(read_image(os.path.join(folder, e["file"])))
        imgs[i] = img
        t = [[NAMES.index(b["class"]), b["x"] * r + left, b["y"] * r + top, (b["x"] + b["w"]) * r + left, (b["y"] + b["h"]) * r + top] for b in e["boxes"]]
        targets.append(torch.tensor(t, dtype=torch.float32).reshape(-1, 5))
    return imgs, targets, manifest


def augment(imgs, targets, gen):
    """Light augmentation only: horizontal flip and a small brightness/saturation jitter (no night-like darkening)."""
    x = imgs.float() / 255
    out_t = []
    for i in range(x.shape[0]):
        t = targets[i].clone()
        if torch.rand((), generator=gen) < 0.5:
            x[i] = x[i].flip(-1)
            t[:, [1, 3]] = IMGSZ - t[:, [3, 1]]
        out_t.append(t)
    v = 1 + (torch.rand((x.shape[0], 1, 1, 1), generator=gen) * 2 - 1) * 0.12
    s = 1 + (torch.rand((x.shape[0], 1, 1, 1), generator=gen) * 2 - 1) * 0.3
    grey = x.mean(1, keepdim=True)
    x = ((grey + (x - grey) * s) * v).clamp(0, 1)
    return x, out_t


def box_iou(a, b, eps=1e-7):
    """IoU of xyxy boxes, broadcasting over leading dims."""
    iw = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(0)
    ih = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(0)
    inter = iw * ih
    union = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - inter
    return inter / (union + eps)


def ciou(a, b, eps=1e-7):
    """Complete IoU (IoU minus centre-distance and aspect-ratio penalties), as the YOLOv8 box loss uses."""
    iou = box_iou(a, b, eps)
    cw = torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0])
    ch = torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])
    c2 = cw**2 + ch**2 + eps
    rho2 = ((a[..., 0] + a[..., 2] - b[..., 0] - b[..., 2]) ** 2 + (a[..., 1] + a[..., 3] - b[..., 1] - b[..., 3]) ** 2) / 4
    wa, ha = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1] + eps
    wb, hb = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1] + eps
    v = (4 / math.pi**2) * (torch.atan(wb / hb) - torch.atan(wa / ha)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


@torch.no_grad()
def assign(scores, pred, anchors, gt_labels, gt_boxes, mask_gt):
    """Task-aligned assignment (TOOD / YOLOv8): per ground truth, the top-k anchors inside it by score^0.5 · IoU^6."""
    b, n, c = scores.shape
    m = gt_boxes.shape[1]
    lt = anchors[None, None] - gt_boxes[:, :, None, :2]
    rb = gt_boxes[:, :, None, 2:] - anchors[None, None]
    mask = (torch.cat([lt, rb], -1).amin(-1) > 1e-9) & mask_gt[..., None]
    ious = box_iou(gt_boxes[:, :, None, :], pred[:, None, :, :]).clamp(0) * mask
    cls_scores = torch.gather(scores.transpose(1, 2), 1, gt_labels[..., None].expand(-1, -1, n))
    align = cls_scores.pow(0.5) * ious.pow(6) * mask
    top = align.topk(TOPK, dim=-1).indices
    mask_pos = torch.zeros_like(mask).scatter_(-1, top, True) & mask
    multi = mask_pos.sum(1, keepdim=True) > 1
    if multi.any():
        best = F.one_hot(ious.argmax(1), m).permute(0, 2, 1).bool()
        mask_pos = torch.where(multi.expand(-1, m, -1), best, mask_pos)
    fg = mask_pos.any(1)
    idx = mask_pos.float().argmax(1)
    t_labels = gt_labels.gather(1, idx)
    t_boxes = gt_boxes.gather(1, idx[..., None].expand(-1, -1, 4))
    align = align * mask_pos
    norm = (align * (ious * mask_pos).amax(-1, keepdim=True) / (align.amax(-1, keepdim=True) + 1e-9)).amax(1)
    t_scores = F.one_hot(t_labels, c).float() * (norm * fg)[..., None]
    return fg, t_boxes, t_scores


def compute_loss(model, x, targets):
    ltrb, logits = model.raw(x)
    anchors, strides = model.anchors, model.strides
    pred = torch.cat([anchors - ltrb[..., :2], anchors + ltrb[..., 2:]], -1)
    m = max(1, max(len(t) for t in targets))
    gt = torch.zeros((len(targets), m, 5))
    mask_gt = torch.zeros((len(targets), m), dtype=torch.bool)
    for i, t in enumerate(targets):
        gt[i, : len(t)] = t
        mask_gt[i, : len(t)] = True
    fg, t_boxes, t_scores = assign(logits.detach().sigmoid(), pred.detach(), anchors, gt[..., 0].long(), gt[..., 1:], mask_gt)
    tss = t_scores.sum().clamp(min=1)
    l_cls = F.binary_cross_entropy_with_logits(logits, t_scores, reduction="sum") / tss
    w = t_scores.sum(-1)[fg]
    l_iou = ((1 - ciou(pred[fg], t_boxes[fg])) * w).sum() / tss
    a = anchors[None].expand(len(targets), -1, -1)[fg]
    s = strides[None].expand(len(targets), -1)[fg][:, None]
    t_ltrb = torch.cat([a - t_boxes[fg][:, :2], t_boxes[fg][:, 2:] - a], -1).clamp(min=0) / s
    l_l1 = ((ltrb[fg] / s - t_ltrb).abs().mean(-1) * w).sum() / tss
    parts = {"iou": l_iou, "cls": l_cls, "l1": l_l1}
    return sum(GAIN[k] * v for k, v in parts.items()), {k: v.item() for k, v in parts.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/data")
    ap.add_argument("--out", default=".train/run")
    ap.add_argument("--iters", type=int, default=2500)
    args = ap.parse_args()

    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(SEED)
    os.makedirs(args.out, exist_ok=True)

    t0 = time.time()
    imgs, targets, manifest = load_set(os.path.join(args.data, "train"))
    slices = {(e["shift"], e["camera"], e["defectSize"]) for e in manifest["images"]}
    assert slices == {("day", "nominal", "large")}, f"training data must be the development slice only, got {slices}"
    print(f"loaded {len(imgs)} training images in {time.time() - t0:.0f} s", flush=True)

    model = Detector()
    ema = copy.deepcopy(model).eval()
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim > 1 else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=(0.937, 0.999))

    order = torch.randperm(len(imgs), generator=gen)
    pos = 0
    log = []
    t0 = time.time()
    model.train()
    for it in range(args.iters):
        lr = LR * min(1.0, (it + 1) / WARMUP) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * it / args.iters)))
        for g in opt.param_groups:
            g["lr"] = lr
        if pos + BATCH > len(order):
            order, pos = torch.randperm(len(imgs), generator=gen), 0
        idx = order[pos : pos + BATCH]
        pos += BATCH
        x, t = augment(imgs[idx], [targets[i] for i in idx], gen)
        loss, parts = compute_loss(model, x, t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        with torch.no_grad():
            d = 0.999 * (1 - math.exp(-(it + 1) / 500))
            for e, v in zip(ema.state_dict().values(), model.state_dict().values()):
                if e.dtype.is_floating_point:
                    e.mul_(d).add_(v.detach(), alpha=1 - d)
                else:
                    e.copy_(v)
        if it % 50 == 0 or it == args.iters - 1:
            row = {"iter": it, "lr": round(lr, 6), "loss": round(loss.item(), 4), **{k: round(v, 4) for k, v in parts.items()}, "s": round(time.time() - t0)}
            log.append(row)
            print(json.dumps(row), flush=True)

    torch.save(ema.state_dict(), os.path.join(args.out, "detector.pt"))
    info = {
        "arch": ARCH,
        "params": sum(p.numel() for p in model.parameters()),
        "iterations": args.iters,
        "batch": BATCH,
        "optimizer": f"AdamW lr {LR} (warm-up {WARMUP}, cosine to 2%), weight decay {WEIGHT_DECAY}, EMA",
        "loss": f"task-aligned assignment (top-{TOPK}); {GAIN['iou']}·CIoU + {GAIN['cls']}·BCE + {GAIN['l1']}·L1(ltrb/stride)",
        "augmentation": "horizontal flip 0.5, brightness ×[0.88, 1.12], saturation ×[0.7, 1.3]",
        "seed": SEED,
        "torch": torch.__version__,
        "train_images": len(imgs),
        "seconds": round(time.time() - t0),
        "log": log,
    }
    with open(os.path.join(args.out, "train.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"done in {info['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
