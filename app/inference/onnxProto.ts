/**
 * A minimal reader for the parts of an ONNX ModelProto that a loader needs
 * before (or instead of) handing the file to onnxruntime: versions, producer,
 * graph inputs/outputs with element types and dims, and metadata_props, which
 * onnxruntime's JS API does not expose. Nodes and initializer payloads are
 * skipped by length, so a large model costs one pass over its tags.
 */

/** Thrown when the bytes are not a well-formed ONNX ModelProto; the message is the reason. */
export class OnnxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxFormatError';
  }
}

/** TensorProto.DataType numbers mapped to onnxruntime's type names. */
export const ONNX_ELEM_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** One graph input or output: dims are numbers, dim_param names, or null for an unnamed unknown dim. */
export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType, 0 when the value is not a tensor or has no type. */
  elemType: number;
  /** The onnxruntime type name ('float32', 'float16', …) or `type<N>` for ones without a name. */
  elemTypeName: string;
  /** null when the value has no shape at all (rank unknown). */
  dims: (number | string | null)[] | null;
}

/** What `readOnnxModel` extracts from a ModelProto. */
export interface OnnxModelHeader {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graphName: string;
  /** Graph inputs that are not initializers (IR < 4 lists initializers as inputs too). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodeCount: number;
  /** metadata_props in file order; a repeated key keeps its last value. */
  metadata: Record<string, string>;
}

const utf8 = new TextDecoder('utf-8');

/** Cursor over one protobuf message held in [pos, end) of a byte array. */
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /** Varint as a number; values past 2^53 lose precision, negative int64 come back negative. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new OnnxFormatError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      if (i === 9 && b > 1) throw new OnnxFormatError(`varint too long at byte ${this.pos - 10}`);
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result >= 2 ** 63 ? result - 2 ** 64 : result;
      scale *= 128;
    }
    throw new OnnxFormatError(`varint too long at byte ${this.pos - 10}`);
  }

  tag(): { field: number; wire: number } {
    const at = this.pos;
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (field === 0) throw new OnnxFormatError(`invalid field number 0 at byte ${at}`);
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) throw new OnnxFormatError(`invalid wire type ${wire} at byte ${at}`);
    return { field, wire };
  }

  /** A length-delimited field as a sub-reader over its bytes. */
  sub(): Reader {
    const len = this.varint();
    const start = this.pos;
    if (len < 0 || start + len > this.end) {
      throw new OnnxFormatError(`truncated: a field at byte ${start} needs ${len} bytes but only ${this.end - start} remain`);
    }
    this.pos = start + len;
    return new Reader(this.buf, start, start + len);
  }

  string(): string {
    const r = this.sub();
    return utf8.decode(this.buf.subarray(r.pos, r.end));
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.sub();
        return;
      case 5:
        this.advance(4);
        return;
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new OnnxFormatError(`truncated fixed-width field at byte ${this.pos}`);
    this.pos += n;
  }
}

/** Read a `.onnx` file's header fields; throws OnnxFormatError when the bytes are not a ModelProto. */
export function readOnnxModel(buf: Uint8Array): OnnxModelHeader {
  if (buf.length === 0) throw new OnnxFormatError('empty file');
  const r = new Reader(buf, 0, buf.length);
  const header: OnnxModelHeader = {
    irVersion: 0,
    opsets: [],
    producerName: '',
    producerVersion: '',
    graphName: '',
    inputs: [],
    outputs: [],
    nodeCount: 0,
    metadata: {},
  };
  let sawIr = false;
  let sawGraph = false;
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 0) {
      header.irVersion = r.varint();
      sawIr = true;
    } else if (field === 2 && wire === 2) header.producerName = r.string();
    else if (field === 3 && wire === 2) header.producerVersion = r.string();
    else if (field === 7 && wire === 2) {
      readGraph(r.sub(), header);
      sawGraph = true;
    } else if (field === 8 && wire === 2) header.opsets.push(readOpset(r.sub()));
    else if (field === 14 && wire === 2) {
      const [k, v] = readStringPair(r.sub());
      header.metadata[k] = v;
    } else r.skip(wire);
  }
  if (!sawIr || !sawGraph) {
    throw new OnnxFormatError(`not an ONNX model (no ${sawIr ? 'graph' : 'ir_version'} field)`);
  }
  if (header.irVersion < 1 || header.irVersion > 100) throw new OnnxFormatError(`not an ONNX model (ir_version ${header.irVersion})`);
  return header;
}

function readOpset(r: Reader): { domain: string; version: number } {
  const out = { domain: '', version: 0 };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) out.domain = r.string();
    else if (field === 2 && wire === 0) out.version = r.varint();
    else r.skip(wire);
  }
  return out;
}

function readStringPair(r: Reader): [string, string] {
  let key = '';
  let value = '';
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) key = r.string();
    else if (field === 2 && wire === 2) value = r.string();
    else r.skip(wire);
  }
  return [key, value];
}

function readGraph(r: Reader, header: OnnxModelHeader): void {
  const inputs: OnnxValueInfo[] = [];
  const initializers = new Set<string>();
  while (r.more()) {
    const { field, wire } = r.tag();
    if (wire !== 2) r.skip(wire);
    else if (field === 1) {
      r.sub();
      header.nodeCount++;
    } else if (field === 2) header.graphName = r.string();
    else if (field === 5) initializers.add(readTensorName(r.sub()));
    else if (field === 11) inputs.push(readValueInfo(r.sub()));
    else if (field === 12) header.outputs.push(readValueInfo(r.sub()));
    else r.skip(wire);
  }
  header.inputs = inputs.filter((i) => !initializers.has(i.name));
}

function readTensorName(r: Reader): string {
  let name = '';
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 8 && wire === 2) name = r.string();
    else r.skip(wire);
  }
  return name;
}

function readValueInfo(r: Reader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: 0, elemTypeName: 'type0', dims: null };
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) info.name = r.string();
    else if (field === 2 && wire === 2) readType(r.sub(), info);
    else r.skip(wire);
  }
  info.elemTypeName = ONNX_ELEM_TYPES[info.elemType] ?? `type${info.elemType}`;
  return info;
}

function readType(r: Reader, info: OnnxValueInfo): void {
  while (r.more()) {
    const { field, wire } = r.tag();
    // Only tensor_type (1) describes a plain tensor; sequences and maps are left as type 0.
    if (field === 1 && wire === 2) {
      const t = r.sub();
      while (t.more()) {
        const tag = t.tag();
        if (tag.field === 1 && tag.wire === 0) info.elemType = t.varint();
        else if (tag.field === 2 && tag.wire === 2) info.dims = readShape(t.sub());
        else t.skip(tag.wire);
      }
    } else r.skip(wire);
  }
}

function readShape(r: Reader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (r.more()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) {
      const d = r.sub();
      let dim: number | string | null = null;
      while (d.more()) {
        const tag = d.tag();
        if (tag.field === 1 && tag.wire === 0) dim = d.varint();
        else if (tag.field === 2 && tag.wire === 2) dim = d.string();
        else d.skip(tag.wire);
      }
      dims.push(dim);
    } else r.skip(wire);
  }
  return dims;
}
