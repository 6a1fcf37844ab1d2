import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { capturedAtProblem, parseCapturedAt } from '../domain/capturedAt.ts';
import { LoupeError } from '../domain/errors.ts';
import { readJsonRecords, type LineProblem } from './jsonRecords.ts';

/** A scalar metadata value as a sidecar gives it. */
export type MetaValue = string | number | boolean;

/** One sidecar row: the image it is about and what to store for it. */
export interface SidecarRow {
  /** Line of the file the row starts on (1-based), for messages. */
  line: number;
  /** The image, as its path below the image folder (forward slashes) or its bare file name. */
  file: string;
  /** The capture time in the stored form (app/domain/capturedAt.ts), when the row gives one. */
  capturedAt?: string;
  /** Every other non-empty column: camera, site, shift, … */
  metadata: Record<string, MetaValue>;
}

/** A sidecar file's problem at a line. */
export type SidecarProblem = LineProblem;

/** The most problems a refusal lists. */
const SHOWN = 8;
/** Longest key and value text kept (the queue's key = value filter takes these lengths). */
const MAX_KEY = 200;
const MAX_VALUE = 1000;

/** The refusal of a whole sidecar: every problem as file:line: reason. */
export class SidecarError extends LoupeError {
  constructor(
    readonly file: string,
    readonly problems: SidecarProblem[],
  ) {
    const name = path.basename(file);
    const shown = problems.slice(0, SHOWN).map((p) => `${name}:${p.line}: ${p.reason}`);
    const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : '';
    super('bad_request', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the metadata file, nothing was written: ${shown.join('; ')}${more}`);
  }
}

/**
 * Read a metadata sidecar: CSV with a header row (`.csv`), or JSON, either an
 * array of objects or one object per line (`.json`, `.jsonl`, `.ndjson`). Each
 * row names its image in `file`; `captured_at` is the capture time (ISO 8601 or
 * EXIF's `YYYY:MM:DD HH:MM:SS`); every other column is stored as metadata (empty
 * CSV cells and JSON nulls are left out). Throws a SidecarError listing every
 * problem (malformed lines, missing file, bad dates, nested values, a file named
 * twice); nothing is returned unless the whole file is good.
 */
export function parseSidecar(text: string, fileName: string): SidecarRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const ext = path.extname(fileName).toLowerCase();
  const problems: SidecarProblem[] = [];
  let raw: { line: number; value: unknown }[];
  if (ext === '.csv') raw = readCsv(body, problems);
  else if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') raw = readJsonRecords(body, problems);
  else throw new LoupeError('bad_request', `Metadata file ${path.basename(fileName)}: expected a .csv, .json or .jsonl file, got "${ext || 'no extension'}"`);
  if (problems.length === 0 && raw.length === 0) problems.push({ line: 1, reason: 'no rows: expected one row per image with a "file" column' });

  const rows: SidecarRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of raw) {
    const checked = checkRow(value, line, problems);
    if (!checked) continue;
    const { row } = checked;
    const before = seen.get(row.file);
    if (before !== undefined) problems.push({ line, reason: `"${row.file}" is already given on line ${before}` });
    else seen.set(row.file, line);
    if (checked.ok) rows.push(row);
  }
  if (problems.length) throw new SidecarError(fileName, problems);
  return rows;
}

function checkRow(value: unknown, line: number, problems: SidecarProblem[]): { row: SidecarRow; ok: boolean } | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ line, reason: `expected an object with a "file" key, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` });
    return null;
  }
  const rec = value as Record<string, unknown>;
  const file = rec.file;
  if (typeof file !== 'string' || !file.trim()) {
    problems.push({ line, reason: `"file" must name the image (its path below the image folder), got ${file === undefined ? 'nothing' : JSON.stringify(file)}` });
    return null;
  }
  const row: SidecarRow = { line, file: file.trim().split('\\').join('/').replace(/^\.\//, ''), metadata: {} };
  let ok = true;
  for (const [key, v] of Object.entries(rec)) {
    if (key === 'file' || v === null || v === '') continue;
    if (!key.trim() || key.length > MAX_KEY) {
      problems.push({ line, reason: `column name ${JSON.stringify(key.slice(0, 40))} must be 1–${MAX_KEY} characters` });
      ok = false;
      continue;
    }
    if (key === 'captured_at') {
      const at = typeof v === 'string' ? parseCapturedAt(v) : null;
      if (at === null) {
        problems.push({ line, reason: capturedAtProblem(String(v)) });
        ok = false;
      } else row.capturedAt = at;
      continue;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      problems.push({ line, reason: `"${key}" must be text, a number or true/false, got ${Array.isArray(v) ? 'an array' : 'an object'}` });
      ok = false;
      continue;
    }
    if (typeof v === 'string' && v.length > MAX_VALUE) {
      problems.push({ line, reason: `"${key}" is ${v.length} characters long; at most ${MAX_VALUE}` });
      ok = false;
      continue;
    }
    row.metadata[key] = v;
  }
  return { row, ok };
}

function readCsv(text: string, problems: SidecarProblem[]): { line: number; value: unknown }[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, info: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    const e = err as { lines?: number; message: string };
    problems.push({ line: e.lines ?? 1, reason: `not valid CSV: ${e.message.replace(/ on line \d+$/, '')}` });
    return [];
  }
  const header = text.split(/\r?\n/, 1)[0].split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  if (!header.includes('file')) problems.push({ line: 1, reason: `the header row needs a "file" column, got ${header.map((h) => JSON.stringify(h)).join(', ')}` });
  // info.lines is the line a record ends on; a quoted cell may span lines, so count its own line breaks back.
  return records.map((r) => ({ line: r.info.lines - newlines(r.record), value: r.record }));
}

function newlines(rec: Record<string, string>): number {
  let n = 0;
  for (const v of Object.values(rec)) for (const ch of v) if (ch === '\n') n++;
  return n;
}
