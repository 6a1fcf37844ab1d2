import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { twoImageYoloDataset } from '../../../test/unit/fixtures.ts';
import { loupe } from './runLoupe.ts';

/** A project with alice's labels on two images (3 boxes) and one model's COCO results: one hit, one false alarm. */
async function project(): Promise<string> {
  const d = await twoImageYoloDataset();
  const file = path.join(d, 'p.loupe');
  expect((await loupe(['init', file])).code).toBe(0);
  const imported = await loupe(['import', file, '--annotations', d, '--format', 'yolo', '--annotator', 'alice']);
  expect(imported.code, imported.stderr).toBe(0);
  fs.writeFileSync(
    path.join(d, 'instances.json'),
    JSON.stringify({ images: [{ id: 1, file_name: 'images/train/a.png' }, { id: 2, file_name: 'images/train/b.png' }], categories: [{ id: 1, name: 'car' }, { id: 2, name: 'bus' }] }),
  );
  fs.writeFileSync(
    path.join(d, 'results.json'),
    JSON.stringify([
      { image_id: 1, category_id: 2, bbox: [25, 20, 50, 40], score: 0.9 },
      { image_id: 2, category_id: 1, bbox: [0, 0, 5, 5], score: 0.8 },
    ]),
  );
  const preds = await loupe(['import', file, '--predictions', path.join(d, 'results.json'), '--images-json', path.join(d, 'instances.json'), '--format', 'coco-results', '--model', 'det']);
  expect(preds.code, preds.stderr).toBe(0);
  return file;
}

describe('loupe evaluate', () => {
  it('measures the latest run against a reference, as text and as JSON', async () => {
    const file = await project();
    const json = await loupe(['evaluate', file, '--reference', 'alice', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r).toMatchObject({ run: { name: 'det' }, reference: { name: 'alice' }, reviewed: 2, notRun: 0, slices: [] });
    expect(r.overall).toMatchObject({ images: 2, gt: 3, dt: 2, found: 1, missed: 2, falseAlarms: 1 });
    // bus: its one box found (AP 1); car: two boxes, one false alarm, none found (AP 0).
    expect(r.overall.ap50).toBeCloseTo(0.5, 12);

    const text = await loupe(['evaluate', file, '--reference', 'alice', '--model', 'det']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^det \(run \d+\) against alice: 2 images, 3 reference boxes, 2 detections\n {2}AP50 +50\.0 %/);
    expect(text.stdout).toContain('found 1 of 3, missed 2, false alarms 1');
    expect(text.stdout).toContain('  latency p50 not measured');
    // the twelve COCO numbers, as pycocotools' summary lines, from the same report as --json
    const lines = text.stdout.split('\n').filter((l) => l.startsWith(' Average '));
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${r.overall.stats[0].toFixed(3)}`);
    expect(lines[8]).toBe(` Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${r.overall.stats[8].toFixed(3)}`);
  });

  it('compares two runs on the same images (--compare) and keeps one metadata key (--by)', async () => {
    const file = await project();
    const d = path.dirname(file);
    // a second model that finds the car box the first one missed, and the bus box
    fs.writeFileSync(
      path.join(d, 'results2.json'),
      JSON.stringify([
        { image_id: 1, category_id: 2, bbox: [25, 20, 50, 40], score: 0.9 },
        { image_id: 2, category_id: 1, bbox: [0, 0, 5, 5], score: 0.8 },
      ]),
    );
    const runs = JSON.parse((await loupe(['evaluate', file, '--reference', 'alice', '--json'])).stdout);
    const preds = await loupe(['import', file, '--predictions', path.join(d, 'results2.json'), '--images-json', path.join(d, 'instances.json'), '--format', 'coco-results', '--model', 'det2']);
    expect(preds.code, preds.stderr).toBe(0);
    const a = runs.run.id as number;
    const b = JSON.parse((await loupe(['evaluate', file, '--reference', 'alice', '--model', 'det2', '--json'])).stdout).run.id as number;
    expect(b).not.toBe(a);
    const cmp = await loupe(['evaluate', file, '--reference', 'alice', '--run', String(a), '--compare', String(b), '--json']);
    expect(cmp.code, cmp.stderr).toBe(0);
    const c = JSON.parse(cmp.stdout);
    expect([c.a.run.name, c.b.run.name]).toEqual(['det', 'det2']);
    expect(c.a.overall.stats).toEqual(runs.overall.stats);
    expect(c.stats.AP50).toEqual({ a: c.a.overall.stats[1], b: c.b.overall.stats[1], diff: c.b.overall.stats[1] - c.a.overall.stats[1] });
    const text = await loupe(['evaluate', file, '--reference', 'alice', '--run', String(a), '--compare', String(b)]);
    expect(text.stdout).toMatch(/^A: det \(run \d+\) {3}B: det2 \(run \d+\)/);
    expect(text.stdout.split('\n').filter((l) => /^(AP|AR)\w* /.test(l))).toHaveLength(12);
    // one job gives both and the differences; imported runs have no measured latency
    expect(c.diff.overall.stats[1]).toBe(c.stats.AP50.diff);
    expect(c.diff.overall.found).toBe(c.b.overall.found - c.a.overall.found);
    expect([c.a.latency, c.b.latency, c.diff.latencyP50Ms]).toEqual([null, null, null]);
    expect(text.stdout).toContain('latency p50 (model on this machine)   A not measured   B not measured');
    const self = await loupe(['evaluate', file, '--reference', 'alice', '--run', String(a), '--compare', String(a)]);
    expect(self).toMatchObject({ code: 1, stderr: expect.stringMatching(/is the run being evaluated/) });
    const none = await loupe(['evaluate', file, '--reference', 'alice', '--compare', '999']);
    expect(none).toMatchObject({ code: 1, stderr: expect.stringMatching(/no run 999 to compare with; runs: /) });
    const byMissing = await loupe(['evaluate', file, '--reference', 'alice', '--by', 'camera']);
    expect(byMissing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no metadata key "camera" on the evaluated images; keys: none/) });
  });

  it('takes the final labels as the reference: here alice, the one person who marked the images done', async () => {
    const file = await project();
    const r = await loupe(['evaluate', file, '--final', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reference: { id: null, name: 'final labels' }, reviewed: 2, overall: { gt: 3, found: 1, missed: 2, falseAlarms: 1 } });
  });

  it('says what is wrong with the reference or the run', async () => {
    const file = await project();
    const nobody = await loupe(['evaluate', file, '--reference', 'bob']);
    expect(nobody).toMatchObject({ code: 1, stderr: expect.stringMatching(/no annotator named "bob"; annotators: cli-user, alice, det/) });
    const noRun = await loupe(['evaluate', file, '--reference', 'alice', '--run', '7']);
    expect(noRun).toMatchObject({ code: 1, stderr: expect.stringMatching(/no run 7; runs: \d+ \(det\)/) });
    const badRun = await loupe(['evaluate', file, '--reference', 'alice', '--run', 'x']);
    expect(badRun).toMatchObject({ code: 1, stderr: expect.stringMatching(/--run must be a whole number above 0, got "x"/) });
    const both = await loupe(['evaluate', file, '--reference', 'alice', '--run', '1', '--model', 'det']);
    expect(both).toMatchObject({ code: 1, stderr: expect.stringMatching(/give --run or --model, not both/) });
    const noModel = await loupe(['evaluate', file, '--reference', 'alice', '--model', 'yolo']);
    expect(noModel).toMatchObject({ code: 1, stderr: expect.stringMatching(/no run of a model named "yolo"; runs: det/) });
    const model = await loupe(['evaluate', file, '--reference', 'det']);
    expect(model).toMatchObject({ code: 1, stderr: expect.stringMatching(/"det" is a model's author/) });
    const cliUser = await loupe(['evaluate', file, '--reference', 'cli-user']);
    expect(cliUser).toMatchObject({ code: 1, stderr: expect.stringMatching(/cli-user has not marked any image done/) });
    const untimed = await loupe(['evaluate', file, '--reference', 'alice', '--measure-latency']);
    expect(untimed).toMatchObject({ code: 1, stderr: expect.stringMatching(/run \d+ was imported, not made by a model in this project, so there is no model to time/) });
    const missing = await loupe(['evaluate', file]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/give --reference NAME or --final/) });
    const twice = await loupe(['evaluate', file, '--reference', 'alice', '--final']);
    expect(twice).toMatchObject({ code: 2, stderr: expect.stringMatching(/give --reference NAME or --final/) });
  });
});
