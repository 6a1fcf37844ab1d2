import { messageOf } from '../../domain/errors.ts';
import { CliError, printable, type CliStreams } from './context.ts';
import { filesEvaluateArgs } from './evaluateFilesArgs.ts';
import { evaluateFiles } from './evaluateFiles.ts';

/**
 * The CLI's main for that one command line, without loading the project machinery (the
 * store, images, inference and every other command): the start-up of a drop-in for the
 * pycocotools script. Output, errors and exit codes are the full CLI's.
 */
export async function mainEvaluateFiles(argv: string[], streams: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const a = filesEvaluateArgs(argv);
  if (!a) throw new Error('mainEvaluateFiles: not an evaluate --gt --dt command line');
  try {
    await evaluateFiles(streams, a.gt, a.dt, a.json);
    return 0;
  } catch (err) {
    const message = err instanceof CliError ? err.message : `unexpected error: ${messageOf(err)}`;
    streams.stderr.write(`loupe: ${printable(message.replace(/\s*\n\s*/g, ' '))}\n`);
    return 1;
  }
}
