import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPECTED, writeImages, writeModel } from '../../../test/fixtures/prelabel/setup.ts';
import { tempDir } from '../../../test/unit/fixtures.ts';
import { loupe, stderrLines } from './runLoupe.ts';

const dir = tempDir('loupe-cli-models-');
const MODEL = writeModel(path.join(dir, 'models/tiny.onnx'));

/** A project with `n` imported 128×96 images and, unless `classes` is empty, classes vehicle and person. */
async function project(name: string, n: number, classes = ['vehicle', 'person'], size?: { w: number; h: number }): Promise<string> {
  const images = path.join(dir, `${name}-images`);
  await writeImages(images, n, 'png', size);
  const file = path.join(dir, `${name}.loupe`);
  const init = await loupe(['init', file, '--images', images]);
  expect(init.code, init.stderr).toBe(0);
  if (classes.length) expect((await loupe(['classes', file, '--add', ...classes])).code).toBe(0);
  return file;
}

describe('loupe model add / models / prelabel (real bin)', () => {
  it('model add prints input size, layout, dtype, class mapping and latency; the same file is added once', async () => {
    const file = await project('add', 1);
    const r = await loupe(['model', 'add', file, MODEL, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added).toBe(true);
    expect(out.model).toMatchObject({ name: 'tiny', file: MODEL, inputSize: { w: 64, h: 64 }, layout: 'v8', dtype: 'float32', classes: ['vehicle', 'person', 'dog'] });
    expect(out.model.latency).toMatchObject({ runs: 20, p50Ms: expect.any(Number), p95Ms: expect.any(Number) });
    expect(out.classes).toEqual([
      { index: 0, name: 'vehicle', classId: 1, className: 'vehicle' },
      { index: 1, name: 'person', classId: 2, className: 'person' },
      { index: 2, name: 'dog', classId: null, className: null },
    ]);
    expect(out.unmapped).toEqual(['dog']);

    const text = await loupe(['model', 'add', file, MODEL]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Model tiny \(id 1\) is already in this project \(same sha256\)/);
    expect(text.stdout).toMatch(/input {4}64×64 RGB, NCHW, float32/);
    expect(text.stdout).toMatch(/output {3}v8 layout \[1, 4\+nc, N\]/);
    expect(text.stdout).toMatch(/latency {2}p50 [\d.]+ ms, p95 [\d.]+ ms \(session\.run over 20 runs\)/);
    expect(text.stdout).toMatch(/Classes \(3, 1 unmapped\):\n +0 +vehicle +→ vehicle \(class 1\)\n +1 +person +→ person \(class 2\)\n +2 +dog +→ unmapped/);

    const created = JSON.parse((await loupe(['model', 'add', file, MODEL, '--create-classes', '--json'])).stdout);
    expect(created.unmapped).toEqual([]);
    expect(created.classes[2]).toEqual({ index: 2, name: 'dog', classId: 3, className: 'dog' });

    const list = await loupe(['models', file, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).models).toEqual([expect.objectContaining({ id: 1, name: 'tiny', sha256: out.model.sha256, classMap: [1, 2, 3], runs: [] })]);
  });

  it('prelabel adds the model, stores boxes in original pixels, and a second run skips everything', async () => {
    const n = 6;
    const file = await project('pre', n);
    const first = await loupe(['prelabel', file, '--model', MODEL, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const s = JSON.parse(first.stdout);
    expect(s).toMatchObject({ requested: n, skipped: 0, done: n, failed: [], boxes: 2 * n, unmappedDropped: n, cancelled: false, unmappedClasses: ['dog'] });
    expect(s.model).toMatchObject({ id: 1, name: 'tiny', added: true });
    expect(s.parameters).toEqual({ conf: 0.25, iou: 0.45, maxDet: 300 });
    expect(first.stderr).toMatch(/^Pre-label 6 images with tiny…$/m);
    expect(first.stderr).toMatch(/^Pre-labelling: \d+\/6 images/m);

    const boxes = JSON.parse((await loupe(['boxes', file, '--image', 'img0003.png', '--json'])).stdout).boxes;
    expect(boxes.map((b: { class: string; x: number; y: number; w: number; h: number; author: string }) => [b.class, b.x, b.y, b.w, b.h, b.author])).toEqual([
      ['vehicle', EXPECTED[0].x, EXPECTED[0].y, EXPECTED[0].w, EXPECTED[0].h, 'tiny'],
      ['person', EXPECTED[1].x, EXPECTED[1].y, EXPECTED[1].w, EXPECTED[1].h, 'tiny'],
    ]);

    const second = await loupe(['prelabel', file, '--model', MODEL, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ runId: s.runId, requested: n, skipped: n, done: 0, boxes: 0, model: { added: false } });

    const text = await loupe(['prelabel', file, '--model', MODEL, '--conf', '0.85']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Pre-labelled with tiny \(run 2; conf 0\.85, iou 0\.45, max-det 300\), 6 images:\n {2}6 done, 0 skipped \(done before\), 0 failed/);
    expect(text.stdout).toMatch(/^ {2}6 boxes stored$/m);

    const models = JSON.parse((await loupe(['models', file, '--json'])).stdout).models;
    expect(models[0].runs.map((r: { done: number; boxes: number }) => [r.done, r.boxes])).toEqual([
      [n, 2 * n],
      [n, n],
    ]);
    const listed = await loupe(['models', file]);
    expect(listed.stdout).toMatch(/^1 {2}tiny {2}64×64 float32 v8 {2}2\/3 classes mapped/);
    expect(listed.stdout).toMatch(/run 2 \{"conf":0\.85,"iou":0\.45,"maxDet":300\}: 6 done, 0 failed, 6 boxes/);
  });

  it('prelabel refuses a model none of whose classes is in the project, unless --create-classes', async () => {
    const file = await project('bare', 2, []);
    const r = await loupe(['prelabel', file, '--model', MODEL]);
    expect(r.code).toBe(1);
    expect(stderrLines(r).at(-1)).toMatch(/^loupe: none of the model's classes \(vehicle, person, dog\) has a project class of the same name.*--create-classes/);
    const ok = await loupe(['prelabel', file, '--model', MODEL, '--create-classes', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ done: 2, boxes: 6, unmappedDropped: 0 });
  });

  it('bad models and bad values exit 1 with one clear line; usage errors exit 2', async () => {
    const file = await project('bad', 1);
    const notOnnx = path.join(dir, 'notes.onnx');
    fs.writeFileSync(notOnnx, 'these are not the weights you are looking for');
    const cases: [string[], number, RegExp][] = [
      [['model', 'add', file, path.join(dir, 'absent.onnx')], 1, /^loupe: model file not found: .*absent\.onnx$/],
      [['prelabel', file, '--model', path.join(dir, 'absent.onnx')], 1, /^loupe: model file not found: .*absent\.onnx$/],
      [['model', 'add', file, notOnnx], 1, /^loupe: notes\.onnx: not a readable ONNX model \(/],
      [['prelabel', file, '--model', notOnnx], 1, /^loupe: notes\.onnx: not a readable ONNX model \(/],
      [['prelabel', file, '--model', MODEL, '--conf', '2'], 1, /^loupe: --conf must be a number from 0 to 1, got "2"$/],
      [['prelabel', file, '--model', MODEL, '--max-det', '0'], 1, /^loupe: --max-det must be a whole number above 0/],
      [['prelabel', file], 2, /^loupe: prelabel needs --model MODEL\.onnx\. Run loupe prelabel --help/],
      [['prelabel', file, '--model', MODEL, '--fast'], 2, /^loupe: unknown option "--fast" for prelabel\./],
      [['model', 'add', file], 2, /^loupe: model add needs MODEL\. Run loupe model add --help/],
      [['model', 'remove', file], 2, /^loupe: unknown command "model remove" \(model takes: add\)/],
      [['models'], 2, /^loupe: models needs PROJECT/],
    ];
    for (const [args, code, message] of cases) {
      const r = await loupe(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(stderrLines(r), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    expect(JSON.parse((await loupe(['models', file, '--json'])).stdout).models).toEqual([]);
  });

  it('Ctrl+C during prelabel keeps whole images, exits 130, and a re-run does the rest without duplicates', async () => {
    const n = 150;
    // Larger images take a few milliseconds each, so the signal lands mid-batch.
    const file = await project('ctrlc', n, undefined, { w: 640, h: 480 });
    let sent = false;
    const r = await loupe(['prelabel', file, '--model', MODEL], {
      onStderr: (chunk, child) => {
        if (!sent && /Pre-labelling: [1-9]/.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/Cancelling: finishing the images in flight/);
    const done = Number(/^loupe: pre-labelling cancelled with (\d+) of 150 images done; they are kept/m.exec(r.stderr)?.[1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(n);
    const info = JSON.parse((await loupe(['info', file, '--json'])).stdout);
    expect(info.boxCount).toBe(2 * done);

    const rest = await loupe(['prelabel', file, '--model', MODEL, '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ skipped: done, done: n - done, failed: [] });
    expect(JSON.parse((await loupe(['info', file, '--json'])).stdout).boxCount).toBe(2 * n);
  });

  it('help lists the new commands and each has its own usage', async () => {
    const help = await loupe(['--help']);
    for (const cmd of ['model add', 'models', 'prelabel', 'detect']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\s+\\S`, 'm'));
    expect((await loupe(['model', 'add', '--help'])).stdout).toMatch(/^Usage: loupe model add PROJECT MODEL\.onnx/);
    expect((await loupe(['help', 'model'])).stdout).toMatch(/^Usage: loupe model add PROJECT/);
    expect((await loupe(['prelabel', '--help'])).stdout).toMatch(/^Usage: loupe prelabel PROJECT --model MODEL\.onnx[\s\S]*--max-det N/);
    expect((await loupe(['detect', '--help'])).stdout).toMatch(/^Usage: loupe detect --model MODEL\.onnx --images/);
  });
});
