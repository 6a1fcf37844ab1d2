"""Export the trained detector to ONNX in the Ultralytics YOLOv8 layout.

    /usr/bin/python3 models/train/export.py [--weights .train/run/detector.pt] [--out models/demo-detector.onnx]

Debian's python3-torch and python3-onnx. Input `images` [1, 3, 320, 320] float32
(letterboxed RGB / 255), one output `output0` [1, 8, 2100]: cx, cy, w, h in input
pixels, then the four class scores after sigmoid. Batch norm is folded into the
convolutions. metadata_props follow an Ultralytics export (names, imgsz, stride, task, batch, …).
The fp16 and int8 variants are made from this file by variants.py.
"""
import argparse
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import IMGSZ, NAMES, STRIDES, Detector  # noqa: E402

VERSION = "1.0.0"
LICENSE = "Same licence as Loupe; trained only on images the Loupe demo generator renders, no third-party data or weights"


def metadata(precision):
    """The metadata_props an Ultralytics export carries, with this model's values."""
    return {
        "description": f"Loupe demo defect detector ({precision}), tiny YOLOv8-style, trained on generated day-shift / nominal-camera / large-defect frames",
        "author": "Loupe",
        "version": VERSION,
        "license": LICENSE,
        "stride": str(max(STRIDES)),
        "task": "detect",
        "batch": "1",
        "imgsz": str([IMGSZ, IMGSZ]),
        "names": str(dict(enumerate(NAMES))),
    }


def set_metadata(model, precision):
    del model.metadata_props[:]
    for k, v in metadata(precision).items():
        model.metadata_props.add(key=k, value=v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=".train/run/detector.pt")
    ap.add_argument("--out", default="models/demo-detector.onnx")
    args = ap.parse_args()

    net = Detector()
    net.load_state_dict(torch.load(args.weights, map_location="cpu"))
    net.eval()
    x = torch.zeros(1, 3, IMGSZ, IMGSZ)
    torch.onnx.export(net, x, args.out, opset_version=17, input_names=["images"], output_names=["output0"], do_constant_folding=True)

    model = onnx.load(args.out)
    set_metadata(model, "fp32")
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    ops = sorted({n.op_type for n in model.graph.node})
    out = model.graph.output[0].type.tensor_type.shape
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, output0 {[d.dim_value for d in out.dim]}, ops {ops}")
    assert "BatchNormalization" not in ops, "batch norm should be folded into the convolutions"


if __name__ == "__main__":
    main()
