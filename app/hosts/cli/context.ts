import fs from 'node:fs';
import path from 'node:path';
import type { MethodName, Req, Res } from '../../contract/methods.ts';
import type { Session } from '../../services/Session.ts';
import type { Dispatch } from '../dispatcher.ts';

/** Something a person can fix (exit code 1): a missing file, a bad value, a damaged project. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Cancelled by the person at the terminal (Ctrl+C); exit code 130 as shells expect. */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

/** Where a command writes; the streams are the process's, or test doubles in-process. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** What every command runs against: one session, its dispatcher, and the output streams. */
export interface CliContext extends CliStreams {
  session: Session;
  dispatch: Dispatch;
}

/**
 * Call a contract method through the dispatcher, so the CLI gets the same
 * validation as every other host; any error reply becomes a `CliError`.
 */
export async function call<M extends MethodName>(ctx: CliContext, method: M, payload: Req<M>): Promise<Res<M>> {
  const reply = await ctx.dispatch(method, payload);
  if (!reply.ok) throw new CliError(reply.error.message);
  return reply.value as Res<M>;
}

/** Open an existing project, with a clearer message than SQLite's when the path is a folder. */
export async function openProject(ctx: CliContext, file: string): Promise<Res<'project:open'>> {
  const abs = path.resolve(file);
  if (fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(`${abs} is a folder, not a project file.`);
  }
  return call(ctx, 'project:open', { file: abs });
}

/** Write one line to stdout. */
export function println(ctx: CliStreams, line = ''): void {
  ctx.stdout.write(`${printable(line)}\n`);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A line as it may reach a terminal: control characters (C0, DEL, C1, and the
 * Unicode line and paragraph separators) written as escapes, so a file name
 * holding a newline or an escape sequence cannot fake a line of the summary or
 * restyle the terminal. JSON output needs none of this: it escapes them itself.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Write a value as pretty JSON on stdout. */
export function printJson(ctx: CliStreams, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Fetch every page of a paged contract list. */
export async function allPages<T>(fetch: (offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await fetch(items.length);
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}
