"""Make the fp16 and int8 variants of models/demo-detector.onnx.

    .train/venv/bin/python models/train/variants.py [--data .train/data] [--models models]

Needs the venv (onnx, onnxruntime, numpy, opencv-python-headless from pip's local index).
fp16: every float tensor, input and output included, becomes float16.
int8: static QDQ quantisation of the convolutions (per channel), calibrated on 64
training images. The box decoding and sigmoids after the heads stay in float, so
the one output, which mixes pixel coordinates with scores, is never squeezed
into a single int8 scale. Both keep the fp32 file's metadata.
"""
import argparse
import json
import os
import sys
import tempfile

import cv2
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.transformers.float16 import convert_float_to_float16

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lb import letterbox  # noqa: E402

CALIBRATION_IMAGES = 64
IMGSZ = 320


class Reader(CalibrationDataReader):
    def __init__(self, folder):
        with open(os.path.join(folder, "manifest.json")) as f:
            files = [e["file"] for e in json.load(f)["images"]][:CALIBRATION_IMAGES]
        self.items = iter({"images": letterbox(cv2.imread(os.path.join(folder, name)), IMGSZ)[0]} for name in files)

    def get_next(self):
        return next(self.items, None)


def with_metadata(model, src, precision):
    del model.metadata_props[:]
    for p in src.metadata_props:
        value = p.value.replace("(fp32)", f"({precision})") if p.key == "description" else p.value
        model.metadata_props.add(key=p.key, value=value)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/data")
    ap.add_argument("--models", default="models")
    args = ap.parse_args()
    src_path = os.path.join(args.models, "demo-detector.onnx")
    src = onnx.load(src_path)

    fp16 = convert_float_to_float16(onnx.load(src_path), keep_io_types=False)
    out = os.path.join(args.models, "demo-detector-fp16.onnx")
    onnx.save(with_metadata(fp16, src, "fp16"), out)
    print(f"{out}: {os.path.getsize(out)} bytes")

    # Only the convolutions are quantised; everything from the heads' outputs on stays float.
    out = os.path.join(args.models, "demo-detector-int8.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        q = os.path.join(tmp, "q.onnx")
        quantize_static(
            src_path,
            q,
            Reader(os.path.join(args.data, "train")),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Conv"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
        onnx.save(with_metadata(onnx.load(q), src, "int8"), out)
    print(f"{out}: {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
