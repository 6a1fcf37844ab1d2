import fs from 'node:fs/promises';
import path from 'node:path';
import { formatOfPath } from '../images/formats.ts';

/**
 * Image files under `root`, recursively, as sorted POSIX paths relative to it.
 * Hidden entries are skipped; symlinked folders are not followed (no loops), symlinked files are.
 */
export async function listImageFiles(root: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const stack = [''];
  while (stack.length) {
    if (signal?.aborted) break;
    const rel = stack.pop()!;
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(childRel);
      else if ((e.isFile() || e.isSymbolicLink()) && formatOfPath(e.name)) out.push(childRel);
    }
  }
  return out.sort();
}
