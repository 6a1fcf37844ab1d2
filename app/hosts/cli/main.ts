import { messageOf } from '../../domain/errors.ts';
import { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';
import { parseArgs, UsageError, type FlagSpec } from './args.ts';
import { COMMANDS, type Command } from './commands.ts';
import { call, CliError, Interrupted, printable, println, type CliContext, type CliStreams } from './context.ts';

/** Exit codes: documented in `loupe --help`. */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

/**
 * Run the CLI on a full argv (node, script, ...args) and return the exit code.
 * The project is always closed before returning, whatever happened.
 */
export async function main(argv: string[], streams: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const args = argv.slice(2);
  const session = new Session('cli');
  const ctx: CliContext = { session, dispatch: createDispatcher(session), ...streams };
  let command: Command | undefined;
  try {
    const first = args[0];
    if (first === undefined) {
      streams.stderr.write(rootHelp());
      return EXIT.usage;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? args.slice(1) : [];
      if (topic.length === 0) streams.stdout.write(rootHelp());
      else streams.stdout.write(helpFor(topic));
      return EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      const { version } = await call(ctx, 'app:info', {});
      println(ctx, `loupe ${version}`);
      return EXIT.ok;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option "${first}"`);
    const group = groupOf(first);
    if (group.length && (args[1] === '--help' || args[1] === '-h')) {
      streams.stdout.write(group.map(commandHelp).join('\n'));
      return EXIT.ok;
    }
    const found = findCommand(args);
    command = found.command;
    const parsed = parseArgs(command, args.slice(found.words));
    if (parsed.help) {
      streams.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    await command.run(ctx, parsed);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      const helpFor = err.command ? `loupe ${err.command} --help` : 'loupe --help';
      fail(streams, `${err.message}. Run ${helpFor} for usage.`);
      return EXIT.usage;
    }
    if (err instanceof Interrupted) {
      fail(streams, err.message);
      return EXIT.interrupted;
    }
    fail(streams, err instanceof CliError ? err.message : `unexpected error: ${messageOf(err)}`);
    return EXIT.error;
  } finally {
    await session.close();
  }
}

/** Commands named `word …` (e.g. `model add`). */
function groupOf(word: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}

/** The command the first one or two words name, and how many words that took. */
function findCommand(args: string[]): { command: Command; words: number } {
  const [first, second] = args;
  const one = COMMANDS.find((c) => c.name === first);
  if (one) return { command: one, words: 1 };
  const group = groupOf(first);
  if (!group.length) throw new UsageError(`unknown command "${first}"`);
  const two = group.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, words: 2 };
  const subs = group.map((c) => c.name.slice(first.length + 1)).join(', ');
  if (second === undefined || second.startsWith('-')) throw new UsageError(`${first} needs a subcommand (${subs})`);
  throw new UsageError(`unknown command "${first} ${second}" (${first} takes: ${subs})`);
}

function helpFor(topic: string[]): string {
  const group = groupOf(topic[0]);
  if (group.length && topic.length === 1) return group.map(commandHelp).join('\n');
  return commandHelp(findCommand(topic).command);
}

/** Errors are one line on stderr, so scripts can show them as they are. */
function fail(streams: CliStreams, message: string): void {
  streams.stderr.write(`loupe: ${printable(message.replace(/\s*\n\s*/g, ' '))}\n`);
}

function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'loupe: review and correct object-detector boxes on images (command line)',
    '',
    'Usage: loupe COMMAND [PROJECT] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     Show this help; loupe COMMAND --help shows a command\'s options',
    '  -V, --version  Show the version',
    '',
    'Exit codes: 0 done; 1 a problem with the project, a file or a value (one line on stderr);',
    '2 a usage error; 130 interrupted with Ctrl+C.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const flags: [string, FlagSpec][] = Object.entries(c.flags);
  const label = ([name, f]: [string, FlagSpec]) => `--${name}${f.value ? ` ${f.value}` : ''}`;
  const width = Math.max(10, ...flags.map((f) => label(f).length));
  return [
    `Usage: ${c.usage}`,
    '',
    `${c.summary}.`,
    wrap(c.details, 78),
    '',
    'Options:',
    ...flags.map((f) => `  ${label(f).padEnd(width)}  ${f[1].help}${f[1].required ? ' (required)' : ''}`),
    `  ${'-h, --help'.padEnd(width)}  Show this help`,
    '',
  ].join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
