import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../services/boxEdits.ts';
import { createClass } from '../services/classes.ts';
import { addImageRow, newProject } from '../../test/unit/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'test/fixtures/writers/editBurst.ts');

describe('two processes writing one project', () => {
  it('loses no edit: every write transaction takes the write lock when it begins', async () => {
    const p = newProject({ annotator: 'first' });
    const cls = createClass(p, { name: 'crack' }).id;
    const mine = addImageRow(p);
    const theirs = addImageRow(p);
    const EDITS = 600;

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, p.file, String(theirs), String(cls), String(EDITS)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ready = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('ready\n')) resolve();
      }),
    );
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    await ready;
    child.stdin.write('go\n');

    // Both processes now run read-then-write transactions on the same file at the same time.
    const failures: string[] = [];
    for (let i = 0; i < EDITS; i++) {
      try {
        applyEdit(p, mine, { added: [{ classId: cls, x: i % 500, y: 50, w: 20, h: 20 }], updated: [], removed: [] });
      } catch (err) {
        failures.push((err as Error).message);
      }
      // Let the child's output be read now and then; the loop itself stays synchronous like a host's handler.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await ended, stderr).toBe(0);
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: number; failed: number; first: string | null };

    expect(failures, failures[0]).toEqual([]);
    expect(result, result.first ?? '').toEqual({ ok: EDITS, failed: 0, first: null });
    const count = (imageId: number) => (p.db.prepare('SELECT count(*) AS n FROM boxes WHERE image_id = ?').get(imageId) as { n: number }).n;
    expect(count(mine)).toBe(EDITS);
    expect(count(theirs)).toBe(EDITS);
    const edits = (p.db.prepare('SELECT count(*) AS n FROM edits').get() as { n: number }).n;
    expect(edits).toBe(2 * EDITS);
  }, 120_000);
});
