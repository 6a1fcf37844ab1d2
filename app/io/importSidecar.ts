import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { parseMetadata } from '../domain/metadata.ts';
import type { ExifMetadata } from './exifMetadata.ts';
import { parseSidecar, type SidecarRow } from './metadataSidecar.ts';
import { matchSidecar } from './sidecarMatch.ts';

/** A checked sidecar: its rows by the image path (below the folder) each names. */
export interface SidecarPlan {
  file: string;
  rows: Map<string, SidecarRow>;
}

/** Read and check a sidecar file against a folder's image paths; throws a LoupeError naming file:line for every problem. */
export async function loadSidecar(file: string, paths: readonly string[]): Promise<SidecarPlan> {
  const text = await readSidecarText(file);
  const rows = parseSidecar(text, file);
  const matched = matchSidecar(file, rows, paths, (p) => p);
  return { file, rows: new Map(matched) };
}

/** A sidecar file's text; a missing or unreadable file is refused with its path. */
export async function readSidecarText(file: string): Promise<string> {
  const abs = path.resolve(file);
  try {
    const st = await fs.stat(abs);
    if (!st.isFile()) throw new LoupeError('bad_request', `Metadata file ${abs} is not a file`);
    if (st.size > 256 * 1024 * 1024) throw new LoupeError('bad_request', `Metadata file ${abs} is ${Math.round(st.size / 1048576)} MB; at most 256 MB`);
    return await fs.readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof LoupeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LoupeError('not_found', `Metadata file not found: ${abs}`);
    throw new LoupeError('io', `Cannot read metadata file ${abs}: ${code ?? (err as Error).message}`);
  }
}

/**
 * An image's metadata JSON and capture time from what it held (`before`), its
 * EXIF and its sidecar row: the sidecar wins over EXIF, both over what it held.
 * EXIF's camera goes in `camera`, its DateTimeOriginal in the capture time.
 */
export function imageMetadata(exif: ExifMetadata, row: SidecarRow | undefined, before = '{}'): { metadata: string; capturedAt: string | null } {
  const meta: Record<string, unknown> = { ...parseMetadata(before) };
  if (exif.camera !== undefined && row?.metadata.camera === undefined) meta.camera = exif.camera;
  Object.assign(meta, row?.metadata);
  return { metadata: JSON.stringify(meta), capturedAt: row?.capturedAt ?? exif.capturedAt ?? null };
}
