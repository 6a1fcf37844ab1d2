import fs from 'node:fs/promises';
import path from 'node:path';
import { formatOfPath } from '../images/formats.ts';

/** Image files found under a folder, and the subfolders that could not be read. */
export interface Listing {
  files: string[];
  unreadable: { path: string; reason: string }[];
}

/**
 * Image files under `root`, recursively, as sorted POSIX paths relative to it.
 * Hidden entries are skipped; symlinked folders are not followed (no loops), symlinked files are.
 * A subfolder that cannot be read is reported, not fatal; the root itself must be readable.
 */
export async function listImageFiles(root: string, signal?: AbortSignal): Promise<Listing> {
  const out: string[] = [];
  const unreadable: Listing['unreadable'] = [];
  const stack = [''];
  while (stack.length) {
    if (signal?.aborted) break;
    const rel = stack.pop()!;
    let entries;
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if (rel === '') throw err;
      unreadable.push({ path: rel, reason: `folder not readable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(childRel);
      else if ((e.isFile() || e.isSymbolicLink()) && formatOfPath(e.name)) out.push(childRel);
    }
  }
  return { files: out.sort(), unreadable };
}
