import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import type { Problems, ReadProgress } from './importLabels.ts';
import { JsonSyntaxError, parseJsonFile, type JsonStreamHandler } from './jsonStream.ts';

const MB = 2 ** 20;

/**
 * Stream a JSON file through `h`. Text that is not JSON becomes one problem
 * at the line and column where it stops being JSON, and false is returned
 * (what `h` was handed before that point should be dropped). `onChunk` sees
 * the raw bytes, for a hash.
 */
export async function readJson(file: string, h: JsonStreamHandler, problems: Problems, progress?: ReadProgress, onChunk?: (chunk: Buffer) => void): Promise<boolean> {
  try {
    await parseJsonFile(file, h, { signal: progress?.signal, onBytes: (done, total) => progress?.progress?.(Math.round(done / MB), Math.round(total / MB), `reading ${path.basename(file)} (MB)`), onChunk });
    return true;
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      problems.add({ file, line: err.line, reason: err.message });
      return false;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof LoupeError || typeof code !== 'string') throw err;
    // Node's own text ("ENOENT: no such file or directory, stat …") repeats the path and names the system call.
    if (code === 'ENOENT') throw new LoupeError('not_found', `Cannot read ${file}: there is no such file.`);
    if (code === 'EISDIR') throw new LoupeError('bad_request', `${file} is a folder; a JSON file is expected here.`);
    if (code === 'EACCES' || code === 'EPERM') throw new LoupeError('io', `Cannot read ${file}: permission denied.`);
    throw new LoupeError('io', `Cannot read ${file}: ${messageOf(err)}`);
  }
}
