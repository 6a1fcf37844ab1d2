import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/unit/fixtures.ts';
import { writeScene } from '../../../test/unit/scenes.ts';
import { loupe } from './runLoupe.ts';

/** A reference folder of 12 scenes and a project of 3 like them and one darkened. */
async function project(): Promise<{ file: string; ref: string; root: string }> {
  const root = tempDir();
  const ref = path.join(root, 'train');
  for (let i = 1; i <= 12; i++) await writeScene(path.join(ref, `t${i}.jpg`), i);
  const imgs = path.join(root, 'prod');
  for (let i = 0; i < 3; i++) await writeScene(path.join(imgs, `p${i}.jpg`), 300 + i);
  await writeScene(path.join(imgs, 'night.jpg'), 400, 'darken');
  const file = path.join(root, 'p.loupe');
  const init = await loupe(['init', file, '--images', imgs]);
  expect(init.code, init.stderr).toBe(0);
  return { file, ref, root };
}

describe('loupe flag', () => {
  it('flags drift and a monitoring file, weighs a reason, as JSON and as text', async () => {
    const { file, ref, root } = await project();
    const csv = path.join(root, 'monitor.csv');
    fs.writeFileSync(csv, 'file,reason,score\np1.jpg,camera-moved,0.8\n');
    const json = await loupe(['flag', file, '--reference', ref, '--sidecar', csv, '--weight', 'camera-moved=0.5', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.stats).toMatchObject({ images: 4, computed: 4, kept: 0, failed: [] });
    expect(r.reference).toMatchObject({ images: 12, folder: ref });
    expect(r.flagged).toEqual({ drift: 1, 'camera-moved': 1 });
    expect(r.weights).toEqual([
      { reason: 'camera-moved', count: 1, weight: 0.5, set: true },
      { reason: 'drift', count: 1, weight: 1, set: false },
    ]);
    // drift scores at least 0.5 × 1; camera-moved 0.8 × 0.5 = 0.4
    expect(r.top.map((t: { path: string }) => t.path)).toEqual(['night.jpg', 'p1.jpg']);
    expect(json.stderr).toMatch(/Compute flags \(drift, flags file\)…/);

    const text = await loupe(['flag', file, '--reference', ref]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Image statistics: 4 images \(0 computed now, 4 kept from before\)\n/);
    expect(text.stdout).toContain(`Drift reference: 12 images in ${ref}`);
    expect(text.stdout).toContain('Model run: none in this project, so no low-confidence or class-mix flags');
    expect(text.stdout).toMatch(/REASON +IMAGES FLAGGED +WEIGHT\ndrift +1 +1\n/);
    expect(text.stdout).toMatch(/Highest priority \(Σ weight × score\):\n {2}night\.jpg {2}drift\n {2}p1\.jpg {2}camera-moved\n/);
  });

  it('refuses bad input with a clear message and writes no flags', async () => {
    const { file, ref, root } = await project();
    const unknown = path.join(root, 'unknown.csv');
    fs.writeFileSync(unknown, 'file,reason,score\np0.jpg,x,1\nmissing.jpg,x,1\np2.jpg,x\n');
    const u = await loupe(['flag', file, '--sidecar', unknown]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/unknown\.csv:3: no image "missing\.jpg" in this project/);
    expect(u.stderr).toMatch(/2 problems in the flags file, no flags were written/);
    expect(u.stderr).toMatch(/unknown\.csv:4: expected 3 columns \(file,reason,score\), got 2/);
    const nowhere = await loupe(['flag', file, '--reference', path.join(root, 'nowhere')]);
    expect(nowhere).toMatchObject({ code: 1, stderr: expect.stringMatching(/--reference ".*nowhere" is neither a folder nor a model run; runs: none/) });
    fs.mkdirSync(path.join(root, 'empty'));
    const empty = await loupe(['flag', file, '--reference', path.join(root, 'empty')]);
    expect(empty).toMatchObject({ code: 1, stderr: expect.stringMatching(/holds no images/) });
    const usage = await loupe(['flag', file]);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringMatching(/flag needs --reference FOLDER_OR_RUN or --sidecar FILE/) });
    const weight = await loupe(['flag', file, '--reference', ref, '--weight', 'drift=-2']);
    expect(weight).toMatchObject({ code: 1, stderr: expect.stringMatching(/--weight must be REASON=W with W a number of 0 or more, got "drift=-2"/) });
    const info = JSON.parse((await loupe(['flag', file, '--sidecar', path.join(root, 'none.csv'), '--json'])).stdout || '{}');
    expect(info).toEqual({});
    // Nothing above wrote a flag: a run with only a good file shows just its own.
    const good = path.join(root, 'good.csv');
    fs.writeFileSync(good, 'file,reason,score\np0.jpg,x,1\n');
    const ok = JSON.parse((await loupe(['flag', file, '--sidecar', good, '--json'])).stdout);
    expect(ok.weights).toEqual([{ reason: 'x', count: 1, weight: 1, set: false }]);
  });

  it('flags low confidence of --run and a class mix against a reference run given by name', async () => {
    const { file, root } = await project();
    fs.writeFileSync(
      path.join(root, 'instances.json'),
      JSON.stringify({ images: ['p0.jpg', 'p1.jpg', 'p2.jpg', 'night.jpg'].map((f, i) => ({ id: i + 1, file_name: f })), categories: [{ id: 1, name: 'car' }, { id: 2, name: 'bus' }] }),
    );
    const det = (id: number, cat: number, score: number) => ({ image_id: id, category_id: cat, bbox: [1, 1, 10, 10], score });
    // The reference run sees cars; the new run is sure of cars on p0, unsure on p1, and sees only buses on p2.
    fs.writeFileSync(path.join(root, 'ref.json'), JSON.stringify([det(1, 1, 0.9), det(2, 1, 0.9), det(3, 1, 0.9), det(4, 1, 0.9)]));
    fs.writeFileSync(path.join(root, 'new.json'), JSON.stringify([det(1, 1, 0.9), det(2, 1, 0.3), det(3, 2, 0.95), det(4, 1, 0.8)]));
    for (const [f, model] of [['ref.json', 'old-model'], ['new.json', 'new-model']]) {
      const r = await loupe(['import', file, '--predictions', path.join(root, f), '--images-json', path.join(root, 'instances.json'), '--format', 'coco-results', '--model', model]);
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await loupe(['flag', file, '--reference', 'old-model', '--run', 'new-model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.run.name).toBe('new-model');
    expect(j.referenceRun.name).toBe('old-model');
    expect(j.flagged).toEqual({ 'low-confidence': 1, 'class-mix': 1 });
    expect(Object.fromEntries(j.top.map((t: { path: string; flags: string[] }) => [t.path, t.flags]))).toEqual({ 'p1.jpg': ['low-confidence'], 'p2.jpg': ['class-mix'] });
    const same = await loupe(['flag', file, '--reference', 'new-model']);
    expect(same).toMatchObject({ code: 1, stderr: expect.stringMatching(/the reference run \d+ is the latest run; give --run RUN/) });
    const unknown = await loupe(['flag', file, '--reference', 'old-model', '--run', 'nope']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/--run "nope": no such model run; runs: \d+ \(old-model\), \d+ \(new-model\)/) });
  });
});
