import { describe, expect, it } from 'vitest';
import type { ABox } from './agreement/index.ts';
import { addedJson, inputFingerprint, packedEnd, packMerged, unpackAt, type MergedImage } from './mergeProtocol.ts';

const box = (id: number, x: number): ABox => ({ id, classId: 2, x, y: 20.25, w: 30, h: 40 });

describe('merge worker protocol', () => {
  it('fingerprints who marked an image done and every field of their boxes', () => {
    const base = new Map<number, ABox[]>([
      [1, [box(10, 1.5), box(11, 7)]],
      [2, []],
      [3, [box(30, 1.5)]],
    ]);
    const fp = inputFingerprint(base);
    expect(inputFingerprint(new Map([...base].map(([k, v]) => [k, v.map((b) => ({ ...b }))])))).toBe(fp);
    const variants: Map<number, ABox[]>[] = [];
    const edit = (f: (m: Map<number, ABox[]>) => void) => {
      const m = new Map([...base].map(([k, v]) => [k, v.map((b) => ({ ...b }))]));
      f(m);
      variants.push(m);
    };
    edit((m) => m.delete(2));
    edit((m) => m.set(4, []));
    edit((m) => m.get(1)!.pop());
    edit((m) => m.get(1)!.reverse());
    edit((m) => (m.get(1)![0].id = 12));
    edit((m) => (m.get(1)![0].classId = 3));
    for (const k of ['x', 'y', 'w', 'h'] as const) edit((m) => (m.get(3)![0][k] += 1e-9));
    edit((m) => (m.get(3)![0].x = 1.5000000000000002));
    const fps = variants.map(inputFingerprint);
    expect(fps.every((f) => Number.isSafeInteger(f) && f !== fp)).toBe(true);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('packs images and their boxes so they read back exactly', () => {
    const images: MergedImage[] = [
      { imageId: 7, fingerprint: 2 ** 52 + 3, quorum: 2, boxes: [{ box: { id: 5, classId: 1, x: 0.1 + 0.2, y: 1e-300, w: 3, h: 4 }, classId: 1, source: 5 }] },
      { imageId: 9, fingerprint: 0, quorum: 1, boxes: [] },
      { imageId: 12, fingerprint: 1, quorum: 3, boxes: [box(8, 2), box(9, 3)].map((b) => ({ box: b, classId: b.classId, source: b.id })) },
    ];
    const data = packMerged(images);
    const back: MergedImage[] = [];
    for (let at = 0; at < data.length; at = packedEnd(data, at)) back.push(unpackAt(data, at));
    expect(back).toEqual(images);
  });

  it('writes the added list of an edit as JSON.stringify does, with a mark for each id', () => {
    const boxes = [
      { box: { id: 5, classId: 1, x: 0.1 + 0.2, y: 1e-7, w: 1e21, h: 4 }, classId: 2, source: 5 },
      { box: { id: 6, classId: 1, x: -0, y: 1 / 3, w: 30, h: 40 }, classId: 1, source: 6 },
    ];
    let id = 100;
    const text = `[${addedJson(boxes).replace(/#/g, () => String(id++))}]`;
    const expected = boxes.map((b, i) => ({ id: 100 + i, classId: b.classId, x: b.box.x, y: b.box.y, w: b.box.w, h: b.box.h, sourceBoxId: b.source }));
    expect(text).toBe(JSON.stringify(expected));
    expect(addedJson([])).toBe('');
  });
});
