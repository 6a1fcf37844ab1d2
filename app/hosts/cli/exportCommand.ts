import path from 'node:path';
import type { Req, Res } from '../../contract/methods.ts';
import { LoupeError } from '../../domain/errors.ts';
import { parseSplit } from '../../io/exportSplit.ts';
import type { ExportSummary } from '../../services/export.ts';
import { parseLabelChoice } from '../../domain/labelChoice.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext, type CliStreams } from './context.ts';
import { progressLine, waitForJob } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';

type Job = Res<'jobs:list'>[number];
type ExportReq = Req<'export:start'>;

const IMAGE_MODES = ['copy', 'link', 'symlink', 'none'] as const;

/** A value a core parser refused, as a CLI error (exit 1). */
function checked<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof LoupeError) throw new CliError(err.message);
    throw err;
  }
}

/** The export request the flags describe; bad values are CLI errors naming the flag. */
export function exportRequest(flags: Record<string, unknown>): ExportReq {
  const format = flags.format as string;
  if (format !== 'yolo' && format !== 'coco') throw new CliError(`--format must be yolo or coco, got "${format}"`);
  const images = (flags.images as string | undefined) ?? 'copy';
  if (!(IMAGE_MODES as readonly string[]).includes(images)) throw new CliError(`--images must be copy, link, symlink or none, got "${images}"`);
  const seedText = flags.seed as string | undefined;
  if (seedText !== undefined && !/^\d{1,10}$/.test(seedText.trim())) throw new CliError(`--seed must be a whole number from 0, got "${seedText}"`);
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (seed > 2 ** 32 - 1) throw new CliError(`--seed must be at most ${2 ** 32 - 1}, got ${seed}`);
  const split = flags.split === undefined ? undefined : checked(() => parseSplit(flags.split as string));
  const labels = flags.labels === undefined ? 'final' : checked(() => parseLabelChoice(flags.labels as string));
  const filter: NonNullable<ExportReq['filter']> = {};
  if (flags.flag !== undefined) filter.flag = flags.flag as string;
  if (flags.where !== undefined) {
    const text = flags.where as string;
    const eq = text.indexOf('=');
    if (eq < 1) throw new CliError(`--where must be key=value, got "${text}"`);
    filter.where = { key: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
  }
  return {
    format,
    out: path.resolve(flags.out as string),
    labels,
    split,
    seed,
    images: images as ExportReq['images'],
    filter: filter.flag !== undefined || filter.where ? filter : undefined,
    force: Boolean(flags.force),
  };
}

/** Wait for the export job with progress on stderr; Ctrl+C cancels it and nothing is left at the output. */
async function waitForExport(ctx: CliContext, job: Job, out: string): Promise<ExportSummary> {
  const final = await waitForJob(ctx, job, {
    doing: 'Exporting',
    unit: 'steps',
    cancelling: 'the partial export is removed',
    line: (j) => progressLine({ ...j, message: '' }, `Exporting ${j.message}`, 'steps'),
  });
  if (final.state === 'cancelled') throw new Interrupted(`export cancelled; nothing was written at ${out}`);
  return final.result as ExportSummary;
}

function printSummary(out: CliStreams, s: ExportSummary): void {
  const splits = Object.entries(s.splits);
  println(out, `Exported ${s.images} images and ${s.boxes} boxes (${s.labels} labels) as ${s.format.toUpperCase()} to ${s.out}`);
  for (const [name, st] of splits) {
    const perClass = st!.boxesByClass
      .map((c) => `${c.name} ${c.boxes}`)
      .join(', ');
    println(out, `  ${name.padEnd(5)} ${st!.images} images (${st!.emptyImages} without boxes), ${st!.boxes} boxes: ${perClass}`);
  }
  if (s.boxesClamped) println(out, `  ${s.boxesClamped} boxes crossing an image edge were clamped to the image`);
  if (s.boxesOutsideDropped) println(out, `  ${s.boxesOutsideDropped} boxes wholly outside their image were left out`);
  if (s.leftovers.restored) println(out, `  the previous dataset, set aside by an export that was killed while replacing it, was put back first`);
  if (s.leftovers.removed) println(out, `  removed ${s.leftovers.removed} partial folders (${(s.leftovers.bytes / 1e6).toFixed(1)} MB) left by killed exports`);
  if (s.linkFallbacks) println(out, `  ${s.linkFallbacks} images were copied because a hard link was not possible (another disk)`);
  if (!s.skippedCount) return;
  println(out, `Left out ${s.skippedCount} of ${s.selected} images:`);
  for (const k of s.skipped) println(out, `  ${k.count} ${k.reason.replace(/_/g, ' ')}: ${k.why} (e.g. ${k.examples.join(', ')})`);
}

/** `loupe export`. */
export const EXPORT_COMMAND: Command = {
  name: 'export',
  summary: 'Export a dataset in YOLO or COCO format, split into train and val',
  usage:
    'loupe export PROJECT --format yolo|coco --out DIR [--labels final|annotator:NAME|model:NAME] [--split 0.8,0.2] [--seed 0] [--images copy|link|symlink|none] [--flag REASON] [--where key=value] [--force] [--json]',
  details:
    "Writes the final labels (the consensus where there is one, else the one person who marked the image done; see README) with a seeded split that keeps every class in val when it can. YOLO: images/ and labels/ per split plus data.yaml; COCO: annotations/instances_<split>.json plus images/<split>/. The dataset is written beside DIR and moved into place when complete: a failure or Ctrl+C leaves nothing at DIR. An existing DIR is replaced only with --force. Progress goes to stderr; the summary lists what was left out and why.",
  positionals: PROJECT,
  flags: {
    format: { kind: 'string', value: 'yolo|coco', help: 'Dataset format', required: true },
    out: { kind: 'string', value: 'DIR', help: 'Folder to create (must not exist unless --force)', required: true },
    labels: { kind: 'string', value: 'WHICH', help: 'final (default), annotator:NAME, or model:NAME for a model\'s predictions' },
    split: { kind: 'string', value: 'F,F[,F]', help: 'Fractions for train,val[,test] (default 0.8,0.2)' },
    seed: { kind: 'string', value: 'N', help: 'Seed of the split (default 0): the same seed gives the same split' },
    images: { kind: 'string', value: 'MODE', help: 'copy (default), link (hard link, copies across disks), symlink, or none (labels only)' },
    flag: { kind: 'string', value: 'REASON', help: 'Only images flagged for this reason' },
    where: { kind: 'string', value: 'KEY=VALUE', help: 'Only images whose metadata KEY is VALUE' },
    force: { kind: 'boolean', help: 'Replace DIR if it exists' },
    json: JSON_FLAG,
  },
  async run(ctx, a) {
    const req = exportRequest(a.flags);
    await openProject(ctx, a.positionals.PROJECT!);
    const job = await call(ctx, 'export:start', req);
    const summary = await waitForExport(ctx, job, req.out);
    if (a.flags.json) printJson(ctx, summary);
    else printSummary(ctx, summary);
  },
};
