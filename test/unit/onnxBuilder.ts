/**
 * A hand-written protobuf writer for small ONNX models, so the inference tests
 * run onnxruntime on real graphs built in the test suite (no Python, no binary
 * fixtures). Covers what those graphs need: typed inputs/outputs with static or
 * symbolic dims, initializers, nodes with attributes, opsets and metadata_props.
 */
import { float32ToFloat16 } from '../../app/inference/float16.ts';

/** Element types the builder writes, by onnxruntime name. */
export type BuilderDtype = 'float32' | 'float16' | 'int64' | 'int32';

const DTYPE: Record<BuilderDtype, number> = { float32: 1, int32: 6, int64: 7, float16: 10 };

/** A constant tensor stored as raw_data. */
export interface TensorSpec {
  name: string;
  dtype: BuilderDtype;
  dims: number[];
  values: ArrayLike<number>;
}

/** A graph input or output; a string dim becomes a dim_param, null an unknown dim, `dims: null` no shape. */
export interface ValueSpec {
  name: string;
  dtype: BuilderDtype;
  dims: (number | string | null)[] | null;
}

/** An attribute value: INT, INTS, STRING, FLOAT or TENSOR. */
export type AttrValue = number | number[] | string | { float: number } | { tensor: TensorSpec };

/** One node; attribute numbers are INTs unless wrapped as `{ float }`. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

/** A whole model. */
export interface ModelSpec {
  irVersion?: number;
  opset?: number;
  producer?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  nodes: NodeSpec[];
  metadata?: Record<string, string>;
}

class Writer {
  private parts: number[] = [];

  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.parts.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.parts.push(Number(n));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.parts.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function rawData(t: TensorSpec): Uint8Array {
  const n = t.values.length;
  switch (t.dtype) {
    case 'float32':
      return new Uint8Array(Float32Array.from(t.values).buffer);
    case 'float16': {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = float32ToFloat16(t.values[i]);
      return new Uint8Array(h.buffer);
    }
    case 'int32':
      return new Uint8Array(Int32Array.from(t.values).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(v))).buffer);
  }
}

function tensor(t: TensorSpec): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, DTYPE[t.dtype]);
  w.string(8, t.name);
  w.bytes(9, rawData(t));
  return w;
}

function valueInfo(v: ValueSpec): Writer {
  const tensorType = new Writer().int(1, DTYPE[v.dtype]);
  if (v.dims) {
    const shape = new Writer();
    for (const d of v.dims) {
      const dim = new Writer();
      if (typeof d === 'number') dim.int(1, d);
      else if (typeof d === 'string') dim.string(2, d);
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function attribute(name: string, v: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof v === 'number') return w.int(20, 2).int(3, v);
  if (typeof v === 'string') return w.int(20, 3).string(4, v);
  if (Array.isArray(v)) {
    w.int(20, 7);
    for (const x of v) w.int(8, x);
    return w;
  }
  if ('float' in v) return w.int(20, 1).float(2, v.float);
  return w.int(20, 4).message(5, tensor(v.tensor));
}

function node(n: NodeSpec, i: number): Writer {
  const w = new Writer();
  for (const x of n.inputs) w.string(1, x);
  for (const x of n.outputs) w.string(2, x);
  w.string(3, `${n.op}_${i}`);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, v));
  if (n.domain) w.string(7, n.domain);
  return w;
}

/** Serialise a ModelProto. */
export function buildModel(spec: ModelSpec): Buffer {
  const graph = new Writer();
  spec.nodes.forEach((n, i) => graph.message(1, node(n, i)));
  graph.string(2, 'test_graph');
  for (const t of spec.initializers ?? []) graph.message(5, tensor(t));
  for (const v of spec.inputs) graph.message(11, valueInfo(v));
  for (const v of spec.outputs) graph.message(12, valueInfo(v));

  const model = new Writer();
  model.int(1, spec.irVersion ?? 8);
  model.string(2, spec.producer ?? 'loupe-test');
  model.string(3, '1.0');
  model.message(7, graph);
  model.message(8, new Writer().string(1, '').int(2, spec.opset ?? 13));
  for (const [k, v] of Object.entries(spec.metadata ?? {})) model.message(14, new Writer().string(1, k).string(2, v));
  return Buffer.from(model.finish());
}

/** Options for `constantOutputModel`. */
export interface ConstantModelSpec {
  inputDtype?: 'float32' | 'float16';
  inputDims?: (number | string)[];
  outputDtype?: 'float32' | 'float16';
  outputDims: number[];
  /** How the output's dims are declared; defaults to `outputDims`. */
  declaredOutputDims?: (number | string | null)[] | null;
  /** The raw predictions the model emits, row-major over `outputDims`. */
  values: ArrayLike<number>;
  metadata?: Record<string, string>;
  inputName?: string;
  outputName?: string;
}

/**
 * A model whose single output is a fixed tensor, made to depend on the input
 * (out = C + 0·ReduceSum(x)) so onnxruntime really reads the image on every run.
 */
export function constantOutputModel(s: ConstantModelSpec): Buffer {
  const inName = s.inputName ?? 'images';
  const outName = s.outputName ?? 'output0';
  const nodes: NodeSpec[] = [];
  let x = inName;
  if (s.inputDtype === 'float16') {
    nodes.push({ op: 'Cast', inputs: [inName], outputs: ['x32'], attrs: { to: 1 } });
    x = 'x32';
  }
  nodes.push({ op: 'ReduceSum', inputs: [x], outputs: ['sum'], attrs: { keepdims: 0 } });
  nodes.push({ op: 'Mul', inputs: ['sum', 'zero'], outputs: ['nothing'] });
  const f16out = s.outputDtype === 'float16';
  nodes.push({ op: 'Add', inputs: ['preds', 'nothing'], outputs: [f16out ? 'y32' : outName] });
  if (f16out) nodes.push({ op: 'Cast', inputs: ['y32'], outputs: [outName], attrs: { to: 10 } });
  return buildModel({
    inputs: [{ name: inName, dtype: s.inputDtype ?? 'float32', dims: s.inputDims ?? [1, 3, 640, 640] }],
    outputs: [{ name: outName, dtype: s.outputDtype ?? 'float32', dims: s.declaredOutputDims === undefined ? s.outputDims : s.declaredOutputDims }],
    initializers: [
      { name: 'preds', dtype: 'float32', dims: s.outputDims, values: s.values },
      { name: 'zero', dtype: 'float32', dims: [], values: [0] },
    ],
    nodes,
    metadata: s.metadata,
  });
}

/** A Python dict literal of class names like Ultralytics writes into `names`. */
export function namesLiteral(names: string[]): string {
  return `{${names.map((n, i) => `${i}: '${n.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}}`;
}

/** A box to plant in a raw YOLO output, in model-input pixels (corners). */
export interface PlantedBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
  /** v5 only: objectness (default 1, so the class score is the score). */
  objectness?: number;
}

/** Raw `[1, 4+nc, n]` (YOLOv8/11) predictions: the planted boxes in the first anchors, zero scores elsewhere. */
export function v8Output(boxes: PlantedBox[], nc: number, n: number): { dims: number[]; values: Float32Array } {
  const v = new Float32Array((4 + nc) * n);
  boxes.forEach((b, i) => {
    v[i] = (b.x1 + b.x2) / 2;
    v[n + i] = (b.y1 + b.y2) / 2;
    v[2 * n + i] = b.x2 - b.x1;
    v[3 * n + i] = b.y2 - b.y1;
    v[(4 + b.classIndex) * n + i] = b.score;
  });
  return { dims: [1, 4 + nc, n], values: v };
}

/** Raw `[1, n, 5+nc]` (YOLOv5) predictions; class score = score / objectness. */
export function v5Output(boxes: PlantedBox[], nc: number, n: number): { dims: number[]; values: Float32Array } {
  const f = 5 + nc;
  const v = new Float32Array(n * f);
  boxes.forEach((b, i) => {
    const obj = b.objectness ?? 1;
    v.set([(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2, b.x2 - b.x1, b.y2 - b.y1, obj], i * f);
    v[i * f + 5 + b.classIndex] = b.score / obj;
  });
  return { dims: [1, n, f], values: v };
}

/** Raw `[1, k, 6]` end-to-end predictions (x1, y1, x2, y2, score, class). */
export function e2eOutput(boxes: PlantedBox[], k: number): { dims: number[]; values: Float32Array } {
  const v = new Float32Array(k * 6);
  boxes.forEach((b, i) => v.set([b.x1, b.y1, b.x2, b.y2, b.score, b.classIndex], i * 6));
  return { dims: [1, k, 6], values: v };
}
