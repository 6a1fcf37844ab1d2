import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MethodName, Req, Res } from '../app/contract/methods.ts';
import { createDispatcher, type Dispatch } from '../app/hosts/dispatcher.ts';
import type { ImportSummary } from '../app/io/importFolder.ts';
import { Session } from '../app/services/Session.ts';
import { DEMO_PEOPLE, noisyBoxes, pickSlice } from '../resources/demo/annotators.ts';
import { generateDemo, type DemoEntry, type DemoManifest } from '../resources/demo/generate.ts';
import type { GtBox } from '../resources/demo/scene.ts';
import { demoCaptureTimes, DEMO_NIGHT_SHIFT_DAY, DEMO_REMOUNT_DAY } from '../resources/demo/schedule.ts';

/** The demo's two known changes on the monitoring timeline. */
export { DEMO_NIGHT_SHIFT_DAY, DEMO_REMOUNT_DAY };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm start` and `npm run web` keep the demo project. */
export const DEMO_DIR = path.join(ROOT, '.demo');
export const DEMO_SEED = 20260312;
export const DEMO_COUNT = 200;
/** Bump when what the demo holds changes, so an older demo is rebuilt on the next start. */
export const DEMO_VERSION = '6';
/** The annotator the generator's true boxes are imported as, so the model can be measured against them. */
export const DEMO_REFERENCE = 'reference';
/** The bundled model whose predictions the demo ships with. */
export const DEMO_MODEL = path.join(ROOT, 'models/demo-detector.onnx');

/** The demo's classes: distinct colours, hotkeys 1–4 in this order. */
export const DEMO_CLASS_STYLE = [
  { name: 'scratch', color: '#e6194b', hotkey: '1' },
  { name: 'crack', color: '#f58231', hotkey: '2' },
  { name: 'dent', color: '#4363d8', hotkey: '3' },
  { name: 'stain', color: '#3cb44b', hotkey: '4' },
] as const;

export interface BuildOptions {
  dir?: string;
  count?: number;
  seed?: number;
  /** Progress lines (stderr by default, so stdout carries only the project path). */
  log?: (line: string) => void;
}

/**
 * Make sure the demo project exists and return its absolute path. The first run
 * renders the images, creates the project through the dispatcher with a
 * metadata sidecar (each image's capture time over four weeks, camera, shift,
 * defect size and part; resources/demo/schedule.ts), adds the classes, imports the true boxes as the reference
 * annotator on every image and two more people's noisy labels on a seeded slice
 * (resources/demo/annotators.ts), and runs the agreement report once so the
 * dashboard and the agreement order have data; later runs only return the path.
 * The project is built under a temporary name and renamed when complete, so an
 * interrupted run never leaves a half-made demo behind.
 */
export async function buildDemo(opts: BuildOptions = {}): Promise<string> {
  const dir = path.resolve(opts.dir ?? DEMO_DIR);
  const count = opts.count ?? DEMO_COUNT;
  const seed = opts.seed ?? DEMO_SEED;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const file = path.join(dir, 'demo.loupe');
  const versionFile = path.join(dir, 'demo.version');
  if (fs.existsSync(file) && readText(versionFile) === DEMO_VERSION) return file;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });

  const imagesDir = path.join(dir, 'images');
  let manifest = readManifest(imagesDir, count, seed);
  if (!manifest) {
    log(`Rendering ${count} demo images into ${imagesDir}…`);
    fs.rmSync(imagesDir, { recursive: true, force: true });
    manifest = await generateDemo(imagesDir, { count, seed });
  }

  const partial = path.join(dir, `demo.loupe.partial-${process.pid}`);
  const session = new Session('demo');
  const d = createDispatcher(session);
  try {
    log('Creating the demo project…');
    const sidecar = path.join(dir, `demo-metadata-${process.pid}.json`);
    writeSidecar(sidecar, manifest, seed);
    const created = await call(d, 'project:create', { file: partial, imagesDir, metadataFile: sidecar });
    const job = await session.jobs.wait(created.job!.id);
    fs.rmSync(sidecar, { force: true });
    if (job.state !== 'done') throw new Error(`demo import ${job.state}: ${job.error ?? job.message}`);
    const summary = job.result as ImportSummary;
    if (summary.added !== count) {
      throw new Error(`demo import added ${summary.added} of ${count} images: ${summary.failed.map((f) => `${f.path}: ${f.reason}`).join('; ')}`);
    }
    for (const c of DEMO_CLASS_STYLE) await call(d, 'classes:create', { ...c });
    log('Importing the true boxes as the reference labels…');
    await importReference(session, d, manifest, dir);
    const slice = pickSlice(seed, manifest.images).map((i) => manifest.images[i]);
    log(`Importing ${DEMO_PEOPLE.join(' and ')}'s labels on ${slice.length} shared images and measuring agreement…`);
    for (const person of DEMO_PEOPLE) {
      await importCoco(session, d, manifest, slice, person, (e) => noisyBoxes(seed, person, e), dir);
    }
    const agreement = await session.jobs.wait((await call(d, 'agreement:start', {})).id);
    if (agreement.state !== 'done') throw new Error(`demo agreement ${agreement.state}: ${agreement.error ?? agreement.message}`);
    if (fs.existsSync(DEMO_MODEL)) {
      log('Running the demo model over the images…');
      const model = await call(d, 'models:add', { file: DEMO_MODEL, name: 'demo-detector' });
      const pre = await session.jobs.wait((await call(d, 'prelabel:start', { modelId: model.id })).id);
      if (pre.state !== 'done') throw new Error(`demo pre-label ${pre.state}: ${pre.error ?? pre.message}`);
    }
    // The monitoring timeline's changes by camera (the re-mount, the night shift's first day) as `change` flags.
    await call(d, 'timeline:flag', { by: 'camera' });
    await call(d, 'project:close', {});
    fs.renameSync(partial, file);
    fs.writeFileSync(versionFile, DEMO_VERSION);
  } catch (err) {
    await session.close();
    for (const f of [partial, `${partial}-wal`, `${partial}-shm`, path.join(dir, `demo-metadata-${process.pid}.json`)]) fs.rmSync(f, { force: true });
    throw err;
  }
  log(`Demo project ready: ${count} images, classes ${DEMO_CLASS_STYLE.map((c) => c.name).join(', ')}.`);
  return file;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The manifest of a complete earlier render with the same settings, or null. */
function readManifest(imagesDir: string, count: number, seed: number): DemoManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(imagesDir, 'manifest.json'), 'utf8')) as DemoManifest;
    if (m.seed !== seed || m.count !== count || m.images.length !== count) return null;
    return m.images.every((e) => fs.existsSync(path.join(imagesDir, e.file))) ? m : null;
  } catch {
    return null;
  }
}

/** The demo's metadata sidecar: one JSON object per line with each frame's capture time, camera, shift, defect size and part. */
function writeSidecar(file: string, manifest: DemoManifest, seed: number): void {
  const times = demoCaptureTimes(seed, manifest.images);
  const lines = manifest.images.map((e, i) => JSON.stringify({ file: e.file, captured_at: times[i], camera: e.camera, shift: e.shift, defectSize: e.defectSize, part: e.part }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * The generator knows where every defect is: write that as a COCO file and
 * import it as the reference annotator through the usual label import, so the
 * demo can show the model's misses slice by slice.
 */
function importReference(session: Session, d: Dispatch, manifest: DemoManifest, dir: string): Promise<void> {
  return importCoco(session, d, manifest, manifest.images, DEMO_REFERENCE, (e) => e.boxes, dir);
}

/**
 * Write `entries` with `boxesOf` each as a COCO file and import it as `annotator`
 * through the usual label import, which marks every listed image done by them
 * (an image they drew nothing on included).
 */
async function importCoco(
  session: Session,
  d: Dispatch,
  manifest: DemoManifest,
  entries: readonly DemoEntry[],
  annotator: string,
  boxesOf: (e: DemoEntry) => readonly GtBox[],
  dir: string,
): Promise<void> {
  const file = path.join(dir, `${annotator}-${process.pid}.json`);
  const categories = manifest.classes.map((name, i) => ({ id: i + 1, name }));
  const catId = new Map(manifest.classes.map((name, i) => [name, i + 1] as const));
  let annId = 0;
  const coco = {
    images: entries.map((e, i) => ({ id: i + 1, file_name: e.file, width: e.width, height: e.height })),
    annotations: entries.flatMap((e, i) =>
      boxesOf(e).map((b) => ({ id: ++annId, image_id: i + 1, category_id: catId.get(b.class)!, bbox: [b.x, b.y, b.w, b.h], area: b.w * b.h, iscrowd: 0 })),
    ),
    categories,
  };
  fs.writeFileSync(file, JSON.stringify(coco));
  try {
    const job = await call(d, 'labels:import', { path: file, format: 'coco', annotator });
    const done = await session.jobs.wait(job.id);
    if (done.state !== 'done') throw new Error(`demo ${annotator} import ${done.state}: ${done.error ?? done.message}`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function call<M extends MethodName>(d: Dispatch, method: M, payload: Req<M>): Promise<Res<M>> {
  const reply = await d(method, payload);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`);
  return reply.value as Res<M>;
}
