import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoManifest } from '../../resources/demo/generate.ts';
import { tempDir } from '../../test/unit/fixtures.ts';
import { iou } from '../domain/box.ts';
import type { Detection } from './decode.ts';
import { loadModel, type LoadedModel } from './model.ts';

const MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');
const manifest = JSON.parse(fs.readFileSync(path.join(MODELS, 'manifest.json'), 'utf8')) as {
  files: { file: string; sha256: string; inputSize: number[]; classes: string[] }[];
};
const VARIANTS = ['demo-detector.onnx', 'demo-detector-fp16.onnx', 'demo-detector-int8.onnx'];

/** Development-distribution frames (day shift, nominal camera, large defects), from a seed the model never saw. */
let frames: DemoManifest;
let dir: string;
const models = new Map<string, LoadedModel>();
const results = new Map<string, Detection[][]>();

beforeAll(async () => {
  dir = tempDir('loupe-demo-model-');
  frames = await generateDemo(dir, { count: 12, seed: 9_100, slice: { shift: 'day', camera: 'nominal', defectSize: 'large' } });
  for (const v of VARIANTS) {
    const m = await loadModel(path.join(MODELS, v));
    models.set(v, m);
    const per: Detection[][] = [];
    for (const f of frames.images) per.push((await m.detect(path.join(dir, f.file), { conf: 0.25, iou: 0.45 })).boxes);
    results.set(v, per);
  }
});

afterAll(async () => {
  for (const m of models.values()) await m.release();
});

describe('the bundled demo model', () => {
  it.each(VARIANTS)('%s matches the sha256 in models/manifest.json and loads as a 320×320 v8 detector', (v) => {
    const entry = manifest.files.find((f) => f.file === v)!;
    const sha = crypto.createHash('sha256').update(fs.readFileSync(path.join(MODELS, v))).digest('hex');
    expect(sha).toBe(entry.sha256);
    expect(models.get(v)!.info).toMatchObject({
      sha256: entry.sha256,
      layout: 'v8',
      inputSize: { w: 320, h: 320 },
      classes: ['scratch', 'crack', 'dent', 'stain'],
      dtype: v.includes('fp16') ? 'float16' : 'float32',
    });
  });

  it('finds most defects where it was trained (recall at IoU 0.5, right class)', () => {
    const fp32 = results.get('demo-detector.onnx')!;
    let truth = 0;
    let found = 0;
    frames.images.forEach((f, i) => {
      for (const t of f.boxes) {
        truth++;
        const cls = ['scratch', 'crack', 'dent', 'stain'].indexOf(t.class);
        if (fp32[i].some((d) => d.classIndex === cls && iou(d, t) >= 0.5)) found++;
      }
    });
    expect(truth).toBeGreaterThan(10);
    expect(found / truth).toBeGreaterThanOrEqual(0.8);
  });

  // int8 kernels differ between CPUs (with and without VNNI the u8×s8 products are summed differently), so
  // int8 is held to most confident boxes being close and every one being found; fp16 to every box being close.
  it.each([
    ['demo-detector-fp16.onnx', 0.98, 0.02, 1],
    ['demo-detector-int8.onnx', 0.85, 0.1, 0.9],
  ] as const)('%s agrees with fp32 (confident boxes matched at IoU ≥ %f with scores within %f: a share of at least %f, and all at IoU ≥ 0.5)', (v, minIou, scoreTol, share) => {
    const ref = results.get('demo-detector.onnx')!;
    const other = results.get(v)!;
    let compared = 0;
    let close = 0;
    ref.forEach((boxes, i) => {
      for (const b of boxes.filter((x) => x.score >= 0.5)) {
        const best = other[i].filter((o) => o.classIndex === b.classIndex).sort((p, q) => iou(q, b) - iou(p, b))[0];
        expect(best, `frame ${i}: fp32 box ${JSON.stringify(b)} has a match`).toBeDefined();
        expect(iou(best, b), `frame ${i}: the same defect`).toBeGreaterThanOrEqual(0.5);
        if (iou(best, b) >= minIou && Math.abs(best.score - b.score) <= scoreTol) close++;
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(5);
    expect(close / compared).toBeGreaterThanOrEqual(share);
  });
});
