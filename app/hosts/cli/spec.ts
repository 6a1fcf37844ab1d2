import type { Parsed, ParseSpec } from './args.ts';
import type { CliContext } from './context.ts';

/** A CLI command: how to parse it, how to describe it, and what it does. */
export interface Command extends ParseSpec {
  summary: string;
  usage: string;
  details: string;
  run(ctx: CliContext, args: Parsed): Promise<void>;
}

/** The PROJECT positional most commands start with. */
export const PROJECT = [{ name: 'PROJECT', required: true }];

/** The `--json` flag every command has. */
export const JSON_FLAG = { kind: 'boolean', help: 'Print machine-readable JSON on stdout' } as const;
