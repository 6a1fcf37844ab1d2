import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { letterboxGeometry } from '../../app/inference/letterbox.ts';
import { constantOutputModel, namesLiteral, v8Output } from '../unit/onnxBuilder.ts';
import { fileURLToPath } from 'node:url';
import { startWebHost } from './webHost.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the spec files find the running host and its project. */
export const STATE_FILE = path.join(ROOT, 'test-results/e2e-state.json');

function loupe(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/loupe.mjs'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loupe ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A textured, non-square image so that boxes and zoom are easy to see. */
async function makeImage(file: string, w: number, h: number, hue: number) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},30%,35%)"/><stop offset="1" stop-color="hsl(${hue},30%,15%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${w / 2}" cy="${h / 2}" r="${Math.min(w, h) / 4}" fill="#9aa3ad" stroke="#555" stroke-width="6"/>
  </svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(file);
}

/** Build the UI, make a temporary project, start the browser host on it. */
export default async function globalSetup() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-'));
  const images = path.join(work, 'images');
  fs.mkdirSync(path.join(images, 'line2'), { recursive: true });
  await makeImage(path.join(images, 'cam1-0001.jpg'), 800, 500, 210);
  await makeImage(path.join(images, 'cam1-0002.jpg'), 640, 480, 30);
  await makeImage(path.join(images, 'line2/cam2-0001.jpg'), 500, 700, 120);
  fs.writeFileSync(path.join(images, 'broken.jpg'), 'not really a jpeg');
  // A detector that always finds the same two defects on the 500×700 image: one
  // crack at 0.9 and one scratch at 0.4, placed through the letterbox into its 640×640 input.
  const g = letterboxGeometry(500, 700, 640, 640);
  const toInput = (x: number, y: number) => [x * g.ratio + g.left, y * g.ratio + g.top];
  const planted = [
    { box: [100, 100, 300, 250], score: 0.9, classIndex: 1 },
    { box: [250, 450, 400, 600], score: 0.4, classIndex: 0 },
  ].map(({ box, score, classIndex }) => {
    const [x1, y1] = toInput(box[0], box[1]);
    const [x2, y2] = toInput(box[2], box[3]);
    return { x1, y1, x2, y2, score, classIndex };
  });
  const out = v8Output(planted, 3, 16);
  const model = path.join(work, 'fixed-detector.onnx');
  fs.writeFileSync(model, constantOutputModel({ outputDims: out.dims, values: out.values, metadata: { names: namesLiteral(['scratch', 'crack', 'dent']) } }));

  const project = path.join(work, 'e2e.loupe');
  loupe('init', project, '--images', images);
  loupe('classes', project, '--add', 'scratch', 'crack', 'dent');

  const vite = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (vite.status !== 0) throw new Error('vite build failed');

  const { url, stop } = await startWebHost(project);
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  fs.writeFileSync(STATE_FILE, JSON.stringify({ url, project, work, model }));

  return async () => {
    await stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
}
