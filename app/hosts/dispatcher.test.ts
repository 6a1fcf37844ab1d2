import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES, METHODS, type MethodName } from '../contract/methods.ts';
import type { Session } from '../services/Session.ts';
import { makeImage, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { constantOutputModel, namesLiteral, v8Output } from '../../test/unit/onnxBuilder.ts';
import { createDispatcher, type Dispatch } from './dispatcher.ts';

const box = { classId: 1, x: 1, y: 1, w: 5, h: 5 };
const state = { id: 1, ...box };
const emptyDiff = { added: [], updated: [], removed: [] };

/**
 * Malformed requests for every contract method. A method added to the contract
 * without an entry here fails the completeness test below.
 */
const MALFORMED: Record<MethodName, unknown[]> = {
  'app:info': [{ verbose: true }, 'info', 42, [1]],
  'project:create': [
    {},
    { file: '' },
    { file: 7 },
    { file: 'new.loupe', overwrite: true },
    { file: 'new.loupe', imagesDir: '' },
    { file: 'new.loupe', imagesDir: ['a'] },
  ],
  'project:open': [{}, { file: '' }, { file: null }, { file: 'x.loupe', readonly: true }, 'x.loupe'],
  'project:info': [{ id: 1 }, true],
  'project:close': [{ force: true }],
  'session:identify': [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(65) }, { name: 'ana', role: 'admin' }, { name: 7 }, { name: 'ana', id: 1 }],
  'session:whoami': [{ name: 'ana' }, 'me'],
  'assign:run': [
    {},
    { annotators: [], overlap: 1 },
    { annotators: ['ana'], overlap: 0 },
    { annotators: ['ana'], overlap: 1.5 },
    { annotators: ['ana'], overlap: 1, fraction: 0 },
    { annotators: ['ana'], overlap: 1, fraction: 1.2 },
    { annotators: ['ana'], overlap: 1, where: [{ key: '', value: 'x' }] },
    { annotators: ['ana'], overlap: 1, runId: 0 },
    { annotators: ['ana'], overlap: 1, seed: -1 },
    { annotators: [''], overlap: 1 },
    { annotators: ['ana'], overlap: 1, shuffle: true },
  ],
  'images:import': [
    {},
    { dir: '' },
    { dir: 3 },
    { dir: '/tmp', pixelLimit: -1 },
    { dir: '/tmp', pixelLimit: 0 },
    { dir: '/tmp', pixelLimit: 1.5 },
    { dir: '/tmp', pixelLimit: Number.POSITIVE_INFINITY },
    { dir: '/tmp', pixelLimit: Number.NaN },
    { dir: '/tmp', pixelLimit: '1000' },
    { dir: '/tmp', recursive: false },
  ],
  'images:list': [{ filter: { status: ['nope'] } }, { order: 'size' }, { filter: { annotatorId: -1 } }, { offset: -1 }, { limit: 0 }, { limit: 1001 }, { offset: 1.5 }, { offset: '0' }, { limit: Number.NaN }, { sort: 'path' }, { where: { key: '' , value: 'x' } }, { where: { key: 'shift' } }, { where: { key: 'shift', value: 1 } }, { where: 'shift=night' }],
  'images:next': [
    {},
    { from: -2 },
    { from: 1.5 },
    { from: 0, direction: 2 },
    { from: 0, unreviewed: 'yes' },
    { from: 0, order: 'random' },
    { from: 0, filter: { status: [] } },
    { from: 0, filter: { status: ['finished'] } },
    { from: 0, filter: { score: { min: 0.8, max: 0.2 } } },
    { from: 0, filter: { score: { min: -1, max: 0.2 } } },
    { from: 0, filter: { classId: 0 } },
    { from: 0, filter: { colour: 'red' } },
  ],
  'images:locate': [{}, { imageId: 0 }, { imageId: 1, order: 'size' }, { imageId: 1, filter: { flag: '' } }, { imageId: 1, index: 3 }],
  'review:set': [{}, { imageId: 1 }, { imageId: 1, status: 'finished' }, { imageId: 0, status: 'done' }, { imageId: 1, status: 'done', annotator: 'ben' }],
  'settings:get': [{}, { key: '' }, { key: 'Has Spaces' }, { key: 'x'.repeat(101) }, { key: 1 }],
  'settings:set': [{ key: 'a' }, { key: 'a', value: undefined }, { key: 'bad key', value: 1 }, { key: 'a', value: 'x'.repeat(70_000) }, { key: 'a', value: 1, extra: true }],
  'images:get': [{}, { id: 0 }, { id: -1 }, { id: 1.5 }, { id: '1' }, { id: Number.POSITIVE_INFINITY }, { id: 1, full: true }],
  'images:failures': [{ offset: -5 }, { limit: 5000 }, { limit: 'all' }, { root: '/tmp' }],
  'classes:list': [{ all: true }],
  'classes:create': [
    {},
    { name: '' },
    { name: '   ' },
    { name: 'x'.repeat(101) },
    { name: 7 },
    { name: 'bus', color: 'red' },
    { name: 'bus', color: '#12345' },
    { name: 'bus', hotkey: 'F1' },
    { name: 'bus', hotkey: 'A' },
    { name: 'bus', hotkey: '' },
    { name: 'bus', id: 3 },
  ],
  'classes:update': [
    {},
    { id: -1, name: 'a' },
    { id: 1, name: '' },
    { id: 1, position: -1 },
    { id: 1, position: 0.5 },
    { id: 1, color: '#zzzzzz' },
    { id: 1, hotkey: 'ab' },
    { id: 1, boxCount: 3 },
  ],
  'classes:delete': [{}, { id: 0 }, { id: 'one' }, { id: 1, force: true }],
  'annotators:list': [{ kind: 'human' }, { all: true }, 'all', [1]],
  'boxes:list': [{}, { imageId: -3 }, { imageId: 1, annotatorId: 2 }],
  'boxes:apply': [
    { imageId: 1 },
    { diff: emptyDiff },
    { imageId: 0, diff: emptyDiff },
    { imageId: 1, diff: { added: [] } },
    { imageId: 1, diff: { ...emptyDiff, moved: [] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, x: Number.NaN }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, w: Number.POSITIVE_INFINITY }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, h: '5' }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, classId: 0 }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, id: -2 }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, score: 0.9 }] } },
    { imageId: 1, diff: { ...emptyDiff, added: [{ x: 1, y: 1, w: 5, h: 5 }] } },
    { imageId: 1, diff: { ...emptyDiff, updated: [[state]] } },
    { imageId: 1, diff: { ...emptyDiff, updated: [[state, { ...state, x: Number.NEGATIVE_INFINITY }]] } },
    { imageId: 1, diff: { ...emptyDiff, updated: [[state, state, state]] } },
    { imageId: 1, diff: { ...emptyDiff, removed: [box] } },
    { imageId: 1, diff: { ...emptyDiff, removed: [{ ...state, id: 1.5 }] } },
    { imageId: 1, diff: emptyDiff, annotator: 'someone' },
    { imageId: 1, diff: { ...emptyDiff, rejected: [0] } },
    { imageId: 1, diff: { ...emptyDiff, restored: 'all' } },
  ],
  'edits:undo': [{}, { imageId: 0 }, { imageId: 1, steps: 2 }, { imageId: null }],
  'edits:redo': [{}, { imageId: -1 }, { imageId: 1, steps: 2 }, { imageId: '1' }],
  'models:add': [{}, { file: '' }, { file: 3 }, { file: 'm.onnx', createClasses: 'yes' }, { file: 'm.onnx', name: '' }, { file: 'm.onnx', url: 'x' }],
  'models:list': [{ all: true }],
  'models:map': [{}, { id: 1 }, { id: 1, classMap: [0] }, { id: 1, classMap: ['a'] }, { id: 0, classMap: [] }],
  'models:latency': [{}, { id: 0 }, { id: 'a' }, { id: 1, runs: 0 }, { id: 1, runs: 1.5 }, { id: 1, warmup: -1 }, { id: 1, runs: 1001 }, { id: 1, extra: 1 }],
  'prelabel:image': [
    {},
    { imageId: 0 },
    { imageId: 1, conf: 1.5 },
    { imageId: 1, iou: -0.1 },
    { imageId: 1, maxDet: 0 },
    { imageId: 1, conf: Number.NaN },
    { imageId: 1, force: 'yes' },
    { imageId: 1, batch: 2 },
  ],
  'prelabel:start': [{ imageIds: [0] }, { imageIds: 'all' }, { modelId: -1 }, { conf: 2 }, { maxDet: 1.5 }, { everything: true }],
  'runs:list': [{ modelId: 1 }],
  'evaluation:start': [{}, { referenceId: 1 }, { runId: 0, referenceId: 1 }, { runId: 1, referenceId: 'a' }, { runId: 1, referenceId: null }, { runId: 1, referenceId: 1, iou: 0.5 }, { runId: 1, compareRunId: 0 }, { runId: 1, compareRunId: 'a' }],
  'export:start': [
    {},
    { format: 'yolo' },
    { format: 'voc', out: '/tmp/x' },
    { format: 'coco', out: '' },
    { format: 'yolo', out: '/tmp/x', split: [0.8] },
    { format: 'yolo', out: '/tmp/x', split: [1, 0] },
    { format: 'yolo', out: '/tmp/x', seed: -1 },
    { format: 'yolo', out: '/tmp/x', images: 'move' },
    { format: 'yolo', out: '/tmp/x', labels: 'mine' },
    { format: 'yolo', out: '/tmp/x', labels: { annotator: '' } },
    { format: 'yolo', out: '/tmp/x', filter: { where: { key: '', value: 'a' } } },
  ],
  'labels:import': [
    {},
    { path: '/tmp/d', format: 'yolo' },
    { path: '', format: 'yolo', annotator: 'ann' },
    { path: '/tmp/d', format: 'voc', annotator: 'ann' },
    { path: '/tmp/d', format: 'coco', annotator: '  ' },
    { path: '/tmp/d', format: 'coco', annotator: 'ann', createClasses: 'yes' },
    { path: '/tmp/d', format: 'coco', annotator: 'ann', dryRun: 1 },
    { path: '/tmp/d', format: 'coco', annotator: 'ann', model: 'm' },
  ],
  'predictions:import': [
    {},
    { path: '/tmp/p.json', format: 'coco-results' },
    { path: '/tmp/p.json', format: 'coco', model: 'm' },
    { path: '/tmp/p.json', format: 'coco-results', model: '' },
    { path: '/tmp/p.json', format: 'coco-results', model: 'm', imagesJson: '' },
    { path: '/tmp/p.json', format: 'ultralytics-txt', model: 'm', annotator: 'a' },
  ],
  'package:export': [{}, { annotator: 'ana' }, { annotator: '', out: '/tmp/p.loupepkg' }, { annotator: 'ana', out: '' }, { annotator: 'ana', out: '/tmp/p.loupepkg', withImages: 'yes' }, { annotator: 'ana', out: '/tmp/p.loupepkg', force: true }],
  'package:import': [{}, { file: '' }, { file: 3 }, { file: '/tmp/p.loupepkg', dryRun: true }],
  'package:open': [{}, { file: '/tmp/p.loupepkg', imagesDir: '/tmp' }, { file: '', imagesDir: '/tmp', project: '/tmp/n.loupe' }, { file: '/tmp/p.loupepkg', imagesDir: '', project: '/tmp/n.loupe' }, { file: '/tmp/p.loupepkg', imagesDir: '/tmp', project: 7 }],
  'agreement:start': [{ iou: 0 }, { iou: 1.5 }, { iou: 'a' }, { quorum: 0 }, { quorum: 1.5 }, { iou: 0.5, people: 2 }],
  'agreement:image': [{}, { imageId: 0 }, { imageId: 1, iou: 0 }, { imageId: 1, iou: 2 }, { imageId: 1, quorum: 0 }, { imageId: 1, all: true }],
  'consensus:resolve': [{}, { imageId: 1 }, { imageId: 1, take: {} }, { imageId: 1, take: { annotator: '' } }, { imageId: 1, take: { consensus: { quorum: 0 } } }, { imageId: 1, take: { consensus: { iou: 0 } } }, { imageId: 1, take: { annotator: 'ana', consensus: {} } }],
  'consensus:merge': [{ iou: 0 }, { iou: 1.5 }, { quorum: 0 }, { quorum: 2.5 }, { iou: 0.5, force: true }],
  'flags:start': [{ referenceDir: '' }, { runId: 0 }, { referenceRunId: 1.5 }, { sidecar: 3 }, { driftThreshold: -1 }, { lowConfidence: { threshold: 2 } }, { classMix: { minBoxes: 0 } }, { reference: '/tmp' }],
  'flags:list': [{}, { imageId: 0 }, { imageId: '1' }],
  'flags:weights': [{ reason: 'drift' }],
  'flags:setWeight': [{}, { reason: '', weight: 1 }, { reason: 'drift', weight: -1 }, { reason: 'drift' }, { reason: 'drift', weight: Number.NaN }],
  'metadata:import': [{}, { path: '' }, { path: 3 }, { path: 'm.csv', dryRun: 'yes' }, { path: 'm.csv', force: true }],
  'timeline:get': [{ by: '' }, { by: 3 }, { runId: 0 }, { runId: 1.5 }, { window: 7 }],
  'timeline:flag': [{ by: '' }, { runId: -1 }, { runId: '1' }, { all: true }],
  'timeline:images': [{}, { slice: 'all' }, { slice: 'all', day: '5 March' }, { slice: '', day: '2026-03-05' }, { slice: 'all', day: '2026-03-05', limit: 5 }],
  'jobs:list': [{ all: true }],
  'jobs:cancel': [{}, { id: '' }, { id: 5 }, { id: 'import-1', force: true }],
};

/** Valid requests that must fail with `no_project` while nothing is open. */
const NEEDS_PROJECT: Partial<Record<MethodName, unknown>> = {
  'project:info': {},
  'session:identify': { name: 'ana' },
  'session:whoami': {},
  'assign:run': { annotators: ['ana'], overlap: 1 },
  'images:import': { dir: '/tmp' },
  'images:list': {},
  'images:get': { id: 1 },
  'images:next': { from: -1 },
  'images:locate': { imageId: 1 },
  'review:set': { imageId: 1, status: 'done' },
  'settings:get': { key: 'review.threshold' },
  'settings:set': { key: 'review.threshold', value: 0.4 },
  'images:failures': {},
  'classes:list': {},
  'classes:create': { name: 'car' },
  'classes:update': { id: 1, name: 'bus' },
  'classes:delete': { id: 1 },
  'annotators:list': {},
  'boxes:list': { imageId: 1 },
  'boxes:apply': { imageId: 1, diff: emptyDiff },
  'edits:undo': { imageId: 1 },
  'edits:redo': { imageId: 1 },
  'models:add': { file: '/tmp/none.onnx' },
  'models:list': {},
  'models:map': { id: 1, classMap: [] },
  'models:latency': { id: 1 },
  'prelabel:image': { imageId: 1 },
  'prelabel:start': {},
  'runs:list': {},
  'evaluation:start': { runId: 1, referenceId: 1 },
  'export:start': { format: 'yolo', out: '/tmp/loupe-never-written' },
  'labels:import': { path: '/tmp/loupe-none', format: 'yolo', annotator: 'ann' },
  'predictions:import': { path: '/tmp/loupe-none.json', format: 'coco-results', model: 'm' },
  'package:export': { annotator: 'ana', out: '/tmp/loupe-never-written.loupepkg' },
  'package:import': { file: '/tmp/loupe-none.loupepkg' },
  'agreement:start': {},
  'agreement:image': { imageId: 1 },
  'consensus:resolve': { imageId: 1, take: { annotator: 'ana' } },
  'consensus:merge': {},
  'flags:start': {},
  'flags:list': { imageId: 1 },
  'flags:weights': {},
  'flags:setWeight': { reason: 'drift', weight: 2 },
  'metadata:import': { path: '/tmp/loupe-none.csv' },
  'timeline:get': {},
  'timeline:flag': {},
  'timeline:images': { slice: 'all', day: '2026-03-05' },
};
/** Methods that work without a project. */
const NO_PROJECT_OK: MethodName[] = ['app:info', 'project:create', 'project:open', 'project:close', 'package:open', 'jobs:list', 'jobs:cancel'];

async function ok<T = unknown>(dispatch: Dispatch, method: MethodName, payload: unknown): Promise<T> {
  const reply = await dispatch(method, payload);
  if (!reply.ok) throw new Error(`${method} failed: ${reply.error.code}: ${reply.error.message}`);
  const checked = METHODS[method].reply.safeParse(reply.value);
  expect(checked.success, `${method} reply matches its schema`).toBe(true);
  return reply.value as T;
}

describe('dispatcher: malformed requests', () => {
  let session: Session;
  let dispatch: Dispatch;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    await makeImage(path.join(dir, 'images/a.png'), { w: 50, h: 40 });
    session = newSession();
    dispatch = createDispatcher(session);
    const created = await ok<{ job: { id: string } }>(dispatch, 'project:create', { file: path.join(dir, 'p.loupe'), imagesDir: path.join(dir, 'images') });
    await session.jobs.wait(created.job.id);
    await ok(dispatch, 'classes:create', { name: 'car' });
    await ok(dispatch, 'boxes:apply', { imageId: 1, diff: { ...emptyDiff, added: [box] } });
  });

  it('has malformed cases for every contract method', () => {
    for (const m of METHOD_NAMES) expect(MALFORMED[m]?.length ?? 0, m).toBeGreaterThan(0);
    expect(Object.keys(MALFORMED).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it.each(METHOD_NAMES.flatMap((m) => MALFORMED[m].map((payload, i) => [m, i, payload] as const)))(
    '%s case %i is bad_request and touches nothing',
    async (method, _i, payload) => {
      const beforeStore = snapshot(session.project);
      const beforeFiles = fs.readdirSync(dir).sort();
      const beforeJobs = session.jobs.list().length;
      const reply = await dispatch(method, payload);
      expect(reply).toEqual({ ok: false, error: { code: 'bad_request', message: expect.stringContaining(`${method}:`) } });
      expect(session.hasProject).toBe(true);
      expect(session.project.file).toBe(path.join(dir, 'p.loupe'));
      expect(snapshot(session.project)).toBe(beforeStore);
      expect(fs.readdirSync(dir).sort()).toEqual(beforeFiles);
      expect(session.jobs.list()).toHaveLength(beforeJobs);
    },
  );

  it('names the offending field in the message', async () => {
    const reply = await dispatch('boxes:apply', { imageId: 1, diff: { ...emptyDiff, added: [{ ...box, w: Number.NaN }] } });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toContain('diff.added.0.w');
  });
});

describe('dispatcher: routing and project state', () => {
  it('refuses an unknown method, including inherited object keys', async () => {
    const dispatch = createDispatcher(newSession());
    for (const name of ['images:delete', '', 'toString', '__proto__', 'constructor']) {
      const reply = await dispatch(name, {});
      expect(reply, name).toEqual({ ok: false, error: { code: 'unknown_method', message: expect.stringContaining(name) } });
    }
  });

  it('every method either needs a project or works without one', () => {
    const listed = [...Object.keys(NEEDS_PROJECT), ...NO_PROJECT_OK].sort();
    expect(listed).toEqual([...METHOD_NAMES].sort());
  });

  it.each(Object.entries(NEEDS_PROJECT))('%s without a project is no_project', async (method, payload) => {
    const dispatch = createDispatcher(newSession());
    const reply = await dispatch(method, payload);
    expect(reply).toEqual({ ok: false, error: { code: 'no_project', message: expect.stringMatching(/No project is open/) } });
  });

  it('passes a store error through with its code', async () => {
    const session = newSession();
    const dispatch = createDispatcher(session);
    const missing = path.join(tempDir(), 'missing.loupe');
    expect(await dispatch('project:open', { file: missing })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(session.hasProject).toBe(false);
  });
});

describe('dispatcher: a valid round trip for every method', () => {
  it('answers each method with a reply that passes its schema', async () => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'first/a.png'), { w: 64, h: 48 });
    await makeImage(path.join(dir, 'first/b.jpg'), { w: 32, h: 24, format: 'jpeg' });
    await makeImage(path.join(dir, 'second/c.webp'), { w: 20, h: 10, format: 'webp' });
    fs.writeFileSync(path.join(dir, 'second/bad.png'), 'nope');
    const session = newSession('roundtrip');
    const events: string[] = [];
    session.on((e) => events.push(e.type));
    const dispatch = createDispatcher(session);
    const file = path.join(dir, 'rt.loupe');
    const done = new Set<MethodName>();
    const call = async <T = unknown>(m: MethodName, payload: unknown): Promise<T> => {
      done.add(m);
      return ok<T>(dispatch, m, payload);
    };

    expect((await call<{ project: unknown }>('app:info', {})).project).toBeNull();
    const created = await call<{ job: { id: string } }>('project:create', { file, imagesDir: path.join(dir, 'first') });
    expect((await session.jobs.wait(created.job.id)).state).toBe('done');
    const job = await call<{ id: string }>('images:import', { dir: path.join(dir, 'second'), pixelLimit: 10_000 });
    expect((await session.jobs.wait(job.id)).state).toBe('done');
    const info = await call<{ imageCount: number; failedCount: number; annotator: { name: string } }>('project:info', {});
    expect(info).toMatchObject({ imageCount: 3, failedCount: 1, annotator: { name: 'roundtrip' } });
    const list = await call<{ total: number; items: { id: number; path: string }[] }>('images:list', { limit: 2 });
    expect(list.total).toBe(3);
    expect(list.items.map((i) => i.path)).toEqual(['a.png', 'b.jpg']);
    const img = await call<{ width: number }>('images:get', { id: list.items[0].id });
    expect(img.width).toBe(64);
    const fails = await call<{ items: { path: string; reason: string; root: string }[] }>('images:failures', {});
    expect(fails.items).toEqual([{ path: 'bad.png', root: path.join(dir, 'second'), reason: 'not an image (unrecognised content)' }]);

    const car = await call<{ id: number; hotkey: string }>('classes:create', { name: 'car' });
    expect(car.hotkey).toBe('1');
    const tmp = await call<{ id: number }>('classes:create', { name: 'tmp', color: '#00ff00', hotkey: null });
    await call('classes:update', { id: car.id, name: 'vehicle', hotkey: 'w' });
    expect(await call('classes:delete', { id: tmp.id })).toEqual({ deleted: true });
    expect(await call('classes:list', {})).toEqual([{ id: car.id, name: 'vehicle', color: expect.any(String), hotkey: 'w', position: 0 }]);

    const imageId = list.items[0].id;
    const applied = await call<{ boxes: unknown[]; undo: number }>('boxes:apply', {
      imageId,
      diff: { added: [{ classId: car.id, x: 10, y: 10, w: 20, h: 20 }], updated: [], removed: [] },
    });
    expect([applied.boxes.length, applied.undo]).toEqual([1, 1]);
    expect(await call('boxes:list', { imageId })).toMatchObject({ undo: 1, redo: 0 });
    expect(await call('edits:undo', { imageId })).toMatchObject({ boxes: [], undo: 0, redo: 1 });
    expect(await call('edits:redo', { imageId })).toMatchObject({ undo: 1, redo: 0 });

    // A constant model that finds one 'vehicle' at input pixels (10,18)–(30,38): on the 64×48 image,
    // letterboxed into 64×64 with 8 rows of padding on top, that is (10,10)–(30,30).
    const out = v8Output([{ x1: 10, y1: 18, x2: 30, y2: 38, score: 0.9, classIndex: 0 }], 2, 8);
    const modelFile = path.join(dir, 'tiny.onnx');
    fs.writeFileSync(
      modelFile,
      constantOutputModel({ inputDims: [1, 3, 64, 64], outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(['vehicle', 'person']) } }),
    );
    const model = await call<{ id: number; classMap: (number | null)[]; latency: { runs: number } }>('models:add', { file: modelFile });
    expect(model.classMap).toEqual([car.id, null]);
    expect(model.latency.runs).toBe(20);
    expect(await call('models:list', {})).toHaveLength(1);
    expect(await call('models:map', { id: model.id, classMap: [car.id, car.id] })).toMatchObject({ classMap: [car.id, car.id] });
    const latencyJob = await call<{ id: string }>('models:latency', { id: model.id, runs: 5, warmup: 1 });
    expect((await session.jobs.wait(latencyJob.id)).result).toMatchObject({ modelId: model.id, runs: 5, p50Ms: expect.any(Number) });
    expect(await call('models:list', {})).toMatchObject([{ latency: { runs: 5 } }]);
    const pre = await call<{ summary: { done: number; boxes: number }; boxes: { x: number; y: number; w: number; h: number; score: number }[] }>(
      'prelabel:image',
      { imageId },
    );
    expect(pre.summary).toMatchObject({ done: 1, boxes: 1 });
    const predicted = pre.boxes.find((b) => b.score !== null)!;
    expect([predicted.x, predicted.y, predicted.w, predicted.h]).toEqual([10, 10, 20, 20]);
    const pjob = await call<{ id: string }>('prelabel:start', {});
    const pdone = await session.jobs.wait(pjob.id);
    expect(pdone.state).toBe('done');
    expect(pdone.result).toMatchObject({ requested: 3, skipped: 1, done: 2 });
    expect(await call('runs:list', {})).toEqual([expect.objectContaining({ done: 3, failed: 0 })]);
    // The person's edit put the image in progress; marked done, its boxes are final.
    expect(await call<{ items: { id: number; status: string }[] }>('images:list', {})).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ id: imageId, status: 'in_progress' })]) });
    expect(await call('review:set', { imageId, status: 'done' })).toEqual({ imageId, status: 'done' });
    expect(await call('images:next', { from: -1, unreviewed: true })).toMatchObject({ index: expect.any(Number) });
    expect(await call('images:locate', { imageId })).toMatchObject({ index: expect.any(Number), total: 3 });
    expect(await call('settings:set', { key: 'review.threshold', value: 0.4 })).toEqual({ saved: true });
    expect(await call('settings:get', { key: 'review.threshold' })).toEqual({ value: 0.4 });
    const ejob = await call<{ id: string }>('export:start', { format: 'coco', out: path.join(dir, 'rt-coco') });
    expect((await session.jobs.wait(ejob.id)).result).toMatchObject({ images: 1, boxes: 1, skippedCount: 2 });

    // In a folder of its own: COCO images are looked for beside the file and one level up, never in the system's temp folder.
    fs.mkdirSync(path.join(dir, 'labels'));
    const coco = path.join(dir, 'labels', 'coco.json');
    fs.writeFileSync(
      coco,
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.png', width: 64, height: 48 }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] }],
        categories: [{ id: 1, name: 'vehicle' }],
      }),
    );
    const ljob = await call<{ id: string }>('labels:import', { path: coco, format: 'coco', annotator: 'importer', dryRun: true });
    expect((await session.jobs.wait(ljob.id)).result).toMatchObject({ imagesMatched: 1, newClasses: [], problemCount: 0 });
    const limport = await call<{ id: string }>('labels:import', { path: coco, format: 'coco', annotator: 'importer' });
    expect((await session.jobs.wait(limport.id)).result).toMatchObject({ imagesMatched: 1, boxes: 1 });
    // Who has what: the session's person drew one box and marked that image done, the model predicted, the import added its own.
    expect(await call('annotators:list', {})).toEqual([
      { id: expect.any(Number), name: 'roundtrip', kind: 'human', imagesDone: 1, boxes: 1, assigned: 0 },
      { id: expect.any(Number), name: expect.any(String), kind: 'model', imagesDone: 0, boxes: 3, assigned: 0 },
      { id: expect.any(Number), name: 'importer', kind: 'human', imagesDone: 1, boxes: 1, assigned: 0 },
    ]);
    // Who is working: the lead assigns every image to the importer, then the session's person is back as an annotator.
    expect(await call('session:whoami', {})).toMatchObject({ annotator: { name: 'roundtrip' }, role: 'annotator' });
    expect(await call('session:identify', { name: 'lead', role: 'lead' })).toMatchObject({ annotator: { name: 'lead' }, role: 'lead' });
    expect(await call('assign:run', { annotators: ['importer'], overlap: 1 })).toEqual({ images: 3, seed: 0, perPerson: [{ name: 'importer', assigned: 3, added: 2, kept: 1 }] });
    // Two people marked the first image done: the lead measures their agreement and resolves it with the importer's labels.
    const ajob = await call<{ id: string }>('agreement:start', { iou: 0.5 });
    expect((await session.jobs.wait(ajob.id)).state).toBe('done');
    expect(await call('agreement:image', { imageId })).toMatchObject({ imageId });
    expect(await call('consensus:resolve', { imageId, take: { annotator: 'importer' } })).toMatchObject({ boxes: expect.arrayContaining([expect.objectContaining({ x: 1, y: 2, w: 3, h: 4 })]) });
    const mjob = await call<{ id: string }>('consensus:merge', {});
    expect((await session.jobs.wait(mjob.id)).result).toMatchObject({ shared: 1, merged: 0, alreadyResolved: 1 });
    // The importer's work package: out, opened as a project elsewhere, and back (nothing changes the second time in).
    const pkg = path.join(dir, 'importer.loupepkg');
    const xjob = await call<{ id: string }>('package:export', { annotator: 'importer', out: pkg });
    expect((await session.jobs.wait(xjob.id)).state).toBe('done');
    const ojob = await call<{ id: string }>('package:open', { file: pkg, imagesDir: dir, project: path.join(dir, 'importer.loupe') });
    expect((await session.jobs.wait(ojob.id)).state).toBe('done');
    expect(fs.existsSync(path.join(dir, 'importer.loupe'))).toBe(true);
    const ijob = await call<{ id: string }>('package:import', { file: pkg });
    expect((await session.jobs.wait(ijob.id)).state).toBe('done');
    expect(await call('session:identify', { name: 'roundtrip' })).toMatchObject({ annotator: { name: 'roundtrip' }, role: 'annotator' });
    const preds = path.join(dir, 'preds.json');
    fs.writeFileSync(preds, JSON.stringify([{ image_id: imageId, category_id: car.id, bbox: [1, 2, 3, 4], score: 0.5 }]));
    const prjob = await call<{ id: string }>('predictions:import', { path: preds, format: 'coco-results', model: 'other', dryRun: true });
    expect((await session.jobs.wait(prjob.id)).result).toMatchObject({ imagesMatched: 1, boxes: 1 });

    // The model against the importer's labels: the one reviewed image, its one reference box.
    const runId = (await call<{ id: number }[]>('runs:list', {}))[0].id;
    const importer = (await call<{ id: number; name: string }[]>('annotators:list', {})).find((a) => a.name === 'importer')!;
    const evjob = await call<{ id: string }>('evaluation:start', { runId, referenceId: importer.id });
    expect((await session.jobs.wait(evjob.id)).result).toMatchObject({ reviewed: 1, overall: { images: 1, gt: 1 } });
    expect(await call('images:list', { where: { key: 'site', value: 'nowhere' } })).toEqual({ total: 0, offset: 0, items: [] });

    // A metadata sidecar gives the image a capture time and a camera; the timeline then has a day and its slice.
    const first = (await call<{ items: { id: number; path: string }[] }>('images:list', {})).items[0];
    const sidecar = path.join(dir, 'meta.csv');
    fs.writeFileSync(sidecar, `file,camera,captured_at\n${first.path},cam-a,2026:03:05 21:14:09\n`);
    const metaJob = await call<{ id: string }>('metadata:import', { path: sidecar });
    expect((await session.jobs.wait(metaJob.id)).result).toMatchObject({ rows: 1, updated: 1, withCapturedAt: 1, keys: ['camera'] });
    expect(await call('timeline:get', { by: 'camera' })).toMatchObject({ by: 'camera', days: ['2026-03-05'], images: 1, untimed: 2 });
    expect(await call('timeline:flag', { by: 'camera' })).toEqual({ changes: 0, flagged: 0 });
    expect(await call('timeline:images', { by: 'camera', slice: 'cam-a', day: '2026-03-05' })).toEqual({ ids: [first.id], truncated: false });

    // A monitoring system's flag on the first image, weighed twice.
    const flagsFile = path.join(dir, 'flags.csv');
    fs.writeFileSync(flagsFile, `file,reason,score\n${first.path},alarm,0.5\n`);
    const fjob = await call<{ id: string }>('flags:start', { sidecar: flagsFile });
    expect((await session.jobs.wait(fjob.id)).result).toMatchObject({ flagged: { alarm: 1 }, stats: { images: 3 } });
    expect(await call('flags:list', { imageId: first.id })).toEqual([{ reason: 'alarm', score: 0.5, weight: 1, details: {} }]);
    expect(await call('flags:setWeight', { reason: 'alarm', weight: 2 })).toEqual({ reasons: [{ reason: 'alarm', count: 1, weight: 2, set: true }] });
    expect(await call('flags:weights', {})).toEqual({ reasons: [{ reason: 'alarm', count: 1, weight: 2, set: true }] });

    const jobs = await call<{ state: string }[]>('jobs:list', {});
    expect(jobs.map((j) => j.state)).toEqual(Array(16).fill('done'));
    expect(await call('jobs:cancel', { id: job.id })).toEqual({ cancelled: false });

    expect(await call('project:close', {})).toEqual({ closed: true });
    expect(await call('project:close', {})).toEqual({ closed: false });
    const reopened = await call<{ imageCount: number; boxCount: number }>('project:open', { file });
    expect(reopened).toMatchObject({ imageCount: 3, boxCount: 6 }); // one drawn, three predicted, one imported, one resolution
    expect(await call('app:info', {})).toMatchObject({ host: 'test', project: { file } });

    expect([...done].sort()).toEqual([...METHOD_NAMES].sort());
    expect(events).toContain('job');
    expect(events).toContain('project');
  });
});
