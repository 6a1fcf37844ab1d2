import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../app/hosts/cli/main.ts';
import { loupe, type Run } from '../../app/hosts/cli/runLoupe.ts';
import { mulberry32 } from '../../app/domain/random.ts';

/**
 * The kill -9 matrix: real `loupe` processes on real project files, killed with
 * SIGKILL at a seeded moment after their job starts; then the file is checked
 * and the job run again to completion in this process.
 */

/** The seeds every path is killed with: a kill per seed. */
export const SEEDS = [1, 2, 3];

/** The person the CLI records work as, here and in the killed processes. */
export const CLI_PERSON = 'lead';
process.env.LOUPE_ANNOTATOR = CLI_PERSON;

/** mulberry32 (seed spread by a golden-ratio multiply first): a small seeded generator, so a failing seed can be run again. */
export function seeded(seed: number): () => number {
  return mulberry32(Math.imul(seed, 0x9e3779b9) >>> 0);
}

/** How a killed run went: the process's end, and whether the SIGKILL was what ended it. */
export interface Killed extends Run {
  /** Milliseconds after the job started that the kill was sent. */
  delayMs: number;
  /** False when the process finished by itself before the kill was due. */
  killed: boolean;
}

/** Where a killed run's kill falls, after its job starts (the `<job label>…` line the CLI prints on stderr once the job runs). */
export interface KillAt {
  /** The kill comes a seeded delay from 0 to this many milliseconds after the start (or after `progress` reached its mark). */
  maxDelayMs: number;
  /** Count the start from the first stderr text matching this instead (e.g. the first progress line). */
  startedWhen?: RegExp;
  /**
   * Units of the job the file already holds (read from outside, as another process
   * would); with `total`, the kill waits until a seeded number of them, 1 to 90 % of
   * `total`, is committed, so it lands part-way whatever the machine's speed.
   */
  progress?: () => number;
  total?: number;
}

/** Run the real `loupe` bin and SIGKILL it at a seeded moment of its job (see KillAt). */
export async function killLoupe(args: string[], seed: number, at: KillAt): Promise<Killed> {
  const rand = seeded(seed);
  const delayMs = Math.floor(rand() * at.maxDelayMs);
  const mark = at.progress && at.total ? 1 + Math.floor(rand() * 0.9 * (at.total - 1)) : 0;
  const startedWhen = at.startedWhen ?? /…\n/;
  let armed = false;
  let poll: NodeJS.Timeout | undefined;
  let seen = '';
  const run = await loupe(args, {
    env: { LOUPE_ANNOTATOR: CLI_PERSON },
    onStderr: (chunk, child) => {
      seen += chunk;
      if (armed || !startedWhen.test(seen)) return;
      armed = true;
      const kill = () => setTimeout(() => child.kill('SIGKILL'), delayMs);
      if (!mark) return void kill();
      poll = setInterval(() => {
        if (at.progress!() < mark) return;
        clearInterval(poll);
        kill();
      }, 5);
    },
  });
  clearInterval(poll);
  if (!armed) throw new Error(`the job never started: exit ${run.code}\n${run.stderr}`);
  return { ...run, delayMs, killed: run.signal === 'SIGKILL' };
}

/** A count read from a project file through one read-only connection kept open (close it when done), for KillAt.progress. */
export function counter(file: string, sql: string): { count: () => number; close: () => void } {
  let db: Database.Database | undefined;
  return {
    count: () => {
      // The file may not hold the table yet; a count of 0 until it does.
      try {
        db ??= new Database(file, { readonly: true, fileMustExist: true });
        return (db.prepare(sql).pluck().get() as number) ?? 0;
      } catch {
        return 0;
      }
    },
    close: () => db?.close(),
  };
}

/**
 * The uninterrupted run: the real bin to the end. `ms` runs from the moment a
 * killed run would start counting its delay (see killLoupe) to the process's
 * end, so the kills of a path can be drawn across the job as it runs there.
 */
export async function timedLoupe(args: string[], startedWhen: RegExp = /…\n/): Promise<{ stdout: string; ms: number }> {
  let started = 0;
  let seen = '';
  const run = await loupe(args, {
    env: { LOUPE_ANNOTATOR: CLI_PERSON },
    onStderr: (chunk) => {
      seen += chunk;
      if (!started && startedWhen.test(seen)) started = performance.now();
    },
  });
  if (run.code !== 0 || !started) throw new Error(`loupe ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return { stdout: run.stdout, ms: performance.now() - started };
}

/** Run the CLI in this process (the run that finishes a killed one, or setting up); throws unless it exits 0. */
export async function runLoupe(args: string[]): Promise<{ stdout: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  err.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await main(['node', 'loupe', ...args], { stdout: out, stderr: err });
  if (code !== 0) throw new Error(`loupe ${args.join(' ')} exited ${code}:\n${stderr}`);
  return { stdout };
}

/** `PRAGMA integrity_check` and `foreign_key_check` of a project file after a kill (opening it replays the WAL, as the app does). */
export function integrity(file: string): { integrity: string; foreignKeyProblems: number } {
  const db = new Database(file);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    const foreignKeyProblems = (db.pragma('foreign_key_check') as unknown[]).length;
    return { integrity, foreignKeyProblems };
  } finally {
    db.close();
  }
}

/** Rows of a query on a project file, read-only. */
export function rows<T = Record<string, unknown>>(file: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A copy of a closed project file (the WAL is checkpointed on close), for one seed's run. */
export function copyProject(file: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(file, to);
  return to;
}

/** Tally of one path's kills, printed as one summary line when the path's tests end. */
export class Tally {
  private kills = 0;
  private midJob = 0;
  private finished = 0;

  constructor(private readonly name: string) {}

  /** Count one killed run; `mid` says whether the file showed the job part-way done. */
  add(k: Pick<Killed, 'killed'>, mid: boolean): void {
    if (!k.killed) this.finished++;
    else {
      this.kills++;
      if (mid) this.midJob++;
    }
  }

  /** The summary line, e.g. `crash safety: image import: 3 kills survived (2 mid-job), 0 finished before the kill`. */
  line(): string {
    return `crash safety: ${this.name}: ${this.kills} kills survived (${this.midJob} mid-job), ${this.finished} finished before the kill`;
  }

  print(): void {
    process.stdout.write(`${this.line()}\n`);
  }
}

/** Every box of a project by image path, author and class name (ids differ between runs), in one order. */
export function boxDump(file: string, where = '1'): Record<string, unknown>[] {
  return rows(
    file,
    `SELECT i.path, a.name AS author, c.name AS class, b.x, b.y, b.w, b.h, b.score, b.provenance
     FROM boxes b JOIN images i ON i.id = b.image_id JOIN annotators a ON a.id = b.annotator_id JOIN classes c ON c.id = b.class_id
     WHERE ${where} ORDER BY i.path, a.name, b.x, b.y, b.w, b.h, c.name`,
  );
}

/** Every done/skipped mark by image path and person. */
export function markDump(file: string): Record<string, unknown>[] {
  return rows(
    file,
    `SELECT i.path, a.name AS person, s.status, s.origin FROM assignments s JOIN images i ON i.id = s.image_id JOIN annotators a ON a.id = s.annotator_id
     ORDER BY i.path, a.name`,
  );
}

/** Group rows by their `path` field. */
export function byPath<T extends Record<string, unknown>>(list: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of list) {
    const k = String(r.path);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(r);
  }
  return m;
}
