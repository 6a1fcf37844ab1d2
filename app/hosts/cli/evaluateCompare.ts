import type { z } from 'zod';
import type { EvaluationReport } from '../../contract/schemas.ts';
import { CliError, printJson, println, type CliStreams } from './context.ts';
import { STAT_KEYS } from './evaluateFiles.ts';

type Report = z.infer<typeof EvaluationReport>;
type RunReport = Omit<Report, 'compare'>;

const f3 = (v: number) => (v < 0 ? '    –' : v.toFixed(3).padStart(5));
const d3 = (d: number | null | undefined) => (d === null || d === undefined ? '     –' : `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'not measured' : `${v.toFixed(1)} ms`);

/** Keep only the slices of one key (a metadata key, or flag, drift, week); an unknown key is an error naming the keys there are. */
export function onlyKey<R extends RunReport>(r: R, key: string): R {
  const keys = [...new Set([...r.slices.map((s) => s.key), ...r.keysSkipped.map((k) => k.key)])];
  if (!keys.includes(key)) throw new CliError(`no metadata key "${key}" on the evaluated images; keys: ${keys.join(', ') || 'none'}`);
  return { ...r, slices: r.slices.filter((s) => s.key === key), keysSkipped: r.keysSkipped.filter((k) => k.key === key) };
}

/** The twelve numbers of both runs and B − A, keyed as `--json` of `evaluate --gt --dt` keys them. */
export function statsDiff(a: RunReport, b: RunReport): Record<string, { a: number; b: number; diff: number | null }> {
  return Object.fromEntries(STAT_KEYS.map((k, i) => [k, { a: a.overall.stats[i], b: b.overall.stats[i], diff: a.overall.stats[i] < 0 || b.overall.stats[i] < 0 ? null : b.overall.stats[i] - a.overall.stats[i] }]));
}

/** A report with a compare block: both runs side by side (A the run, B the one compared), the twelve numbers, latency and AP50 per slice with B − A. */
export function printComparison(out: CliStreams, r: Report, by: string | undefined, json: boolean): void {
  if (!r.compare) throw new CliError('the evaluation came back without the compared run');
  const { compare, ...whole } = r;
  const a = by === undefined ? whole : onlyKey(whole, by);
  const b = by === undefined ? compare.other : onlyKey(compare.other, by);
  const diffSlices = compare.diff.slices.filter((s) => by === undefined || s.key === by);
  if (json) {
    printJson(out, { a, b, stats: statsDiff(a, b), diff: { ...compare.diff, slices: diffSlices } });
    return;
  }
  println(out, `A: ${a.run.name} (run ${a.run.id})   B: ${b.run.name} (run ${b.run.id})   against ${a.reference.name}, on the ${a.overall.images} images both runs covered`);
  println(out, `${'number'.padEnd(8)}      A      B    B − A`);
  STAT_KEYS.forEach((k, i) => println(out, `${k.padEnd(8)}  ${f3(a.overall.stats[i])}  ${f3(b.overall.stats[i])}   ${d3(compare.diff.overall.stats?.[i])}`));
  println(out, '');
  println(out, `latency p50 (model on this machine)   A ${ms(a.latency?.p50Ms)}   B ${ms(b.latency?.p50Ms)}${compare.diff.latencyP50Ms === null ? '' : `   B − A ${compare.diff.latencyP50Ms >= 0 ? '+' : '−'}${Math.abs(compare.diff.latencyP50Ms).toFixed(1)} ms`}`);
  const worst = (x: RunReport) => (x.worstSlice ? `${x.worstSlice.key} = ${x.worstSlice.value} (AP50 ${f3(x.worstSlice.ap50).trim()})` : 'none');
  println(out, `worst slice   A ${worst(a)}   B ${worst(b)}`);
  if (!diffSlices.length) return;
  const inA = new Map(a.slices.map((s) => [`${s.kind}\u0000${s.key}\u0000${s.value}`, s]));
  const inB = new Map(b.slices.map((s) => [`${s.kind}\u0000${s.key}\u0000${s.value}`, s]));
  println(out, '');
  println(out, `  ${'slice (AP50)'.padEnd(30)} images      A      B    B − A`);
  for (const d of [...diffSlices].sort((x, y) => (x.ap50 ?? Infinity) - (y.ap50 ?? Infinity))) {
    const id = `${d.kind}\u0000${d.key}\u0000${d.value}`;
    const sa = inA.get(id)!;
    const sb = inB.get(id)!;
    const name = `${d.key} = ${d.value}`;
    println(out, `  ${name.padEnd(30).slice(0, 30)} ${String(sb.images).padStart(6)}  ${f3(sa.ap50)}  ${f3(sb.ap50)}   ${d3(d.ap50)}`);
  }
}
