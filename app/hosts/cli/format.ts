import type { Res } from '../../contract/methods.ts';
import type { ImportSummary } from '../../io/importFolder.ts';
import type { AnnotatorRow } from '../../store/AnnotatorRepo.ts';
import { println, type CliStreams } from './context.ts';

/** How many failures a readable summary lists before pointing at `loupe info`. */
export const FAILURES_LISTED = 20;

type ClassWithCount = Res<'project:info'>['classes'][number];

/** What `loupe info` reports. */
export interface InfoReport {
  file: string;
  name: string;
  roots: string[];
  imageCount: number;
  failedCount: number;
  failures: { path: string; root: string; reason: string }[];
  classes: ClassWithCount[];
  boxCount: number;
  boxesByClass: Record<string, number>;
  annotators: AnnotatorRow[];
}

/** One row of `loupe boxes`. */
export interface BoxRow {
  image: string;
  class: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  author: string | null;
  score: number | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The end-of-import summary: counts, then the first failures with their reasons. */
export function printImportSummary(out: CliStreams, s: ImportSummary, projectFile: string): void {
  println(
    out,
    `Imported ${s.root}: ${s.added} added, ${s.alreadyPresent} already present, ${s.failed.length} failed (${plural(s.found, 'image file')} found).`,
  );
  printFailures(out, s.failed, s.failed.length, projectFile);
}

function printFailures(out: CliStreams, failed: { path: string; reason: string }[], total: number, projectFile: string): void {
  if (total === 0) return;
  println(out, `Failed files (${total}):`);
  for (const f of failed.slice(0, FAILURES_LISTED)) println(out, `  ${f.path}: ${f.reason}`);
  if (total > FAILURES_LISTED) {
    println(out, `  … and ${total - FAILURES_LISTED} more (loupe info ${quote(projectFile)} --json lists them all)`);
  }
}

/** The class table: id, name, colour, hotkey, box count. */
export function printClasses(out: CliStreams, classes: ClassWithCount[], added: number): void {
  if (added > 0) println(out, `Added ${plural(added, 'class', 'classes')}.`);
  if (classes.length === 0) {
    println(out, 'No classes yet (add some with --add NAME…).');
    return;
  }
  const rows = [['ID', 'NAME', 'COLOUR', 'HOTKEY', 'BOXES'], ...classes.map((c) => [String(c.id), c.name, c.color, c.hotkey ?? '-', String(c.boxCount)])];
  printTable(out, rows);
}

/** The annotator table: id, name, kind, images marked done, boxes. */
export function printAnnotators(out: CliStreams, annotators: Res<'annotators:list'>): void {
  if (annotators.length === 0) {
    println(out, 'No annotators yet.');
    return;
  }
  const rows = [['ID', 'NAME', 'KIND', 'IMAGES DONE', 'BOXES'], ...annotators.map((a) => [String(a.id), a.name, a.kind, String(a.imagesDone), String(a.boxes)])];
  printTable(out, rows);
}

/** A readable project summary. */
export function printInfo(out: CliStreams, r: InfoReport): void {
  println(out, `Project     ${r.name} (${r.file})`);
  println(out, `Images      ${r.imageCount}${r.failedCount ? `, ${r.failedCount} could not be imported` : ''}`);
  for (const root of r.roots) println(out, `  from      ${root}`);
  println(out, `Boxes       ${r.boxCount}`);
  println(out, `Classes     ${r.classes.length}`);
  for (const c of r.classes) println(out, `  ${c.name}: ${plural(c.boxCount, 'box', 'boxes')}${c.hotkey ? ` (key ${c.hotkey})` : ''}`);
  println(out, `Annotators  ${r.annotators.length ? r.annotators.map((a) => `${a.name} (${a.kind})`).join(', ') : 'none'}`);
  printFailures(out, r.failures, r.failedCount, r.file);
}

/** Boxes as an aligned table; numbers are printed exactly as stored. */
export function printBoxes(out: CliStreams, rows: BoxRow[]): void {
  if (rows.length === 0) {
    println(out, 'No boxes.');
    return;
  }
  const table = [
    ['IMAGE', 'CLASS', 'X', 'Y', 'W', 'H', 'AUTHOR', 'SCORE'],
    ...rows.map((b) => [b.image, b.class ?? '?', String(b.x), String(b.y), String(b.w), String(b.h), b.author ?? '?', b.score === null ? '-' : String(b.score)]),
  ];
  printTable(out, table);
}

/** Rows as aligned columns, the first row the header. */
export function printTable(out: CliStreams, rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) println(out, r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

function quote(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}
