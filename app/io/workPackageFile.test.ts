import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/unit/fixtures.ts';
import { HEADER_BYTES, PackageWriter, readFrames, readHeader, type PackageFrame } from './workPackageFile.ts';

const header = (projectName = 'lead') => ({
  projectId: 'p-1',
  projectName,
  annotator: 'ana',
  origin: 'project' as const,
  exportedAt: '2026-01-01T00:00:00.000Z',
  loupeVersion: 'test',
  counts: { images: 0 },
});

/** Write these frames as a package, then read it back whole. */
async function roundTrip(frames: PackageFrame[]) {
  const dir = tempDir('loupe-pkgfile-');
  const file = path.join(dir, 'p.loupepkg');
  const w = await PackageWriter.create(file);
  for (const f of frames) {
    if (f.data) await w.file(f.rec.image as number, f.data);
    else await w.record(f.rec);
  }
  const bytes = await w.finish(header());
  const h = await readHeader(file);
  const back: PackageFrame[] = [];
  for await (const f of readFrames(file, h)) back.push(f);
  return { dir, file, bytes, h, back };
}

const random = (n: number, seed: number) => crypto.createHash('sha256').update(String(seed)).digest().toString('hex').repeat(Math.ceil(n / 64)).slice(0, n);

describe('the package file', () => {
  // Bodies smaller than the header, near and across the 1 MB write chunk, and of several chunks.
  const cases: [string, PackageFrame[]][] = [
    ['empty body', []],
    ['one record', [{ rec: { t: 'class', id: 1, name: 'car' } }]],
    ['a body of about 1.5 kB', Array.from({ length: 20 }, (_, k) => ({ rec: { t: 'box', id: k + 1, note: random(60, k) } }))],
    ['a file just under a chunk', [{ rec: { t: 'file', image: 1, bytes: (1 << 20) - 40 }, data: Buffer.from(random((1 << 20) - 40, 1)) }]],
    ['a file of exactly a chunk', [{ rec: { t: 'file', image: 1, bytes: 1 << 20 }, data: Buffer.from(random(1 << 20, 2)) }]],
    [
      'records and files over several chunks',
      [0, 1, 2, 3].flatMap((k) => [
        { rec: { t: 'image', id: k + 1, path: `img-${k}.png` } },
        { rec: { t: 'file', image: k + 1, bytes: 700_000 + k }, data: Buffer.from(random(700_000 + k, 10 + k)) },
      ]),
    ],
  ];
  for (const [name, frames] of cases) {
    it(`holds its header and its whole body, and reads back the same frames: ${name}`, async () => {
      const { dir, file, bytes, h, back } = await roundTrip(frames);
      const body = frames.reduce((n, f) => n + Buffer.byteLength(`${JSON.stringify(f.rec)}\n`) + (f.data ? f.data.length + 1 : 0), 0);
      expect(h.body.bytes).toBe(body);
      expect(fs.statSync(file).size).toBe(HEADER_BYTES + body);
      expect(bytes).toBe(HEADER_BYTES + body);
      expect(back.map((f) => f.rec)).toEqual(frames.map((f) => f.rec));
      expect(back.map((f) => f.data?.toString('latin1') ?? null)).toEqual(frames.map((f) => f.data?.toString('latin1') ?? null));
      expect(fs.readdirSync(dir)).toEqual(['p.loupepkg']);
    });
  }

  it('refuses a header over its size with the sizes, and leaves no file after abort', async () => {
    const dir = tempDir('loupe-pkgfile-');
    const file = path.join(dir, 'p.loupepkg');
    const w = await PackageWriter.create(file);
    await w.record({ t: 'class', id: 1, name: 'car' });
    await expect(w.finish(header('x'.repeat(HEADER_BYTES)))).rejects.toThrow(/^The package header is \d+ bytes, more than 4095; use a shorter name\.$/);
    await w.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
