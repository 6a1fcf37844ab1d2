import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel, constantOutputModel, e2eOutput, namesLiteral, v5Output, v8Output, type PlantedBox } from '../../test/unit/onnxBuilder.ts';
import { imageBytes, tempDir } from '../../test/unit/fixtures.ts';
import { LoupeError } from '../domain/errors.ts';
import type { Detection } from './decode.ts';
import { letterboxGeometry, type LetterboxGeometry } from './letterbox.ts';
import { loadModel, type LoadedModel } from './model.ts';

const dir = tempDir('loupe-inference-');
const loaded: LoadedModel[] = [];
afterAll(async () => {
  for (const m of loaded.splice(0)) await m.release();
});

const NAMES = ['person', "driver's cab", 'forklift'];

/** Boxes in original pixels of an 800×500 image: two apart, one overlapping the first (same class, suppressed by NMS). */
const TRUTH: Detection[] = [
  { x: 100, y: 50, w: 200, h: 150, score: 0.9, classIndex: 0 },
  { x: 500, y: 300, w: 250, h: 180, score: 0.8, classIndex: 2 },
];
const SUPPRESSED: Detection = { x: 105, y: 55, w: 200, h: 150, score: 0.7, classIndex: 0 };
const BELOW_CONF: Detection = { x: 400, y: 10, w: 50, h: 50, score: 0.2, classIndex: 1 };

/** Original-pixel boxes to model-input corners through a letterbox geometry. */
function plant(ds: Detection[], g: LetterboxGeometry): PlantedBox[] {
  return ds.map((d) => ({
    x1: d.x * g.ratio + g.left,
    y1: d.y * g.ratio + g.top,
    x2: (d.x + d.w) * g.ratio + g.left,
    y2: (d.y + d.h) * g.ratio + g.top,
    score: d.score,
    classIndex: d.classIndex,
  }));
}

function writeModel(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

async function load(file: string, opts?: Parameters<typeof loadModel>[1]): Promise<LoadedModel> {
  const m = await loadModel(file, opts);
  loaded.push(m);
  return m;
}

function expectBoxes(actual: Detection[], expected: Detection[], digits = 3): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    expect(a.classIndex).toBe(e.classIndex);
    for (const k of ['x', 'y', 'w', 'h', 'score'] as const) expect(a[k]).toBeCloseTo(e[k], digits);
  });
}

const g640 = letterboxGeometry(800, 500, 640, 640);
const planted = plant([...TRUTH, SUPPRESSED, BELOW_CONF], g640);
const image800x500 = await imageBytes({ w: 800, h: 500, format: 'png' });
// Stored 500 wide and 800 tall; EXIF orientation 6 turns it into an 800×500 display image.
const rotatedJpeg = await imageBytes({ w: 500, h: 800, format: 'jpeg', orientation: 6 });

const layouts = {
  v8: () => v8Output(planted, NAMES.length, 40),
  v5: () => v5Output(planted.map((b, i) => ({ ...b, objectness: i === 0 ? 0.95 : 1 })), NAMES.length, 40),
  e2e: () => e2eOutput(planted.filter((_, i) => i !== 2), 10),
};

describe.each(Object.keys(layouts) as (keyof typeof layouts)[])('layout %s', (layout) => {
  const out = layouts[layout]();
  const metadata = { names: namesLiteral(NAMES), imgsz: '[640, 640]' };
  const file = writeModel(`${layout}.onnx`, constantOutputModel({ outputDims: out.dims, values: out.values, metadata }));

  it('loads with its layout, classes and input size', async () => {
    const m = await load(file);
    expect(m.info).toMatchObject({ layout, classes: NAMES, classesSource: 'metadata', inputSize: { w: 640, h: 640 }, dynamic: false, dtype: 'float32', outputShape: out.dims, inputName: 'images', outputName: 'output0', opset: 13 });
    expect(m.info.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('maps boxes back to the original pixels of a non-square image', async () => {
    const m = await load(file);
    const r = await m.detect(image800x500);
    expect([r.width, r.height]).toEqual([800, 500]);
    expectBoxes(r.boxes, TRUTH);
  });

  it('uses the display orientation of an EXIF-rotated JPEG', async () => {
    const m = await load(file);
    const r = await m.detect(rotatedJpeg);
    expect([r.width, r.height]).toEqual([800, 500]);
    expectBoxes(r.boxes, TRUTH);
  });

  it('applies conf, classes and maxDet', async () => {
    const m = await load(file);
    expectBoxes((await m.detect(image800x500, { conf: 0.1 })).boxes, [...TRUTH, BELOW_CONF]);
    expectBoxes((await m.detect(image800x500, { conf: 0.85 })).boxes, [TRUTH[0]]);
    expectBoxes((await m.detect(image800x500, { classes: [2] })).boxes, [TRUTH[1]]);
    expectBoxes((await m.detect(image800x500, { maxDet: 1 })).boxes, [TRUTH[0]]);
  });
});

describe('float16 models', () => {
  it('reads float16 input and output tensors and decodes the same boxes', async () => {
    const out = layouts.v8();
    const file = writeModel('v8_fp16.onnx', constantOutputModel({ inputDtype: 'float16', outputDtype: 'float16', outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(NAMES) } }));
    const m = await load(file);
    expect(m.info.dtype).toBe('float16');
    const prep = await m.prepare(image800x500);
    expect(prep.input).toBeInstanceOf(Uint16Array);
    // Half precision holds these coordinates to about 0.1 input pixels.
    expectBoxes((await m.infer(prep)).boxes, TRUTH, 0);
  });
});

describe('dynamic input size', () => {
  it('letterboxes to the imgsz metadata ([h, w]) when height and width are symbolic', async () => {
    const g = letterboxGeometry(800, 500, 640, 384);
    // By hand: r = min(384/500, 640/800) = 0.768, new = (614, 384), dw = 13.
    expect([g.ratio, g.newW, g.left, g.top]).toEqual([0.768, 614, 13, 0]);
    const out = v8Output(plant(TRUTH, g), NAMES.length, 30);
    const file = writeModel('dyn.onnx', constantOutputModel({
      inputDims: ['batch', 3, 'height', 'width'], outputDims: out.dims, declaredOutputDims: ['batch', 7, 'anchors'], values: out.values,
      metadata: { names: namesLiteral(NAMES), imgsz: '[384, 640]' },
    }));
    const m = await load(file);
    expect(m.info).toMatchObject({ dynamic: true, inputSize: { w: 640, h: 384 }, declaredInputShape: ['batch', 3, 'height', 'width'] });
    const prep = await m.prepare(image800x500);
    expect(prep.input.length).toBe(3 * 384 * 640);
    expect(prep.geometry).toEqual(g);
    expectBoxes((await m.infer(prep)).boxes, TRUTH);
  });

  it('falls back to 640 without imgsz metadata', async () => {
    const out = layouts.v8();
    const file = writeModel('dyn640.onnx', constantOutputModel({ inputDims: [1, 3, 'h', 'w'], outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(NAMES) } }));
    const m = await load(file);
    expect(m.info.inputSize).toEqual({ w: 640, h: 640 });
    expectBoxes((await m.detect(image800x500)).boxes, TRUTH);
  });
});

describe('export hints', () => {
  it("a one-class [1, K, 6] output exported with NMS ('nms': True in args) decodes end to end", async () => {
    const out = e2eOutput([{ ...planted[0], classIndex: 0 }], 300);
    const file = writeModel('nms1.onnx', constantOutputModel({
      outputDims: out.dims, values: out.values,
      metadata: { names: "{0: 'person'}", end2end: 'False', args: "{'batch': 1, 'nms': True}" },
    }));
    const m = await load(file);
    expect(m.info.layout).toBe('e2e');
    expectBoxes((await m.detect(image800x500)).boxes, [{ ...TRUTH[0], classIndex: 0 }]);
  });
});

describe('class names', () => {
  const out = layouts.v8();
  const noNames = writeModel('nonames.onnx', constantOutputModel({ outputDims: out.dims, values: out.values }));

  it('come from a classes file when the model has none (one per line or data.yaml)', async () => {
    const txt = path.join(dir, 'classes.txt');
    fs.writeFileSync(txt, NAMES.join('\n') + '\n');
    expect((await load(noNames, { classesFile: txt })).info).toMatchObject({ classes: NAMES, classesSource: 'file' });
    const yaml = path.join(dir, 'data.yaml');
    fs.writeFileSync(yaml, `path: /data\nnames:\n  0: person\n  1: "driver's cab"\n  2: forklift\n`);
    expect((await load(noNames, { classesFile: yaml })).info.classes).toEqual(NAMES);
  });

  it('a classes file given explicitly wins over the names metadata', async () => {
    const withNames = writeModel('withnames.onnx', constantOutputModel({ outputDims: out.dims, values: out.values, metadata: { names: "{0: 'x', 1: 'y', 2: 'z'}" } }));
    const txt = path.join(dir, 'renamed.txt');
    fs.writeFileSync(txt, NAMES.join('\n'));
    expect((await load(withNames, { classesFile: txt })).info).toMatchObject({ classes: NAMES, classesSource: 'file' });
    expect((await load(withNames)).info).toMatchObject({ classes: ['x', 'y', 'z'], classesSource: 'metadata' });
  });

  it('a model without names and no classes file is refused with what to do', async () => {
    await expect(loadModel(noNames)).rejects.toMatchObject({ code: 'bad_model', message: expect.stringMatching(/nonames\.onnx has no 'names' metadata; give a classes file/) });
  });

  it('a classes file whose count does not match the output is refused', async () => {
    const txt = path.join(dir, 'two.txt');
    fs.writeFileSync(txt, 'a\nb\n');
    await expect(loadModel(noNames, { classesFile: txt })).rejects.toMatchObject({
      code: 'bad_model',
      message: expect.stringContaining('output [1, 7, 40] has 3 classes in the YOLOv8/11 layout [1, 4+nc, N], but the class names list 2'),
    });
  });
});

describe('models that are not usable detectors', () => {
  const names = { names: namesLiteral(NAMES) };
  const supported = '[1, 4+nc, N] (YOLOv8/11), [1, N, 5+nc] (YOLOv5), [1, K, 6] (end-to-end YOLOv10/26)';

  async function refusal(file: string): Promise<LoupeError> {
    const err = await loadModel(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoupeError);
    return err as LoupeError;
  }

  it('a classifier [1, 1000]', async () => {
    const file = writeModel('classifier.onnx', constantOutputModel({ inputDims: [1, 3, 224, 224], outputDims: [1, 1000], values: new Float32Array(1000), metadata: names }));
    const err = await refusal(file);
    expect(err.code).toBe('bad_model');
    expect(err.message).toBe(`classifier.onnx: output [1, 1000] is not a detection layout; supported: ${supported} (input images [1, 3, 224, 224] float32; output output0 [1, 1000] float32)`);
  });

  it('a classifier whose output shape is only known after a run', async () => {
    const file = writeModel('classifier_dyn.onnx', constantOutputModel({ inputDims: [1, 3, 224, 224], outputDims: [1, 1000], declaredOutputDims: null, values: new Float32Array(1000), metadata: names }));
    const err = await refusal(file);
    expect(err.message).toContain(`classifier_dyn.onnx: output [1, 1000] is not a detection layout; supported: ${supported}`);
  });

  it('a segmentation model with two outputs', async () => {
    const file = writeModel('seg.onnx', buildModel({
      inputs: [{ name: 'images', dtype: 'float32', dims: [1, 3, 64, 64] }],
      outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 39, 84] }, { name: 'output1', dtype: 'float32', dims: [1, 32, 16, 16] }],
      initializers: [
        { name: 'a', dtype: 'float32', dims: [1, 39, 84], values: new Float32Array(39 * 84) },
        { name: 'b', dtype: 'float32', dims: [1, 32, 16, 16], values: new Float32Array(32 * 256) },
      ],
      nodes: [
        { op: 'Identity', inputs: ['a'], outputs: ['output0'] },
        { op: 'Identity', inputs: ['b'], outputs: ['output1'] },
      ],
      metadata: names,
    }));
    const err = await refusal(file);
    expect(err.message).toBe(`seg.onnx: the model has 2 outputs (input images [1, 3, 64, 64] float32; outputs output0 [1, 39, 84] float32, output1 [1, 32, 16, 16] float32); a detector has one output, supported: ${supported}`);
  });

  it('a model with two inputs', async () => {
    const file = writeModel('two_inputs.onnx', buildModel({
      inputs: [{ name: 'images', dtype: 'float32', dims: [1, 3, 64, 64] }, { name: 'im_info', dtype: 'float32', dims: [1, 2] }],
      outputs: [{ name: 'out', dtype: 'float32', dims: [1, 2] }],
      nodes: [{ op: 'Identity', inputs: ['im_info'], outputs: ['out'] }],
      metadata: names,
    }));
    const err = await refusal(file);
    expect(err.message).toBe('two_inputs.onnx: the model has 2 inputs (inputs images [1, 3, 64, 64] float32, im_info [1, 2] float32; output out [1, 2] float32); a detector takes one image input [1, 3, H, W]');
  });

  it('a single-channel or integer input', async () => {
    const out = layouts.v8();
    const gray = writeModel('gray.onnx', constantOutputModel({ inputDims: [1, 1, 640, 640], outputDims: out.dims, values: out.values, metadata: names }));
    expect((await refusal(gray)).message).toContain('gray.onnx: input images [1, 1, 640, 640] is not an image batch [1, 3, H, W]');
    const ints = writeModel('int_input.onnx', buildModel({
      inputs: [{ name: 'images', dtype: 'int32', dims: [1, 3, 8, 8] }],
      outputs: [{ name: 'o', dtype: 'int32', dims: [1, 3, 8, 8] }],
      nodes: [{ op: 'Identity', inputs: ['images'], outputs: ['o'] }],
      metadata: names,
    }));
    expect((await refusal(ints)).message).toContain('int_input.onnx: input images is int32; supported: float32 or float16');
  });

  it('a truncated model (a valid one cut in half)', async () => {
    const out = layouts.v8();
    const whole = constantOutputModel({ outputDims: out.dims, values: out.values, metadata: names });
    const err = await refusal(writeModel('half.onnx', whole.subarray(0, Math.floor(whole.length / 2))));
    expect(err.code).toBe('bad_model');
    expect(err.message).toMatch(/^half\.onnx: not a readable ONNX model \(truncated: a field at byte \d+ needs \d+ bytes but only \d+ remain\)$/);
  });

  it('random bytes, a JPEG renamed .onnx, an empty file', async () => {
    let seed = 7;
    const random = Buffer.from(Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
    expect((await refusal(writeModel('random.onnx', random))).message).toMatch(/^random\.onnx: not a readable ONNX model \(/);
    expect((await refusal(writeModel('photo.onnx', rotatedJpeg))).message).toMatch(/^photo\.onnx: not a readable ONNX model \(/);
    expect((await refusal(writeModel('empty.onnx', Buffer.alloc(0)))).message).toBe('empty.onnx: not a readable ONNX model (empty file)');
  });

  it('unparseable names metadata', async () => {
    const out = layouts.v8();
    const file = writeModel('badnames.onnx', constantOutputModel({ outputDims: out.dims, values: out.values, metadata: { names: "{0: person, 1: 'bus'}" } }));
    const err = await refusal(file);
    expect(err.code).toBe('bad_model');
    expect(err.message).toBe("badnames.onnx: cannot read the class names in its 'names' metadata: expected a quoted name at character 5 (found 'person, 1: '')");
  });

  it('a missing file', async () => {
    await expect(loadModel(path.join(dir, 'nope.onnx'))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('images that cannot be decoded', () => {
  it('reject with bad_image and the reason', async () => {
    const out = layouts.v8();
    const m = await load(writeModel('v8_img.onnx', constantOutputModel({ outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(NAMES) } })));
    await expect(m.detect(Buffer.from('not an image at all'))).rejects.toMatchObject({ code: 'bad_image', message: expect.stringMatching(/^image buffer: cannot decode the image: /) });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer();
    await expect(m.detect(jpeg.subarray(0, 200))).rejects.toMatchObject({ code: 'bad_image' });
    await expect(m.detect(path.join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(m.detect(image800x500, { conf: 2 })).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('latency', () => {
  it('reports p50 ≤ p95 over the requested runs', async () => {
    const out = layouts.v8();
    const m = await load(writeModel('v8_lat.onnx', constantOutputModel({ inputDims: [1, 3, 64, 64], outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(NAMES) } })));
    const lat = await m.latency(5, 1);
    expect(lat.runs).toBe(5);
    expect(lat.p50Ms).toBeGreaterThan(0);
    expect(lat.p95Ms).toBeGreaterThanOrEqual(lat.p50Ms);
  });
});
