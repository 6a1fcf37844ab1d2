import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/hosts/cli/main.ts';
import { thumbnail } from '../../app/images/render.ts';
import { loupe, ROOT, type Run } from '../../app/hosts/cli/runLoupe.ts';
import { tempDir } from '../unit/fixtures.ts';
import { MAKERS, type MakeContext } from './make.ts';

/**
 * Walks the whole bad-input corpus (manifest.json) through the `loupe` CLI:
 * every entry must end with its exit code and its own message, never a stack
 * trace or an "unexpected error", and leave the project as the manifest says
 * (the same bytes where nothing may be written). Entries run through the CLI's
 * `main` in this process (a process start costs a second of CPU); those marked
 * `process` also run as a real `bin/loupe.mjs` process and must print the same.
 */

interface Entry {
  id: string;
  kind: string;
  args: string[];
  exit: number;
  /** A fragment of stderr (and of the recorded reason for records-failure); "" only for accepted entries. */
  message: string;
  project?: 'unchanged' | 'records-failure' | 'accepted';
  images?: { path: string; width: number; height: number; colour?: number[] }[];
  inputUnchanged?: boolean;
  absent?: string[];
  /** Also run as a separate process through bin/loupe.mjs. */
  process?: boolean;
  /**
   * A small tmpfs at {mnt}: `read-only` holds a copy of the project as {roProject}
   * and is remounted read-only; `full-disk` is 1 MB, less than the export needs.
   */
  setup?: 'read-only' | 'full-disk';
  /** {mnt} must be empty afterwards (no partial file left on the full disk). */
  mntEmpty?: boolean;
}

const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/bad-inputs/manifest.json'), 'utf8')) as { entries: Entry[] };
/** How many CLI processes run at once: the machines have two cores. */
const PARALLEL = 2;

let ctx: MakeContext;
let baselineImages: string;

/** The bytes of a file, or null when it does not exist. */
const bytesOf = (file: string): Buffer | null => (fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(file) : null);

/** Rows of a project read directly from its file. */
function rows<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

type ImageRow = { path: string; width: number | null; height: number | null; ingest_error: string | null };
const imageRows = (file: string) => rows<ImageRow>(file, 'SELECT path, width, height, ingest_error FROM images ORDER BY path');
const formatOf = (file: string, rel: string) => rows<{ format: string }>(file, `SELECT format FROM images WHERE path = '${rel.replace(/'/g, "''")}'`)[0]?.format;
const failureRows = (file: string) => rows<{ path: string; reason: string }>(file, 'SELECT path, reason FROM import_failures ORDER BY path');

/** A stream that keeps what is written to it. */
function collector(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** Run the CLI's `main` in this process, as `loupe ARGS` would. */
async function loupeHere(args: string[]): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const code = await main(['node', 'loupe', ...args], { stdout, stderr });
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

function mustSucceed(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  process.env.LOUPE_ANNOTATOR = 'cli-user';
  const dir = tempDir('loupe-bad-corpus-');
  baselineImages = path.join(dir, 'images');
  fs.mkdirSync(path.join(baselineImages, 'train'), { recursive: true });
  await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toFile(path.join(baselineImages, 'train/a.png'));
  await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 200, g: 10, b: 30 } } }).png().toFile(path.join(baselineImages, 'train/b.png'));
  // Random pixels do not compress: 1.26 MB, more than the 1 MB "full disk" holds.
  await sharp(crypto.randomBytes(700 * 600 * 3), { raw: { width: 700, height: 600, channels: 3 } }).png().toFile(path.join(baselineImages, 'train/noise.png'));
  fs.writeFileSync(path.join(dir, 'data.yaml'), `path: ${dir}\ntrain: images/train\nnames: [car, bus]\n`);
  fs.mkdirSync(path.join(dir, 'labels/train'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'labels/train/a.txt'), '1 0.5 0.5 0.5 0.5\n0 0.2 0.2 0.1 0.1\n');
  fs.writeFileSync(path.join(dir, 'labels/train/b.txt'), '0 0.5 0.5 0.5 0.5\n');
  fs.writeFileSync(path.join(dir, 'labels/train/noise.txt'), '1 0.5 0.5 0.2 0.2\n');
  const baseline = path.join(dir, 'baseline.loupe');
  mustSucceed(await loupe(['init', baseline, '--images', baselineImages]), 'init');
  mustSucceed(await loupe(['import', baseline, '--annotations', path.join(dir, 'data.yaml'), '--format', 'yolo', '--annotator', 'alice']), 'import labels');
  const pkg = path.join(dir, 'alice.loupe-package');
  mustSucceed(await loupe(['package', 'export', baseline, '--annotator', 'alice', '--out', pkg]), 'package export');
  ctx = { root: ROOT, baseline, package: pkg };
});

/** Why entries with a `setup` cannot run here, or null when they can (mounting a tmpfs needs root and a kernel that allows it). */
let mountProblem: string | null | undefined;
function canMount(dir: string): string | null {
  if (mountProblem !== undefined) return mountProblem;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return (mountProblem = 'mounting a tmpfs needs root on Linux');
  const probe = path.join(dir, 'probe');
  fs.mkdirSync(probe);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    try {
      execFileSync('mount', ['-o', 'remount,ro', probe], { stdio: 'pipe' });
    } finally {
      execFileSync('umount', [probe], { stdio: 'pipe' });
    }
    return (mountProblem = null);
  } catch (err) {
    return (mountProblem = `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
}

/** Fill in {project}, {input}, {work}, {mnt}, {roProject}, {root} and {baselineImages}. */
function expand(s: string, vars: Record<string, string>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** Runs one entry; returns the problems found (empty when the entry behaved). */
async function check(entry: Entry): Promise<string[]> {
  const work = tempDir('loupe-bad-entry-');
  const input = await MAKERS[entry.id](work, ctx);
  const project = path.join(work, 'project.loupe');
  fs.copyFileSync(ctx.baseline, project);
  // The project finds its images relative to its own file, as beside the baseline.
  fs.symlinkSync(baselineImages, path.join(work, 'images'));
  const mnt = path.join(work, 'mnt');
  const roProject = path.join(mnt, 'project.loupe');
  let mounted = false;
  try {
    if (entry.setup) {
      fs.mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', entry.setup === 'full-disk' ? 'size=1m' : 'size=4m', 'tmpfs', mnt]);
      mounted = true;
      if (entry.setup === 'read-only') {
        fs.copyFileSync(ctx.baseline, roProject);
        execFileSync('mount', ['-o', 'remount,ro', mnt]);
      }
    }
    return await run(entry, { project, input, work, mnt, roProject, root: ROOT, baselineImages });
  } finally {
    if (mounted) execFileSync('umount', [mnt]);
  }
}

async function run(entry: Entry, vars: Record<string, string>): Promise<string[]> {
  const { project, input } = vars;
  const args = entry.args.map((a) => expand(a, vars));
  const projectBefore = fs.readFileSync(project);
  const roBefore = entry.setup === 'read-only' ? fs.readFileSync(vars.roProject) : null;
  const inputBefore = bytesOf(input);
  const r = await loupeHere(args);
  const problems: string[] = [];
  const said = `stdout: ${JSON.stringify(r.stdout.slice(0, 300))}, stderr: ${JSON.stringify(r.stderr.slice(0, 600))}`;
  if (r.code !== entry.exit) problems.push(`exit ${r.code}, expected ${entry.exit}; ${said}`);
  // A refusal says why on stderr; a file an import could not read is listed with its reason on stdout.
  const told = entry.exit === 0 ? r.stdout : r.stderr;
  if (entry.message && !told.includes(entry.message)) problems.push(`output lacks ${JSON.stringify(entry.message)}; ${said}`);
  if (entry.exit !== 0 && !entry.message) problems.push(`no expected message in the manifest; ${said}`);
  if (/unexpected error|\n\s+at .+:\d+:\d+|Error: /.test(r.stderr)) problems.push(`a crash or raw error; ${said}`);
  if (entry.exit !== 0 && r.stderr.split('\n').filter((l) => l.startsWith('loupe: ')).length === 0) problems.push(`no "loupe: …" line; ${said}`);
  if (entry.project === 'unchanged') {
    if (!fs.readFileSync(project).equals(projectBefore)) problems.push('the project file changed');
    for (const side of ['-wal', '-shm', '-journal']) if (fs.existsSync(project + side)) problems.push(`left ${side}`);
  }
  if (entry.project === 'records-failure') {
    const failed = failureRows(project);
    if (failed.length !== 1 || !failed[0].reason.includes(entry.message)) problems.push(`recorded failures ${JSON.stringify(failed)}`);
    const images = imageRows(project);
    if (images.some((i) => !i.path.startsWith('train/'))) problems.push(`images after the import: ${JSON.stringify(images)}`);
  }
  if (entry.project === 'accepted') {
    const added = imageRows(project).filter((row) => !row.path.startsWith('train/'));
    const want = (entry.images ?? []).map((i) => ({ path: i.path, width: i.width, height: i.height, ingest_error: null }));
    if (JSON.stringify(added) !== JSON.stringify(want)) problems.push(`imported ${JSON.stringify(added)}, expected ${JSON.stringify(want)}`);
    // Accepted means shown as it is: the preview the app makes has the image's size and its colour.
    for (const img of entry.images ?? []) {
      const preview = await thumbnail(path.join(input, img.path), formatOf(project, img.path) ?? '?');
      const { width, height } = await sharp(preview.data).metadata();
      const mean = (await sharp(preview.data).removeAlpha().toColourspace('srgb').stats()).channels.map((c) => Math.round(c.mean));
      if (width !== img.width || height !== img.height) problems.push(`${img.path}: the preview is ${width}×${height}`);
      if (img.colour && mean.some((m, i) => Math.abs(m - img.colour![i]) > 12)) problems.push(`${img.path}: the preview's mean colour is ${mean}, expected about ${img.colour}`);
    }
  }
  if (entry.inputUnchanged && !bytesOf(input)?.equals(inputBefore!)) problems.push('the input file changed');
  if (entry.inputUnchanged) for (const side of ['-wal', '-shm', '-journal']) if (fs.existsSync(input + side)) problems.push(`left ${side} beside the input`);
  for (const p of entry.absent ?? []) if (fs.existsSync(expand(p, vars))) problems.push(`left ${expand(p, vars)}`);
  if (roBefore && !fs.readFileSync(vars.roProject).equals(roBefore)) problems.push('the read-only project changed');
  if (entry.mntEmpty && fs.readdirSync(vars.mnt).length) problems.push(`left ${fs.readdirSync(vars.mnt).join(', ')} on the full disk`);
  if (entry.process) {
    // The same run as a real process, on a fresh copy of the project.
    fs.copyFileSync(ctx.baseline, project);
    const again = await loupe(args);
    if (again.code !== r.code || again.stderr !== r.stderr || again.stdout !== r.stdout) {
      problems.push(`as a process: exit ${again.code}, stdout ${JSON.stringify(again.stdout.slice(0, 300))}, stderr ${JSON.stringify(again.stderr.slice(0, 600))}`);
    }
    if (entry.project === 'unchanged' && !fs.readFileSync(project).equals(projectBefore)) problems.push('the project file changed (as a process)');
  }
  return problems.map((p) => `${entry.id} (${entry.args.slice(0, 2).join(' ')}): ${p}`);
}

describe('the bad-input corpus through the CLI', () => {
  it('gives every entry its own error and writes nothing where nothing may be written', async () => {
    const unmountable = canMount(tempDir('loupe-bad-mount-'));
    const skipped = unmountable ? MANIFEST.entries.filter((e) => e.setup) : [];
    const entries = MANIFEST.entries.filter((e) => !skipped.includes(e));
    for (const e of MANIFEST.entries) expect(MAKERS[e.id], `make.ts has no maker for ${e.id}`).toBeTypeOf('function');
    const problems: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < entries.length) problems.push(...(await check(entries[next++])));
      }),
    );
    const refused = entries.filter((e) => e.exit !== 0 || e.project === 'records-failure').length;
    console.log(
      `bad-input corpus: ${entries.length} runs over ${new Set(entries.map((e) => e.id)).size} inputs; ${refused} refused with their own message, ` +
        `${entries.length - refused} accepted and checked; ${problems.length} problems` +
        (skipped.length ? `; ${skipped.length} skipped (read-only folder, full disk): ${unmountable}` : ''),
    );
    expect(problems).toEqual([]);
    // The README states the corpus size; it must be this corpus's.
    if (!skipped.length) {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
      expect(readme).toContain(`all ${entries.length} cases (${new Set(entries.map((e) => e.id)).size} inputs)`);
      expect(readme).toContain(`each of the ${refused} refusals`);
      expect(readme).toContain(`the ${entries.length - refused} accepted on purpose`);
    }
  });
});
