/** The inference core's public surface: load a YOLO ONNX export, detect in-thread or in a worker pool, write COCO results. */
export { loadModel, LoadedModel, percentile, type DetectResult, type Latency, type LoadOptions, type ModelInfo, type Prepared, type TensorDtype } from './model.ts';
export { DetectorPool, type PoolOptions } from './DetectorPool.ts';
export { decodeOutput, detectLayout, postprocess, resolveParams, toOriginal, MAX_NMS, SUPPORTED_LAYOUTS, type DetectParams, type Detection, type Layout, type ResolvedParams } from './decode.ts';
export { nms, iou, type Candidate } from './nms.ts';
export { letterbox, letterboxGeometry, pyRound, PAD_VALUE, type LetterboxGeometry, type RgbImage } from './letterbox.ts';
export { decodeImage, type ImageSource } from './imageInput.ts';
export { parseClassesFile, parseNamesLiteral, NamesError } from './classNames.ts';
export { readOnnxModel, OnnxFormatError, type OnnxModelHeader, type OnnxValueInfo } from './onnxProto.ts';
export { toCocoResults, writeCocoResults, type CocoResult } from './cocoResults.ts';
