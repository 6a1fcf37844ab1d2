import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/unit/fixtures.ts';
import { filesEvaluateArgs } from './evaluateFilesArgs.ts';
import { mainEvaluateFiles } from './evaluateFilesMain.ts';
import { main } from './main.ts';

const argv = (...args: string[]) => ['node', 'loupe', ...args];

describe('filesEvaluateArgs: which command lines start without the rest of the CLI', () => {
  it('takes evaluate --gt FILE --dt FILE [--json], in any order', () => {
    expect(filesEvaluateArgs(argv('evaluate', '--gt', 'a.json', '--dt', 'b.json'))).toEqual({ gt: 'a.json', dt: 'b.json', json: false });
    expect(filesEvaluateArgs(argv('evaluate', '--json', '--dt', 'b.json', '--gt', 'a.json'))).toEqual({ gt: 'a.json', dt: 'b.json', json: true });
  });
  it('leaves everything else to the full CLI (its usage errors and help)', () => {
    for (const args of [
      ['evaluate', '--gt', 'a.json'],
      ['evaluate', 'p.loupe', '--gt', 'a.json', '--dt', 'b.json'],
      ['evaluate', '--gt', 'a.json', '--dt', 'b.json', '--final'],
      ['evaluate', '--gt', 'a.json', '--dt', 'b.json', '--help'],
      ['evaluate', '--gt', 'a.json', '--gt', 'c.json', '--dt', 'b.json'],
      ['evaluate', '--gt=a.json', '--dt', 'b.json'],
      ['evaluate', '--gt', '--dt', 'b.json'],
      ['evaluate', '--gt', 'a.json', '--dt', 'b.json', '--json', '--json'],
      ['export', '--gt', 'a.json', '--dt', 'b.json'],
      [],
    ])
      expect(filesEvaluateArgs(argv(...args)), args.join(' ')).toBeNull();
  });
});

describe('mainEvaluateFiles prints, fails and exits as the full CLI does', () => {
  const capture = () => {
    const out = { stdout: '', stderr: '' };
    const streams = { stdout: { write: (t: string) => void (out.stdout += t) }, stderr: { write: (t: string) => void (out.stderr += t) } } as unknown as Parameters<typeof main>[1];
    return { out, streams: streams! };
  };
  it('on a good pair of files, with and without --json, and on a bad one', async () => {
    const dir = tempDir();
    const gt = path.join(dir, 'gt.json');
    const dt = path.join(dir, 'dt.json');
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(gt, JSON.stringify({ images: [{ id: 1 }], categories: [{ id: 1 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] }] }));
    fs.writeFileSync(dt, JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 9], score: 0.9 }]));
    fs.writeFileSync(bad, JSON.stringify([{ image_id: 2, category_id: 1, bbox: [0, 0, 10, 9], score: 0.9 }]));
    for (const args of [argv('evaluate', '--gt', gt, '--dt', dt), argv('evaluate', '--gt', gt, '--dt', dt, '--json'), argv('evaluate', '--gt', gt, '--dt', bad)]) {
      const full = capture();
      const fast = capture();
      const codes = [await main(args, full.streams), await mainEvaluateFiles(args, fast.streams)];
      expect(codes[1]).toBe(codes[0]);
      expect(fast.out).toEqual(full.out);
    }
  });
});
