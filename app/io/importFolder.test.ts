import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { bmpBytes, imageBytes, makeImage, newProject, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import type { Project } from '../store/Project.ts';
import { importFolder } from './importFolder.ts';

function images(p: Project) {
  return p.images.page(0, 1000).map((r) => ({ path: r.path, width: r.width, height: r.height, format: r.format }));
}
function failures(p: Project) {
  return Object.fromEntries(p.images.failures().map((f) => [f.path, f.reason]));
}

async function rejection(promise: Promise<unknown>): Promise<LoupeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return err as LoupeError;
  }
  throw new Error('expected a rejection');
}

describe('importFolder', () => {
  it('imports every supported format with its size, recursing, ignoring hidden and unknown files', async () => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'a.jpg'), { w: 64, h: 48, format: 'jpeg' });
    await makeImage(path.join(dir, 'b.png'), { w: 30, h: 20, format: 'png' });
    await makeImage(path.join(dir, 'nested/deeper/c.webp'), { w: 17, h: 33, format: 'webp' });
    await makeImage(path.join(dir, 'nested/d.tiff'), { w: 12, h: 7, format: 'tiff' });
    await makeImage(path.join(dir, 'nested/e.tif'), { w: 8, h: 9, format: 'tiff' });
    fs.writeFileSync(path.join(dir, 'f.bmp'), bmpBytes(5, 3));
    await makeImage(path.join(dir, 'UPPER.JPG'), { w: 10, h: 11, format: 'jpeg' });
    await makeImage(path.join(dir, 'g.jpeg'), { w: 13, h: 14, format: 'jpeg' });
    await makeImage(path.join(dir, '.hidden.png'), { w: 5, h: 5 });
    await makeImage(path.join(dir, '.cache/inside.png'), { w: 5, h: 5 });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    fs.writeFileSync(path.join(dir, 'README'), 'no extension');

    const p = newProject();
    const progress: [number, number][] = [];
    const summary = await importFolder(p, dir, { progress: (d, t) => progress.push([d, t]), signal: new AbortController().signal });

    expect(summary).toMatchObject({ root: dir, found: 8, added: 8, alreadyPresent: 0, failed: [] });
    expect(images(p)).toEqual([
      { path: 'UPPER.JPG', width: 10, height: 11, format: 'jpeg' },
      { path: 'a.jpg', width: 64, height: 48, format: 'jpeg' },
      { path: 'b.png', width: 30, height: 20, format: 'png' },
      { path: 'f.bmp', width: 5, height: 3, format: 'bmp' },
      { path: 'g.jpeg', width: 13, height: 14, format: 'jpeg' },
      { path: 'nested/d.tiff', width: 12, height: 7, format: 'tiff' },
      { path: 'nested/deeper/c.webp', width: 17, height: 33, format: 'webp' },
      { path: 'nested/e.tif', width: 8, height: 9, format: 'tiff' },
    ]);
    expect(p.images.failureCount()).toBe(0);
    expect(progress.at(-1)).toEqual([8, 8]);
    const row = p.images.get(p.images.page(0, 1)[0].id)!;
    expect(row.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.bytes).toBe(fs.statSync(path.join(dir, 'UPPER.JPG')).size);
  });

  it('stores the displayed size of an EXIF-rotated JPEG (orientation 6 swaps width and height)', async () => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'rotated.jpg'), { w: 40, h: 20, format: 'jpeg', orientation: 6 });
    await makeImage(path.join(dir, 'upright.jpg'), { w: 40, h: 20, format: 'jpeg', orientation: 1 });
    await makeImage(path.join(dir, 'flipped.jpg'), { w: 40, h: 20, format: 'jpeg', orientation: 3 });
    const p = newProject();
    await importFolder(p, dir);
    const rows = p.images.page(0, 10);
    const by = Object.fromEntries(rows.map((r) => [r.path, [r.width, r.height, r.orientation]]));
    expect(by['rotated.jpg']).toEqual([20, 40, 6]);
    expect(by['upright.jpg']).toEqual([40, 20, 1]);
    expect(by['flipped.jpg']).toEqual([40, 20, 3]);
  });

  it('records every bad file with its own reason and still imports the good ones', async () => {
    const dir = tempDir();
    const good = await makeImage(path.join(dir, 'good.png'), { w: 20, h: 10 });
    await makeImage(path.join(dir, 'good2.jpg'), { w: 21, h: 11, format: 'jpeg' });
    fs.writeFileSync(path.join(dir, 'z-copy-of-good.png'), good);
    fs.writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
    fs.writeFileSync(path.join(dir, 'text.png'), 'this is plain text, not a picture\n'.repeat(10));
    const jpeg = await imageBytes({ w: 200, h: 150, format: 'jpeg' });
    fs.writeFileSync(path.join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const png = await imageBytes({ w: 200, h: 150, format: 'png' });
    fs.writeFileSync(path.join(dir, 'truncated.png'), png.subarray(0, png.length - 20));
    // a PNG signature and an end chunk around garbage: passes the cheap checks, fails in the decoder
    const corrupt = Buffer.concat([png.subarray(0, 8), Buffer.alloc(200, 0xab), png.subarray(png.length - 12)]);
    fs.writeFileSync(path.join(dir, 'corrupt.png'), corrupt);
    fs.writeFileSync(path.join(dir, 'short.bmp'), bmpBytes(50, 50).subarray(0, 500));

    const p = newProject();
    const summary = await importFolder(p, dir);
    expect(images(p).map((i) => i.path)).toEqual(['good.png', 'good2.jpg']);
    const f = failures(p);
    expect(f).toEqual({
      'corrupt.png': expect.stringMatching(/^unreadable png: /),
      'empty.jpg': 'empty file',
      'short.bmp': 'truncated BMP (500 of 7654 bytes)',
      'text.png': 'not an image (unrecognised content)',
      'truncated.jpg': 'truncated JPEG (no end-of-image marker)',
      'truncated.png': 'truncated PNG (no IEND chunk)',
      'z-copy-of-good.png': 'duplicate of good.png',
    });
    expect(summary.failed).toHaveLength(7);
    expect(summary.added).toBe(2);
  });

  it('keeps the first of several identical files in path order, whatever the probing order', async () => {
    const dir = tempDir();
    const bytes = await imageBytes({ w: 300, h: 300, format: 'png' });
    const names = ['a/1.png', 'b.png', 'c/d/e.png', 'f.png', 'g.png'];
    for (const n of names) {
      fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
      fs.writeFileSync(path.join(dir, n), bytes);
    }
    const p = newProject();
    await importFolder(p, dir, undefined, { concurrency: 8 });
    expect(images(p).map((i) => i.path)).toEqual(['a/1.png']);
    expect(Object.values(failures(p))).toEqual(names.slice(1).map(() => 'duplicate of a/1.png'));
  });

  it('re-importing adds only new files, and a fixed file is imported with its failure cleared', async () => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'one.png'), { w: 10, h: 10 });
    fs.writeFileSync(path.join(dir, 'broken.png'), 'garbage');
    const p = newProject();
    const s1 = await importFolder(p, dir);
    expect(s1).toMatchObject({ found: 2, added: 1, alreadyPresent: 0 });
    expect(failures(p)).toEqual({ 'broken.png': 'not an image (unrecognised content)' });

    await makeImage(path.join(dir, 'two.webp'), { w: 12, h: 12, format: 'webp' });
    await makeImage(path.join(dir, 'broken.png'), { w: 7, h: 8 }); // fixed in place
    const s2 = await importFolder(p, dir);
    expect(s2).toMatchObject({ found: 3, added: 2, alreadyPresent: 1, failed: [] });
    expect(images(p)).toEqual([
      { path: 'broken.png', width: 7, height: 8, format: 'png' },
      { path: 'one.png', width: 10, height: 10, format: 'png' },
      { path: 'two.webp', width: 12, height: 12, format: 'webp' },
    ]);
    expect(p.images.failureCount()).toBe(0);

    const s3 = await importFolder(p, dir);
    expect(s3).toMatchObject({ found: 3, added: 0, alreadyPresent: 3 });
    expect(p.images.count()).toBe(3);
    expect(p.images.roots()).toHaveLength(1);
  });

  it('refuses images over the pixel limit with a "too large" reason', async () => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'big.png'), { w: 100, h: 50 });
    await makeImage(path.join(dir, 'big.jpg'), { w: 40, h: 30, format: 'jpeg' });
    fs.writeFileSync(path.join(dir, 'big.bmp'), bmpBytes(40, 30));
    await makeImage(path.join(dir, 'small.png'), { w: 20, h: 20 });
    const p = newProject();
    await importFolder(p, dir, undefined, { pixelLimit: 1000 });
    expect(images(p).map((i) => i.path)).toEqual(['small.png']);
    const f = failures(p);
    expect(f['big.png']).toBe('too large: 100×50 (5000 pixels) exceeds the limit of 1000 pixels');
    expect(f['big.jpg']).toMatch(/^too large: 40×30/);
    expect(f['big.bmp']).toMatch(/^too large: 40×30/);
  });

  it('a missing folder is not_found and writes nothing', async () => {
    const p = newProject();
    const before = snapshot(p);
    const err = await rejection(importFolder(p, path.join(tempDir(), 'nope')));
    expect(err.code).toBe('not_found');
    expect(err.message).toMatch(/Image folder not found/);
    expect(p.images.count()).toBe(0);
    expect(p.images.roots()).toEqual([]);
    expect(snapshot(p)).toBe(before);
  });

  it('a file instead of a folder is bad_request and writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.png');
    await makeImage(file, { w: 4, h: 4 });
    const p = newProject();
    const before = snapshot(p);
    expect((await rejection(importFolder(p, file))).code).toBe('bad_request');
    expect(snapshot(p)).toBe(before);
  });

  it('a cancelled import keeps whole batches only; importing again finishes without duplicates', async () => {
    const dir = tempDir();
    const n = 23;
    for (let i = 0; i < n; i++) await makeImage(path.join(dir, `img-${String(i).padStart(2, '0')}.png`), { w: 8 + i, h: 8 });
    const p = newProject();
    const ctl = new AbortController();
    const seen: number[] = [];
    const err = await rejection(
      importFolder(p, dir, { signal: ctl.signal, progress: (done) => (seen.push(done), ctl.abort()) }, { batchSize: 5, concurrency: 2 }),
    );
    expect(err.code).toBe('cancelled');
    expect(err.message).toMatch(/after 5 of 23 files/);
    expect(seen[0]).toBe(5);
    const count = p.images.count();
    expect(count % 5).toBe(0);
    expect(count).toBe(5);

    const s2 = await importFolder(p, dir, undefined, { batchSize: 5 });
    expect(s2).toMatchObject({ found: n, added: n - 5, alreadyPresent: 5, failed: [] });
    const paths = images(p).map((i) => i.path);
    expect(paths).toHaveLength(n);
    expect(new Set(paths).size).toBe(n);
    expect(images(p).map((i) => i.width)).toEqual(Array.from({ length: n }, (_, i) => 8 + i));
  });

  it('stores a root inside the project folder relative to it, and one elsewhere as absolute', async () => {
    const projDir = tempDir();
    const inside = path.join(projDir, 'pics');
    await makeImage(path.join(inside, 'a.png'), { w: 3, h: 3 });
    const outside = tempDir();
    await makeImage(path.join(outside, 'b.png'), { w: 3, h: 3 });
    const p = newProject({ dir: projDir });
    await importFolder(p, inside);
    await importFolder(p, outside);
    expect(p.images.roots().map((r) => r.path)).toEqual(['pics', outside]);
  });
});
