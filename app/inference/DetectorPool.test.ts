import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { constantOutputModel, namesLiteral, v8Output } from '../../test/unit/onnxBuilder.ts';
import { imageBytes, tempDir } from '../../test/unit/fixtures.ts';
import { DetectorPool } from './DetectorPool.ts';
import { letterboxGeometry } from './letterbox.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('loupe-pool-');
const pools: DetectorPool[] = [];
afterAll(async () => {
  for (const p of pools.splice(0)) await p.close();
});

// One planted box at original (100, 50, 200, 150) for an 800×500 image (input r 0.8, top 120).
const g = letterboxGeometry(800, 500, 640, 640);
const out = v8Output([{ x1: 100 * g.ratio, y1: 50 * g.ratio + g.top, x2: 300 * g.ratio, y2: 200 * g.ratio + g.top, score: 0.9, classIndex: 1 }], 2, 16);
const modelFile = path.join(dir, 'v8.onnx');
fs.writeFileSync(modelFile, constantOutputModel({ outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(['a', 'b']) } }));

async function pool(opts: Parameters<typeof DetectorPool.create>[1] = {}): Promise<DetectorPool> {
  const p = await DetectorPool.create(modelFile, { workers: 2, threadsPerWorker: 1, ...opts });
  pools.push(p);
  return p;
}

describe('DetectorPool', () => {
  it('starts workers with the loaded model info', async () => {
    const p = await pool();
    expect([p.workers, p.threadsPerWorker]).toEqual([2, 1]);
    expect(p.info).toMatchObject({ layout: 'v8', classes: ['a', 'b'], inputSize: { w: 640, h: 640 } });
  });

  it('detects many images concurrently; a corrupt image fails alone; the event loop stays responsive', async () => {
    const p = await pool();
    const inputs: (string | Buffer)[] = [];
    for (let i = 0; i < 12; i++) {
      const file = path.join(dir, `img${i}.jpg`);
      fs.writeFileSync(file, await imageBytes({ w: 800, h: 500, format: 'jpeg' }));
      inputs.push(file);
      inputs.push(await imageBytes({ w: 500, h: 800, format: i % 2 ? 'png' : 'jpeg', orientation: i % 2 ? 6 : 8 }));
    }
    const corrupt = Buffer.from('definitely not an image');
    inputs.splice(7, 0, corrupt);

    const lags: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(now - last - 5);
      last = now;
    }, 5);
    const results = await Promise.allSettled(inputs.map((img) => p.detect(img)));
    clearInterval(timer);

    expect(lags.length).toBeGreaterThan(0);
    expect(results).toHaveLength(25);
    results.forEach((r, i) => {
      if (inputs[i] === corrupt) {
        expect(r).toMatchObject({ status: 'rejected', reason: { code: 'bad_image', message: expect.stringContaining('image buffer: cannot decode the image') } });
        return;
      }
      expect(r.status).toBe('fulfilled');
      const v = (r as PromiseFulfilledResult<Awaited<ReturnType<DetectorPool['detect']>>>).value;
      expect([v.width, v.height]).toEqual([800, 500]);
      expect(v.boxes).toHaveLength(1);
      expect(v.boxes[0]).toMatchObject({ classIndex: 1, x: expect.closeTo(100, 3), y: expect.closeTo(50, 3), w: expect.closeTo(200, 3), h: expect.closeTo(150, 3) });
    });
    expect(p.pending).toBe(0);
    // The pool still works after the failure.
    expect((await p.detect(inputs[0])).boxes).toHaveLength(1);
  });

  it('measures latency in a worker and rejects bad parameters per call', async () => {
    const p = await pool({ workers: 1 });
    const lat = await p.latency(3, 1);
    expect(lat).toMatchObject({ runs: 3 });
    expect(lat.p95Ms).toBeGreaterThanOrEqual(lat.p50Ms);
    await expect(p.detect(path.join(dir, 'img0.jpg'), { iou: 7 })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await p.detect(path.join(dir, 'img0.jpg'))).boxes).toHaveLength(1);
  });

  it('close() cancels what has not started and refuses new work', async () => {
    const p = await pool({ workers: 1, maxInFlightPerWorker: 1 });
    const img = path.join(dir, 'img0.jpg');
    const first = p.detect(img);
    const queued = Promise.allSettled(Array.from({ length: 5 }, () => p.detect(img)));
    await p.close();
    await expect(first).resolves.toMatchObject({ width: 800 });
    for (const q of await queued) expect(q).toMatchObject({ status: 'rejected', reason: { code: 'cancelled' } });
    await expect(p.detect(img)).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('refuses a bad model with the loader error', async () => {
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, 'nope');
    await expect(DetectorPool.create(bad, { workers: 2 })).rejects.toMatchObject({ code: 'bad_model', message: expect.stringContaining('bad.onnx: not a readable ONNX model') });
    await expect(DetectorPool.create(modelFile, { workers: 0 })).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('workers start outside vitest too', () => {
  const run = promisify(execFile);
  const script = path.join(dir, 'pool-script.mjs');
  const poolUrl = pathToFileURL(path.join(ROOT, 'app/inference/DetectorPool.ts')).href;
  fs.writeFileSync(
    script,
    `const { DetectorPool } = await import(${JSON.stringify(poolUrl)});
const pool = await DetectorPool.create(${JSON.stringify(modelFile)}, { workers: 1, threadsPerWorker: 1 });
const r = await pool.detect(${JSON.stringify(path.join(dir, 'img0.jpg'))});
await pool.close();
console.log(JSON.stringify({ boxes: r.boxes.length, w: r.width }));
`,
  );

  it('under node --import tsx', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ boxes: 1, w: 800 });
  });

  it('an idle pool does not keep the process alive when the host forgets close()', async () => {
    const noClose = path.join(dir, 'no-close.mjs');
    fs.writeFileSync(noClose, fs.readFileSync(script, 'utf8').replace('await pool.close();\n', ''));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', noClose], { cwd: ROOT, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ boxes: 1, w: 800 });
  });

  it("under tsx's register() API, as bin/loupe.mjs starts the CLI", async () => {
    const boot = path.join(dir, 'boot.mjs');
    const api = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/esm/api/index.mjs')).href;
    fs.writeFileSync(boot, `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(pathToFileURL(script).href)});\n`);
    const { stdout } = await run(process.execPath, [boot], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ boxes: 1, w: 800 });
  });
});
