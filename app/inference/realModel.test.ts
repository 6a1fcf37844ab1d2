import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from './model.ts';

// A real Ultralytics YOLOv8n export kept outside the repository (never copied in); skipped when absent.
const ROOT = path.resolve(import.meta.dirname, '../..');
const REAL = path.resolve(ROOT, '../shared/models/yolov8n_int8.onnx');
const exists = fs.existsSync(REAL);

describe('real YOLOv8n int8 export', () => {
  let model: LoadedModel | undefined;
  afterAll(async () => model?.release());

  it.skipIf(!exists)('loads as a v8 detector with the 80 COCO names', async () => {
    model = await loadModel(REAL);
    expect(model.info).toMatchObject({ layout: 'v8', inputSize: { w: 640, h: 640 }, dynamic: false, dtype: 'float32', outputShape: [1, 84, 8400], classesSource: 'metadata' });
    expect(model.info.classes).toHaveLength(80);
    expect(model.info.classes.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(model.info.classes[79]).toBe('toothbrush');
  });

  it.skipIf(!exists)('returns a well-formed result on a synthetic image', async () => {
    model ??= await loadModel(REAL);
    // Shapes on a background: no real objects, so only the form of the answer is checked.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="540"><rect width="960" height="540" fill="#5a7"/><circle cx="300" cy="270" r="120" fill="#c33"/><rect x="600" y="100" width="200" height="320" fill="#225"/></svg>`;
    const img = await sharp(Buffer.from(svg)).jpeg().toBuffer();
    const r = await model.detect(img, { conf: 0.01 });
    expect([r.width, r.height]).toEqual([960, 540]);
    expect(r.boxes.length).toBeLessThanOrEqual(300);
    for (const b of r.boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.w).toBeGreaterThan(0);
      expect(b.h).toBeGreaterThan(0);
      expect(b.x + b.w).toBeLessThanOrEqual(960 + 1e-6);
      expect(b.y + b.h).toBeLessThanOrEqual(540 + 1e-6);
      expect(b.score).toBeGreaterThan(0.01);
      expect(b.score).toBeLessThanOrEqual(1);
      expect(Number.isInteger(b.classIndex) && b.classIndex >= 0 && b.classIndex < 80).toBe(true);
    }
    const scores = r.boxes.map((b) => b.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});
