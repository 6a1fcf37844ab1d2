import fs from 'node:fs';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';

/** How image files reach the dataset; `none` writes labels only (benchmarks, or images managed elsewhere). */
export type ImagesMode = 'copy' | 'link' | 'symlink' | 'none';

/** Turn a file-system failure into an error a person can act on. */
export function ioError(err: unknown, what: string): LoupeError {
  if (err instanceof LoupeError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : messageOf(err);
  return new LoupeError('io', `${what}: ${why}.`);
}

/** What an export found and tidied from earlier exports to the same folder that were killed. */
export interface Leftovers {
  /** Partial folders removed (dead exports' temporary folders). */
  removed: number;
  /** Bytes they held. */
  bytes: number;
  /** The previous dataset was found set aside by a killed `--force` swap and put back at `out`. */
  restored: boolean;
}

const PARTIAL = /^\.(.+)\.partial-(\d+)-[^/]*$/;

/** True when a process with this id runs (or exists under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sizeOf(p: string): number {
  let total = 0;
  const walk = (q: string) => {
    const st = fs.lstatSync(q, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(q)) walk(path.join(q, e));
    else total += st.size;
  };
  walk(p);
  return total;
}

/**
 * A dataset folder written beside its final place and renamed into it at the
 * end, so a failure, a cancel or a full disk never leaves a partial dataset at
 * `out`. An existing `out` is refused unless `force`; then it is swapped out
 * (renamed aside, new one renamed in, old one deleted).
 *
 * The temporary folder is `.NAME.partial-PID-XXXXXX` (the set-aside previous
 * dataset the same with `-old`), so the next export to `out` can tell a dead
 * export's leftovers from a running one's: it removes them, and where a kill
 * fell between the two renames of a swap (nothing at `out`, the previous
 * dataset set aside) it puts the previous dataset back first.
 */
export class AtomicDir {
  readonly tmp: string;
  /** What was tidied from killed exports before this one started. */
  leftovers: Leftovers = { removed: 0, bytes: 0, restored: false };
  private finished = false;

  private constructor(
    readonly out: string,
    tmp: string,
    private readonly force: boolean,
  ) {
    this.tmp = tmp;
  }

  /** Check `out` and create the temporary folder next to it (same file system, so the rename is atomic). */
  static create(out: string, force: boolean): AtomicDir {
    const abs = path.resolve(out);
    const leftovers = AtomicDir.recover(abs);
    AtomicDir.check(abs, force);
    const parent = path.dirname(abs);
    let tmp: string;
    try {
      tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(abs)}.partial-${process.pid}-`));
    } catch (err) {
      throw ioError(err, `Cannot write the export next to ${abs}`);
    }
    const dir = new AtomicDir(abs, tmp, force);
    dir.leftovers = leftovers;
    return dir;
  }

  /**
   * Tidy what killed exports to `abs` left beside it: put a previous dataset
   * set aside by an interrupted swap back when nothing is at `abs`, and remove
   * the temporary folders of exports whose process is gone. Folders of
   * exports still running (in this process or another) are left alone.
   */
  static recover(abs: string): Leftovers {
    const parent = path.dirname(abs);
    const name = path.basename(abs);
    const found: Leftovers = { removed: 0, bytes: 0, restored: false };
    let entries: string[];
    try {
      entries = fs.readdirSync(parent);
    } catch {
      return found;
    }
    const dead = entries
      .map((e) => ({ e, m: PARTIAL.exec(e) }))
      .filter(({ m }) => m && m[1] === name && Number(m[2]) !== process.pid && !alive(Number(m[2])))
      .map(({ e }) => e)
      .sort();
    try {
      const aside = dead.find((e) => e.endsWith('-old'));
      if (aside && !fs.existsSync(abs)) {
        fs.renameSync(path.join(parent, aside), abs);
        found.restored = true;
      }
      for (const e of dead) {
        const p = path.join(parent, e);
        if (!fs.existsSync(p)) continue;
        found.bytes += sizeOf(p);
        fs.rmSync(p, { recursive: true, force: true });
        found.removed++;
      }
    } catch (err) {
      throw ioError(err, `Cannot tidy the leftovers of an earlier export next to ${abs}`);
    }
    return found;
  }

  /** Refuse an output that exists (without force), is not a folder, or whose parent is missing. */
  static check(abs: string, force: boolean): void {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (st && !force) throw new LoupeError('conflict', `${abs} already exists; choose another folder or replace it with force (--force).`);
    if (st && !st.isDirectory()) throw new LoupeError('conflict', `${abs} exists and is not a folder; it is not replaced.`);
    const parent = fs.statSync(path.dirname(abs), { throwIfNoEntry: false });
    if (!parent?.isDirectory()) throw new LoupeError('not_found', `The folder to write into does not exist: ${path.dirname(abs)}`);
  }

  /** Move the finished dataset into place. */
  commit(): void {
    const old = `${this.tmp}-old`;
    let movedAside = false;
    try {
      if (fs.existsSync(this.out)) {
        if (!this.force) throw new LoupeError('conflict', `${this.out} appeared while exporting; nothing was replaced.`);
        fs.renameSync(this.out, old);
        movedAside = true;
      }
      fs.renameSync(this.tmp, this.out);
      this.finished = true;
    } catch (err) {
      if (movedAside && !fs.existsSync(this.out)) fs.renameSync(old, this.out);
      throw ioError(err, `Cannot move the export into ${this.out}`);
    }
    if (movedAside) fs.rmSync(old, { recursive: true, force: true });
  }

  /** Remove the temporary folder (after a failure or cancel); harmless after commit. */
  discard(): void {
    if (!this.finished) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Put an image file into the dataset. A hard link across file systems (or where
 * links are not allowed) falls back to a copy; returns whether it did.
 */
export function placeImage(src: string, dest: string, mode: ImagesMode): { fellBack: boolean } {
  if (mode === 'none') return { fellBack: false };
  if (mode === 'symlink') {
    if (!fs.existsSync(src)) throw Object.assign(new Error(`${src} not found`), { code: 'ENOENT' });
    fs.symlinkSync(src, dest);
    return { fellBack: false };
  }
  if (mode === 'link') {
    try {
      fs.linkSync(src, dest);
      return { fellBack: false };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      fs.copyFileSync(src, dest);
      return { fellBack: true };
    }
  }
  fs.copyFileSync(src, dest);
  return { fellBack: false };
}

/**
 * Text written to a file stream in chunks of about 256 kB, waiting for the
 * stream to drain, so a million-box JSON never sits in memory whole. Text is
 * encoded straight into Buffers: joining it into large strings instead would
 * put every chunk in V8's large-object space, which only a full GC frees, and
 * the heap would grow by the size of the file between those.
 */
export class ChunkedWriter {
  private readonly stream: fs.WriteStream;
  private ready: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private failure: Error | null = null;

  constructor(
    file: string,
    private readonly chunkBytes = 1 << 18,
    /** Called before each chunk is handed to the stream (tests use it to simulate a full disk). */
    private readonly beforeChunk?: () => void,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.stream = fs.createWriteStream(file);
    this.stream.on('error', (err) => (this.failure = err));
  }

  /** Queue text; hand full chunks to the stream, waiting for it to drain. */
  async write(text: string): Promise<void> {
    this.push(text);
    if (this.ready.length) await this.flush();
  }

  /** Queue text without waiting; `flush` or the next `write` hands it on. */
  push(text: string): void {
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos);
  }

  /**
   * Queue ASCII text (JSON keys and punctuation) byte by byte, and numbers
   * (`num`) as JavaScript prints them, with integers' digits written directly:
   * a million-record file then allocates no string per record.
   */
  ascii(text: string): void {
    this.room(text.length);
    const { buf } = this;
    let { pos } = this;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Queue keys[i] then values[i] (as `num` prints it) for each i. */
  fields(keys: readonly string[], values: readonly number[]): void {
    for (let i = 0; i < keys.length; i++) {
      this.ascii(keys[i]);
      this.num(values[i]);
    }
  }

  /** Queue a number exactly as `String(n)` would print it. */
  num(n: number): void {
    if (!Number.isSafeInteger(n)) return this.ascii(String(n));
    this.room(17);
    const { buf } = this;
    let v = n;
    if (v < 0) {
      buf[this.pos++] = 45; // '-'
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    for (let i = this.pos + digits - 1; i >= this.pos; i--) {
      buf[i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.pos += digits;
  }

  /** Make room for `bytes` more in the current chunk, starting a new one when it is full. */
  private room(bytes: number): void {
    if (bytes <= this.buf.length - this.pos) return;
    if (this.pos) this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    this.pos = 0;
  }

  /** Hand everything queued to the stream now. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pos) {
      this.ready.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(this.chunkBytes);
      this.pos = 0;
    }
    const chunks = this.ready;
    this.ready = [];
    for (const chunk of chunks) {
      this.beforeChunk?.();
      if (!this.stream.write(chunk)) await this.drained();
      if (this.failure) throw this.failure;
    }
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.stream.off('drain', onDrain);
        reject(err);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  /** Flush what is left and close the file; rejects if any write failed. */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failure) throw this.failure;
  }

  /** Close without flushing (after a failure). */
  destroy(): void {
    this.stream.destroy();
  }
}
