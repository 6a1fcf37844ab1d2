import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../app/store/Project.ts';
import { writeImages } from '../fixtures/prelabel/setup.ts';
import { tempDir } from '../unit/fixtures.ts';
import { copyProject, counter, integrity, killLoupe, rows, runLoupe, SEEDS, Tally } from './harness.ts';

/** More images than one write batch (500), so a kill can land between batches. */
const COUNT = 1200;
const IMAGE_ROWS = `SELECT path, width, height, orientation, format, bytes, content_hash, metadata, ingest_error FROM images ORDER BY path`;

let dir: string;
let images: string;
let empty: string;
let reference: unknown[];
const tally = new Tally('image import');

beforeAll(async () => {
  dir = tempDir('loupe-crash-import-');
  images = path.join(dir, 'images');
  await writeImages(images, COUNT, 'png', { w: 16, h: 12 });
  empty = path.join(dir, 'empty.loupe');
  Project.create(empty, { annotator: 'lead' }).close();
  const ref = copyProject(empty, path.join(dir, 'reference.loupe'));
  await runLoupe(['import', ref, '--images', images]);
  reference = rows(ref, IMAGE_ROWS);
  expect(reference).toHaveLength(COUNT);
});

afterAll(() => tally.print());

describe('kill -9 during an image import', () => {
  it.each(SEEDS)('seed %i: whole batches only, no failures recorded for unread files; the same import again gives the uninterrupted result', async (seed) => {
    const file = copyProject(empty, path.join(dir, `seed${seed}.loupe`));
    // After a seeded number of images is committed (a batch at a time), then a seeded few milliseconds.
    const imported = counter(file, 'SELECT count(*) FROM images');
    const k = await killLoupe(['import', file, '--images', images], seed, { maxDelayMs: 50, progress: imported.count, total: COUNT });
    imported.close();
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });

    const after = rows(file, IMAGE_ROWS);
    // Batches are written whole: a count that is not a multiple of the batch size is the last, short one.
    expect(after.length % 500 === 0 || after.length === COUNT, `${after.length} images after the kill`).toBe(true);
    // Every stored row is complete and the same as in the uninterrupted import.
    const byPath = new Map(reference.map((r) => [(r as { path: string }).path, r]));
    for (const r of after) expect(r).toEqual(byPath.get((r as { path: string }).path));
    expect(rows(file, 'SELECT path FROM import_failures')).toEqual([]);
    tally.add(k, after.length > 0 && after.length < COUNT);

    await runLoupe(['import', file, '--images', images]);
    expect(rows(file, IMAGE_ROWS)).toEqual(reference);
    expect(integrity(file).integrity).toBe('ok');
  });
});
