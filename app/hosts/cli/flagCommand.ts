import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { FlagsSummary } from '../../contract/flagSchemas.ts';
import type { Res } from '../../contract/methods.ts';
import { UsageError } from './args.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext, type CliStreams } from './context.ts';
import { printTable } from './format.ts';
import { waitForJob } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { fraction } from './values.ts';

type Summary = z.infer<typeof FlagsSummary>;
type Runs = Res<'runs:list'>;

/** A run given as its id or its name (the latest run of that name); null when `text` names none. */
function findRun(runs: Runs, text: string): Runs[number] | null {
  if (/^\d+$/.test(text.trim())) return runs.find((r) => r.id === Number(text)) ?? null;
  const named = runs.filter((r) => r.name === text);
  return named.length ? named[named.length - 1] : null;
}

const runList = (runs: Runs) => runs.map((r) => `${r.id} (${r.name})`).join(', ') || 'none';

/** --weight REASON=W, checked: a reason and a number of 0 or more. */
function parseWeight(text: string): { reason: string; weight: number } {
  const eq = text.lastIndexOf('=');
  const reason = eq < 0 ? '' : text.slice(0, eq).trim();
  const w = Number(eq < 0 ? NaN : text.slice(eq + 1));
  if (!reason || text.slice(eq + 1).trim() === '' || !Number.isFinite(w) || w < 0) throw new CliError(`--weight must be REASON=W with W a number of 0 or more, got "${text}"`);
  return { reason, weight: w };
}

function printSummary(out: CliStreams, s: Summary, weights: Res<'flags:weights'>, top: Res<'images:list'>['items']): void {
  const st = s.stats;
  println(out, `Image statistics: ${st.images} images (${st.computed} computed now, ${st.kept} kept from before${st.failed.length ? `, ${st.failed.length} unreadable` : ''})`);
  for (const f of st.failed.slice(0, 5)) println(out, `  ${f.path}: ${f.reason}`);
  if (s.reference) println(out, `Drift reference: ${s.reference.images} images in ${s.reference.folder}${s.reference.unreadable ? ` (${s.reference.unreadable} unreadable, left out)` : ''}`);
  if (s.run) println(out, `Model run: ${s.run.name} (run ${s.run.id})${s.referenceRun ? `; class mix against ${s.referenceRun.name} (run ${s.referenceRun.id})` : ''}`);
  else println(out, 'Model run: none in this project, so no low-confidence or class-mix flags');
  println(out, '');
  const weightOf = new Map(weights.reasons.map((r) => [r.reason, r.weight]));
  const flagged = Object.entries(s.flagged);
  if (flagged.length === 0) println(out, 'No reason was computed.');
  else printTable(out, [['REASON', 'IMAGES FLAGGED', 'WEIGHT'], ...flagged.map(([reason, n]) => [reason, String(n), String(weightOf.get(reason) ?? 1)])]);
  if (top.length) {
    println(out, '');
    println(out, 'Highest priority (Σ weight × score):');
    for (const img of top) println(out, `  ${img.path}  ${img.flags.join(', ')}`);
  }
}

/** `loupe flag`. */
export const FLAG_COMMAND: Command = {
  name: 'flag',
  summary: 'Compute image statistics and flag images for review: drift, low confidence, class mix, a monitoring file',
  usage: 'loupe flag PROJECT --reference FOLDER_OR_RUN… [--sidecar FILE] [--run RUN] [--weight REASON=W…] [--drift-threshold Z] [--conf C] [--json]',
  details:
    "Computes each image's statistics (brightness, contrast, sharpness, colourfulness, size) once and keeps them, then replaces the flags of every reason it computes in one transaction. --reference takes a folder of reference images (e.g. the training images: drift, each statistic's robust z against the folder's median, flagged at Z = 3.5) and/or a model run (id or name) whose predicted class mix each image of --run is compared with (Jensen–Shannon divergence, flagged at 0.5). --run (default: the latest run) also gives low confidence: no prediction at or above --conf (default 0.5), or three or more between 0.25 and it. --sidecar FILE imports a monitoring system's flags (CSV or JSON with file, reason, score[, details]); any unknown file or malformed line is printed as file:line and nothing is written. The queue's priority order is Σ weight(reason) × score; --weight REASON=W sets a reason's weight for this project (default 1). Ctrl+C stops; statistics computed so far are kept, flags are left as they were.",
  positionals: PROJECT,
  flags: {
    reference: { kind: 'list', value: 'FOLDER_OR_RUN…', help: 'Reference images folder (drift) and/or reference run id or name (class mix)' },
    sidecar: { kind: 'string', value: 'FILE', help: "A monitoring system's flags file (CSV or JSON: file, reason, score[, details])" },
    run: { kind: 'string', value: 'RUN', help: 'Model run (id or name) for low confidence and class mix (default: the latest run)' },
    weight: { kind: 'list', value: 'REASON=W…', help: "Set a reason's priority weight in this project (default 1)" },
    'drift-threshold': { kind: 'string', value: 'Z', help: 'Robust z at which an image drifts (default 3.5)' },
    conf: { kind: 'string', value: 'C', help: 'Low confidence: no prediction at or above C (0–1, default 0.5)' },
    json: JSON_FLAG,
  },
  async run(ctx: CliContext, a) {
    const refs = (a.flags.reference as string[] | undefined) ?? [];
    const sidecar = a.flags.sidecar as string | undefined;
    if (refs.length === 0 && sidecar === undefined) throw new UsageError('flag needs --reference FOLDER_OR_RUN or --sidecar FILE', 'flag');
    const weights = ((a.flags.weight as string[] | undefined) ?? []).map(parseWeight);
    let driftThreshold: number | undefined;
    if (a.flags['drift-threshold'] !== undefined) {
      const text = a.flags['drift-threshold'] as string;
      driftThreshold = Number(text);
      if (text.trim() === '' || !Number.isFinite(driftThreshold) || driftThreshold <= 0) throw new CliError(`--drift-threshold must be a number above 0, got "${text}"`);
    }
    const conf = a.flags.conf === undefined ? undefined : fraction('--conf', a.flags.conf as string);
    await openProject(ctx, a.positionals.PROJECT!);
    const runs = await call(ctx, 'runs:list', {});
    let referenceDir: string | undefined;
    let referenceRunId: number | undefined;
    for (const r of refs) {
      const st = fs.statSync(path.resolve(r), { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        if (referenceDir !== undefined) throw new CliError('give one reference folder');
        referenceDir = path.resolve(r);
        continue;
      }
      const run = findRun(runs, r);
      if (!run) throw new CliError(`--reference "${r}" is neither a folder nor a model run; runs: ${runList(runs)}`);
      if (referenceRunId !== undefined) throw new CliError('give one reference run');
      referenceRunId = run.id;
    }
    let runId: number | undefined;
    if (a.flags.run !== undefined) {
      const run = findRun(runs, a.flags.run as string);
      if (!run) throw new CliError(`--run "${a.flags.run as string}": no such model run; runs: ${runList(runs)}`);
      runId = run.id;
    }
    if (referenceRunId !== undefined && runId === undefined && runs.length && runs[runs.length - 1].id === referenceRunId) {
      throw new CliError(`the reference run ${referenceRunId} is the latest run; give --run RUN to say which run to compare with it`);
    }
    const job = await call(ctx, 'flags:start', {
      referenceDir,
      referenceRunId,
      runId,
      sidecar: sidecar === undefined ? undefined : path.resolve(sidecar),
      driftThreshold,
      // The uncertain band ends at the threshold; it starts at 0.25, or half the threshold when that is lower.
      ...(conf === undefined ? {} : { lowConfidence: { threshold: conf, bandLow: Math.min(0.25, conf / 2), bandHigh: conf } }),
    });
    const final = await waitForJob(ctx, job, { doing: 'Flagging', unit: 'images', cancelling: 'statistics computed so far are kept, flags are left as they were' });
    if (final.state === 'cancelled') throw new Interrupted('flagging cancelled; statistics computed so far are kept and the flags are as they were; run it again to finish');
    for (const w of weights) await call(ctx, 'flags:setWeight', w);
    const summary = final.result as Summary;
    const weightList = await call(ctx, 'flags:weights', {});
    const top = (await call(ctx, 'images:list', { order: 'priority', limit: 10, offset: 0 })).items.filter((i) => i.flags.length);
    if (a.flags.json) printJson(ctx, { ...summary, weights: weightList.reasons, top: top.map((i) => ({ id: i.id, path: i.path, flags: i.flags })) });
    else printSummary(ctx, summary, weightList, top);
  },
};
