import type { Req } from '../../contract/methods.ts';
import { UsageError, type Parsed } from './args.ts';
import { call, CliError, openProject, printJson, println, type CliContext } from './context.ts';
import { printTable } from './format.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { positiveInt } from './values.ts';

/** A whole number from 0 to 2³²−1 (a seed). */
function seedOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 2 ** 32 - 1) throw new CliError(`--seed must be a whole number from 0 to ${2 ** 32 - 1}, got "${value}"`);
  return n;
}

/** The request a command line asks for; every value checked before the project is opened. */
export function assignRequest(a: Parsed): Req<'assign:run'> {
  const list = a.flags.annotators as string;
  const annotators = list.split(',').map((n) => n.trim());
  if (annotators.every((n) => n === '')) throw new CliError('--annotators is empty; give names separated by commas, e.g. ana,ben,chloe');
  const empty = annotators.findIndex((n) => n === '');
  if (empty >= 0) throw new CliError(`--annotators has an empty name at position ${empty + 1} in "${list}"`);
  const req: Req<'assign:run'> = { annotators, overlap: positiveInt('--overlap', a.flags.overlap as string) };
  if (a.flags.fraction !== undefined) {
    const text = a.flags.fraction as string;
    const f = Number(text);
    if (text.trim() === '' || !Number.isFinite(f) || f <= 0 || f > 1) throw new CliError(`--fraction must be a number above 0 and at most 1, got "${text}"`);
    req.fraction = f;
  }
  const where = (a.flags.where as string[] | undefined) ?? [];
  if (where.length) {
    req.where = where.map((text) => {
      const eq = text.indexOf('=');
      if (eq < 1) throw new CliError(`--where must be KEY=VALUE, got "${text}"`);
      return { key: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
    });
  }
  if (a.flags.flag !== undefined) req.flag = a.flags.flag as string;
  if (a.flags.run !== undefined) req.runId = positiveInt('--run', a.flags.run as string);
  if (a.flags.seed !== undefined) req.seed = seedOf(a.flags.seed as string);
  return req;
}

/** `loupe assign`: the QA lead's assignment from the command line. */
export const ASSIGN_COMMAND: Command = {
  name: 'assign',
  summary: 'Assign images to annotators with overlap, seeded and balanced',
  usage: 'loupe assign PROJECT --annotators ana,ben,chloe --overlap K [--fraction F] [--where KEY=VALUE ...] [--flag REASON] [--run ID] [--seed S] [--json]',
  details:
    'Gives every chosen image to K of the named people (with --fraction F, round(F·N) of the images to K people and the rest to one), in a seeded order (default seed 0) and balanced: each person\'s count differs from the others\' by at most one. The images are all of them, or those matching every --where, the --flag reason and the --run\'s processed images. New names are created as people. Assigning again keeps every image a person has started, finished or skipped; only untouched images from an earlier assignment may move. Prints a table per person: images assigned from this run\'s images, how many of those are new and how many were kept. Runs as the QA lead.',
  positionals: PROJECT,
  flags: {
    annotators: { kind: 'string', value: 'NAMES', help: 'Comma-separated people to assign to (created if new)', required: true },
    overlap: { kind: 'string', value: 'K', help: 'How many people get each image (1 to the number of people)', required: true },
    fraction: { kind: 'string', value: 'F', help: 'Only this share (0–1] of the images gets K people; the rest gets one' },
    where: { kind: 'list', value: 'KEY=VALUE', help: 'Only images whose metadata KEY is VALUE (several must all hold)' },
    flag: { kind: 'string', value: 'REASON', help: 'Only images flagged for this reason' },
    run: { kind: 'string', value: 'ID', help: "Only images this model run processed (see loupe models)" },
    seed: { kind: 'string', value: 'S', help: 'Seed of the order (default 0); the same seed gives the same assignment' },
    json: JSON_FLAG,
  },
  async run(ctx: CliContext, a: Parsed) {
    if (typeof a.flags.annotators !== 'string') throw new UsageError('assign needs --annotators NAMES', 'assign');
    if (typeof a.flags.overlap !== 'string') throw new UsageError('assign needs --overlap K', 'assign');
    const req = assignRequest(a);
    await openProject(ctx, a.positionals.PROJECT!);
    // The command line is the lead's tool: assign as the default person in the lead role.
    const p = ctx.session.project;
    p.setAnnotator(p.annotator, 'lead');
    const summary = await call(ctx, 'assign:run', req);
    if (a.flags.json) {
      printJson(ctx, summary);
      return;
    }
    println(ctx, `Assigned ${summary.images} image${summary.images === 1 ? '' : 's'} (seed ${summary.seed}):`);
    printTable(ctx, [['NAME', 'ASSIGNED', 'ADDED', 'KEPT'], ...summary.perPerson.map((r) => [r.name, String(r.assigned), String(r.added), String(r.kept)])]);
  },
};
