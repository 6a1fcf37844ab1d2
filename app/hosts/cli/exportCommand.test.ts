import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExportFixture } from '../../../test/fixtures/export/project.ts';
import { tempDir } from '../../../test/unit/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/loupe.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI; `onStderr` may signal the child. */
function loupe(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOUPE_ANNOTATOR: 'ana' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let file: string;
beforeAll(async () => {
  dir = tempDir('loupe-cli-export-');
  const p = await buildExportFixture(dir);
  file = p.file;
  p.close();
});

describe('loupe export (real bin)', () => {
  it('exports YOLO and prints the summary; --json gives the same numbers', async () => {
    const out = path.join(dir, 'yolo');
    const r = await loupe(['export', file, '--format', 'yolo', '--out', out, '--split', '0.5,0.5', '--seed', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Exported 4 images and 6 boxes \(final labels\) as YOLO to /);
    expect(r.stdout).toMatch(/train +2 images \(0 without boxes\), 4 boxes: car 2, person 2, bike 0/);
    expect(r.stdout).toMatch(/Left out 2 of 6 images:\n {2}1 unresolved: .*\(e\.g\. d\.png\)\n {2}1 not reviewed: .*\(e\.g\. e\.png\)/);
    expect(r.stderr).toMatch(/Export YOLO to .*yolo…/);
    expect(fs.readFileSync(path.join(out, 'data.yaml'), 'utf8')).toContain(`path: ${JSON.stringify(out)}`);

    const j = await loupe(['export', file, '--format', 'coco', '--out', path.join(dir, 'coco'), '--split', '0.5,0.5', '--json', '--images', 'symlink']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ format: 'coco', images: 4, boxes: 6, skippedCount: 2, imagesMode: 'symlink', labels: 'final' });
    const train = JSON.parse(fs.readFileSync(path.join(dir, 'coco/annotations/instances_train.json'), 'utf8'));
    expect(train.images.map((i: { id: number }) => i.id).sort()).toEqual([1, 6]);
  });

  it('refuses an existing folder without --force, bad values and unknown annotators, writing nothing', async () => {
    fs.mkdirSync(path.join(dir, 'taken'), { recursive: true });
    const before = fs.readdirSync(dir).sort();
    const cases: [string[], number, RegExp][] = [
      [['--format', 'yolo', '--out', path.join(dir, 'taken')], 1, /already exists; .*--force/],
      [['--format', 'voc', '--out', path.join(dir, 'n')], 1, /--format must be yolo or coco, got "voc"/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--split', '0.8;0.2'], 1, /split must be two or three numbers/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--split', '0.8,0.3'], 1, /add up to 1/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--labels', 'annotator:zed'], 1, /No annotator "zed" in this project \(annotators: ana, bo\)/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--labels', 'best'], 1, /labels must be "final"/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--seed', '-1'], 1, /--seed must be a whole number/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--where', 'novalue'], 1, /--where must be key=value/],
      [['--format', 'yolo', '--out', path.join(dir, 'n'), '--images', 'move'], 1, /--images must be copy, link, symlink or none/],
      [['--format', 'yolo'], 2, /export needs --out DIR/],
    ];
    for (const [args, code, re] of cases) {
      const r = await loupe(['export', file, ...args]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    const forced = await loupe(['export', file, '--format', 'yolo', '--out', path.join(dir, 'taken'), '--force', '--images', 'none']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'taken/data.yaml'))).toBe(true);
  });

  it('Ctrl+C exits 130 and leaves nothing behind', async () => {
    const big = tempDir('loupe-cli-export-big-');
    const p = await buildExportFixture(big);
    const cls = p.classes.byName('car')!.id;
    const root = p.images.ensureRoot('images');
    p.db.transaction(() => {
      for (let i = 0; i < 30000; i++) {
        const id = p.images.insert({ rootId: root, path: `gen/${i}.png`, width: 64, height: 64, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
        p.boxes.insert({ imageId: id, annotatorId: p.annotator.id, classId: cls, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      }
    })();
    p.close();
    const before = fs.readdirSync(big).sort();
    let sent = false;
    const r = await loupe(['export', p.file, '--format', 'yolo', '--out', path.join(big, 'ds'), '--images', 'none'], (text, child) => {
      if (!sent && text.includes('…\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/export cancelled; nothing was written at .*ds/);
    expect(fs.readdirSync(big).sort()).toEqual(before);
  });
});
