import type { Res } from '../../contract/methods.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext } from './context.ts';
import { waitForJob } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { assertFile, positiveInt } from './values.ts';

type Timeline = Res<'timeline:get'>;

/** The `--metadata FILE` flag `loupe init` and `loupe import --images` take. */
export const METADATA_FLAG = {
  kind: 'string',
  value: 'FILE',
  help: 'A metadata sidecar (CSV or JSON, one row per image: file, captured_at, camera, …) stored on the images; checked whole before anything is imported',
} as const;

/** `loupe metadata PROJECT FILE`: a sidecar onto a project's images. */
export const METADATA_COMMAND: Command = {
  name: 'metadata',
  summary: 'Store a metadata sidecar (capture time, camera, site, shift, …) on a project\'s images',
  usage: 'loupe metadata PROJECT FILE [--dry-run] [--json]',
  details:
    'FILE is CSV with a header row, a JSON array of objects, or JSON lines, one row per image: "file" (its path below the image folder, or its file name when unique), "captured_at" (ISO 8601 or YYYY:MM:DD HH:MM:SS), and any other scalar columns (camera, site, shift, …), merged into the image\'s metadata. The whole file is checked first: any malformed line, bad date or unknown file is printed as file:line: reason, exit 1, and nothing is written.',
  positionals: [...PROJECT, { name: 'FILE', required: true }],
  flags: { 'dry-run': { kind: 'boolean', help: 'Check the file and report; write nothing' }, json: JSON_FLAG },
  async run(ctx, a) {
    const file = assertFile(a.positionals.FILE!, 'metadata file');
    await openProject(ctx, a.positionals.PROJECT!);
    const job = await call(ctx, 'metadata:import', { path: file, dryRun: Boolean(a.flags['dry-run']) });
    const final = await waitForJob(ctx, job, { doing: 'Reading', unit: 'rows', cancelling: 'nothing is written', returnFailed: true });
    if (final.state === 'cancelled') throw new Interrupted('metadata import cancelled; nothing was written');
    if (final.state === 'failed') throw new CliError(final.error ?? 'metadata import failed');
    const s = final.result as { rows: number; updated: number; withCapturedAt: number; keys: string[]; dryRun: boolean };
    if (a.flags.json) return printJson(ctx, s);
    const verb = s.dryRun ? 'Would store' : 'Stored';
    println(ctx, `${verb} metadata on ${s.dryRun ? s.rows : s.updated} images (${s.withCapturedAt} with a capture time); keys: ${s.keys.join(', ') || 'none'}.`);
  },
};

/** `loupe timeline PROJECT`: the monitoring timeline and its changes. */
export const TIMELINE_COMMAND: Command = {
  name: 'timeline',
  summary: 'The monitoring timeline per day and metadata slice, and the changes in it',
  usage: 'loupe timeline PROJECT [--by KEY] [--run ID] [--flag] [--json]',
  details:
    'Per day of capture: images, the run\'s predictions per image, mean confidence, the share of low-confidence images (no prediction scoring 0.5 or more) and mean brightness, for all images and, with --by, each value of a metadata key. A change is a two-sided CUSUM on the daily values standardised by a ten-day baseline passing 6 (K = 1); it is listed with its day, series, statistic and direction. --flag also flags the images after each change in its slice with reason "change", replacing earlier change flags. --run picks the model run (default: the newest).',
  positionals: PROJECT,
  flags: {
    by: { kind: 'string', value: 'KEY', help: 'Slice by this metadata key (e.g. camera)' },
    run: { kind: 'string', value: 'ID', help: 'Model run whose predictions are measured (default: the newest)' },
    flag: { kind: 'boolean', help: 'Flag the images after each change with reason "change"' },
    json: JSON_FLAG,
  },
  async run(ctx, a) {
    await openProject(ctx, a.positionals.PROJECT!);
    const req = {
      by: a.flags.by === undefined ? undefined : (a.flags.by as string),
      runId: a.flags.run === undefined ? undefined : positiveInt('--run', a.flags.run as string),
    };
    const t = await call(ctx, 'timeline:get', req);
    const flagged = a.flags.flag ? await call(ctx, 'timeline:flag', req) : null;
    if (a.flags.json) return printJson(ctx, { ...t, flagged: flagged?.flagged ?? null });
    printTimeline(ctx, t);
    if (flagged) println(ctx, `Flagged ${flagged.flagged} images after ${flagged.changes} change${flagged.changes === 1 ? '' : 's'} (reason "change").`);
  },
};

const fmt = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));

function printTimeline(ctx: CliContext, t: Timeline): void {
  if (t.days.length === 0) {
    println(ctx, `No image has a capture time (${t.untimed} without); import a metadata sidecar with captured_at, or images whose EXIF has DateTimeOriginal.`);
    return;
  }
  println(ctx, `${t.images} images from ${t.days[0]} to ${t.days.at(-1)}${t.untimed ? ` (${t.untimed} without a capture time left out)` : ''}; run: ${t.run ? `${t.run.id} ${t.run.name}` : 'none'}${t.by ? `; slices by ${t.by}` : ''}.`);
  println(ctx, 'day         slice            images  pred/img  mean conf  low share  brightness');
  for (const s of t.series) {
    for (const p of s.points) {
      if (p.images === 0) continue;
      println(ctx, `${p.day}  ${s.slice.slice(0, 15).padEnd(15)}  ${String(p.images).padStart(6)}  ${fmt(p.predictionsPerImage, 2).padStart(8)}  ${fmt(p.meanConfidence, 3).padStart(9)}  ${fmt(p.lowConfidenceShare, 2).padStart(9)}  ${fmt(p.meanBrightness, 1).padStart(10)}`);
    }
  }
  println(ctx, t.changes.length ? `Changes (${t.changes.length}):` : 'No changes found.');
  for (const c of t.changes) {
    println(ctx, `  ${c.day}  ${t.by && c.slice !== 'all' ? `${t.by}=${c.slice}` : c.slice}  ${c.statistic} ${c.direction} from ${c.before.toFixed(3)} to ${c.after.toFixed(3)} (found ${c.detectedOn})`);
  }
}
