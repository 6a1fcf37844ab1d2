import type { AgreementResult, MergeResult } from '../../contract/jobResults.ts';
import type { Parsed } from './args.ts';
import { ANNOTATOR_FLAG, applyAnnotatorFlag } from './annotatorFlag.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext, type CliStreams } from './context.ts';
import { printTable } from './format.ts';
import { waitForJob } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { positiveInt } from './values.ts';

/** --iou T: a number above 0 and at most 1 (default 0.5), checked before the project opens. */
function iouFlag(a: Parsed): number {
  if (a.flags.iou === undefined) return 0.5;
  const text = a.flags.iou as string;
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t) || t <= 0 || t > 1) throw new CliError(`--iou must be a number above 0 and at most 1, got "${text}"`);
  return t;
}

/** --quorum Q: how many people must agree on a box for the consensus to keep it. */
function quorumFlag(a: Parsed): number | undefined {
  return a.flags.quorum === undefined ? undefined : positiveInt('--quorum', a.flags.quorum as string);
}

const IOU = { kind: 'string', value: 'T', help: 'IoU at which two boxes match (above 0, at most 1; default 0.5)' } as const;
const QUORUM = { kind: 'string', value: 'Q', help: 'People who must agree on a box for the consensus to keep it (default: half of each image\'s people, rounded up)' } as const;

const num = (v: number | null, digits = 3) => (v === null ? '–' : v.toFixed(digits));

/** The project report as a person reads it: the headline, then per pair, per person, per class. */
function printReport(out: CliStreams, r: AgreementResult): void {
  println(out, `Agreement at IoU ${r.iou} on ${r.images} image${r.images === 1 ? '' : 's'} that two or more of ${r.annotators.length} people marked done`);
  println(out, `  mean image agreement (F1) ${num(r.meanAgreement)}   Krippendorff's alpha (classes of matched boxes) ${num(r.alpha)}`);
  println(out, '');
  const counts = (c: AgreementResult['pairs'][number]['counts']) => [String(c.matchedSame), String(c.matchedOther), String(c.onlyA), String(c.onlyB)];
  printTable(out, [
    ['PAIR', 'IMAGES', 'SAME CLASS', 'OTHER CLASS', 'ONLY A', 'ONLY B', 'MEAN IOU', 'F1'],
    ...r.pairs.map((p) => [`${p.aName} / ${p.bName}`, String(p.images), ...counts(p.counts), num(p.meanIoU), num(p.f1)]),
  ]);
  println(out, '');
  printTable(out, [
    ['PERSON (against the consensus)', 'IMAGES', 'SAME CLASS', 'OTHER CLASS', 'ONLY PERSON', 'ONLY CONSENSUS', 'MEAN IOU', 'F1'],
    ...r.perPerson.map((p) => [p.name, String(p.images), ...counts(p.counts), num(p.meanIoU), num(p.f1)]),
  ]);
  println(out, '');
  const ids = r.perClass.classIds;
  const name = (k: number) => (k < ids.length ? (r.classes[k]?.name ?? `class ${ids[k]}`) : 'unmatched');
  const confusions: { a: string; b: string; n: number }[] = [];
  r.perClass.confusion.forEach((row, i) =>
    row.forEach((n, j) => {
      if (i !== j && n > 0 && i < ids.length && j < ids.length) confusions.push({ a: name(i), b: name(j), n });
    }),
  );
  confusions.sort((x, y) => y.n - x.n);
  printTable(out, [['CLASS', 'JACCARD'], ...r.perClass.jaccard.map((j) => [j.name, num(j.jaccard)])]);
  if (confusions.length) {
    println(out, '');
    println(out, `  most confused: ${confusions.slice(0, 5).map((c) => `${c.a} as ${c.b} ${c.n}×`).join(', ')}`);
  }
}

/** `loupe agreement`. */
export const AGREEMENT_COMMAND: Command = {
  name: 'agreement',
  summary: 'Inter-annotator agreement over the images several people marked done',
  usage: 'loupe agreement PROJECT [--iou T] [--quorum Q] [--json]',
  details:
    "Matches each pair of people's boxes on every image two or more of them marked done (one-to-one, by IoU, same class first) and prints per pair of people the boxes matched with the same class, with another class, only on one side, the mean IoU and F1; each person against the automatic consensus; per class the Jaccard index and the classes most confused; Krippendorff's alpha (nominal) on the classes of matched boxes; and the mean image agreement. Each image's agreement is kept for the lead's disagreement queue (worst first). --json prints the whole report, with the confusion matrix (one row and column more, unmatched, last) and every image.",
  positionals: PROJECT,
  flags: { iou: IOU, quorum: QUORUM, json: JSON_FLAG },
  async run(ctx: CliContext, a: Parsed) {
    const iou = iouFlag(a);
    const quorum = quorumFlag(a);
    await openProject(ctx, a.positionals.PROJECT!);
    const job = await call(ctx, 'agreement:start', { iou, ...(quorum === undefined ? {} : { quorum }) });
    const final = await waitForJob(ctx, job, { doing: 'Agreement', unit: 'images', cancelling: 'stopping; nothing is written' });
    if (final.state === 'cancelled') throw new Interrupted('agreement cancelled; nothing was written');
    const report = final.result as AgreementResult;
    if (a.flags.json) printJson(ctx, report);
    else printReport(ctx, report);
  },
};

/** `loupe consensus`. */
export const CONSENSUS_COMMAND: Command = {
  name: 'consensus',
  summary: 'Merge the images several people marked done into their consensus (final labels)',
  usage: 'loupe consensus PROJECT [--quorum Q] [--iou T] [--annotator NAME] [--json]',
  details:
    "For every image two or more people marked done and nobody resolved, writes the automatic consensus as its final labels: boxes matched across people at the IoU are grouped (at most one box per person), a group is kept when at least Q people drew it, with the class most of them gave, and its box is the member closest to the group's mean box. A lead's resolution (in the app or an earlier run) is never overwritten, so running it again changes nothing. Each image becomes one undoable edit in the history of the lead who ran it (--annotator, else the default person, in the lead role). Ctrl+C stops between images: the images merged so far stay merged.",
  positionals: PROJECT,
  flags: { quorum: QUORUM, iou: IOU, annotator: ANNOTATOR_FLAG, json: JSON_FLAG },
  async run(ctx: CliContext, a: Parsed) {
    const iou = iouFlag(a);
    const quorum = quorumFlag(a);
    await openProject(ctx, a.positionals.PROJECT!);
    applyAnnotatorFlag(ctx, a);
    // The command line is the lead's tool: merge as the chosen person in the lead role.
    const p = ctx.session.project;
    p.setAnnotator(p.annotator, 'lead');
    const job = await call(ctx, 'consensus:merge', { iou, ...(quorum === undefined ? {} : { quorum }) });
    const final = await waitForJob(ctx, job, { doing: 'Consensus', unit: 'images', cancelling: 'stopping after the current images; those merged stay merged' });
    if (final.state === 'cancelled') throw new Interrupted('consensus cancelled; the images merged so far stay merged (each one undoable edit); run it again to merge the rest');
    const r = final.result as MergeResult;
    if (a.flags.json) {
      printJson(ctx, r);
      return;
    }
    println(ctx, `Merged ${r.merged} of the ${r.shared} images two or more people marked done into ${r.consensus}'s final labels: ${r.boxes} box${r.boxes === 1 ? '' : 'es'} (IoU ${r.iou}, quorum ${r.quorum ?? 'half of each image\'s people'})`);
    if (r.alreadyResolved) println(ctx, `  ${r.alreadyResolved} already resolved, left as they were`);
  },
};
