import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../app/contract/methods.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildMain } from '../scripts/build-main.mjs';
import * as fake from './testing/fakeElectron.ts';
import { tempDir } from './testing/tempProject.ts';

/** Run a CommonJS bundle the way Electron would, with `require` limited to what `resolve` allows. */
function runCjs(file: string, resolve: (id: string) => unknown): unknown {
  const module = { exports: {} as unknown };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`, { filename: file });
  wrapper(module.exports, resolve, module, file, path.dirname(file));
  return module.exports;
}

describe('bundles from scripts/build-main.mjs', () => {
  let out: string;
  let result: { mainRequires: string[]; preloadRequires: string[]; preloadBytes: number };

  beforeAll(async () => {
    out = tempDir('loupe-build-');
    result = await buildMain({ outdir: out, quiet: true });
  });
  afterAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('makes a small preload that requires only electron', () => {
    expect(result.preloadRequires).toEqual(['electron']);
    expect(result.preloadBytes).toBeLessThan(20_000);
  });

  it('keeps native packages external in main.cjs', () => {
    // Node's own modules, with or without the node: prefix (bundled packages such as yaml write `require('process')`).
    const nonBuiltin = result.mainRequires.filter((m) => !m.startsWith('node:') && !builtinModules.includes(m));
    expect(nonBuiltin.sort()).toEqual(['better-sqlite3', 'electron', 'onnxruntime-node', 'sharp']);
  });

  it('the bundled preload, run with only electron available, exposes the whole contract', () => {
    fake.resetFake();
    runCjs(path.join(out, 'preload.cjs'), (id) => {
      if (id === 'electron') return fake;
      throw new Error(`module not found in the sandbox: ${id}`);
    });
    const api = fake.contextBridge.exposed.get('loupe') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'on', 'imageUrl', 'thumbUrl'].sort());
  });

  it('the bundled evaluation worker runs on its own, reading the project file', async () => {
    const { evaluateInWorker } = await import('../app/metrics/evaluateInWorker.ts');
    const { Project } = await import('../app/store/Project.ts');
    const p = Project.create(path.join(tempDir('loupe-eval-build-'), 'e.loupe'), { annotator: 'ref' });
    try {
      const cls = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: null });
      const bot = p.annotators.ensure('det', 'model').id;
      const runId = p.models.insertRun(null, bot, 'x', 'det', '{}', 'now');
      const rootId = p.images.ensureRoot('.');
      const shifts = ['day', 'night'];
      const ids = shifts.map((shift, i) =>
        p.images.insert({ rootId, path: `${i}.png`, width: 64, height: 48, orientation: 1, format: 'png', bytes: 1, contentHash: `h${i}`, metadata: JSON.stringify({ shift }), ingestError: null }, 'now'),
      );
      for (const imageId of ids) {
        p.boxes.insert({ imageId, annotatorId: p.annotator.id, classId: cls, x: 0, y: 0, w: 10, h: 10, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
        p.assignments.set(imageId, p.annotator.id, 'done', 'now');
      }
      p.boxes.insert({ imageId: ids[0], annotatorId: bot, classId: cls, x: 0, y: 0, w: 10, h: 10, score: 0.9, provenance: 'predicted', modelRunId: runId, sourceBoxId: null });
      // Packaged, the worker sits in the app beside its node_modules; here, a folder inside the repository gives it the same.
      const results = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
      fs.mkdirSync(results, { recursive: true });
      const beside = fs.mkdtempSync(path.join(results, 'eval-worker-'));
      fs.copyFileSync(path.join(out, 'evalWorker.mjs'), path.join(beside, 'evalWorker.mjs'));
      let r;
      try {
        r = await evaluateInWorker({ file: p.file, runId, referenceId: p.annotator.id, importedRun: true }, { workerFile: pathToFileURL(path.join(beside, 'evalWorker.mjs')) });
      } finally {
        fs.rmSync(beside, { recursive: true, force: true });
      }
      expect(r.report.overall).toMatchObject({ images: 2, gt: 2, dt: 1, found: 1, missed: 1 });
      expect(r.report.slices.map((x) => x.value)).toEqual(['night', 'day']);
    } finally {
      p.close();
    }
  });

  it('the bundled consensus merge worker reads and clusters the project file for the host', async () => {
    const { mergeAllJob } = await import('../app/services/consensusMerge.ts');
    const { identify } = await import('../app/services/people.ts');
    const { Project } = await import('../app/store/Project.ts');
    const p = Project.create(path.join(tempDir('loupe-merge-build-'), 'm.loupe'), { annotator: 'lead' });
    try {
      identify(p, 'lead', 'lead');
      const cls = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: null });
      const people = ['ana', 'bo'].map((n) => p.annotators.ensure(n, 'human').id);
      const rootId = p.images.ensureRoot('.');
      for (let i = 0; i < 3; i++) {
        const imageId = p.images.insert({ rootId, path: `${i}.png`, width: 64, height: 48, orientation: 1, format: 'png', bytes: 1, contentHash: `h${i}`, metadata: '{}', ingestError: null }, 'now');
        for (const who of people) {
          p.boxes.insert({ imageId, annotatorId: who, classId: cls, x: i + who, y: 0, w: 10, h: 10, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
          p.assignments.set(imageId, who, 'done', 'now');
        }
      }
      const results = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
      fs.mkdirSync(results, { recursive: true });
      const beside = fs.mkdtempSync(path.join(results, 'merge-worker-'));
      fs.copyFileSync(path.join(out, 'mergeWorker.mjs'), path.join(beside, 'mergeWorker.mjs'));
      const stats = { fromWorker: 0, checked: 0, onHost: 0 };
      try {
        const workerFile = pathToFileURL(path.join(beside, 'mergeWorker.mjs'));
        expect(await mergeAllJob(p, {}, undefined, { workerFrom: 0, hostWhileWaiting: false, workerFile, stats })).toMatchObject({ merged: 3, boxes: 3 });
      } finally {
        fs.rmSync(beside, { recursive: true, force: true });
      }
      expect(stats).toEqual({ fromWorker: 3, checked: 0, onHost: 0 });
    } finally {
      p.close();
    }
  });

  it('the bundled agreement workers compute the report and write image_agreement for the host', async () => {
    const { runAgreement } = await import('../app/services/agreement.ts');
    const { agreementRepo } = await import('../app/store/AgreementRepo.ts');
    const { Project } = await import('../app/store/Project.ts');
    const p = Project.create(path.join(tempDir('loupe-agreement-build-'), 'a.loupe'), { annotator: 'lead' });
    try {
      const cls = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: null });
      const people = ['ana', 'bo'].map((n) => p.annotators.ensure(n, 'human').id);
      const rootId = p.images.ensureRoot('.');
      for (let i = 0; i < 3; i++) {
        const imageId = p.images.insert({ rootId, path: `${i}.png`, width: 64, height: 48, orientation: 1, format: 'png', bytes: 1, contentHash: `h${i}`, metadata: '{}', ingestError: null }, 'now');
        for (const who of people) {
          // image 0 agrees exactly; on the others bo's box is shifted out of reach
          p.boxes.insert({ imageId, annotatorId: who, classId: cls, x: i === 0 ? 0 : who * 20, y: 0, w: 10, h: 10, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
          p.assignments.set(imageId, who, 'done', 'now');
        }
      }
      const results = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
      fs.mkdirSync(results, { recursive: true });
      const beside = fs.mkdtempSync(path.join(results, 'agreement-worker-'));
      for (const f of ['agreementWorker.mjs', 'agreementWriteWorker.mjs']) fs.copyFileSync(path.join(out, f), path.join(beside, f));
      let r;
      try {
        const at = (f: string) => pathToFileURL(path.join(beside, f));
        r = await runAgreement(p, { iou: 0.5 }, undefined, { workerFile: at('agreementWorker.mjs'), writerFile: at('agreementWriteWorker.mjs') });
      } finally {
        fs.rmSync(beside, { recursive: true, force: true });
      }
      expect(r.images).toBe(3);
      expect(agreementRepo(p.db).imageAgreement().map((x) => x.agreement)).toEqual([1, 0, 0]);
    } finally {
      p.close();
    }
  });

  it('the bundled main starts: privileged scheme, IPC handlers and a window on the app URL', async () => {
    fake.resetFake();
    const appDir = tempDir('loupe-app-');
    const savedProject = process.env.LOUPE_PROJECT;
    delete process.env.LOUPE_PROJECT;
    try {
      const binding = path.join(appDir, 'build', 'electron-native', 'better_sqlite3.node');
      fs.mkdirSync(path.dirname(binding), { recursive: true });
      fs.writeFileSync(binding, '');
      fake.app.appPath = appDir;
      const real = createRequire(import.meta.url);
      runCjs(path.join(out, 'main.cjs'), (id) => (id === 'electron' ? fake : real(id)));
      await expect.poll(() => fake.BrowserWindow.instances.length).toBe(1);
      const win = fake.BrowserWindow.instances[0];
      expect(win.loadedUrl).toBe('loupe://app/index.html');
      expect(fake.protocol.privileged.map((s) => s.scheme)).toEqual(['loupe']);
      expect(fake.ipcMain.handlers.size).toBe(METHOD_NAMES.length);
      expect(fake.dialog.errors).toEqual([]);
    } finally {
      if (savedProject !== undefined) process.env.LOUPE_PROJECT = savedProject;
      fs.rmSync(appDir, { recursive: true, force: true });
    }
  });
});
