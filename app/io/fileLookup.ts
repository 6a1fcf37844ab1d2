import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';

type Listing = { names: Map<string, 'file' | 'dir' | 'other'>; folded?: Map<string, string> };

/**
 * Answers "is there a file at this path?" for many paths in few folders, such
 * as the images a COCO file names: each folder is listed once and the answers
 * come from the listing, instead of one stat per path. A name found only up
 * to case (or Unicode normalisation) is checked with stat, for file systems
 * that ignore both.
 */
export class FileFinder {
  private readonly dirs = new Map<string, Promise<Listing | null>>();

  private list(dir: string): Promise<Listing | null> {
    let found = this.dirs.get(dir);
    if (!found) {
      found = fs
        .readdir(dir, { withFileTypes: true })
        .then((entries) => ({ names: new Map(entries.map((e) => [e.name, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other'] as const)) }))
        .catch(() => null);
      this.dirs.set(dir, found);
    }
    return found;
  }

  async isFile(abs: string): Promise<boolean> {
    const listing = await this.list(path.dirname(abs));
    if (!listing) return false;
    const base = path.basename(abs);
    const kind = listing.names.get(base);
    if (kind === 'file') return true;
    if (kind === 'dir') return false;
    if (kind === undefined) {
      const fold = (s: string) => s.normalize('NFC').toLowerCase();
      listing.folded ??= new Map([...listing.names.keys()].map((n) => [fold(n), n]));
      if (!listing.folded.has(fold(base))) return false;
    }
    // A symbolic link, or a name that differs only in case or normalisation.
    const st = await fs.stat(abs).catch(() => null);
    return Boolean(st?.isFile());
  }
}

/**
 * Run `load` on every item with at most `limit` in flight, and hand the
 * results to `use` in the items' order (so what `use` decides does not depend
 * on which load finished first). Stops with a `cancelled` error when the
 * signal fires; loads in flight are awaited first.
 */
export async function forEachOrdered<T, R>(
  items: readonly T[],
  limit: number,
  load: (item: T, index: number) => Promise<R>,
  use: (result: R, item: T, index: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const start = () => {
    const i = next++;
    const p = load(items[i], i);
    // Keep a rejection from counting as unhandled while earlier results are awaited.
    p.catch(() => {});
    inFlight.push(p);
  };
  try {
    for (let i = 0; i < items.length; i++) {
      while (next < items.length && next - i < limit) start();
      if (signal?.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
      const result = await inFlight[0];
      inFlight.shift();
      use(result, items[i], i);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

/** Longest stretch of synchronous reading before the event loop gets a turn. */
const SLICE_MS = 15;

/**
 * Read many small files (label files) in order, handing each one's bytes, or
 * the error reading it, to `use`. They are read synchronously, a slice of a
 * few milliseconds at a time with the event loop let through between slices
 * (progress and cancel stay live): for files of a few hundred bytes this is
 * several times faster than the thread pool, which costs four round trips
 * (open, stat, read, close) per file.
 */
export async function readSmallFiles(
  files: readonly string[],
  use: (got: Buffer | NodeJS.ErrnoException, file: string, index: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  let i = 0;
  while (i < files.length) {
    if (signal?.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
    const until = performance.now() + SLICE_MS;
    do {
      let got: Buffer | NodeJS.ErrnoException;
      try {
        got = fsSync.readFileSync(files[i]);
      } catch (err) {
        got = err as NodeJS.ErrnoException;
      }
      use(got, files[i], i);
      i++;
    } while (i < files.length && performance.now() < until);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
