import fs from 'node:fs';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { readFlagFile, FlagFileError, type SidecarFlag } from '../io/sidecarFlags.ts';
import { listImageFiles } from '../io/walk.ts';
import { bundledWorker } from '../jobs/bundledWorker.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { DRIFT_FEATURES, DRIFT_THRESHOLD, driftOf, driftReference, type DriftReference } from '../metrics/drift.ts';
import { CLASS_MIX_DEFAULTS, jensenShannon, LOW_CONFIDENCE_DEFAULTS, lowConfidence, type ClassMixOptions, type LowConfidenceOptions } from '../metrics/flagRules.ts';
import type { ImageStats } from '../metrics/imageStats.ts';
import { StatsPool } from '../metrics/StatsPool.ts';
import { flagRepo, type FlagRow } from '../store/FlagRepo.ts';
import type { Project } from '../store/Project.ts';

/** The reasons Loupe computes itself. */
export const BUILT_IN_REASONS = ['drift', 'low-confidence', 'class-mix'] as const;

/** What a flags job is asked to do. */
export interface FlagsRequest {
  /** A folder of reference images (e.g. the training images) for drift. */
  referenceDir?: string;
  /** A model run whose class mix the run's images are compared with. */
  referenceRunId?: number;
  /** The model run for low confidence and class mix (default: the latest run, when there is one). */
  runId?: number;
  /** A flags file from a monitoring system. */
  sidecar?: string;
  driftThreshold?: number;
  lowConfidence?: Partial<LowConfidenceOptions>;
  classMix?: Partial<ClassMixOptions>;
}

/** A request checked before the job starts: the run, the reference run, the sidecar's flags matched to images. */
export interface CheckedFlags {
  referenceDir: string | null;
  run: { id: number; name: string } | null;
  referenceRun: { id: number; name: string } | null;
  sidecar: { file: string; flags: (SidecarFlag & { imageId: number })[] } | null;
  driftThreshold: number;
  lowConfidence: LowConfidenceOptions;
  classMix: ClassMixOptions;
}

/** What a flags job did: statistics computed, and per reason how many images it flagged. */
export interface FlagsSummary {
  stats: { images: number; computed: number; kept: number; failed: { path: string; reason: string }[] };
  reference: { folder: string; images: number; unreadable: number } | null;
  run: { id: number; name: string } | null;
  referenceRun: { id: number; name: string } | null;
  /** Per reason replaced by this job: images flagged. */
  flagged: Record<string, number>;
}

/** Check a request before any work starts, so a wrong run, folder or flags file is an error of the call and nothing is written. */
export function checkFlags(project: Project, req: FlagsRequest): CheckedFlags {
  const runs = project.models.runs();
  const runRow = (id: number, what: string) => {
    const r = project.models.run(id);
    if (!r) throw new LoupeError('not_found', `No model run ${id} in this project for ${what}; runs: ${runs.map((x) => `${x.id} (${x.name})`).join(', ') || 'none'}.`);
    return { id: r.id, name: r.name };
  };
  let run = req.runId !== undefined ? runRow(req.runId, 'low confidence') : null;
  if (!run && runs.length) run = { id: runs[runs.length - 1].id, name: runs[runs.length - 1].name };
  const referenceRun = req.referenceRunId !== undefined ? runRow(req.referenceRunId, 'the reference class mix') : null;
  if (referenceRun && run && referenceRun.id === run.id) throw new LoupeError('bad_request', `Run ${run.id} is both the run flagged and the reference class mix; pick another reference run.`);
  let referenceDir: string | null = null;
  if (req.referenceDir !== undefined) {
    referenceDir = path.resolve(req.referenceDir);
    const st = fs.statSync(referenceDir, { throwIfNoEntry: false });
    if (!st) throw new LoupeError('not_found', `Reference folder not found: ${referenceDir}`);
    if (!st.isDirectory()) throw new LoupeError('bad_request', `The reference must be a folder of images, got a file: ${referenceDir}`);
  }
  const lc = { ...LOW_CONFIDENCE_DEFAULTS, ...req.lowConfidence };
  if (!(lc.bandLow < lc.bandHigh)) throw new LoupeError('bad_request', `The uncertain band must be low < high, got [${lc.bandLow}, ${lc.bandHigh}).`);
  const sidecar = req.sidecar === undefined ? null : { file: path.resolve(req.sidecar), flags: matchSidecar(project, path.resolve(req.sidecar)) };
  if (sidecar) {
    const computed = new Set<string>([...(referenceDir ? ['drift'] : []), ...(run ? ['low-confidence'] : []), ...(run && referenceRun ? ['class-mix'] : [])]);
    const clash = sidecar.flags.find((f) => computed.has(f.reason));
    if (clash) throw new FlagFileError(sidecar.file, [{ line: clash.line, reason: `reason "${clash.reason}" is computed by this job too; rename it in the flags file` }]);
  }
  return { referenceDir, run, referenceRun, sidecar, driftThreshold: req.driftThreshold ?? DRIFT_THRESHOLD, lowConfidence: lc, classMix: { ...CLASS_MIX_DEFAULTS, ...req.classMix } };
}

/**
 * The sidecar's flags with their images: a file names an image by its absolute
 * path, by its path as stored (below its image folder, forward slashes), or by a
 * path relative to the flags file's folder. An unknown or ambiguous file is a
 * FlagFileError at its line.
 */
function matchSidecar(project: Project, file: string): (SidecarFlag & { imageId: number })[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoupeError(code === 'ENOENT' ? 'not_found' : 'io', code === 'ENOENT' ? `Flags file not found: ${file}` : `Cannot read the flags file ${file}: ${messageOf(err)}`);
  }
  const { rows, problems } = readFlagFile(text, file);
  const roots = new Map(project.images.roots().map((r) => [r.id, project.rootPath(r.path)]));
  const byStored = new Map<string, number[]>();
  const byAbs = new Map<string, number>();
  for (const img of flagRepo(project.db).images()) {
    const list = byStored.get(img.path);
    if (list) list.push(img.id);
    else byStored.set(img.path, [img.id]);
    byAbs.set(path.join(roots.get(img.rootId)!, img.path), img.id);
  }
  const out: (SidecarFlag & { imageId: number })[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    let id: number | undefined;
    if (path.isAbsolute(r.file)) id = byAbs.get(path.normalize(r.file));
    else {
      const stored = byStored.get(r.file.split(path.sep).join('/'));
      if (stored && stored.length > 1) {
        problems.push({ line: r.line, reason: `"${r.file}" matches ${stored.length} images in different folders; give its absolute path` });
        continue;
      }
      id = stored?.[0] ?? byAbs.get(path.resolve(path.dirname(file), r.file));
    }
    if (id === undefined) {
      problems.push({ line: r.line, reason: `no image "${r.file}" in this project` });
      continue;
    }
    const key = `${id}\u0000${r.reason}`;
    const before = seen.get(key);
    if (before !== undefined) problems.push({ line: r.line, reason: `"${r.file}" already has a "${r.reason}" flag on line ${before}` });
    else seen.set(key, r.line);
    out.push({ ...r, imageId: id });
  }
  if (problems.length) throw new FlagFileError(file, problems.sort((a, b) => a.line - b.line));
  return out;
}

/** Stored statistics, or null when missing, unreadable or of another version (then they are computed again). */
export function parseStats(json: string | null): ImageStats | null {
  if (!json) return null;
  try {
    const s = JSON.parse(json) as ImageStats;
    return s && s.v === 1 && typeof s.brightness === 'number' && typeof s.sharpness === 'number' ? s : null;
  } catch {
    return null;
  }
}

/** Rows of statistics written per transaction: a kill loses at most a batch, and the next run computes only what is missing. */
const STATS_BATCH = 100;

/** Run `work` on every item with at most `limit` in flight, cancelling between items. */
async function eachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, ctx: JobContext): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      ctx.checkCancelled();
      await work(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
}

/**
 * The flags job. Image statistics first, kept per image as they are computed (a
 * cancelled or killed job keeps what it computed, and the next one computes only
 * what is missing); then every reason asked for is computed in memory and all of
 * them are written in one transaction, each reason's flags replacing that
 * reason's old ones, so a killed job leaves the old flags or the new ones.
 */
export async function runFlags(project: Project, c: CheckedFlags, ctx: JobContext, opts: { workerFile?: URL; pool?: StatsPool } = {}): Promise<FlagsSummary> {
  const repo = flagRepo(project.db);
  // Run from source, the worker starts from a bundle of it (no TypeScript compiled in each thread).
  const workerFile = opts.workerFile ?? (opts.pool ? undefined : ((await bundledWorker(new URL('../metrics/statsWorker.ts', import.meta.url))) ?? undefined));
  const pool = opts.pool ?? new StatsPool({ workerFile });
  try {
    // The reference first: a bad reference folder fails before any other work.
    let reference: DriftReference | null = null;
    let refSummary: FlagsSummary['reference'] = null;
    if (c.referenceDir) {
      let listing;
      try {
        listing = await listImageFiles(c.referenceDir, ctx.signal);
      } catch (err) {
        throw new LoupeError('io', `Cannot read the reference folder ${c.referenceDir}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
      }
      if (listing.files.length === 0) throw new LoupeError('bad_request', `The reference folder ${c.referenceDir} holds no images (jpg, png, webp, tiff, bmp, …).`);
      const refStats: ImageStats[] = [];
      let unreadable = 0;
      let done = 0;
      await eachBounded(listing.files, pool.capacity, async (rel) => {
        try {
          refStats.push(await pool.stats(path.join(c.referenceDir!, rel)));
        } catch (err) {
          if (err instanceof LoupeError && err.code === 'cancelled') throw err;
          unreadable++;
        }
        ctx.progress(++done, listing.files.length, 'Reference image statistics');
      }, ctx);
      ctx.checkCancelled();
      if (refStats.length === 0) throw new LoupeError('bad_request', `None of the ${listing.files.length} images in the reference folder ${c.referenceDir} could be read.`);
      reference = driftReference(refStats);
      refSummary = { folder: c.referenceDir, images: refStats.length, unreadable };
    }

    // Project statistics, only where missing.
    const images = repo.images();
    const roots = new Map(project.images.roots().map((r) => [r.id, project.rootPath(r.path)]));
    const known = new Map<number, ImageStats>();
    const todo: typeof images = [];
    for (const img of images) {
      const s = parseStats(img.stats);
      if (s) known.set(img.id, s);
      else todo.push(img);
    }
    const failed: FlagsSummary['stats']['failed'] = [];
    let pending: { id: number; json: string }[] = [];
    const writeStats = project.db.transaction((rows: { id: number; json: string }[]) => {
      for (const r of rows) repo.setStats(r.id, r.json);
    });
    const flush = () => {
      if (pending.length) writeStats(pending);
      pending = [];
    };
    let done = 0;
    ctx.progress(0, todo.length, 'Image statistics');
    try {
      await eachBounded(todo, pool.capacity, async (img) => {
        try {
          const s = await pool.stats(path.join(roots.get(img.rootId)!, img.path));
          known.set(img.id, s);
          pending.push({ id: img.id, json: JSON.stringify(s) });
          if (pending.length >= STATS_BATCH) flush();
        } catch (err) {
          if (err instanceof LoupeError && err.code === 'cancelled') throw err;
          failed.push({ path: img.path, reason: messageOf(err) });
        }
        ctx.progress(++done, todo.length, 'Image statistics');
      }, ctx);
    } finally {
      // What was computed is kept, cancelled or not.
      flush();
    }
    ctx.checkCancelled();

    const replaced = new Map<string, Omit<FlagRow, 'reason'>[]>();
    if (reference) replaced.set('drift', driftFlags(known, reference, c.driftThreshold, refSummary!.folder));
    if (c.run) replaced.set('low-confidence', lowConfidenceFlags(project, c.run.id, c.lowConfidence));
    if (c.run && c.referenceRun) replaced.set('class-mix', classMixFlags(project, c.run.id, c.referenceRun, c.classMix));
    if (c.sidecar) {
      for (const f of c.sidecar.flags) {
        let list = replaced.get(f.reason);
        if (!list) replaced.set(f.reason, (list = []));
        list.push({ imageId: f.imageId, score: f.score, details: f.details });
      }
    }
    ctx.checkCancelled();
    project.db.transaction(() => {
      for (const [reason, rows] of replaced) repo.replaceReason(reason, rows);
    })();
    return {
      stats: { images: images.length, computed: todo.length - failed.length, kept: images.length - todo.length, failed },
      reference: refSummary,
      run: c.run,
      referenceRun: c.referenceRun,
      flagged: Object.fromEntries([...replaced].map(([reason, rows]) => [reason, rows.length])),
    };
  } finally {
    if (!opts.pool) await pool.close();
  }
}

function driftFlags(known: Map<number, ImageStats>, ref: DriftReference, threshold: number, folder: string): Omit<FlagRow, 'reason'>[] {
  const out: Omit<FlagRow, 'reason'>[] = [];
  for (const [imageId, s] of known) {
    const d = driftOf(s, ref, threshold);
    if (!d.flagged) continue;
    // Values in their own units: sharpness as measured, resolution in pixels (compared as logs).
    const features: Record<string, { value: number; median: number; z: number }> = {};
    for (const f of DRIFT_FEATURES) {
      const x = d.features[f];
      const back = f === 'sharpness' ? Math.expm1 : f === 'resolution' ? Math.exp : (v: number) => v;
      features[f] = { value: f === 'sharpness' ? s.sharpness : f === 'resolution' ? s.width * s.height : x.value, median: back(x.median), z: x.z };
    }
    out.push({ imageId, score: d.flagScore, details: JSON.stringify({ drift: d.score, threshold, reference: { folder, images: ref.images }, features }) });
  }
  return out;
}

function lowConfidenceFlags(project: Project, runId: number, o: LowConfidenceOptions): Omit<FlagRow, 'reason'>[] {
  const out: Omit<FlagRow, 'reason'>[] = [];
  for (const r of flagRepo(project.db).confidence(runId, o.bandLow, o.bandHigh)) {
    const lc = lowConfidence(r.predictions, r.maxScore, r.uncertain, o);
    if (!lc.flagged) continue;
    out.push({
      imageId: r.imageId,
      score: lc.score,
      details: JSON.stringify({ run: runId, predictions: r.predictions, maxScore: r.maxScore, uncertain: r.uncertain, threshold: o.threshold, band: [o.bandLow, o.bandHigh], many: o.many }),
    });
  }
  return out;
}

function classMixFlags(project: Project, runId: number, refRun: { id: number; name: string }, o: ClassMixOptions): Omit<FlagRow, 'reason'>[] {
  const repo = flagRepo(project.db);
  const ref = repo.runClasses(refRun.id);
  if (ref.size === 0) throw new LoupeError('bad_request', `The reference run ${refRun.id} (${refRun.name}) has no predictions to compare class mixes with.`);
  const names = new Map(project.classes.list().map((c) => [c.id, c.name]));
  const refTotal = [...ref.values()].reduce((a, b) => a + b, 0);
  const share = (m: Map<number, number>, total: number) => Object.fromEntries([...m].map(([k, v]) => [names.get(k) ?? String(k), v / total]));
  const out: Omit<FlagRow, 'reason'>[] = [];
  const rows = repo.imageClasses(runId);
  for (let i = 0; i < rows.length; ) {
    const imageId = rows[i].imageId;
    const hist = new Map<number, number>();
    let total = 0;
    for (; i < rows.length && rows[i].imageId === imageId; i++) {
      hist.set(rows[i].classId, rows[i].count);
      total += rows[i].count;
    }
    if (total < o.minBoxes) continue;
    const js = jensenShannon(hist, ref);
    if (js < o.threshold) continue;
    out.push({ imageId, score: js, details: JSON.stringify({ run: runId, referenceRun: refRun.id, js, threshold: o.threshold, predictions: total, image: share(hist, total), reference: share(ref, refTotal) }) });
  }
  return out;
}
