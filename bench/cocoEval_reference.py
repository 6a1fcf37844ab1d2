#!/usr/bin/env python3
"""pycocotools on the files bench/cocoEval.ts writes, for its CLI comparison.

Run: python3 bench/cocoEval_reference.py INSTANCES.json RESULTS.json [--pycocotools-path DIR]

The usual pycocotools script: COCO(instances), loadRes(results), COCOeval(gt, dt,
'bbox'), evaluate(), accumulate(), summarize(). With --pycocotools-path, pycocotools is
imported from DIR (DIR/pycocotools/{coco,cocoeval,mask}.py, as
test/fixtures/cocoEval/README.md describes) instead of the installed package. Prints one
JSON object on stdout: the seconds of loading (both files), evaluate() and accumulate(),
the twelve stats, and where pycocotools came from; its own prints go to stderr.
"""
import contextlib
import json
import sys
import time

args = sys.argv[1:]
if "--pycocotools-path" in args:
    i = args.index("--pycocotools-path")
    sys.path.insert(0, args[i + 1])
    del args[i:i + 2]
gt_file, dt_file = args

import numpy as np  # noqa: E402
import pycocotools  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

with contextlib.redirect_stdout(sys.stderr):
    t0 = time.perf_counter()
    gt = COCO(gt_file)
    dt = gt.loadRes(dt_file)
    t1 = time.perf_counter()
    E = COCOeval(gt, dt, "bbox")
    E.evaluate()
    t2 = time.perf_counter()
    E.accumulate()
    t3 = time.perf_counter()
    E.summarize()

try:
    import importlib.metadata
    version = importlib.metadata.version("pycocotools")
except Exception:
    version = None
print(json.dumps({
    "pycocotools": version or "sources at " + pycocotools.__path__[0],
    "numpy": np.__version__,
    "loadSeconds": round(t1 - t0, 3),
    "evaluateSeconds": round(t2 - t1, 3),
    "accumulateSeconds": round(t3 - t2, 3),
    "stats": [float(v) for v in E.stats],
}))
