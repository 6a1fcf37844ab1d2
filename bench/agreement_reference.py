#!/usr/bin/env python3
"""Reference agreement figures for bench/agreement.ts, from SciPy.

Run: python3 bench/agreement_reference.py DATA.json   (scipy, numpy)

DATA.json is what the bench exports: {"iou": t, "images": [{"imageId": n,
"people": {"<annotator id>": [[classId, x, y, w, h], ...]}}]}, each person's boxes
in box id order. Prints one JSON object on stdout: the load and compute seconds and
each pair's totals over all images (images, matchedSame, matchedOther, onlyA, onlyB,
iouSum, f1, meanIoU), which the bench compares with Loupe's report.

The matching rule is that of test/fixtures/agreement/make_golden.py (ARCHITECTURE.md
section 3): pass 1 solves scipy.optimize.linear_sum_assignment on the full matrix of
all A boxes by all B boxes, cost 1 - IoU where IoU >= t and the classes agree, and a
forbidden cost M = min(rows, cols) + 1 elsewhere; forbidden pairs of the optimum are
dropped. Pass 2 does the same on the boxes left over, ignoring class. The IoU matrix is
computed with NumPy element-wise in the same operation order as the TypeScript, so the
values agree bit for bit; only the order of the per-pair IoU sums differs.
"""
import itertools
import json
import sys
import time

import os

import numpy as np
from scipy.optimize import linear_sum_assignment

# F1 and mean IoU of a pair's totals: the golden script's own definitions.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "agreement"))
from make_golden import f1, mean_iou  # noqa: E402


def iou_matrix(A, B):
    """IoU of every A box with every B box; rows of A and B are [class, x, y, w, h]."""
    ax, ay, aw, ah = A[:, 1:2], A[:, 2:3], A[:, 3:4], A[:, 4:5]
    bx, by, bw, bh = B[:, 1], B[:, 2], B[:, 3], B[:, 4]
    iw = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    ih = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        v = inter / union
    return np.where((iw > 0) & (ih > 0) & (union > 0), v, 0.0)


def solve(allowed):
    """(rows, cols) of the lexicographic optimum over the allowed pairs (allowed: IoU, or NaN when not allowed)."""
    n, m = allowed.shape
    if n == 0 or m == 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    big = float(min(n, m) + 1)
    ok = ~np.isnan(allowed)
    cost = np.where(ok, 1.0 - np.nan_to_num(allowed), big)
    r, c = linear_sum_assignment(cost)
    keep = ok[r, c]
    return r[keep], c[keep]


def match_pair(A, B, t):
    """Counts of one pair on one image under the two-pass rule."""
    counts = [0, 0, 0, 0, 0.0]  # matchedSame, matchedOther, onlyA, onlyB, iouSum
    if len(A) == 0 or len(B) == 0:
        counts[2], counts[3] = len(A), len(B)
        return counts
    v = iou_matrix(A, B)
    over = v >= t
    same = over & (A[:, 0:1] == B[:, 0][None, :])
    r1, c1 = solve(np.where(same, v, np.nan))
    left_a = np.setdiff1d(np.arange(len(A)), r1)
    left_b = np.setdiff1d(np.arange(len(B)), c1)
    sub = v[np.ix_(left_a, left_b)]
    r2, c2 = solve(np.where(over[np.ix_(left_a, left_b)], sub, np.nan))
    ra = np.concatenate([r1, left_a[r2]])
    cb = np.concatenate([c1, left_b[c2]])
    matched = len(ra)
    same_class = int(np.count_nonzero(A[ra, 0] == B[cb, 0]))
    counts[0] = same_class
    counts[1] = matched - same_class
    counts[2] = len(A) - matched
    counts[3] = len(B) - matched
    counts[4] = float(sum(float(x) for x in v[ra, cb]))
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: agreement_reference.py DATA.json")
    t0 = time.perf_counter()
    with open(sys.argv[1]) as f:
        data = json.load(f)
    t = float(data["iou"])
    images = [
        {int(k): np.array(v, dtype=np.float64).reshape(-1, 5) for k, v in img["people"].items()}
        for img in data["images"]
    ]
    t1 = time.perf_counter()
    totals = {}
    for people in images:
        for p, q in itertools.combinations(sorted(people), 2):
            c = match_pair(people[p], people[q], t)
            tot = totals.setdefault((p, q), [0, 0, 0, 0, 0, 0.0])
            tot[0] += 1
            for k in range(5):
                tot[k + 1] += c[k]
    t2 = time.perf_counter()
    pairs = []
    for (p, q), tot in sorted(totals.items()):
        counts = {"matchedSame": tot[1], "matchedOther": tot[2], "onlyA": tot[3], "onlyB": tot[4], "iouSum": tot[5]}
        pairs.append({"a": p, "b": q, "images": tot[0], "counts": counts, "f1": f1(counts), "meanIoU": mean_iou(counts)})
    json.dump({"loadSeconds": t1 - t0, "computeSeconds": t2 - t1, "images": len(images), "pairs": pairs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
