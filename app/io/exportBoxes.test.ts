import { describe, expect, it } from 'vitest';
import { addImageRow, newProject } from '../../test/unit/fixtures.ts';
import { ExportBoxes } from './exportBoxes.ts';

describe('export boxes', () => {
  it('gives each image its source boxes in id order, the same in one pass or in several', async () => {
    const p = newProject();
    const cls = [p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null }), p.classes.insert({ name: 'bus', color: '#00ff00', hotkey: null })];
    const ana = p.annotators.ensure('ana', 'human').id;
    const bo = p.annotators.ensure('bo', 'human').id;
    const ids = Array.from({ length: 12 }, () => addImageRow(p));
    const expected = new Map<number, number[][]>(ids.map((id) => [id, []]));
    // Boxes in scattered image order, some from another annotator (not exported).
    for (let k = 0; k < 120; k++) {
      const img = ids[(k * 7) % ids.length];
      const who = k % 5 === 0 ? bo : ana;
      const id = p.boxes.insert({ imageId: img, annotatorId: who, classId: cls[k % 2], x: k, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      if (who === ana) expected.get(img)!.push([id, cls[k % 2], k, 1, 5, 5]);
    }
    const annotator = new Int32Array(ids.length).fill(ana);
    const run = new Int32Array(ids.length);
    for (const window of [1_000_000, 25, 1]) {
      const boxes = new ExportBoxes(p.db, ids, annotator, run, async () => {}, window);
      const labelled = await boxes.classes();
      expect(labelled.count).toBe(96);
      expect([...labelled.cls.subarray(0, labelled.count)].sort()).toEqual([...expected.values()].flat().map((e) => e[1]).sort());
      for (let i = 0; i < ids.length; i++) {
        const got = await boxes.boxesOf(boxes.index(ids[i]));
        expect(got.map((b) => [b.id, b.classId, b.x, b.y, b.w, b.h]), `window ${window} image ${i}`).toEqual(expected.get(ids[i]));
      }
    }
  });
});
