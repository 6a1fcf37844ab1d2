import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, constantOutputModel } from '../../test/unit/onnxBuilder.ts';
import { OnnxFormatError, readOnnxModel } from './onnxProto.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/models/yolov8n_int8.onnx');

describe('readOnnxModel', () => {
  it('reads versions, producer, inputs/outputs with dims and dim_params, and metadata_props', () => {
    const bytes = buildModel({
      irVersion: 9,
      opset: 17,
      producer: 'pytorch',
      inputs: [{ name: 'images', dtype: 'float16', dims: ['batch', 3, 'height', null] }],
      outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 84, 8400] }],
      initializers: [{ name: 'w', dtype: 'float32', dims: [2], values: [1, 2] }],
      nodes: [{ op: 'Identity', inputs: ['images'], outputs: ['output0'] }],
      metadata: { names: "{0: 'a'}", imgsz: '[640, 640]', note: 'ünïcode ✓' },
    });
    const h = readOnnxModel(bytes);
    expect(h).toEqual({
      irVersion: 9,
      opsets: [{ domain: '', version: 17 }],
      producerName: 'pytorch',
      producerVersion: '1.0',
      graphName: 'test_graph',
      inputs: [{ name: 'images', elemType: 10, elemTypeName: 'float16', dims: ['batch', 3, 'height', null] }],
      outputs: [{ name: 'output0', elemType: 1, elemTypeName: 'float32', dims: [1, 84, 8400] }],
      nodeCount: 1,
      metadata: { names: "{0: 'a'}", imgsz: '[640, 640]', note: 'ünïcode ✓' },
    });
  });

  it('leaves initializers out of the inputs (IR < 4 lists them there) and reports a shapeless value as dims null', () => {
    const bytes = buildModel({
      irVersion: 3,
      inputs: [{ name: 'x', dtype: 'float32', dims: null }, { name: 'w', dtype: 'float32', dims: [2] }],
      outputs: [{ name: 'y', dtype: 'float32', dims: null }],
      initializers: [{ name: 'w', dtype: 'float32', dims: [2], values: [1, 2] }],
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const h = readOnnxModel(bytes);
    expect(h.inputs.map((i) => [i.name, i.dims])).toEqual([['x', null]]);
    expect(h.outputs[0].dims).toBeNull();
  });

  it('skips a large initializer without decoding it', () => {
    const big = constantOutputModel({ outputDims: [1, 84, 8400], values: new Float32Array(84 * 8400) });
    expect(big.length).toBeGreaterThan(84 * 8400 * 4);
    expect(readOnnxModel(big).outputs[0].dims).toEqual([1, 84, 8400]);
  });

  it.each([
    ['empty', Buffer.alloc(0), /^empty file$/],
    ['half a model', null, /^truncated: a field at byte \d+ needs \d+ bytes but only \d+ remain$/],
    ['text', Buffer.from('hello world, this is not protobuf'), /^(invalid|truncated|not an ONNX model)/],
    ['a valid message without a graph', Buffer.from([0x08, 0x07]), /^not an ONNX model \(no graph field\)$/],
    ['a wire type that protobuf does not have', Buffer.from([0x0f, 0x00]), /^invalid wire type 7 at byte 0$/],
  ])('rejects %s', (_, bytes, reason) => {
    const buf = bytes ?? constantOutputModel({ outputDims: [1, 7, 20], values: new Float32Array(140) }).subarray(0, 300);
    expect(() => readOnnxModel(buf)).toThrow(OnnxFormatError);
    expect(() => readOnnxModel(buf)).toThrow(reason);
  });

  it.skipIf(!fs.existsSync(REAL))('reads the real Ultralytics export', () => {
    const h = readOnnxModel(fs.readFileSync(REAL));
    expect(h.inputs).toEqual([{ name: 'images', elemType: 1, elemTypeName: 'float32', dims: [1, 3, 640, 640] }]);
    expect(h.outputs).toEqual([{ name: 'output0', elemType: 1, elemTypeName: 'float32', dims: [1, 84, 8400] }]);
    expect(h.metadata).toMatchObject({ task: 'detect', imgsz: '[640, 640]', end2end: 'False' });
    expect(h.metadata.names).toMatch(/^\{0: 'person', 1: 'bicycle'/);
    expect(h.nodeCount).toBeGreaterThan(100);
  });
});
