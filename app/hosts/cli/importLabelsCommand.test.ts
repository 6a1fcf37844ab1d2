import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeImage, tempDir } from '../../../test/unit/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/loupe.mjs');
const BAD = path.join(ROOT, 'test/bad-inputs/import');

/** Run the real CLI in its own process. */
function loupe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOUPE_ANNOTATOR: 'cli-user' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function dataset(): Promise<string> {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'data.yaml'), 'train: images/train\nnames: [car, bus]\n');
  await makeImage(path.join(d, 'images/train/a.png'), { w: 100, h: 80 });
  fs.mkdirSync(path.join(d, 'labels/train'), { recursive: true });
  fs.writeFileSync(path.join(d, 'labels/train/a.txt'), '1 0.5 0.5 0.5 0.5\n');
  return d;
}

describe('loupe import --annotations / --predictions', () => {
  it('imports a YOLO dataset, lists the classes it created, and reports a dry run', async () => {
    const d = await dataset();
    const project = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', project])).code).toBe(0);
    const dry = await loupe(['import', project, '--annotations', d, '--format', 'yolo', '--annotator', 'alice', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Would import alice's labels: 1 images (0 already in the project, 1 to add), 1 boxes.");
    expect(dry.stdout).toContain('New classes to create: car, bus');
    const run = await loupe(['import', project, '--annotations', d, '--format', 'yolo', '--annotator', 'alice']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('New classes created: car, bus');
    const boxes = JSON.parse((await loupe(['boxes', project, '--json'])).stdout) as { boxes: { class: string; x: number; y: number; w: number; h: number; author: string; provenance: string }[] };
    expect(boxes.boxes).toMatchObject([{ class: 'bus', x: 25, y: 20, w: 50, h: 40, author: 'alice', provenance: 'imported' }]);

    const preds = path.join(tempDir(), 'preds.json');
    fs.writeFileSync(preds, JSON.stringify([{ image_id: 1, file_name: 'images/train/a.png', category_id: 1, category_name: 'car', bbox: [1, 2, 3, 4], score: 0.5 }]));
    const p = await loupe(['import', project, '--predictions', preds, '--format', 'coco-results', '--model', 'det', '--json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ imagesMatched: 1, boxes: 1, newClasses: [], runId: 1 });
  });

  it('prints every problem as file:line: reason on stderr and exits 1 without writing', async () => {
    const d = tempDir();
    fs.cpSync(path.join(BAD, 'yolo-bad-lines'), d, { recursive: true });
    await makeImage(path.join(d, 'images/train/bad.png'), { w: 200, h: 100 });
    const project = path.join(tempDir(), 'p.loupe');
    await loupe(['init', project]);
    const r = await loupe(['import', project, '--annotations', path.join(d, 'data.yaml'), '--format', 'yolo', '--annotator', 'a']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(path.join(d, 'labels')));
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(`${path.join(d, 'labels/train/bad.txt')}:2: expected 5 values (class cx cy w h), found 4`);
    expect(r.stderr).toMatch(/loupe: 9 problems in the input, nothing was imported/);
    const info = JSON.parse((await loupe(['info', project, '--json'])).stdout) as { imageCount: number; classes: unknown[] };
    expect(info).toMatchObject({ imageCount: 0, classes: [] });
  });

  it('says what a COCO import left out: crowd regions and segmentations', async () => {
    const d = tempDir();
    await makeImage(path.join(d, 'a.png'), { w: 100, h: 80 });
    fs.writeFileSync(
      path.join(d, 'coco.json'),
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.png', width: 100, height: 80 }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, iscrowd: 1, bbox: [0, 0, 50, 50], segmentation: { size: [80, 100], counts: 'abc' } },
          { id: 2, image_id: 1, category_id: 1, iscrowd: 0, segmentation: [[10, 10, 20, 10, 20, 30]] },
        ],
        categories: [{ id: 1, name: 'person' }],
      }),
    );
    const project = path.join(tempDir(), 'p.loupe');
    await loupe(['init', project]);
    const r = await loupe(['import', project, '--annotations', path.join(d, 'coco.json'), '--format', 'coco', '--annotator', 'a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Imported a's labels: 1 images (0 already in the project, 1 added), 1 boxes.");
    expect(r.stdout).toContain('  1 boxes without a bbox taken from the extent of their segmentation polygons');
    expect(r.stdout).toContain('  1 segmentations not kept (Loupe keeps boxes only)');
    expect(r.stdout).toContain('  1 crowd regions (iscrowd 1) skipped: they are not single objects');
  });

  it('refuses inconsistent flags as usage errors (exit 2)', async () => {
    const project = path.join(tempDir(), 'p.loupe');
    await loupe(['init', project]);
    for (const args of [
      ['--annotations', 'x'],
      ['--annotations', 'x', '--format', 'coco-results', '--annotator', 'a'],
      ['--predictions', 'x', '--format', 'coco-results'],
      ['--annotations', 'x', '--predictions', 'y', '--format', 'coco', '--annotator', 'a'],
      ['--images', 'x', '--format', 'yolo'],
    ]) {
      const r = await loupe(['import', project, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^loupe: .*Run loupe import --help for usage\.\n$/);
    }
  });
});
