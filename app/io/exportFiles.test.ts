import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkedWriter } from './exportFiles.ts';

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-chunked-')), 'out.txt');
}

describe('ChunkedWriter', () => {
  it('writes numbers exactly as String(n) prints them', async () => {
    const values = [
      0, -0, 1, 7, 9, 10, 99, 100, 12345, -1, -10, -987654321, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 123e20,
      0.1, 0.5, 1 / 3, -2.5, 1e-7, 5e-324, 1.7976931348623157e308, 640.0000000001, 123.456 * 789.012, NaN, Infinity, -Infinity,
    ];
    const file = tempFile();
    // A tiny chunk size, so numbers and text cross chunk boundaries.
    const w = new ChunkedWriter(file, 8);
    for (const v of values) {
      w.num(v);
      w.ascii(' ');
    }
    await w.close();
    expect(fs.readFileSync(file, 'latin1')).toBe(values.map((v) => `${String(v)} `).join(''));
  });

  it('mixes ascii, push (any text) and write in order, across chunks', async () => {
    const file = tempFile();
    const w = new ChunkedWriter(file, 16);
    await w.write('{"a":');
    w.num(42);
    w.ascii(',"name":');
    w.push(JSON.stringify('café ✓ — 日本'));
    w.ascii(',"list":[');
    for (let i = 0; i < 100; i++) {
      if (i) w.ascii(',');
      w.num(i * 1.5);
    }
    w.ascii(']');
    w.fields([',"p":', ',"q":'], [-3, 0.25]);
    w.ascii('}');
    await w.close();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(parsed).toEqual({ a: 42, name: 'café ✓ — 日本', list: Array.from({ length: 100 }, (_, i) => i * 1.5), p: -3, q: 0.25 });
  });
});
