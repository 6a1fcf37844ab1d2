import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../domain/random.ts';
import { tempDir } from '../../test/unit/fixtures.ts';
import { JsonStreamParser, JsonSyntaxError, parseJsonFile, type JsonMode, type JsonStreamHandler } from './jsonStream.ts';

type Seen = { root?: string; records: [string, number, unknown][]; values: [string, unknown][]; members: string[] };

/** A handler that takes `records` for the given keys, `value` for others listed, and skips the rest. */
function collector(modes: Record<string, JsonMode>): { h: JsonStreamHandler; seen: Seen } {
  const seen: Seen = { records: [], values: [], members: [] };
  const h: JsonStreamHandler = {
    root: (k) => (seen.root = k),
    member: (key) => {
      seen.members.push(key);
      return modes[key] ?? 'skip';
    },
    record: (key, i, v) => seen.records.push([key, i, v]),
    value: (key, v) => seen.values.push([key, v]),
  };
  return { h, seen };
}

/** Feed text in pieces whose lengths come from `rand` (1 to `max` characters). */
function feed(text: string, h: JsonStreamHandler, rand: () => number, max = 7): void {
  const p = new JsonStreamParser(h);
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(rand() * max);
    p.write(text.slice(i, i + n));
    i += n;
  }
  p.end();
}

function errorOf(fn: () => void): JsonSyntaxError | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
}

const coco = {
  info: { description: 'nested', list: [1, { deep: [[], {}, [null, true, false]] }], s: 'a"b\\c' },
  images: [
    { id: 1, file_name: 'a.png', width: 10, height: 20 },
    { id: 2, file_name: 'dir/é ü.png', width: 3, height: 4, extra: { x: [1, 2] } },
  ],
  annotations: [{ id: 7, image_id: 1, category_id: 1, bbox: [0.5, 1e-7, 3, 4.25], segmentation: [[1, 2, 3, 4, 5, 6]], iscrowd: 0 }],
  licenses: [],
  categories: [{ id: 1, name: 'car' }],
};

describe('JsonStreamParser', () => {
  it('hands over the records of the arrays asked for, in any chunking, exactly as JSON.parse reads them', () => {
    const texts = [JSON.stringify(coco), JSON.stringify(coco, null, 2), JSON.stringify(coco, null, '\t').replace(/\n/g, '\r\n')];
    const rand = mulberry32(1);
    for (const text of texts) {
      for (const max of [1, 2, 3, 17, 1000]) {
        const { h, seen } = collector({ images: 'records', annotations: 'records', categories: 'records', licenses: 'value' });
        feed(text, h, rand, max);
        expect(seen.root).toBe('object');
        expect(seen.members).toEqual(['info', 'images', 'annotations', 'licenses', 'categories']);
        expect(seen.records).toEqual([
          ['images', 0, coco.images[0]],
          ['images', 1, coco.images[1]],
          ['annotations', 0, coco.annotations[0]],
          ['categories', 0, coco.categories[0]],
        ]);
        expect(seen.values).toEqual([['licenses', []]]);
      }
    }
  });

  it('reads the elements of a root array as records with the key ""', () => {
    const { h, seen } = collector({ '': 'records' });
    feed(' [ {"a": 1}, 2, "x", [3], null ] ', h, mulberry32(2));
    expect(seen.root).toBe('array');
    expect(seen.records).toEqual([
      ['', 0, { a: 1 }],
      ['', 1, 2],
      ['', 2, 'x'],
      ['', 3, [3]],
      ['', 4, null],
    ]);
  });

  it('hands a member asked for as records whole when it is not an array', () => {
    const { h, seen } = collector({ images: 'records' });
    feed('{"images": {"id": 1}, "other": 5}', h, mulberry32(3));
    expect(seen.records).toEqual([]);
    expect(seen.values).toEqual([['images', { id: 1 }]]);
  });

  it('skips nested unknown fields, however deep, without handing anything over', () => {
    const deep = `${'['.repeat(500)}{"k": "${'v'.repeat(5000)}"}${']'.repeat(500)}`;
    const { h, seen } = collector({ images: 'records' });
    feed(`{"info": ${deep}, "x": {"images": [1, 2]}, "images": [{"id": 1, "u": ${deep}}]}`, h, mulberry32(4), 300);
    expect(seen.members).toEqual(['info', 'x', 'images']);
    expect(seen.records).toHaveLength(1);
    expect((seen.records[0][2] as { id: number }).id).toBe(1);
  });

  it('reads huge numbers as JSON.parse does, split anywhere', () => {
    const big = `1${'0'.repeat(400)}`;
    const text = `[${big}, -${big}.5e-3, 1e400, -1E+400, 0.000000000000000000001, -0, 123456789012345678901234567890, 0e0]`;
    const { h, seen } = collector({ '': 'records' });
    feed(text, h, mulberry32(5), 3);
    expect(seen.records.map((r) => r[2])).toEqual(JSON.parse(text));
    expect(seen.records[0][2]).toBe(Infinity);
    expect(Object.is(seen.records[5][2], -0)).toBe(true);
  });

  it('reads unicode escapes and surrogate pairs in keys and values, split anywhere', () => {
    const text = '{"n\\u00e4me": ["\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\", "日本語 😀"], "\\u0069mages": [{"file_name": "\\uD83D\\uDE00.png"}]}';
    for (let max = 1; max < 6; max++) {
      const { h, seen } = collector({ 'näme': 'value', images: 'records' });
      feed(text, h, mulberry32(max), max);
      expect(seen.members).toEqual(['näme', 'images']);
      expect(seen.values).toEqual([['näme', ['é😀/\b\f\n\r\t"\\', '日本語 😀']]]);
      expect(seen.records).toEqual([['images', 0, { file_name: '😀.png' }]]);
    }
  });

  it('locates malformed JSON at the first offending character, whatever the chunking', () => {
    const cases: [string, number, number, string | null, RegExp][] = [
      ['{"images": [1, 2,]}', 1, 18, ']}', /expected a value after the comma/],
      ['{"a": 1,}', 1, 9, '}', /member name in double quotes after the comma/],
      ['{\n  "a": 1\n  "b": 2\n}', 3, 3, '"b": 2\n}', /expected ',' or '}'/],
      ['[1 2]', 1, 4, '2]', /expected ',' or ']'/],
      ['{"a" 1}', 1, 6, '1}', /expected ':'/],
      ['[01]', 1, 3, '1]', /expected ',' or ']'/],
      ['[-x]', 1, 3, 'x]', /digit after '-'/],
      ['[1.e5]', 1, 4, 'e5]', /digit after '\.'/],
      ['[1e+]', 1, 5, ']', /digit in the exponent/],
      ['[tru]', 1, 5, ']', /expected 'true'/],
      ['[nul1]', 1, 5, '1]', /expected 'null'/],
      ['["a\\x"]', 1, 5, 'x"]', /expected an escape/],
      ['["\\u12G4"]', 1, 7, 'G4"]', /hexadecimal/],
      ['["a\tb"]', 1, 4, '\tb"]', /control characters/],
      ["{'a': 1}", 1, 2, "'a': 1}", /member name in double quotes or '}'/],
      ['[1] [2]', 1, 5, '[2]', /end of the text/],
      ['\uFEFF\n\n  ]', 3, 3, ']', /expected a value/],
      ['[Infinity]', 1, 2, 'Infinity]', /expected a value/],
      ['{"a": [1, 2}', 1, 12, '}', /expected ',' or ']'/],
    ];
    for (const [text, line, column, found, why] of cases) {
      let first: JsonSyntaxError | null = null;
      for (const max of [1, 2, 5, 100]) {
        const err = errorOf(() => feed(text, collector({}).h, mulberry32(max), max));
        expect(err, text).not.toBeNull();
        expect([err!.line, err!.column, err!.found], text).toEqual([line, column, found?.slice(0, 10) ?? null]);
        expect(err!.expected, text).toMatch(why);
        if (first) expect(err!.offset).toBe(first.offset);
        first = err;
      }
      expect(() => JSON.parse(text.replace(/^\uFEFF/, ''))).toThrow();
    }
  });

  it('reports every truncation as the text ending too early, at its end', () => {
    const text = JSON.stringify(coco, null, 1);
    const lines = text.split('\n');
    for (let cut = 0; cut < text.length; cut += 7) {
      const part = text.slice(0, cut);
      const err = errorOf(() => feed(part, collector({ images: 'records' }).h, mulberry32(cut), 50));
      expect(err, part).not.toBeNull();
      expect(err!.found).toBeNull();
      expect(err!.offset).toBe(cut);
      const before = part.split('\n');
      expect([err!.line, err!.column]).toEqual([before.length, before[before.length - 1].length + 1]);
      expect(err!.message).toMatch(/^not JSON \(line \d+, column \d+: the text ends too early\)/);
    }
    expect(lines.length).toBeGreaterThan(10);
  });

  it('accepts exactly what JSON.parse accepts (random values, random damage, random chunks)', () => {
    const rand = mulberry32(99);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const ws = () => pick(['', '', ' ', '\n', '\t', '\r\n ']);
    const gen = (d: number): string => {
      const r = rand();
      if (d > 3 || r < 0.3) return pick(['0', '-0', '12', '-3.25', '1e5', '2E-3', '0.5e+2', 'true', 'false', 'null', '""', '"a\\"b"', '"\\u00e9x"', '"😀"']);
      if (r < 0.65) return `[${ws()}${Array.from({ length: Math.floor(rand() * 4) }, () => `${ws()}${gen(d + 1)}${ws()}`).join(',')}]`;
      return `{${Array.from({ length: Math.floor(rand() * 4) }, () => `${ws()}"k${Math.floor(rand() * 3)}"${ws()}:${ws()}${gen(d + 1)}${ws()}`).join(',')}${ws()}}`;
    };
    const damage = (t: string): string => {
      const at = Math.floor(rand() * (t.length + 1));
      const r = rand();
      if (r < 0.4) return t.slice(0, at) + t.slice(at + 1);
      if (r < 0.8) return t.slice(0, at) + pick([',', ':', '"', '[', ']', '{', '}', '0', '-', '.', 'e', 'x', '\\', ' ', 't']) + t.slice(at);
      return t.slice(0, at);
    };
    let invalid = 0;
    for (let k = 0; k < 3000; k++) {
      const good = `${ws()}{"images":${ws()}[${gen(0)},${gen(0)}],"x":${gen(0)}}${ws()}`;
      const text = k % 4 === 0 ? good : damage(good);
      let want: unknown;
      let ok = true;
      try {
        want = JSON.parse(text);
      } catch {
        ok = false;
      }
      const offsets = new Set<number>();
      for (const max of [1, 3, 64]) {
        const { h, seen } = collector({ images: 'records', x: 'value' });
        const err = errorOf(() => feed(text, h, rand, max));
        expect(err === null, text).toBe(ok);
        if (err) offsets.add(err.offset);
        else if (want && typeof want === 'object' && Array.isArray((want as { images?: unknown }).images)) {
          const w = want as { images: unknown[]; x: unknown };
          expect(seen.records.map((r) => r[2])).toEqual(w.images);
          expect(seen.values.at(-1)?.[1]).toEqual(w.x);
        }
      }
      expect(offsets.size, text).toBeLessThanOrEqual(1);
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThan(1000);
  });
});

describe('parseJsonFile', () => {
  it('reads a file in byte chunks, multi-byte characters split across them, skipping a byte-order mark', async () => {
    const file = path.join(tempDir(), 'a.json');
    const text = `\uFEFF${JSON.stringify({ images: [{ n: 'ééé😀日本' }, { n: 'ü'.repeat(3000) }] })}`;
    fs.writeFileSync(file, text);
    for (const chunkBytes of [1, 2, 3, 5, 4096]) {
      const { h, seen } = collector({ images: 'records' });
      const bytes: number[] = [];
      await parseJsonFile(file, h, { chunkBytes, onBytes: (done) => bytes.push(done) });
      expect(seen.records.map((r) => r[2])).toEqual(JSON.parse(text.slice(1)).images);
      expect(bytes.at(-1)).toBe(fs.statSync(file).size);
    }
  });

  it('stops between chunks when cancelled', async () => {
    const file = path.join(tempDir(), 'a.json');
    fs.writeFileSync(file, JSON.stringify({ images: Array.from({ length: 1000 }, (_, id) => ({ id })) }));
    const ctl = new AbortController();
    const { h, seen } = collector({ images: 'records' });
    const p = parseJsonFile(file, h, { chunkBytes: 64, signal: ctl.signal, onBytes: (done) => done > 2000 && ctl.abort() });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen.records.length).toBeGreaterThan(0);
    expect(seen.records.length).toBeLessThan(1000);
  });
});
