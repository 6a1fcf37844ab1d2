import type { Res } from '../../contract/methods.ts';
import { formatProblem } from '../../io/importLabels.ts';
import type { ImportLabelsSummary } from '../../services/importLabels.ts';
import { UsageError, type Parsed } from './args.ts';
import { call, CliError, Interrupted, openProject, printable, printJson, println, type CliContext } from './context.ts';
import { FAILURES_LISTED } from './format.ts';
import { waitForJob } from './progress.ts';
import { assertFile } from './values.ts';

type Job = Res<'jobs:list'>[number];

/** The flags `loupe import` takes for labels and predictions. */
export const LABEL_IMPORT_FLAGS = {
  annotations: { kind: 'string', value: 'FILE_OR_DIR', help: "A YOLO dataset (data.yaml, or a folder with one or a classes.txt) or a COCO instances JSON, imported as --annotator's labels" },
  predictions: { kind: 'string', value: 'FILE_OR_DIR', help: 'A COCO results JSON or a folder of Ultralytics predict labels (*.txt with conf), imported as --model\'s run' },
  format: { kind: 'string', value: 'FORMAT', help: 'yolo or coco (with --annotations); coco-results or ultralytics-txt (with --predictions)' },
  annotator: { kind: 'string', value: 'NAME', help: 'Whose labels --annotations are (a person; created if new)' },
  model: { kind: 'string', value: 'NAME', help: 'The model that made --predictions (names the run)' },
  'images-json': { kind: 'string', value: 'FILE', help: 'COCO instances file naming the image ids of coco-results' },
  'dry-run': { kind: 'boolean', help: 'Check everything and report what would be imported; write nothing' },
} as const;

/** True when the command line asks for a label or prediction import rather than images. */
export function isLabelImport(a: Parsed): boolean {
  return a.flags.annotations !== undefined || a.flags.predictions !== undefined;
}

function need(a: Parsed, flag: string, what: string): string {
  const v = a.flags[flag];
  if (typeof v !== 'string') throw new UsageError(`${what} needs --${flag}`, 'import');
  return v;
}

/** Wait for the job with progress on stderr; Ctrl+C cancels it (nothing is written until the final transaction). */
function waitFor(ctx: CliContext, job: Job): Promise<Job> {
  const line = (j: Job) => `${j.message ? `${j.message[0].toUpperCase()}${j.message.slice(1)}` : 'Reading'}: ${j.done}/${j.total} (${Math.floor((j.done / j.total) * 100)}%)`;
  return waitForJob(ctx, job, { doing: 'Reading', unit: 'images', cancelling: 'nothing is imported', returnFailed: true, line });
}

function printProblems(ctx: CliContext, s: ImportLabelsSummary): void {
  for (const p of s.problems) ctx.stderr.write(`${printable(formatProblem(p))}\n`);
  if (s.problemCount > s.problems.length) ctx.stderr.write(`… and ${s.problemCount - s.problems.length} more problems\n`);
}

function printSummary(ctx: CliContext, s: ImportLabelsSummary, what: string): void {
  const verb = s.dryRun ? 'Would import' : 'Imported';
  const images = s.imagesMatched + s.imagesAdded;
  println(ctx, `${verb} ${what}: ${images} images (${s.imagesMatched} already in the project, ${s.imagesAdded} ${s.dryRun ? 'to add' : 'added'}), ${s.boxes} boxes${s.runId ? ` (run ${s.runId})` : ''}.`);
  if (s.replaced) println(ctx, `  ${s.replaced} boxes of the previous import replaced`);
  if (s.clamped) println(ctx, `  ${s.clamped} boxes reaching past the image edge clamped to it`);
  if (s.boxesFromSegmentation) println(ctx, `  ${s.boxesFromSegmentation} boxes without a bbox taken from the extent of their segmentation polygons`);
  if (s.segmentationsDropped) println(ctx, `  ${s.segmentationsDropped} segmentations not kept (Loupe keeps boxes only)`);
  if (s.crowdSkipped) println(ctx, `  ${s.crowdSkipped} crowd regions (iscrowd 1) skipped: they are not single objects`);
  if (s.newClasses.length) println(ctx, `${s.dryRun ? 'New classes to create' : 'New classes created'}: ${s.newClasses.join(', ')}`);
  for (const [title, list] of [
    ['Missing images (their labels skipped)', s.missingImages],
    ['Skipped', s.skipped.map((k) => `${k.file}: ${k.reason}`)],
  ] as const) {
    if (!list.length) continue;
    println(ctx, `${title} (${list.length}):`);
    for (const m of list.slice(0, FAILURES_LISTED)) println(ctx, `  ${m}`);
    if (list.length > FAILURES_LISTED) println(ctx, `  … and ${list.length - FAILURES_LISTED} more (--json lists them all)`);
  }
}

/** `loupe import PROJECT --annotations … | --predictions …`: creates the classes it needs and lists them. */
export async function runLabelImport(ctx: CliContext, a: Parsed): Promise<void> {
  if (a.flags.images !== undefined || (a.flags.annotations !== undefined && a.flags.predictions !== undefined)) {
    throw new UsageError('give one of --images, --annotations or --predictions', 'import');
  }
  const dryRun = Boolean(a.flags['dry-run']);
  const format = need(a, 'format', a.flags.annotations !== undefined ? '--annotations' : '--predictions');
  let job: Job;
  let what: string;
  if (a.flags.annotations !== undefined) {
    if (format !== 'yolo' && format !== 'coco') throw new UsageError(`--format for --annotations is yolo or coco, not "${format}"`, 'import');
    const annotator = need(a, 'annotator', '--annotations');
    if (a.flags.model !== undefined || a.flags['images-json'] !== undefined) throw new UsageError('--model and --images-json go with --predictions', 'import');
    await openProject(ctx, a.positionals.PROJECT!);
    job = await call(ctx, 'labels:import', { path: a.flags.annotations as string, format, annotator, createClasses: true, dryRun });
    what = `${annotator}'s labels`;
  } else {
    if (format !== 'coco-results' && format !== 'ultralytics-txt') throw new UsageError(`--format for --predictions is coco-results or ultralytics-txt, not "${format}"`, 'import');
    const model = need(a, 'model', '--predictions');
    if (a.flags.annotator !== undefined) throw new UsageError('--annotator goes with --annotations', 'import');
    const imagesJson = a.flags['images-json'] === undefined ? undefined : assertFile(a.flags['images-json'] as string, 'images JSON');
    await openProject(ctx, a.positionals.PROJECT!);
    job = await call(ctx, 'predictions:import', { path: a.flags.predictions as string, format, model, imagesJson, createClasses: true, dryRun });
    what = `${model}'s predictions`;
  }
  const final = await waitFor(ctx, job);
  if (final.state === 'cancelled') throw new Interrupted('import cancelled; nothing was imported');
  const summary = final.result as ImportLabelsSummary | null;
  if (final.state === 'failed') {
    if (summary && a.flags.json) printJson(ctx, summary);
    if (summary) printProblems(ctx, summary);
    throw new CliError(final.error ?? 'import failed');
  }
  if (a.flags.json) printJson(ctx, summary);
  else printSummary(ctx, summary!, what);
  if (summary!.problemCount > 0) {
    printProblems(ctx, summary!);
    throw new CliError(`${summary!.problemCount} problem${summary!.problemCount === 1 ? '' : 's'} found; an import would be refused`);
  }
}
