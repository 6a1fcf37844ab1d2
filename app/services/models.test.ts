import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addClasses, EXPECTED, MODEL_CLASSES, writeImages, writeModel } from '../../test/fixtures/prelabel/setup.ts';
import { newProject, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { buildModel, constantOutputModel, namesLiteral, v8Output } from '../../test/unit/onnxBuilder.ts';
import { createDispatcher } from '../hosts/dispatcher.ts';
import { LoupeError, type ErrorCode } from '../domain/errors.ts';
import { addModel, checkManifest } from './models.ts';

/** A model file whose loading must fail, and what the error says. */
function badModels(dir: string): [string, string, RegExp][] {
  const good = fs.readFileSync(writeModel(path.join(dir, 'good.onnx')));
  const cases: [string, Buffer, RegExp][] = [
    ['not-onnx.onnx', Buffer.from('name,score\nperson,0.9\n'), /not-onnx\.onnx: not a readable ONNX model/],
    ['truncated.onnx', good.subarray(0, Math.floor(good.length * 0.6)), /truncated\.onnx: not a readable ONNX model/],
    [
      'classifier.onnx',
      constantOutputModel({ inputDims: [1, 3, 64, 64], outputDims: [1, 1000], values: new Float32Array(1000), metadata: { names: namesLiteral(['a', 'b']) } }),
      /classifier\.onnx: output \[1, 1000\] is not a detection layout/,
    ],
    [
      'two-inputs.onnx',
      buildModel({
        inputs: [
          { name: 'images', dtype: 'float32', dims: [1, 3, 64, 64] },
          { name: 'orig_size', dtype: 'int64', dims: [1, 2] },
        ],
        outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 7, 16] }],
        initializers: [{ name: 'preds', dtype: 'float32', dims: [1, 7, 16], values: new Float32Array(7 * 16) }],
        nodes: [{ op: 'Identity', inputs: ['preds'], outputs: ['output0'] }],
        metadata: { names: namesLiteral(MODEL_CLASSES) },
      }),
      /two-inputs\.onnx: the model has 2 inputs/,
    ],
    [
      'bad-names.onnx',
      (() => {
        const out = v8Output([], 3, 16);
        return constantOutputModel({ inputDims: [1, 3, 64, 64], outputDims: out.dims, values: out.values, metadata: { names: "{0: 'vehicle', 1: " } });
      })(),
      /bad-names\.onnx: cannot read the class names in its 'names' metadata/,
    ],
  ];
  return cases.map(([name, bytes, message]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return [name, file, message];
  });
}

describe('addModel', () => {
  it('refuses unusable models with a bad_model error and stores nothing', async () => {
    const dir = tempDir();
    const project = newProject({ dir });
    addClasses(project, ['vehicle']);
    const before = snapshot(project);
    for (const [name, file, message] of badModels(dir)) {
      const err = await addModel(project, { file, createClasses: true }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(LoupeError);
      expect(err, name).toMatchObject({ code: 'bad_model', message: expect.stringMatching(message) });
      expect(snapshot(project), name).toBe(before);
    }
    await expect(addModel(project, { file: path.join(dir, 'absent.onnx') })).rejects.toMatchObject({ code: 'not_found' });
    expect(snapshot(project)).toBe(before);
  });

  it('maps classes by name, creates the missing ones on request, and registers a file once', async () => {
    const dir = tempDir();
    const project = newProject({ dir });
    const [person] = addClasses(project, ['person']);
    const file = writeModel(path.join(dir, 'models/det.onnx'));
    const v = await addModel(project, { file });
    expect(v).toMatchObject({ name: 'det', file, inputSize: { w: 64, h: 64 }, layout: 'v8', dtype: 'float32', classes: MODEL_CLASSES, classMap: [null, person, null] });
    expect(v.latency).toMatchObject({ runs: 20, p50Ms: expect.any(Number), p95Ms: expect.any(Number) });
    expect(v.latency!.p95Ms).toBeGreaterThanOrEqual(v.latency!.p50Ms);
    expect(project.models.get(v.id)!.path).toBe(path.join('models', 'det.onnx'));

    const again = await addModel(project, { file, createClasses: true, name: 'other' });
    expect(again.id).toBe(v.id);
    expect(project.models.list()).toHaveLength(1);

    // Another file with the same base name gets a name of its own.
    const other = writeModel(path.join(dir, 'elsewhere/det.onnx'), { boxes: [] });
    const second = await addModel(project, { file: other, createClasses: true });
    expect(second.name).toMatch(/^det-[0-9a-f]{8}$/);
    const byName = new Map(project.classes.list().map((c) => [c.name, c.id]));
    expect(second.classMap).toEqual([byName.get('vehicle'), person, byName.get('dog')]);
  });

  it('follows a registered model to its new place when the old file is gone', async () => {
    const dir = tempDir();
    const project = newProject({ dir });
    const file = writeModel(path.join(dir, 'models/det.onnx'));
    const v = await addModel(project, { file });
    const moved = path.join(dir, 'archive/det.onnx');
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.renameSync(file, moved);
    const again = await addModel(project, { file: moved });
    expect(again).toMatchObject({ id: v.id, file: moved });
    expect(project.models.list()).toHaveLength(1);
  });

  it('refuses a model whose manifest.json lists another sha256', async () => {
    const dir = tempDir();
    const project = newProject({ dir });
    const file = writeModel(path.join(dir, 'models/tiny.onnx'));
    fs.writeFileSync(path.join(dir, 'models/manifest.json'), JSON.stringify({ models: [{ file: 'tiny.onnx', sha256: 'ab'.repeat(32) }] }));
    const before = snapshot(project);
    await expect(addModel(project, { file })).rejects.toMatchObject({ code: 'bad_model', message: expect.stringMatching(/does not match .*manifest\.json.*changed or damaged/) });
    expect(snapshot(project)).toBe(before);

    const v = await addModel(project, { file: writeModel(path.join(dir, 'ok/tiny.onnx')) });
    fs.writeFileSync(path.join(dir, 'ok/manifest.json'), JSON.stringify({ models: [{ file: 'tiny.onnx', sha256: v.sha256 }] }));
    expect(() => checkManifest(path.join(dir, 'ok/tiny.onnx'), v.sha256)).not.toThrow();
  });
});

describe('models through a session', () => {
  /** A session with a project holding two 128×96 images and the classes vehicle and person. */
  async function open() {
    const dir = tempDir();
    const session = newSession();
    const d = createDispatcher(session);
    const call = async <T>(method: Parameters<typeof d>[0], payload: unknown): Promise<T> => {
      const r = await d(method, payload);
      if (!r.ok) throw new LoupeError(r.error.code as ErrorCode, r.error.message);
      return r.value as T;
    };
    await call('project:create', { file: path.join(dir, 'p.loupe') });
    await writeImages(path.join(dir, 'images'), 2);
    const job = await call<{ id: string }>('images:import', { dir: path.join(dir, 'images') });
    expect((await session.jobs.wait(job.id)).state).toBe('done');
    const ids = session.project.images.allIds();
    const [vehicle, person] = addClasses(session.project, ['vehicle', 'person']);
    return { dir, session, call, ids, vehicle, person };
  }

  it('refuses to pre-label with a model file changed since it was added', async () => {
    const { dir, session, call, ids } = await open();
    const file = writeModel(path.join(dir, 'm.onnx'));
    await call('models:add', { file });
    writeModel(file, { boxes: [] });
    const before = snapshot(session.project);
    await expect(call('prelabel:image', { imageId: ids[0] })).rejects.toMatchObject({ code: 'bad_model', message: expect.stringMatching(/m\.onnx changed since model "m" was added/) });
    expect(snapshot(session.project)).toBe(before);
  });

  it('models:map decides which project class predictions get', async () => {
    const { dir, call, ids, vehicle, person } = await open();
    const m = await call<{ id: number; classMap: (number | null)[] }>('models:add', { file: writeModel(path.join(dir, 'm.onnx')) });
    expect(m.classMap).toEqual([vehicle, person, null]);
    const first = await call<{ summary: { unmappedDropped: number }; boxes: { classId: number; score: number | null }[] }>('prelabel:image', { imageId: ids[0] });
    expect(first.summary.unmappedDropped).toBe(1);
    expect(first.boxes.map((b) => b.classId)).toEqual([vehicle, person]);

    await call('models:map', { id: m.id, classMap: [person, vehicle, vehicle] });
    const remapped = await call<typeof first>('prelabel:image', { imageId: ids[0], force: true });
    expect(remapped.summary.unmappedDropped).toBe(0);
    expect(remapped.boxes.map((b) => b.classId)).toEqual([person, vehicle, vehicle]);
    await expect(call('models:map', { id: m.id, classMap: [person] })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('pre-labels with a model whose class names come from a classes file', async () => {
    const { dir, call, ids, vehicle, person } = await open();
    const file = writeModel(path.join(dir, 'nameless.onnx'), { names: null });
    await expect(call('models:add', { file })).rejects.toMatchObject({ code: 'bad_model', message: expect.stringMatching(/no 'names' metadata; give a classes file/) });
    const classesFile = path.join(dir, 'classes.txt');
    fs.writeFileSync(classesFile, 'vehicle\nperson\ndog\n');
    const m = await call<{ classMap: (number | null)[] }>('models:add', { file, classesFile });
    expect(m.classMap).toEqual([vehicle, person, null]);
    const r = await call<{ summary: { done: number }; boxes: { x: number; y: number; w: number; h: number }[] }>('prelabel:image', { imageId: ids[1] });
    expect(r.summary.done).toBe(1);
    expect(r.boxes.map((b) => [b.x, b.y, b.w, b.h])).toEqual(EXPECTED.slice(0, 2).map((e) => [e.x, e.y, e.w, e.h]));
  });
});
