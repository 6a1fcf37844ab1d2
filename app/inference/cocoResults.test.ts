import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/unit/fixtures.ts';
import { toCocoResults, writeCocoResults } from './cocoResults.ts';

describe('COCO results', () => {
  const boxes = [
    { x: 10.5, y: 20.25, w: 30.125, h: 40, score: 0.875, classIndex: 0 },
    { x: 0, y: 0, w: 1, h: 2, score: 0.5, classIndex: 2 },
  ];

  it('category id = class index + 1; bbox as detected, not rounded', () => {
    expect(toCocoResults(7, 'a/b.jpg', boxes, ['person', 'car', 'forklift'])).toEqual([
      { image_id: 7, category_id: 1, bbox: [10.5, 20.25, 30.125, 40], score: 0.875, file_name: 'a/b.jpg', category_name: 'person' },
      { image_id: 7, category_id: 3, bbox: [0, 0, 1, 2], score: 0.5, file_name: 'a/b.jpg', category_name: 'forklift' },
    ]);
  });

  it('refuses image ids that cocoeval cannot use', () => {
    expect(() => toCocoResults(0, 'x.jpg', boxes, [])).toThrow(/integers ≥ 1/);
  });

  it('writes a JSON array', async () => {
    const file = path.join(tempDir(), 'out', 'results.json');
    const entries = toCocoResults(1, 'x.jpg', boxes, ['p', 'q', 'r']);
    await writeCocoResults(file, entries);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(entries);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['results.json']);
  });
});
