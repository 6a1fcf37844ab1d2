import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../domain/random.ts';
import { tempDir } from '../../test/unit/fixtures.ts';
import { FileFinder, forEachOrdered } from './fileLookup.ts';
import { BoxTable, Problems } from './importLabels.ts';

describe('BoxTable', () => {
  it('keeps boxes across chunks, filters them in place and groups them by image in read order', () => {
    const t = new BoxTable('px');
    const src = t.source({ file: 'f.json', list: 'annotations' });
    const txt = t.source({ file: 'a.txt' });
    const n = 150_000;
    for (let k = 0; k < n; k++) t.push(k % 7, k % 3, k, k + 0.5, 1 + k / 3, 2, k % 2 ? 0.25 : NaN, k % 5 ? src : txt, k, k % 11 === 0 ? `s${k}` : k * 10);
    expect(t.n).toBe(n);
    expect([t.img(70_001), t.cls(70_001), t.a(70_001), t.b(70_001), t.c(70_001), t.d(70_001), t.score(70_001)]).toEqual([70_001 % 7, 70_001 % 3, 70_001, 70_001.5, 1 + 70_001 / 3, 2, 0.25]);
    expect(t.score(70_002)).toBeNull();
    expect(t.where(66_001)).toEqual({ file: 'f.json', record: 'annotations[66001] (id 660010)' });
    expect(t.where(66_000)).toEqual({ file: 'a.txt', line: 66_000 });
    expect(t.where(66_011)).toEqual({ file: 'f.json', record: 'annotations[66011] (id s66011)' });

    const dropped = t.filter((k) => k % 4 !== 1, 1000);
    const kept = Array.from({ length: n }, (_, k) => k).filter((k) => k < 1000 || k % 4 !== 1);
    expect(dropped).toBe(n - kept.length);
    expect(t.n).toBe(kept.length);
    for (const j of [0, 999, 1000, 1001, 65_535, 65_536, 70_000, t.n - 1]) {
      const k = kept[j];
      expect([t.a(j), t.ref(j), t.where(j)]).toEqual([k, k % 11 === 0 ? `s${k}` : k * 10, k % 5 ? { file: 'f.json', record: `annotations[${k}] (id ${k % 11 === 0 ? `s${k}` : k * 10})` } : { file: 'a.txt', line: k }]);
    }
    // Pushing after a filter continues where the kept boxes end.
    t.push(6, 0, -1, -1, 1, 1, NaN, src, 9, NaN);
    expect([t.n, t.a(t.n - 1), t.ref(t.n - 1)]).toEqual([kept.length + 1, -1, undefined]);

    const { start, order } = t.byImage(7);
    expect(start[7]).toBe(t.n);
    for (let i = 0; i < 7; i++) {
      const mine = Array.from(order.subarray(start[i], start[i + 1]));
      const want = Array.from({ length: t.n }, (_, k) => k).filter((k) => t.img(k) === i);
      expect(mine).toEqual(want);
    }
  });
});

describe('Problems', () => {
  it('merges as if the problems had been added in that order, keeping the count', () => {
    const a = new Problems();
    const b = new Problems();
    for (let i = 0; i < 70; i++) a.add({ file: 'a', reason: `${i}` });
    for (let i = 0; i < 150; i++) b.add({ file: 'b', reason: `${i}` });
    a.merge(b);
    expect(a.total).toBe(220);
    expect(a.list).toHaveLength(100);
    expect(a.list[69]).toEqual({ file: 'a', reason: '69' });
    expect(a.list[99]).toEqual({ file: 'b', reason: '29' });
  });
});

describe('forEachOrdered', () => {
  it('hands results over in order, with at most `limit` loads in flight', async () => {
    const rand = mulberry32(3);
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 200 }, (_, i) => i);
    await forEachOrdered(
      items,
      5,
      async (i) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, rand() * 3));
        inFlight--;
        return i * 2;
      },
      (r, item, i) => {
        expect([r, item]).toEqual([i * 2, i]);
        seen.push(i);
      },
    );
    expect(seen).toEqual(items);
    expect(most).toBe(5);
  });

  it('stops with a cancelled error, waiting for the loads in flight; a failed load fails the whole', async () => {
    const ctl = new AbortController();
    let running = 0;
    const used: number[] = [];
    const job = forEachOrdered(
      Array.from({ length: 100 }, (_, i) => i),
      4,
      async (i) => {
        running++;
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return i;
      },
      (i) => {
        used.push(i);
        if (i === 10) ctl.abort();
      },
      ctl.signal,
    );
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    expect(running).toBe(0);
    expect(used).toEqual(Array.from({ length: 11 }, (_, i) => i));
    await expect(forEachOrdered([1, 2, 3], 2, async (i) => (i === 2 ? Promise.reject(new Error('boom')) : i), () => {})).rejects.toThrow('boom');
  });
});

describe('FileFinder', () => {
  it('finds files from folder listings: not folders, not missing names, through symbolic links', async () => {
    const d = tempDir();
    fs.mkdirSync(path.join(d, 'sub/dir'), { recursive: true });
    fs.writeFileSync(path.join(d, 'sub/a.png'), 'x');
    fs.symlinkSync(path.join(d, 'sub/a.png'), path.join(d, 'sub/link.png'));
    fs.symlinkSync(path.join(d, 'sub/gone.png'), path.join(d, 'sub/broken.png'));
    const f = new FileFinder();
    const ask = (p: string) => f.isFile(path.join(d, p));
    expect(await Promise.all(['sub/a.png', 'sub/link.png', 'sub/broken.png', 'sub/dir', 'sub/b.png', 'nope/a.png', 'sub/A.PNG'].map(ask))).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      // Only a file system that ignores case has it.
      fs.existsSync(path.join(d, 'sub/A.PNG')),
    ]);
  });
});
