import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './context.ts';
import { DEFAULTS } from '../../contract/defaults.ts';

/** An existing folder, as an absolute path. */
export function assertFolder(dir: string): string {
  const abs = path.resolve(dir);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new CliError(`image folder not found: ${abs}`);
  if (!st.isDirectory()) throw new CliError(`not a folder: ${abs}`);
  return abs;
}

/** An existing file (e.g. the model), as an absolute path; `what` names it in the message. */
export function assertFile(file: string, what: string): string {
  const abs = path.resolve(file);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new CliError(`${what} not found: ${abs}`);
  if (!st.isFile()) throw new CliError(`${what} is not a file: ${abs}`);
  return abs;
}

/** A whole number from 1 to `max`. */
export function positiveInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`${flag} must be a whole number above 0, got "${value}"`);
  }
  if (n > max) throw new CliError(`${flag} must be at most ${max}, got ${n}`);
  return n;
}

/** A number from 0 to 1 (a score or IoU threshold). */
export function fraction(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new CliError(`${flag} must be a number from 0 to 1, got "${value}"`);
  return n;
}

/** The detection parameters shared by `prelabel` and `detect`, with Loupe's defaults. */
export function detectFlags(flags: Record<string, unknown>): { conf: number; iou: number; maxDet: number } {
  return {
    conf: flags.conf === undefined ? DEFAULTS.conf : fraction('--conf', flags.conf as string),
    iou: flags.iou === undefined ? DEFAULTS.iou : fraction('--iou', flags.iou as string),
    maxDet: flags['max-det'] === undefined ? DEFAULTS.maxDet : positiveInt('--max-det', flags['max-det'] as string, 10_000),
  };
}

/** The flags behind `detectFlags`, for a command's spec. */
export const DETECT_FLAGS = {
  conf: { kind: 'string', value: 'C', help: `Keep boxes scoring above C (0–1, default ${DEFAULTS.conf})` },
  iou: { kind: 'string', value: 'I', help: `NMS IoU threshold within a class (0–1, default ${DEFAULTS.iou})` },
  'max-det': { kind: 'string', value: 'N', help: 'At most N boxes per image (default 300)' },
} as const;
