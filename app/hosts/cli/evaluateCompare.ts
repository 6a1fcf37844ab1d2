import type { z } from 'zod';
import type { EvaluationReport } from '../../contract/schemas.ts';
import { CliError, printJson, println, type CliStreams } from './context.ts';
import { STAT_KEYS } from './evaluateFiles.ts';

type Report = z.infer<typeof EvaluationReport>;

const f3 = (v: number) => (v < 0 ? '    –' : v.toFixed(3).padStart(5));
const d3 = (a: number, b: number) => (a < 0 || b < 0 ? '     –' : `${b - a >= 0 ? '+' : '−'}${Math.abs(b - a).toFixed(3)}`);

/** Keep only the slices of one metadata key; an unknown key is an error naming the keys there are. */
export function onlyKey(r: Report, key: string): Report {
  const keys = [...new Set([...r.slices.map((s) => s.key), ...r.keysSkipped.map((k) => k.key)])];
  if (!keys.includes(key)) throw new CliError(`no metadata key "${key}" on the evaluated images; keys: ${keys.join(', ') || 'none'}`);
  return { ...r, slices: r.slices.filter((s) => s.key === key), keysSkipped: r.keysSkipped.filter((k) => k.key === key) };
}

/** The twelve numbers of both runs and B − A, keyed as `--json` of `evaluate --gt --dt` keys them. */
export function statsDiff(a: Report, b: Report): Record<string, { a: number; b: number; diff: number | null }> {
  return Object.fromEntries(STAT_KEYS.map((k, i) => [k, { a: a.overall.stats[i], b: b.overall.stats[i], diff: a.overall.stats[i] < 0 || b.overall.stats[i] < 0 ? null : b.overall.stats[i] - a.overall.stats[i] }]));
}

/** Two runs on the same images: the twelve numbers side by side, then AP50 per slice, worst of B first. */
export function printComparison(out: CliStreams, a: Report, b: Report, json: boolean): void {
  if (json) {
    printJson(out, { a, b, stats: statsDiff(a, b) });
    return;
  }
  println(out, `A: ${a.run.name} (run ${a.run.id})   B: ${b.run.name} (run ${b.run.id})   against ${a.reference.name}, on the ${a.overall.images} images both runs covered`);
  println(out, `${'number'.padEnd(8)}      A      B    B − A`);
  STAT_KEYS.forEach((k, i) => println(out, `${k.padEnd(8)}  ${f3(a.overall.stats[i])}  ${f3(b.overall.stats[i])}   ${d3(a.overall.stats[i], b.overall.stats[i])}`));
  if (!b.slices.length) return;
  const inA = new Map(a.slices.map((s) => [`${s.key}\u0000${s.value}`, s]));
  println(out, '');
  println(out, `  ${'slice (AP50)'.padEnd(30)} images      A      B    B − A`);
  for (const s of [...b.slices].sort((x, y) => x.ap50 - y.ap50)) {
    const o = inA.get(`${s.key}\u0000${s.value}`);
    const name = `${s.key} = ${s.value}`;
    println(out, `  ${name.padEnd(30).slice(0, 30)} ${String(s.images).padStart(6)}  ${o ? f3(o.ap50) : '    –'}  ${f3(s.ap50)}   ${o ? d3(o.ap50, s.ap50) : '     –'}`);
  }
}
