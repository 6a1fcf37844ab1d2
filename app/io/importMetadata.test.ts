import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importMetadata } from '../services/metadataImport.ts';
import { newProject, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { importFolder } from './importFolder.ts';

/** A real JPEG; with `exif`, its EXIF block written by sharp (IFD0: Make, Model; IFD2, the Exif IFD: DateTimeOriginal). */
async function jpeg(file: string, shade: number, exif?: { make?: string; model?: string; taken?: string }): Promise<void> {
  let img = sharp({ create: { width: 32, height: 24, channels: 3, background: { r: shade, g: 90, b: 200 - shade } } }).jpeg();
  if (exif) {
    const ifd0: Record<string, string> = {};
    if (exif.make) ifd0.Make = exif.make;
    if (exif.model) ifd0.Model = exif.model;
    img = img.withExif({ IFD0: ifd0, ...(exif.taken ? { IFD2: { DateTimeOriginal: exif.taken } } : {}) });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await img.toBuffer());
}

function rows(p: ReturnType<typeof newProject>) {
  return p.db.prepare('SELECT path, captured_at AS capturedAt, metadata FROM images ORDER BY path').all() as { path: string; capturedAt: string | null; metadata: string }[];
}

async function folder() {
  const dir = tempDir();
  await jpeg(path.join(dir, 'a.jpg'), 10, { make: 'Basler', model: 'acA1920-40gc', taken: '2026:03:05 21:14:09' });
  await jpeg(path.join(dir, 'sub/b.jpg'), 60, { make: 'Basler', model: 'Basler a2A', taken: '2026:03:06 07:00:00' });
  await jpeg(path.join(dir, 'c.jpg'), 120);
  return dir;
}

describe('metadata at import: EXIF and a sidecar', () => {
  it('reads DateTimeOriginal and Make/Model from real JPEGs; images without EXIF get none', async () => {
    const dir = await folder();
    const p = newProject();
    await importFolder(p, dir);
    expect(rows(p)).toEqual([
      { path: 'a.jpg', capturedAt: '2026-03-05T21:14:09', metadata: JSON.stringify({ camera: 'Basler acA1920-40gc' }) },
      { path: 'c.jpg', capturedAt: null, metadata: '{}' },
      { path: 'sub/b.jpg', capturedAt: '2026-03-06T07:00:00', metadata: JSON.stringify({ camera: 'Basler a2A' }) },
    ]);
  });

  it('a sidecar given at import wins over EXIF and adds its columns; a bare file name finds a unique image', async () => {
    const dir = await folder();
    const side = path.join(tempDir(), 'meta.csv');
    fs.writeFileSync(side, 'file,camera,site,shift,captured_at\na.jpg,cam-left,plant-1,night,2026-03-01T22:00:00+01:00\nb.jpg,,plant-2,day,\n');
    const p = newProject();
    await importFolder(p, dir, undefined, { metadataFile: side });
    const got = Object.fromEntries(rows(p).map((r) => [r.path, { capturedAt: r.capturedAt, metadata: JSON.parse(r.metadata) }]));
    expect(got['a.jpg']).toEqual({ capturedAt: '2026-03-01T22:00:00+01:00', metadata: { camera: 'cam-left', site: 'plant-1', shift: 'night' } });
    // Camera and time from EXIF where the sidecar leaves them empty.
    expect(got['sub/b.jpg']).toEqual({ capturedAt: '2026-03-06T07:00:00', metadata: { camera: 'Basler a2A', site: 'plant-2', shift: 'day' } });
    expect(got['c.jpg']).toEqual({ capturedAt: null, metadata: {} });
    // The queue's key = value filter sees the sidecar's values.
    expect((p.db.prepare("SELECT count(*) AS n FROM image_tags WHERE key = 'site' AND value = 'plant-2'").get() as { n: number }).n).toBe(1);
  });

  it('a bad sidecar refuses the import before any image is written, naming file:line', async () => {
    const dir = await folder();
    const p = newProject();
    const before = snapshot(p);
    const cases: [string, string, RegExp][] = [
      ['m.csv', 'file,shift\nnope.jpg,day\n', /m\.csv:2: no image "nope\.jpg"/],
      ['m.csv', 'file,captured_at\na.jpg,2026-02-30 10:00\n', /m\.csv:2: captured_at "2026-02-30 10:00" is not a date and time/],
      ['m.jsonl', '{"file":"a.jpg"}\n{"file":"c.jpg",}\n', /m\.jsonl:2: not valid JSON/],
      ['m.json', '[{"file":"a.jpg","tags":["x"]}]', /m\.json:1: "tags" must be text, a number or true\/false, got an array/],
    ];
    for (const [name, text, expected] of cases) {
      const side = path.join(tempDir(), name);
      fs.writeFileSync(side, text);
      await expect(importFolder(p, dir, undefined, { metadataFile: side })).rejects.toThrow(expected);
      expect(snapshot(p)).toBe(before);
    }
    await expect(importFolder(p, dir, undefined, { metadataFile: path.join(dir, 'missing.csv') })).rejects.toThrow(/Metadata file not found: .*missing\.csv/);
    expect(snapshot(p)).toBe(before);
  });
});

describe('metadata:import on an existing project', () => {
  it('merges each row into its image in one transaction; a dry run writes nothing', async () => {
    const dir = await folder();
    const p = newProject();
    await importFolder(p, dir);
    const side = path.join(tempDir(), 'm.json');
    fs.writeFileSync(side, JSON.stringify([{ file: 'sub/b.jpg', shift: 'night', defects: 2 }, { file: 'c.jpg', captured_at: '2026:03:07 03:00:00' }], null, 1));
    const before = snapshot(p);
    expect(await importMetadata(p, { path: side, dryRun: true })).toMatchObject({ rows: 2, updated: 0, withCapturedAt: 1, keys: ['defects', 'shift'], dryRun: true });
    expect(snapshot(p)).toBe(before);
    expect(await importMetadata(p, { path: side })).toMatchObject({ rows: 2, updated: 2, withCapturedAt: 1 });
    const got = Object.fromEntries(rows(p).map((r) => [r.path, { capturedAt: r.capturedAt, metadata: JSON.parse(r.metadata) }]));
    expect(got['sub/b.jpg']).toEqual({ capturedAt: '2026-03-06T07:00:00', metadata: { camera: 'Basler a2A', shift: 'night', defects: 2 } });
    expect(got['c.jpg']).toEqual({ capturedAt: '2026-03-07T03:00:00', metadata: {} });
    expect(got['a.jpg'].capturedAt).toBe('2026-03-05T21:14:09');
  });

  it('refuses unknown files, bad dates and malformed lines with nothing changed', async () => {
    const dir = await folder();
    const p = newProject();
    await importFolder(p, dir);
    const before = snapshot(p);
    const side = path.join(tempDir(), 'm.csv');
    fs.writeFileSync(side, 'file,shift,captured_at\na.jpg,day,2026-03-05\nghost.jpg,night,\n');
    await expect(importMetadata(p, { path: side })).rejects.toThrow(/1 problem in the metadata file, nothing was written: m\.csv:3: no image "ghost\.jpg"/);
    fs.writeFileSync(side, 'file,shift,captured_at\na.jpg,day,05/03/2026\n');
    await expect(importMetadata(p, { path: side })).rejects.toThrow(/m\.csv:2: captured_at "05\/03\/2026"/);
    fs.writeFileSync(side, 'file,shift\na.jpg,"day\n');
    await expect(importMetadata(p, { path: side })).rejects.toThrow(/m\.csv:\d+: not valid CSV/);
    expect(snapshot(p)).toBe(before);
  });
});
