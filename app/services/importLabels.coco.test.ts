import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../store/Project.ts';
import { newProject, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { importLabels, importPredictions, ImportProblemsError, type ImportLabelsSummary } from './importLabels.ts';

/** Project images without files (matched by path): each `name` at `w`×`h`. */
function withImages(p: Project, images: { name: string; w: number; h: number }[]): Map<string, number> {
  const ids = new Map<string, number>();
  p.db.transaction(() => {
    const rootId = p.images.ensureRoot('/nowhere');
    for (const im of images) {
      ids.set(im.name, p.images.insert({ rootId, path: im.name, width: im.w, height: im.h, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now'));
    }
  })();
  return ids;
}

function boxes(p: Project): { path: string; cls: string; x: number; y: number; w: number; h: number; score: number | null }[] {
  return p.db
    .prepare('SELECT i.path, c.name AS cls, b.x, b.y, b.w, b.h, b.score FROM boxes b JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id ORDER BY b.id')
    .all() as never;
}

function writeJson(value: unknown, text?: string): string {
  const file = path.join(tempDir(), 'coco.json');
  fs.writeFileSync(file, text ?? JSON.stringify(value));
  return file;
}

async function refusal(p: Promise<unknown>): Promise<ImportLabelsSummary> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportProblemsError);
  return (err as ImportProblemsError).result;
}

const images = [{ id: 1, file_name: 'a.jpg', width: 100, height: 50 }];
const categories = [{ id: 3, name: 'person' }];
const labels = (file: string, dryRun = false) => ({ path: file, format: 'coco' as const, annotator: 'ann', createClasses: true, dryRun });

describe('COCO crowd regions and segmentations', () => {
  it('skips crowd regions and counts them; keeps bbox over segmentation; takes a missing bbox from the polygons', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }]);
    const file = writeJson({
      images,
      categories,
      annotations: [
        { id: 1, image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], iscrowd: 0, segmentation: [[0, 0, 10, 0, 10, 10]] },
        { id: 2, image_id: 1, category_id: 3, bbox: [0, 0, 100, 50], iscrowd: 1, segmentation: { size: [50, 100], counts: 'PPl0' } },
        { id: 3, image_id: 1, category_id: 3, iscrowd: 1, segmentation: { size: [50, 100], counts: [0, 10, 4990] } },
        { id: 4, image_id: 1, category_id: 3, segmentation: [[20.5, 30, 40, 10.25, 35, 44], [12, 20, 15, 22, 14, 25]] },
        { id: 5, image_id: 1, category_id: 3, bbox: [5, 5, 5, 5], segmentation: [] },
      ],
    });
    const s = await importLabels(p, labels(file));
    expect(s).toMatchObject({ boxes: 3, crowdSkipped: 2, segmentationsDropped: 2, boxesFromSegmentation: 1, problemCount: 0 });
    // The polygons span x 12 … 40 and y 10.25 … 44.
    expect(boxes(p)).toEqual([
      { path: 'a.jpg', cls: 'person', x: 1, y: 2, w: 3, h: 4, score: null },
      { path: 'a.jpg', cls: 'person', x: 12, y: 10.25, w: 28, h: 33.75, score: null },
      { path: 'a.jpg', cls: 'person', x: 5, y: 5, w: 5, h: 5, score: null },
    ]);
  });

  it('reports a bad iscrowd and malformed segmentations per record, and writes nothing', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }]);
    const before = snapshot(p);
    const ann = (id: number, extra: Record<string, unknown>) => ({ id, image_id: 1, category_id: 3, bbox: [1, 1, 2, 2], ...extra });
    const file = writeJson({
      images,
      categories,
      annotations: [
        ann(1, { iscrowd: 2 }),
        ann(2, { iscrowd: '1' }),
        ann(3, { iscrowd: true }),
        ann(4, { segmentation: [1, 2, 3, 4, 5, 6] }),
        ann(5, { segmentation: [[1, 2, 3, 4, 5]] }),
        ann(6, { segmentation: [[1, 2, 3, 4]] }),
        ann(7, { segmentation: [[1, 2, 3, '4', 5, 6]] }),
        ann(8, { segmentation: { size: [50], counts: 'abc' } }),
        ann(9, { segmentation: { size: [50, 100], counts: [1, -2] } }),
        ann(10, { segmentation: 'polygon' }),
        ann(11, { iscrowd: 1, segmentation: { counts: 'x' } }),
        { id: 12, image_id: 1, category_id: 3, segmentation: { size: [50, 100], counts: 'PPl0' } },
        { id: 13, image_id: 1, category_id: 3, segmentation: [[5, 5, 10, 5, 20, 5]] },
        { id: 14, image_id: 1, category_id: 3, segmentation: [[1, 2, 3, 4]] },
        ann(15, { iscrowd: 0, segmentation: [[0, 0, 1, 0, 1, 1]] }),
      ],
    });
    const s = await refusal(importLabels(p, labels(file)));
    const at = (i: number) => ({ file, record: `annotations[${i}] (id ${i + 1})` });
    expect(s.problems).toEqual([
      { ...at(0), reason: 'iscrowd must be 0 or 1, found 2' },
      { ...at(1), reason: 'iscrowd must be 0 or 1, found "1"' },
      { ...at(2), reason: 'iscrowd must be 0 or 1, found true' },
      { ...at(3), reason: 'segmentation must be a list of polygons, each a list of numbers; found one flat list [1,2,3,4,5,6]' },
      { ...at(4), reason: 'segmentation polygon 0 has 5 numbers: a polygon is x, y pairs of at least 3 points' },
      { ...at(5), reason: 'segmentation polygon 0 has 4 numbers: a polygon is x, y pairs of at least 3 points' },
      { ...at(6), reason: 'segmentation polygon 0 must be a list of numbers [x1, y1, x2, y2, …], found [1,2,3,"4",5,6]' },
      { ...at(7), reason: 'segmentation RLE size must be [height, width], found [50]' },
      { ...at(8), reason: 'segmentation RLE counts must be a string or a list of whole numbers, found [1,-2]' },
      { ...at(9), reason: 'segmentation must be a list of polygons or {size, counts}, found "polygon"' },
      { ...at(10), reason: 'segmentation RLE size must be [height, width], found undefined' },
      { ...at(11), reason: "missing field 'bbox' (a box is not taken from an RLE segmentation)" },
      { ...at(12), reason: 'no bbox, and the segmentation polygons span 15×0, not an area' },
      { ...at(13), reason: "missing field 'bbox', and segmentation polygon 0 has 4 numbers: a polygon is x, y pairs of at least 3 points" },
    ]);
    expect(s).toMatchObject({ boxes: 1, segmentationsDropped: 1, crowdSkipped: 0 });
    expect(snapshot(p)).toBe(before);
  });

  it('a dry run counts crowd regions and segmentations too; results take a missing bbox from polygons', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }]);
    const file = writeJson({ images, categories, annotations: [{ id: 1, image_id: 1, category_id: 3, bbox: [0, 0, 9, 9], iscrowd: 1 }] });
    expect(await importLabels(p, labels(file, true))).toMatchObject({ dryRun: true, boxes: 0, crowdSkipped: 1 });
    const results = writeJson([
      { file_name: 'a.jpg', category_id: 1, category_name: 'person', score: 0.5, segmentation: [[1, 1, 4, 1, 4, 3]] },
      { file_name: 'a.jpg', category_id: 1, category_name: 'person', score: 0.25, bbox: [2, 2, 2, 2], segmentation: { size: [50, 100], counts: 'x' } },
      { file_name: 'a.jpg', category_id: 1, category_name: 'person', score: 0.25, segmentation: { size: [50, 100], counts: 'x' } },
    ]);
    const bad = await refusal(importPredictions(p, { path: results, format: 'coco-results', model: 'm', createClasses: true, dryRun: false }));
    expect(bad.problems).toEqual([{ file: results, record: 'entry [2]', reason: "missing field 'bbox' (a box is not taken from an RLE segmentation)" }]);
    const good = writeJson(null, JSON.stringify(JSON.parse(fs.readFileSync(results, 'utf8')).slice(0, 2)));
    const s = await importPredictions(p, { path: good, format: 'coco-results', model: 'm', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ boxes: 2, boxesFromSegmentation: 1, segmentationsDropped: 2 });
    expect(boxes(p).map(({ x, y, w, h, score }) => [x, y, w, h, score])).toEqual([
      [1, 1, 3, 2, 0.5],
      [2, 2, 2, 2, 0.25],
    ]);
  });
});

describe('COCO read as a stream', () => {
  it('reads annotations that come before their images and categories, and reports problems list by list', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }, { name: 'sub/b.jpg', w: 10, h: 10 }]);
    const text = `{"annotations": [
      {"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 1, 2, 2]},
      {"id": 2, "image_id": 1, "category_id": 5, "bbox": [1, 1, 2, 2]}
    ], "info": {"nested": [{"deep": [1, 2, {"images": []}]}]},
    "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}, {"id": 2, "file_name": "b.jpg", "width": 10, "height": 10}, {"id": 2}],
    "categories": [{"id": 3, "name": "person"}, {"id": 4, "name": "person"}, {"id": 4, "name": "bike"}]}`;
    const file = writeJson(null, text);
    const dry = await importLabels(p, labels(file, true));
    expect(dry.problems).toEqual([
      { file, record: 'categories[1] (id 4)', reason: "duplicate category name 'person'" },
      { file, record: 'images[2] (id 2)', reason: "missing field 'file_name'" },
      { file, record: 'annotations[1] (id 2)', reason: 'unknown category_id 5' },
    ]);
    // Without the bad records the same order of lists imports.
    const fixed = writeJson(null, text.replace(', {"id": 2}]', ']').replace('{"id": 4, "name": "person"}, ', '').replace('"category_id": 5', '"category_id": 4'));
    const s = await importLabels(p, labels(fixed));
    expect(s).toMatchObject({ imagesMatched: 2, boxes: 2, newClasses: ['person', 'bike'] });
    expect(boxes(p).map((b) => [b.path, b.cls])).toEqual([
      ['a.jpg', 'bike'],
      ['sub/b.jpg', 'person'],
    ]);
  });

  it('finds duplicate annotation ids anywhere in the file, numbers and strings, past ids of records already refused', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }]);
    const annotations: Record<string, unknown>[] = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, image_id: 1, category_id: 3, bbox: [1, 1, 2, 2] }));
    annotations[10] = { id: 'x', image_id: 1, category_id: 3, bbox: [1, 1, 2, 2] };
    annotations[2000] = { id: 'x', image_id: 1, category_id: 3, bbox: [1, 1, 2, 2] };
    annotations[2500].id = 7;
    annotations[2999].id = 7;
    annotations[20] = { id: 99999, image_id: 1 };
    annotations[2998].id = 99999;
    const file = writeJson({ images, categories, annotations });
    const s = await refusal(importLabels(p, labels(file)));
    expect(s.problems).toEqual([
      { file, record: 'annotations[20] (id 99999)', reason: "missing field 'category_id'" },
      { file, record: 'annotations[2000] (id x)', reason: 'duplicate annotation id "x"' },
      { file, record: 'annotations[2500] (id 7)', reason: 'duplicate annotation id 7' },
      { file, record: 'annotations[2999] (id 7)', reason: 'duplicate annotation id 7' },
    ]);
  });

  it('matches ids beyond 32 bits and reports ids that are not whole numbers', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }, { name: 'b.jpg', w: 100, h: 50 }]);
    const big = 2 ** 40 + 3;
    const file = writeJson({
      images: [{ id: 3_000_000_000, file_name: 'a.jpg', width: 100, height: 50 }, { id: -7, file_name: 'b.jpg', width: 100, height: 50 }],
      categories: [{ id: big, name: 'far' }, { id: -2147483648, name: 'low' }],
      annotations: [
        { id: 1, image_id: 3_000_000_000, category_id: big, bbox: [1, 1, 2, 2] },
        { id: 2, image_id: -7, category_id: -2147483648, bbox: [3, 3, 2, 2] },
        { id: 3, image_id: 3_000_000_000.5, category_id: big, bbox: [1, 1, 2, 2] },
        { id: 4, image_id: -7, category_id: big + 1, bbox: [1, 1, 2, 2] },
        { id: 5, image_id: 3_000_000_000 - 2 ** 32, category_id: big, bbox: [1, 1, 2, 2] },
      ],
    });
    const dry = await importLabels(p, labels(file, true));
    expect(dry.problems.map((x) => x.reason)).toEqual(['unknown image_id 3000000000.5', `unknown category_id ${big + 1}`, `unknown image_id ${3_000_000_000 - 2 ** 32}`]);
    const ok = writeJson(null, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), annotations: JSON.parse(fs.readFileSync(file, 'utf8')).annotations.slice(0, 2) }));
    await importLabels(p, labels(ok));
    expect(boxes(p).map((b) => [b.path, b.cls, b.x])).toEqual([
      ['a.jpg', 'far', 1],
      ['b.jpg', 'low', 3],
    ]);
  });

  it('keeps the first 100 problems in file order and counts all of them', async () => {
    const p = newProject();
    withImages(p, [{ name: 'a.jpg', w: 100, h: 50 }]);
    const annotations = Array.from({ length: 400 }, (_, i) =>
      i % 4 === 0 ? { id: i, image_id: 1, category_id: 3, bbox: [1, 1, -2, 2] } : i % 4 === 1 ? { id: i, image_id: 'one', category_id: 3, bbox: [1, 1, 2, 2] } : i % 4 === 2 ? { id: i, image_id: 5, category_id: 3, bbox: [1, 1, 2, 2] } : { id: i, image_id: 1, category_id: 3, bbox: [1, 1, 2, 2] },
    );
    const file = writeJson({ images, categories, annotations });
    const s = await refusal(importLabels(p, labels(file)));
    expect(s.problemCount).toBe(300);
    expect(s.problems).toHaveLength(100);
    const want = [0, 1, 2, 4, 5, 6, 8, 9, 10].map((i) => ({
      file,
      record: `annotations[${i}] (id ${i})`,
      reason: i % 4 === 0 ? 'bbox size -2×2 is not positive' : i % 4 === 1 ? 'unknown image_id "one"' : 'unknown image_id 5',
    }));
    expect(s.problems.slice(0, 9)).toEqual(want);
    expect(s.problems[99].record).toBe('annotations[132] (id 132)');
  });
});

describe('all or nothing, late in a large file', () => {
  const many = 40_000;
  async function big(): Promise<{ p: Project; doc: { images: unknown[]; annotations: Record<string, unknown>[]; categories: unknown[] } }> {
    const p = newProject();
    const imgs = Array.from({ length: 2000 }, (_, i) => ({ name: `cam${i % 7}/f${i}.jpg`, w: 640, h: 480 }));
    withImages(p, imgs);
    const doc = {
      images: imgs.map((im, i) => ({ id: i + 1, file_name: `train/${im.name}`, width: 640, height: 480 })),
      annotations: Array.from({ length: many }, (_, k) => ({ id: k + 1, image_id: 1 + (k % 2000), category_id: 1 + (k % 3), bbox: [k % 600, k % 400, 10.5, 20.25] }) as Record<string, unknown>),
      categories: ['a', 'b', 'c'].map((name, i) => ({ id: i + 1, name })),
    };
    return { p, doc };
  }

  it('matches images by path under a split folder and writes every box once the whole file is checked', async () => {
    const { p, doc } = await big();
    const s = await importLabels(p, labels(writeJson(doc)));
    expect(s).toMatchObject({ imagesMatched: 2000, imagesAdded: 0, boxes: many, problemCount: 0, missingImages: [] });
    expect(p.db.prepare('SELECT count(*) AS n FROM boxes').get()).toEqual({ n: many });
  });

  it('a bad last record, or text that stops being JSON at the end, leaves the project untouched', async () => {
    const { p, doc } = await big();
    const before = snapshot(p);
    doc.annotations[many - 1].bbox = [1, 2, 3];
    const s = await refusal(importLabels(p, labels(writeJson(doc))));
    expect(s.problems).toEqual([{ file: expect.any(String), record: `annotations[${many - 1}] (id ${many})`, reason: 'bbox must be 4 numbers [x, y, w, h], found [1,2,3]' }]);
    expect(snapshot(p)).toBe(before);

    doc.annotations[many - 1].bbox = [1, 2, 3, 4];
    const text = JSON.stringify(doc, null, 1);
    const cut = text.slice(0, text.length - 20);
    const file = writeJson(null, cut);
    const t = await refusal(importLabels(p, labels(file)));
    const lines = cut.split('\n');
    expect(t.problems).toEqual([{ file, line: lines.length, reason: `not JSON (line ${lines.length}, column ${lines.at(-1)!.length + 1}: the text ends too early): expected the object to be closed with '}'` }]);
    expect(snapshot(p)).toBe(before);
  });

  it('a cancel while the file is read writes nothing', async () => {
    const { p, doc } = await big();
    const before = snapshot(p);
    const ctl = new AbortController();
    const file = writeJson(doc);
    const job = importLabels(p, labels(file), { signal: ctl.signal, progress: (done) => done > 0 && ctl.abort() });
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    expect(snapshot(p)).toBe(before);
  });
});
