/** How a flag takes values: none, exactly one, or every word up to the next flag. */
export type FlagKind = 'boolean' | 'string' | 'list';

/** One flag a command accepts. */
export interface FlagSpec {
  kind: FlagKind;
  /** Placeholder shown in help, e.g. DIR. */
  value?: string;
  help: string;
  /** The command cannot run without it (a usage error, exit 2, when missing). */
  required?: boolean;
}

/** What the parser needs to know about a command. */
export interface ParseSpec {
  name: string;
  positionals: { name: string; required: boolean }[];
  flags: Record<string, FlagSpec>;
}

/** A parsed command line: positionals by name, flags by name (lists accumulate). */
export interface Parsed {
  positionals: Record<string, string | undefined>;
  flags: Record<string, boolean | string | string[] | undefined>;
  help: boolean;
}

/** A command line the parser could not make sense of (exit code 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to point at, if known. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parse a command's arguments. `--flag value` and `--flag=value` both work; a
 * list flag takes every following word up to the next `--flag` and may repeat;
 * `--` ends flags so a positional may start with a dash.
 */
export function parseArgs(spec: ParseSpec, args: string[]): Parsed {
  const flags: Parsed['flags'] = {};
  const words: string[] = [];
  let help = false;
  let flagsDone = false;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (flagsDone || !arg.startsWith('-') || arg === '-') {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsDone = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option "${arg}" for ${spec.name}`, spec.name);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const flag = spec.flags[name];
    if (!flag) throw new UsageError(`unknown option "--${name}" for ${spec.name}`, spec.name);

    if (flag.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`, spec.name);
      flags[name] = true;
    } else if (flag.kind === 'string') {
      if (flags[name] !== undefined) throw new UsageError(`--${name} given twice`, spec.name);
      const value = inline ?? args[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new UsageError(`--${name} needs a value (${flag.value ?? 'VALUE'})`, spec.name);
      }
      flags[name] = value;
    } else {
      const list = (flags[name] as string[] | undefined) ?? [];
      if (inline !== undefined) list.push(inline);
      else while (i + 1 < args.length && !args[i + 1].startsWith('--')) list.push(args[++i]);
      if (list.length === 0) throw new UsageError(`--${name} needs at least one value (${flag.value ?? 'VALUE'})`, spec.name);
      flags[name] = list;
    }
  }

  const positionals: Parsed['positionals'] = {};
  if (help) return { positionals, flags, help };
  spec.positionals.forEach((p, i) => {
    if (words[i] === undefined && p.required) throw new UsageError(`${spec.name} needs ${p.name}`, spec.name);
    positionals[p.name] = words[i];
  });
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.required && flags[name] === undefined) throw new UsageError(`${spec.name} needs --${name} ${flag.value ?? 'VALUE'}`, spec.name);
  }
  if (words.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${words[spec.positionals.length]}" for ${spec.name}`, spec.name);
  }
  return { positionals, flags, help };
}
