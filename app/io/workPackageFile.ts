import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { ioError } from './exportFiles.ts';

/**
 * The work package file: one file that streams in both directions.
 *
 *   [header: JSON, padded with spaces to HEADER_BYTES - 1, then "\n"]
 *   [body: frames]
 *
 * A frame is one line of JSON (a record, `{"t": kind, …}`), and a record of
 * kind `file` is followed by exactly `bytes` raw bytes (an image file) and a
 * "\n". The header names the format and its version, the project, the person
 * and the counts, and carries the body's length and SHA-256, so a damaged or
 * truncated file is refused before anything is read from it. The writer leaves
 * the header blank until the body is written, then fills it in place.
 */

/** The format name every package header starts with. */
export const PACKAGE_FORMAT = 'loupe-work-package';
/** The newest format version this build reads and the one it writes. */
export const PACKAGE_VERSION = 1;
/** The header's fixed size in bytes, newline included. */
export const HEADER_BYTES = 4096;

/** What a package header says about the package. */
export interface PackageHeader {
  format: typeof PACKAGE_FORMAT;
  version: number;
  projectId: string;
  /** The lead's project name, for messages. */
  projectName: string;
  annotator: string;
  /** `project`: written by the lead's project; `package`: written back by a project opened from a package. */
  origin: 'project' | 'package';
  exportedAt: string;
  loupeVersion: string;
  counts: Record<string, number>;
  body: { bytes: number; sha256: string };
}

/**
 * Write all of `buf` at `position`. Every write names its offset: the header is
 * written at 0 and the body after it, so a write at the file's current position
 * (which a positioned write does not move) would land on the header. A write may
 * take fewer bytes than asked; the rest follows.
 */
async function writeAt(fh: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten === 0) throw new LoupeError('io', `Writing the package stopped at byte ${position + done}: the disk took none of the remaining ${buf.length - done} bytes.`);
    done += bytesWritten;
  }
}

/** Writes a package at a temporary name beside `file`; `finish` fills the header, syncs and renames it into place. */
export class PackageWriter {
  private readonly hash = crypto.createHash('sha256');
  private bodyBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushed = 0;
  private done = false;

  private constructor(
    readonly target: string,
    private readonly temp: string,
    private readonly fh: fs.FileHandle,
  ) {}

  /** Create the temporary file; the final name is touched only by `finish`. */
  static async create(file: string): Promise<PackageWriter> {
    const abs = path.resolve(file);
    const st = await fs.stat(path.dirname(abs)).catch(() => null);
    if (!st?.isDirectory()) throw new LoupeError('not_found', `Folder not found for the package: ${path.dirname(abs)}`);
    const temp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`);
    // A read-only folder or a full disk is said in words, naming the package, not the temporary file.
    const fh = await fs.open(temp, 'wx').catch((err: unknown) => {
      throw ioError(err, `Cannot write the package ${abs}`);
    });
    try {
      await writeAt(fh, Buffer.alloc(HEADER_BYTES, 0x20), 0);
    } catch (err) {
      await fh.close();
      await fs.rm(temp, { force: true });
      throw ioError(err, `Cannot write the package ${abs}`);
    }
    return new PackageWriter(abs, temp, fh);
  }

  /** Append one record. */
  async record(rec: { t: string } & Record<string, unknown>): Promise<void> {
    await this.push(Buffer.from(`${JSON.stringify(rec)}\n`, 'utf8'));
  }

  /** Append an image file's bytes after its `file` record. */
  async file(imageId: number, data: Buffer): Promise<void> {
    await this.record({ t: 'file', image: imageId, bytes: data.length });
    await this.push(data);
    await this.push(Buffer.from('\n'));
  }

  private async push(buf: Buffer): Promise<void> {
    this.hash.update(buf);
    this.bodyBytes += buf.length;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await writeAt(this.fh, buf, HEADER_BYTES + this.flushed).catch((err: unknown) => {
      throw ioError(err, `Cannot write the package ${this.target}`);
    });
    this.flushed += buf.length;
  }

  /** Write the header, sync and move the file to its final name; returns the file's size. */
  async finish(header: Omit<PackageHeader, 'body' | 'format' | 'version'>): Promise<number> {
    await this.flush();
    const full: PackageHeader = {
      format: PACKAGE_FORMAT,
      version: PACKAGE_VERSION,
      ...header,
      body: { bytes: this.bodyBytes, sha256: this.hash.digest('hex') },
    };
    const text = Buffer.from(JSON.stringify(full), 'utf8');
    if (text.length > HEADER_BYTES - 1) throw new LoupeError('bad_request', `The package header is ${text.length} bytes, more than ${HEADER_BYTES - 1}; use a shorter name.`);
    const head = Buffer.alloc(HEADER_BYTES, 0x20);
    text.copy(head);
    head[HEADER_BYTES - 1] = 0x0a;
    try {
      await writeAt(this.fh, head, 0);
      await this.fh.sync();
      await this.fh.close();
      await fs.rename(this.temp, this.target);
    } catch (err) {
      throw ioError(err, `Cannot write the package ${this.target}`);
    }
    this.done = true;
    // The rename is durable only once the folder's entry is on disk too.
    const dir = await fs.open(path.dirname(this.target), 'r').catch(() => null);
    await dir?.sync().catch(() => undefined);
    await dir?.close();
    return HEADER_BYTES + this.bodyBytes;
  }

  /** Remove the temporary file (after a failure or cancel); the final name was never written. */
  async abort(): Promise<void> {
    if (this.done) return;
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
  }
}

/** A package's header, checked: the format, a version this build reads, the body's length and checksum. */
export async function readHeader(file: string, signal?: AbortSignal): Promise<PackageHeader> {
  const abs = path.resolve(file);
  const fh = await fs.open(abs, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new LoupeError(err.code === 'ENOENT' ? 'not_found' : 'io', `Cannot read the package ${abs}: ${err.code ?? err.message}`);
  });
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEADER_BYTES, 0);
    let header: PackageHeader;
    try {
      header = JSON.parse(head.subarray(0, bytesRead).toString('utf8')) as PackageHeader;
    } catch {
      header = null as unknown as PackageHeader;
    }
    if (!header || typeof header !== 'object' || header.format !== PACKAGE_FORMAT) {
      if (bytesRead < HEADER_BYTES && head.subarray(0, bytesRead).toString('utf8').startsWith(`{"format":"${PACKAGE_FORMAT}"`)) {
        throw new LoupeError('bad_request', `${abs} is truncated: it ends inside the package header (${size} bytes).`);
      }
      throw new LoupeError('bad_request', `${abs} is not a Loupe work package (no "${PACKAGE_FORMAT}" header).`);
    }
    if (!Number.isInteger(header.version) || header.version < 1) throw new LoupeError('bad_request', `${abs} has an invalid package format version: ${JSON.stringify(header.version)}.`);
    if (header.version > PACKAGE_VERSION) {
      throw new LoupeError(
        'bad_request',
        `${abs} is a work package of format version ${header.version}, written by a newer Loupe (${header.loupeVersion}); this Loupe reads versions up to ${PACKAGE_VERSION}. Update Loupe to open it.`,
      );
    }
    if (typeof header.projectId !== 'string' || typeof header.annotator !== 'string' || !header.body || !Number.isInteger(header.body.bytes)) {
      throw new LoupeError('bad_request', `${abs} has a damaged package header (project id, annotator or body missing).`);
    }
    const expected = HEADER_BYTES + header.body.bytes;
    if (size < expected) throw new LoupeError('bad_request', `${abs} is truncated: ${size} bytes, the package says ${expected}.`);
    if (size > expected) throw new LoupeError('bad_request', `${abs} is damaged: ${size} bytes, the package says ${expected} (data after its end).`);
    const hash = crypto.createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    for (let pos = HEADER_BYTES; pos < size; ) {
      if (signal?.aborted) throw new LoupeError('cancelled', 'Reading the package was cancelled.');
      const { bytesRead: n } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) throw new LoupeError('bad_request', `${abs} is truncated: it ended while being read.`);
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const sha = hash.digest('hex');
    if (sha !== header.body.sha256) {
      throw new LoupeError('bad_request', `${abs} is damaged: its checksum does not match (SHA-256 of the body is ${sha.slice(0, 12)}…, the header says ${String(header.body.sha256).slice(0, 12)}…). Ask for the package again.`);
    }
    return header;
  } finally {
    await fh.close();
  }
}

/** One record of a package body; a `file` record comes with its bytes. */
export type PackageFrame = { rec: { t: string } & Record<string, unknown>; data?: Buffer };

/**
 * The frames of a package body in order, read in 1 MB chunks (one image file
 * at a time is held in memory). Call after `readHeader` has checked the file.
 */
export async function* readFrames(file: string, header: PackageHeader): AsyncGenerator<PackageFrame> {
  const fh = await fs.open(path.resolve(file), 'r');
  const end = HEADER_BYTES + header.body.bytes;
  let pos = HEADER_BYTES;
  let buf = Buffer.alloc(0);
  const fill = async (need: number): Promise<boolean> => {
    while (buf.length < need && pos < end) {
      const chunk = Buffer.alloc(Math.min(1 << 20, end - pos, Math.max(need - buf.length, 1 << 16)));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      buf = buf.length ? Buffer.concat([buf, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    }
    return buf.length >= need;
  };
  try {
    let lineNo = 0;
    for (;;) {
      let nl = buf.indexOf(0x0a);
      while (nl < 0 && pos < end) {
        await fill(buf.length + 1);
        nl = buf.indexOf(0x0a);
      }
      if (nl < 0) {
        if (buf.length) throw new LoupeError('bad_request', `The package body ends inside a record (after record ${lineNo}).`);
        return;
      }
      lineNo++;
      let rec: PackageFrame['rec'];
      try {
        rec = JSON.parse(buf.subarray(0, nl).toString('utf8')) as PackageFrame['rec'];
      } catch {
        throw new LoupeError('bad_request', `The package body's record ${lineNo} is not JSON.`);
      }
      buf = buf.subarray(nl + 1);
      if (!rec || typeof rec.t !== 'string') throw new LoupeError('bad_request', `The package body's record ${lineNo} has no kind.`);
      if (rec.t !== 'file') {
        yield { rec };
        continue;
      }
      const n = rec.bytes;
      if (!Number.isInteger(n) || (n as number) < 0) throw new LoupeError('bad_request', `The package body's file record ${lineNo} has no byte count.`);
      if (!(await fill((n as number) + 1)) || buf[n as number] !== 0x0a) throw new LoupeError('bad_request', `The package body ends inside an image file (record ${lineNo}).`);
      const data = Buffer.from(buf.subarray(0, n as number));
      buf = buf.subarray((n as number) + 1);
      yield { rec, data };
    }
  } finally {
    await fh.close();
  }
}
