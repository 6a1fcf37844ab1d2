import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { NamesError, parseClassesFile, parseNamesLiteral } from './classNames.ts';
import { detectLayout, formatShape, postprocess, resolveParams, SUPPORTED_LAYOUTS, type DetectParams, type Detection, type Layout } from './decode.ts';
import { float16ArrayToFloat32 } from './float16.ts';
import { decodeImage, type ImageSource } from './imageInput.ts';
import { grayInput, letterbox, type LetterboxGeometry, type RgbImage } from './letterbox.ts';
import { OnnxFormatError, readOnnxModel, type OnnxValueInfo } from './onnxProto.ts';

/** Input and output element types the loader accepts. */
export type TensorDtype = 'float32' | 'float16';

/** What a loaded detector is, for display, storage (model_runs) and preprocessing. */
export interface ModelInfo {
  /** The path it was loaded from. */
  file: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  inputName: string;
  outputName: string;
  /** The letterbox target size. */
  inputSize: { w: number; h: number };
  /** True when the input's height or width is symbolic (size from `imgsz` metadata, else 640). */
  dynamic: boolean;
  /** Element type of the input tensor (the output's may differ; both are handled). */
  dtype: TensorDtype;
  layout: Layout;
  /** Class names by 0-based index. */
  classes: string[];
  classesSource: 'metadata' | 'file';
  /** The output dims of a run at `inputSize`. */
  outputShape: number[];
  /** Input dims as declared in the graph (symbolic dims by name). */
  declaredInputShape: (number | string | null)[];
  producer: string;
  /** The default-domain opset the model was exported with. */
  opset: number;
  /** All metadata_props of the model. */
  metadata: Record<string, string>;
}

/** Options for `loadModel`. */
export interface LoadOptions {
  /** Class names (one per line, or a data.yaml with `names:`); when given, it takes precedence over the model's `names`. */
  classesFile?: string;
  /** onnxruntime intra-op threads for this session (default: onnxruntime's own choice, all cores). */
  intraOpThreads?: number;
  /**
   * Let onnxruntime's idle threads spin-wait (default false: on a shared or
   * busy CPU spinning threads slow every other thread down, often the model itself).
   */
  allowSpinning?: boolean;
}

/** An image decoded and letterboxed, ready for `infer`. */
export interface Prepared {
  /** Original size in display orientation. */
  width: number;
  height: number;
  geometry: LetterboxGeometry;
  /** The NCHW input tensor's data (float16 as bit patterns). */
  input: Float32Array | Uint16Array;
}

/** Detections on one image, in its original pixels. */
export interface DetectResult {
  width: number;
  height: number;
  boxes: Detection[];
}

/** session.run latency percentiles in milliseconds. */
export interface Latency {
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

/** Input buffers a model keeps for reuse: enough for a worker's decode-ahead. */
const MAX_SPARE_INPUTS = 4;

/** A detector ready to run in this thread. Create with `loadModel`; call `release` when done. */
export class LoadedModel {
  private readonly spare: (Float32Array | Uint16Array)[] = [];

  private constructor(
    readonly info: ModelInfo,
    private readonly session: ort.InferenceSession,
  ) {}

  /** @internal use `loadModel`. */
  static async open(file: string, opts: LoadOptions = {}): Promise<LoadedModel> {
    const name = path.basename(file);
    const bad = (msg: string) => new LoupeError('bad_model', `${name}: ${msg}`);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LoupeError('not_found', `${file}: no such model file`);
      if (code === 'EISDIR') throw new LoupeError('bad_model', `${file} is a folder, not an .onnx model file`);
      throw new LoupeError('io', `${file}: cannot read the model: ${messageOf(err)}`);
    }
    let header;
    try {
      header = readOnnxModel(bytes);
    } catch (err) {
      if (err instanceof OnnxFormatError) throw bad(`not a readable ONNX model (${err.message})`);
      throw err;
    }
    const io = describeIo(header.inputs, header.outputs);
    if (header.inputs.length !== 1) throw bad(`the model has ${header.inputs.length} inputs (${io}); a detector takes one image input [1, 3, H, W]`);
    if (header.outputs.length !== 1) {
      throw bad(`the model has ${header.outputs.length} outputs (${io}); a detector has one output, supported: ${SUPPORTED_LAYOUTS}`);
    }
    const [input] = header.inputs;
    const [output] = header.outputs;
    const dims = input.dims;
    const channelsOk = dims && dims.length === 4 && (dims[1] === 3 || typeof dims[1] !== 'number') && (dims[0] === 1 || typeof dims[0] !== 'number');
    if (!channelsOk) throw bad(`input ${input.name} ${formatShape(dims)} is not an image batch [1, 3, H, W] (${io})`);
    if (input.elemTypeName !== 'float32' && input.elemTypeName !== 'float16') {
      throw bad(`input ${input.name} is ${input.elemTypeName}; supported: float32 or float16 (${io})`);
    }
    if (output.elemTypeName !== 'float32' && output.elemTypeName !== 'float16') {
      throw bad(`output ${output.name} is ${output.elemTypeName}; supported: float32 or float16 (${io})`);
    }
    if (output.dims && output.dims.length !== 3) throw bad(`output ${formatShape(output.dims)} is not a detection layout; supported: ${SUPPORTED_LAYOUTS} (${io})`);

    const { classes, classesSource } = await readClasses(name, header.metadata, opts.classesFile);
    const size = inputSize(dims, header.metadata.imgsz);

    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: opts.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: opts.allowSpinning ? '1' : '0' } } },
      });
    } catch (err) {
      throw bad(`onnxruntime cannot load the model: ${messageOf(err)}`);
    }
    const dtype = input.elemTypeName as TensorDtype;
    const info: ModelInfo = {
      file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      inputName: input.name,
      outputName: output.name,
      inputSize: { w: size.w, h: size.h },
      dynamic: size.dynamic,
      dtype,
      layout: 'v8',
      classes,
      classesSource,
      outputShape: [],
      declaredInputShape: dims,
      producer: [header.producerName, header.producerVersion].filter(Boolean).join(' '),
      opset: header.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0,
      metadata: header.metadata,
    };
    const model = new LoadedModel(info, session);
    try {
      // One run on a gray image gives the real output dims (exports often declare them symbolically) and warms up.
      let out: { data: Float32Array; dims: number[] };
      try {
        out = await model.run(grayInput(size.w, size.h, dtype));
      } catch (err) {
        throw bad(`a test run on a gray ${size.w}×${size.h} image failed: ${messageOf(err)}`);
      }
      info.outputShape = out.dims;
      try {
        info.layout = detectLayout(out.dims, { numClasses: classes.length, inputW: size.w, inputH: size.h, end2end: endToEndHint(header.metadata) });
      } catch (err) {
        throw bad(`${messageOf(err)} (${io}; ${classes.length} class names from the ${classesSource === 'file' ? 'classes file' : "model's names"})`);
      }
    } catch (err) {
      await session.release();
      throw err;
    }
    return model;
  }

  /** Decode and letterbox an image file or buffer (`syncRead`: see decodeImage). */
  async prepare(src: ImageSource, opts?: { syncRead?: boolean }): Promise<Prepared> {
    return this.prepareImage(await decodeImage(src, opts));
  }

  /** Letterbox already decoded RGB pixels. */
  prepareImage(img: RgbImage): Prepared {
    const { data, geometry } = letterbox(img, this.info.inputSize.w, this.info.inputSize.h, this.info.dtype, this.spare.pop());
    return { width: img.width, height: img.height, geometry, input: data };
  }

  /**
   * Hand a prepared image's input buffer back once it has been run, so the next
   * `prepare` fills it instead of allocating (and clearing) a new tensor. The
   * Prepared must not be used again.
   */
  recycle(prep: Prepared): void {
    if (this.spare.length < MAX_SPARE_INPUTS && !this.spare.includes(prep.input)) this.spare.push(prep.input);
  }

  /** Run the model on a prepared image and post-process its output. */
  async infer(prep: Prepared, params?: DetectParams): Promise<DetectResult> {
    const p = resolveParams(params);
    const out = await this.run(prep.input);
    const boxes = postprocess(out.data, out.dims, this.info.layout, prep.geometry, p, this.info.classes.length);
    return { width: prep.width, height: prep.height, boxes };
  }

  /** Detect objects in one image: decode, letterbox, run, NMS, map back to original pixels. */
  async detect(src: ImageSource, params?: DetectParams): Promise<DetectResult> {
    resolveParams(params);
    const prep = await this.prepare(src);
    try {
      return await this.infer(prep, params);
    } finally {
      this.recycle(prep);
    }
  }

  /** Bare session.run on an input tensor's data; float16 outputs come back as float32. */
  async run(input: Float32Array | Uint16Array): Promise<{ data: Float32Array; dims: number[] }> {
    const { w, h } = this.info.inputSize;
    const tensor = this.info.dtype === 'float16' ? new ort.Tensor('float16', input as Uint16Array, [1, 3, h, w]) : new ort.Tensor('float32', input as Float32Array, [1, 3, h, w]);
    const result = await this.session.run({ [this.info.inputName]: tensor });
    const out = result[this.info.outputName] as ort.Tensor;
    const dims = [...out.dims];
    if (out.type === 'float16') return { data: float16ArrayToFloat32(out.data as Uint16Array), dims };
    if (out.type === 'float32') return { data: out.data as Float32Array, dims };
    throw new LoupeError('bad_model', `${path.basename(this.info.file)}: output is ${out.type}; supported: float32 or float16`);
  }

  /** session.run latency on a letterboxed gray image, measured in this thread after `warmup` unmeasured runs. */
  async latency(runs = 20, warmup = 3): Promise<Latency> {
    if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
      throw new LoupeError('bad_request', `latency needs runs ≥ 1 and warmup ≥ 0, got ${runs} and ${warmup}`);
    }
    const input = grayInput(this.info.inputSize.w, this.info.inputSize.h, this.info.dtype);
    for (let i = 0; i < warmup; i++) await this.run(input);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await this.run(input);
      times.push(performance.now() - t0);
    }
    return { p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), runs };
  }

  /** Free the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Load an Ultralytics detection export; throws LoupeError ('bad_model', 'not_found', …) saying what is wrong. */
export function loadModel(file: string, opts?: LoadOptions): Promise<LoadedModel> {
  return LoadedModel.open(file, opts);
}

/** Linear-interpolated percentile, as numpy.percentile computes it. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Ultralytics writes `end2end` (v10/26) and, for exports with NMS built in, `'nms': True` in `args`. */
function endToEndHint(metadata: Record<string, string>): boolean | undefined {
  if (metadata.end2end === 'True' || /'nms':\s*True/.test(metadata.args ?? '')) return true;
  if (metadata.end2end === 'False') return false;
  return undefined;
}

function describeIo(inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): string {
  const one = (v: OnnxValueInfo) => `${v.name} ${formatShape(v.dims)} ${v.elemTypeName}`;
  const list = (vs: OnnxValueInfo[]) => (vs.length ? vs.map(one).join(', ') : 'none');
  return `${inputs.length === 1 ? 'input' : 'inputs'} ${list(inputs)}; ${outputs.length === 1 ? 'output' : 'outputs'} ${list(outputs)}`;
}

/** Input size: static dims as declared; a symbolic height or width from `imgsz` metadata ("[h, w]" or "n"), else 640. */
function inputSize(dims: (number | string | null)[], imgsz: string | undefined): { w: number; h: number; dynamic: boolean } {
  let meta: [number, number] = [640, 640];
  const nums = imgsz?.match(/\d+/g)?.map(Number) ?? [];
  if ((nums.length === 1 || nums.length === 2) && nums.every((n) => n >= 32 && n <= 8192)) meta = nums.length === 1 ? [nums[0], nums[0]] : [nums[0], nums[1]];
  const fixed = (d: number | string | null) => typeof d === 'number' && d > 0;
  return {
    h: fixed(dims[2]) ? (dims[2] as number) : meta[0],
    w: fixed(dims[3]) ? (dims[3] as number) : meta[1],
    dynamic: !fixed(dims[2]) || !fixed(dims[3]),
  };
}

async function readClasses(name: string, metadata: Record<string, string>, classesFile: string | undefined): Promise<{ classes: string[]; classesSource: 'metadata' | 'file' }> {
  if (classesFile !== undefined) {
    let text: string;
    try {
      text = await fs.readFile(classesFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LoupeError('not_found', `${classesFile}: no such classes file`);
      throw new LoupeError('io', `${classesFile}: cannot read the classes file: ${messageOf(err)}`);
    }
    try {
      return { classes: parseClassesFile(text), classesSource: 'file' };
    } catch (err) {
      if (err instanceof NamesError) throw new LoupeError('bad_request', `${path.basename(classesFile)}: ${err.message}`);
      throw err;
    }
  }
  if (metadata.names === undefined) {
    throw new LoupeError('bad_model', `${name} has no 'names' metadata; give a classes file (one class name per line, or a data.yaml with names:)`);
  }
  try {
    return { classes: parseNamesLiteral(metadata.names), classesSource: 'metadata' };
  } catch (err) {
    if (err instanceof NamesError) throw new LoupeError('bad_model', `${name}: cannot read the class names in its 'names' metadata: ${err.message}`);
    throw err;
  }
}
