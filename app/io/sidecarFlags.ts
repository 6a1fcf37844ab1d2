import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { LoupeError } from '../domain/errors.ts';
import { readJsonRecords, type LineProblem } from './jsonRecords.ts';

/** One flag an upstream monitoring system wrote for an image. */
export interface SidecarFlag {
  /** Line of the file the row starts on (1-based), for messages. */
  line: number;
  file: string;
  reason: string;
  score: number;
  /** A JSON object, as text. */
  details: string;
}

/** A problem at a line of a flags file. */
export type FlagFileProblem = LineProblem;

/** The most problems a refusal lists. */
const SHOWN = 8;
const COLUMNS = ['file', 'reason', 'score', 'details'];
const REQUIRED = ['file', 'reason', 'score'];

/** The refusal of a whole flags file: every problem as file:line: reason; no flag is written. */
export class FlagFileError extends LoupeError {
  constructor(
    readonly file: string,
    readonly problems: FlagFileProblem[],
  ) {
    const name = path.basename(file);
    const shown = problems.slice(0, SHOWN).map((p) => `${name}:${p.line}: ${p.reason}`);
    const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : '';
    super('bad_request', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the flags file, no flags were written: ${shown.join('; ')}${more}`);
  }
}

/**
 * Read a flags file from a monitoring system: CSV with the header
 * `file,reason,score[,details]` (`.csv`), or JSON (`.json`: an array of objects;
 * `.jsonl`/`.ndjson`: one object per line) with those keys. `score` is a finite
 * number, `reason` a non-empty name of at most 200 characters, `details` (optional)
 * a JSON object (in CSV, its JSON text). Throws a FlagFileError listing every
 * problem; nothing is returned unless the whole file is good.
 */
export function parseFlagFile(text: string, fileName: string): SidecarFlag[] {
  const { rows, problems } = readFlagFile(text, fileName);
  if (problems.length) throw new FlagFileError(fileName, problems);
  return rows;
}

/** The good rows of a flags file and the problems of the others (parseFlagFile's parts, for callers that add problems of their own). */
export function readFlagFile(text: string, fileName: string): { rows: SidecarFlag[]; problems: FlagFileProblem[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const ext = path.extname(fileName).toLowerCase();
  const problems: FlagFileProblem[] = [];
  let raw: { line: number; value: unknown }[];
  if (ext === '.csv') raw = readCsv(body, problems);
  else if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') raw = readJsonRecords(body, problems);
  else throw new LoupeError('bad_request', `Flags file ${path.basename(fileName)}: expected a .csv, .json or .jsonl file, got "${ext || 'no extension'}"`);
  if (problems.length === 0 && raw.length === 0) problems.push({ line: 1, reason: 'no rows: expected one row per flag with file, reason and score' });
  const rows: SidecarFlag[] = [];
  for (const { line, value } of raw) {
    const f = checkRow(value, line, problems);
    if (f) rows.push(f);
  }
  return { rows, problems };
}

function checkRow(value: unknown, line: number, problems: FlagFileProblem[]): SidecarFlag | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ line, reason: `expected an object with file, reason and score, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` });
    return null;
  }
  const o = value as Record<string, unknown>;
  const bad = (reason: string) => (problems.push({ line, reason }), null);
  const unknown = Object.keys(o).filter((k) => !COLUMNS.includes(k));
  if (unknown.length) return bad(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${COLUMNS.join(', ')}`);
  const missing = REQUIRED.filter((k) => o[k] === undefined || o[k] === null || o[k] === '');
  if (missing.length) return bad(`missing ${missing.join(', ')}`);
  if (typeof o.file !== 'string') return bad(`file must be text, got ${JSON.stringify(o.file)}`);
  if (typeof o.reason !== 'string' || o.reason.trim() === '' || o.reason.length > 200) return bad(`reason must be a name of 1 to 200 characters, got ${JSON.stringify(o.reason)}`);
  const score = typeof o.score === 'number' ? o.score : typeof o.score === 'string' && o.score.trim() !== '' ? Number(o.score) : NaN;
  if (!Number.isFinite(score)) return bad(`score must be a number, got ${JSON.stringify(o.score)}`);
  let details: unknown = {};
  if (o.details !== undefined && o.details !== null && o.details !== '') {
    details = o.details;
    if (typeof details === 'string') {
      try {
        details = JSON.parse(details);
      } catch {
        return bad(`details must be a JSON object, got ${JSON.stringify(o.details)}`);
      }
    }
    if (!details || typeof details !== 'object' || Array.isArray(details)) return bad(`details must be a JSON object, got ${JSON.stringify(o.details)}`);
  }
  return { line, file: o.file.trim(), reason: o.reason.trim(), score, details: JSON.stringify(details) };
}

function readCsv(text: string, problems: FlagFileProblem[]): { line: number; value: unknown }[] {
  if (text.trim() === '') return [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // Rows of any length: a short or long row is reported at its line with the others, not as the first error only.
    records = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    problems.push({ line: e.lines ?? 1, reason: `not valid CSV: ${e.message.replace(/ on line \d+$/, '')}` });
    return [];
  }
  const header = records[0].record;
  const missing = REQUIRED.filter((c) => !header.includes(c));
  const extra = header.filter((c) => !COLUMNS.includes(c));
  if (missing.length || extra.length) {
    problems.push({ line: 1, reason: `the header row must be file,reason,score[,details], got ${header.map((h) => JSON.stringify(h)).join(', ')}` });
    return [];
  }
  const out: { line: number; value: unknown }[] = [];
  for (const r of records.slice(1)) {
    // info.lines is the line a record ends on; a quoted cell may span lines, so count its own line breaks back.
    const line = r.info.lines - r.record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    if (r.record.length !== header.length) {
      problems.push({ line, reason: `expected ${header.length} columns (${header.join(',')}), got ${r.record.length}` });
      continue;
    }
    out.push({ line, value: Object.fromEntries(header.map((h, i) => [h, r.record[i]])) });
  }
  return out;
}
