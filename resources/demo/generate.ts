import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from './rng.ts';
import { DEMO_CLASSES, HEIGHT, planFrame, planSlices, WIDTH, type Camera, type DefectSize, type FramePlan, type GtBox, type Shift, type Slice } from './scene.ts';
import { frameSvg, weaveTileSvg } from './svg.ts';

export { DEMO_CLASSES } from './scene.ts';

/** One image of the demo set, as `manifest.json` lists it. */
export interface DemoEntry {
  file: string;
  width: number;
  height: number;
  camera: Camera;
  shift: Shift;
  defectSize: DefectSize;
  part: 'flange' | 'bracket';
  /** Ground truth in output-image pixels (x, y = top-left). */
  boxes: GtBox[];
}

/** What `manifest.json` holds. */
export interface DemoManifest {
  seed: number;
  count: number;
  classes: readonly string[];
  images: DemoEntry[];
}

export interface DemoOptions {
  count: number;
  seed: number;
  /** Frames rendered at once. */
  concurrency?: number;
  /** Force these conditions on every frame (e.g. a night-shift-only evaluation set); unset keys keep the line's mix. */
  slice?: Partial<Slice>;
}

/**
 * Render `count` inspection frames of a machined part on a conveyor into
 * `outDir`, with `manifest.json` beside them. The same seed gives
 * byte-identical files: every random choice comes from (seed, frame index).
 */
export async function generateDemo(outDir: string, opts: DemoOptions): Promise<DemoManifest> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`count must be a whole number above 0, got ${opts.count}`);
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be a whole number, got ${opts.seed}`);
  const forced = definedOnly(opts.slice);
  await fs.mkdir(outDir, { recursive: true });
  const slices = planSlices(opts.seed, opts.count).map((s) => ({ ...s, ...forced }));
  const plans = slices.map((slice, i) => planFrame(opts.seed, i, slice));

  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const plan = plans[next++];
      await fs.writeFile(path.join(outDir, plan.file), await renderFrame(plan));
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, plans.length) }, worker));

  const manifest: DemoManifest = {
    seed: opts.seed,
    count: opts.count,
    classes: DEMO_CLASSES,
    images: plans.map((p) => ({
      file: p.file,
      width: WIDTH,
      height: HEIGHT,
      camera: p.camera,
      shift: p.shift,
      defectSize: p.defectSize,
      part: p.part.kind,
      boxes: p.boxes,
    })),
  };
  await fs.writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The keys of a forced slice that are actually set, so `{shift: undefined}` does not erase the planned shift. */
function definedOnly(slice: Partial<Slice> | undefined): Partial<Slice> {
  const allowed: Record<string, readonly string[]> = { camera: ['nominal', 'remounted'], shift: ['day', 'night'], defectSize: ['large', 'minor'] };
  const set = Object.entries(slice ?? {}).filter(([, v]) => v !== undefined);
  for (const [k, v] of set) {
    if (!allowed[k]) throw new Error(`slice has an unknown key "${k}"; use camera, shift or defectSize`);
    if (!allowed[k].includes(v)) throw new Error(`slice.${k} must be one of ${allowed[k].join(', ')}, got ${String(v)}`);
  }
  return Object.fromEntries(set);
}

/** Render one planned frame to JPEG bytes: scene → optics (blur) → sensor (gain, cast, noise) → encoder. */
export async function renderFrame(plan: FramePlan): Promise<Buffer> {
  return sharp(await renderPixels(plan), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 88, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/** The frame as raw RGB before encoding (what the camera would hand to the encoder). */
export async function renderPixels(plan: FramePlan): Promise<Buffer> {
  let img = sharp(Buffer.from(frameSvg(plan, await weaveHref()))).removeAlpha();
  if (plan.view.blur > 0) img = img.blur(plan.view.blur);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== WIDTH || info.height !== HEIGHT || info.channels !== 3) {
    throw new Error(`unexpected render size ${info.width}×${info.height}×${info.channels}`);
  }
  applySensor(data, plan);
  return data;
}

let weave: Promise<string> | null = null;
/** The belt texture as a data URI, rendered on first use. */
function weaveHref(): Promise<string> {
  weave ??= sharp(Buffer.from(weaveTileSvg()))
    .png({ compressionLevel: 1 })
    .toBuffer()
    .then((png) => `data:image/png;base64,${png.toString('base64')}`);
  return weave;
}

/** Tile sides are co-prime with each other and with the frame, so the repeat is not visible as a grid. */
const TILE_W = 211;
const TILE_H = 173;

/**
 * Sensor response in place: per-channel gain (exposure and colour cast), black
 * level, then luma and chroma noise read from a seeded noise tile at a random
 * offset, the way a camera's read noise looks in a dark frame.
 */
function applySensor(px: Buffer, plan: FramePlan): void {
  const rng = new Rng(plan.noiseSeed);
  const { gain, offset, noise, chroma } = plan.sensor;
  const n = TILE_W * TILE_H;
  const luma = new Float32Array(n);
  const cr = new Float32Array(n);
  const cb = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    luma[i] = rng.normal() * noise;
    cr[i] = rng.normal() * chroma;
    cb[i] = rng.normal() * chroma;
  }
  const ox = rng.int(0, TILE_W - 1);
  const oy = rng.int(0, TILE_H - 1);
  for (let y = 0; y < HEIGHT; y++) {
    const row = ((y + oy) % TILE_H) * TILE_W;
    for (let x = 0; x < WIDTH; x++) {
      const t = row + ((x + ox) % TILE_W);
      const o = (y * WIDTH + x) * 3;
      // Shot noise grows with the signal: scale by the square root of brightness.
      const s = 0.55 + 0.45 * Math.sqrt(px[o + 1] / 255);
      const l = luma[t] * s;
      px[o] = clamp(px[o] * gain[0] + offset + l + cr[t]);
      px[o + 1] = clamp(px[o + 1] * gain[1] + offset + l - 0.5 * (cr[t] + cb[t]));
      px[o + 2] = clamp(px[o + 2] * gain[2] + offset + l + cb[t]);
    }
  }
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
