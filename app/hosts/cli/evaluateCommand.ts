import type { z } from 'zod';
import type { EvaluationReport } from '../../contract/schemas.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext, type CliStreams } from './context.ts';
import { UsageError } from './args.ts';
import { waitForJob } from './progress.ts';
import { onlyKey, printComparison } from './evaluateCompare.ts';
import { evaluateFiles, summaryLine } from './evaluateFiles.ts';
import { JSON_FLAG, type Command } from './spec.ts';
import { positiveInt } from './values.ts';

type Report = z.infer<typeof EvaluationReport>;

const pct = (v: number) => (v < 0 ? '   –' : `${(v * 100).toFixed(1).padStart(5)}`);

/** The run to evaluate: --run ID, else the latest run of --model NAME, else the latest run. */
async function pickRun(ctx: CliContext, flags: Record<string, unknown>): Promise<number> {
  const runs = await call(ctx, 'runs:list', {});
  if (flags.run !== undefined) {
    if (flags.model !== undefined) throw new CliError('give --run or --model, not both');
    const id = positiveInt('--run', flags.run as string);
    if (!runs.some((r) => r.id === id)) throw new CliError(`no run ${id}; runs: ${runs.map((r) => `${r.id} (${r.name})`).join(', ') || 'none'}`);
    return id;
  }
  const model = flags.model as string | undefined;
  const pool = model === undefined ? runs : runs.filter((r) => r.name === model);
  if (pool.length === 0) {
    throw new CliError(model === undefined ? 'the project has no model runs; pre-label or import predictions first' : `no run of a model named "${model}"; runs: ${runs.map((r) => r.name).join(', ') || 'none'}`);
  }
  return pool[pool.length - 1].id;
}

function printReport(out: CliStreams, r: Report): void {
  const o = r.overall;
  println(out, `${r.run.name} (run ${r.run.id}) against ${r.reference.name}: ${o.images} images, ${o.gt} reference boxes, ${o.dt} detections`);
  if (r.notRun) println(out, `  ${r.notRun} of the ${r.reviewed} reviewed images were left out: the run has not pre-labelled them`);
  println(out, `  AP50 ${pct(o.ap50)} %   AP50-95 ${pct(o.ap)} %   found ${o.found} of ${o.gt}, missed ${o.missed}, false alarms ${o.falseAlarms}`);
  println(out, '');
  o.stats.forEach((v, i) => println(out, summaryLine(i, v)));
  println(out, '');
  println(out, `  latency p50 ${r.latency ? `${r.latency.p50Ms.toFixed(1)} ms (model on this machine, p95 ${r.latency.p95Ms.toFixed(1)} ms)` : 'not measured'}`);
  if (r.worstSlice) println(out, `  worst slice ${r.worstSlice.key} = ${r.worstSlice.value}: AP50 ${pct(r.worstSlice.ap50).trim()} %, AP50-95 ${pct(r.worstSlice.ap).trim()} %`);
  if (r.slices.length) {
    println(out, '');
    println(out, '  slice                          images  boxes   AP50 %   AP %  missed');
    for (const s of r.slices) {
      const name = `${s.key} = ${s.value}`;
      println(out, `  ${name.padEnd(30).slice(0, 30)} ${String(s.images).padStart(6)} ${String(s.gt).padStart(6)}    ${pct(s.ap50)}  ${pct(s.ap)}  ${s.missed} of ${s.gt}`);
    }
  }
  for (const k of r.keysSkipped) println(out, `  (not sliced on ${k.key}: ${k.values} values)`);
}

/** `loupe evaluate`. */
export const EVALUATE_COMMAND: Command = {
  name: 'evaluate',
  summary: "Measure a model run against a person's labels, overall and per metadata slice",
  usage: 'loupe evaluate PROJECT --reference NAME | --final [--run ID | --model NAME] [--by KEY] [--compare RUN] [--measure-latency] [--json]\n       loupe evaluate --gt instances.json --dt results.json [--json]',
  details:
    "Compares a model run's predictions with the boxes of the reference annotator on the images that annotator marked done (with --final, the final labels: an image's consensus, else the one person who marked it done) and the run pre-labelled: COCO AP50 and AP50-95 (as pycocotools computes them), reference boxes found and missed at IoU 0.5, and false alarms, overall and for every value of every image metadata key (shift, camera, …), worst first. Without --run, the latest run (of --model NAME when given). --by KEY shows only the slices of one metadata key. Slices are every metadata value, each flag reason (and unflagged), the drift flag's score in terciles, and the capture week; each carries the twelve COCO numbers in --json. The model's latency p50 on this machine (measured when it was added, or again first with --measure-latency) is printed beside AP, with the worst slice. --compare RUN measures both runs in one job on the images both covered and prints the twelve COCO numbers of each with the difference (B − A, B the run compared), each latency, then AP50 per slice. With --gt and --dt instead of a project: the twelve COCO numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) of a COCO results file against a COCO instances file, printed as pycocotools' summary prints them; a drop-in for the usual pycocotools script.",
  positionals: [{ name: 'PROJECT', required: false }],
  flags: {
    reference: { kind: 'string', value: 'NAME', help: 'Annotator whose labels are the reference' },
    final: { kind: 'boolean', help: 'Take the final labels as the reference (consensus, else the one person done)' },
    run: { kind: 'string', value: 'ID', help: 'Model run to evaluate (an error lists the runs)' },
    model: { kind: 'string', value: 'NAME', help: 'Evaluate the latest run of this model' },
    by: { kind: 'string', value: 'KEY', help: 'Only the slices of this metadata key (e.g. camera)' },
    compare: { kind: 'string', value: 'RUN', help: 'Compare with this run (id) on the images both covered' },
    'measure-latency': { kind: 'boolean', help: "First time each run's model on this machine (models:latency), then report it beside AP" },
    gt: { kind: 'string', value: 'FILE', help: 'Without a project: COCO instances file (the ground truth)' },
    dt: { kind: 'string', value: 'FILE', help: 'Without a project: COCO results file (the detections)' },
    json: JSON_FLAG,
  },
  async run(ctx, a) {
    const gt = a.flags.gt as string | undefined;
    const dt = a.flags.dt as string | undefined;
    if (gt !== undefined || dt !== undefined) {
      if (gt === undefined || dt === undefined) throw new UsageError('give both --gt and --dt', 'evaluate');
      if (a.positionals.PROJECT !== undefined) throw new UsageError('--gt and --dt evaluate files without a project; leave out PROJECT', 'evaluate');
      for (const f of ['reference', 'final', 'run', 'model', 'by', 'compare', 'measure-latency']) if (a.flags[f] !== undefined) throw new UsageError(`--${f} needs a PROJECT, not --gt and --dt`, 'evaluate');
      return evaluateFiles(ctx, gt, dt, !!a.flags.json);
    }
    if (a.positionals.PROJECT === undefined) throw new UsageError('give PROJECT, or --gt and --dt', 'evaluate');
    await openProject(ctx, a.positionals.PROJECT);
    const runId = await pickRun(ctx, a.flags);
    if ((a.flags.reference === undefined) === !a.flags.final) throw new UsageError('give --reference NAME or --final', 'evaluate');
    let referenceId: number | undefined;
    if (a.flags.reference !== undefined) {
      const name = (a.flags.reference as string).trim();
      const annotators = await call(ctx, 'annotators:list', {});
      const reference = annotators.find((x) => x.name === name);
      if (!reference) throw new CliError(`no annotator named "${name}"; annotators: ${annotators.map((x) => x.name).join(', ') || 'none'}`);
      referenceId = reference.id;
    }
    const by = a.flags.by as string | undefined;
    const measure = async (ids: number[]) => {
      const runs = await call(ctx, 'runs:list', {});
      for (const id of ids) {
        const modelId = runs.find((r) => r.id === id)?.modelId ?? null;
        if (modelId === null) throw new CliError(`run ${id} was imported, not made by a model in this project, so there is no model to time; leave out --measure-latency`);
        const job = await call(ctx, 'models:latency', { id: modelId });
        const final = await waitForJob(ctx, job, { doing: 'Timing the model', unit: 'steps', cancelling: 'stopping' });
        if (final.state === 'cancelled') throw new Interrupted('latency measurement cancelled');
        if (final.state === 'failed') throw new CliError(final.error ?? 'the latency measurement failed');
      }
    };
    const evaluate = async (run: number, compareRunId?: number) => {
      const job = await call(ctx, 'evaluation:start', { runId: run, referenceId, ...(compareRunId !== undefined ? { compareRunId } : {}) });
      const final = await waitForJob(ctx, job, { doing: 'Evaluating', unit: 'classes', cancelling: 'stopping' });
      if (final.state === 'cancelled') throw new Interrupted('evaluation cancelled');
      if (final.state === 'failed') throw new CliError(final.error ?? 'the evaluation failed');
      return final.result as Report;
    };
    if (a.flags.compare !== undefined) {
      const other = positiveInt('--compare', a.flags.compare as string);
      const runs = await call(ctx, 'runs:list', {});
      if (!runs.some((r) => r.id === other)) throw new CliError(`no run ${other} to compare with; runs: ${runs.map((r) => `${r.id} (${r.name})`).join(', ') || 'none'}`);
      if (other === runId) throw new CliError(`--compare ${other} is the run being evaluated; pick another run`);
      if (a.flags['measure-latency']) await measure([runId, other]);
      printComparison(ctx, await evaluate(runId, other), by, !!a.flags.json);
      return;
    }
    if (a.flags['measure-latency']) await measure([runId]);
    const whole = await evaluate(runId);
    const report = by === undefined ? whole : onlyKey(whole, by);
    if (a.flags.json) printJson(ctx, report);
    else printReport(ctx, report);
  },
};
