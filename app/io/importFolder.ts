import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { DEFAULT_PIXEL_LIMIT, probeImage } from '../images/probe.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import type { NewImage } from '../store/ImageRepo.ts';
import type { Project } from '../store/Project.ts';
import { metadataRepo } from '../store/MetadataRepo.ts';
import { readExifMetadata } from './exifMetadata.ts';
import type { SidecarRow } from './metadataSidecar.ts';
import { imageMetadata, loadSidecar, type SidecarPlan } from './importSidecar.ts';
import { listImageFiles } from './walk.ts';

export interface ImportOptions {
  pixelLimit?: number;
  /** Files probed at once. */
  concurrency?: number;
  /** Rows written per transaction: a kill loses at most the batch in flight, never half of one. */
  batchSize?: number;
  /** A metadata sidecar file (app/io/metadataSidecar.ts): checked whole against the folder before anything is written. */
  metadataFile?: string;
}

/** What an import did, for the summary line and `loupe info`. */
export interface ImportSummary {
  root: string;
  found: number;
  added: number;
  alreadyPresent: number;
  failed: { path: string; reason: string }[];
}

type Outcome = { rel: string; image: NewImage; capturedAt: string | null } | { rel: string; error: string };

/**
 * Import every image under a folder into the project. Already-imported paths are
 * skipped; unreadable files are recorded with their reason and the import goes on.
 */
export async function importFolder(
  project: Project,
  dir: string,
  ctx?: Pick<JobContext, 'progress' | 'signal'>,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const abs = path.resolve(dir);
  const st = await fs.stat(abs).catch(() => null);
  if (!st) throw new LoupeError('not_found', `Image folder not found: ${abs}`);
  if (!st.isDirectory()) throw new LoupeError('bad_request', `Not a folder: ${abs}`);

  let listing;
  try {
    listing = await listImageFiles(abs, ctx?.signal);
  } catch (err) {
    throw new LoupeError('io', `Cannot read image folder ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const files = listing.files;
  // A bad sidecar (malformed, bad dates, files not in the folder) refuses the import before anything is written.
  const sidecar: SidecarPlan | null = opts.metadataFile ? await loadSidecar(opts.metadataFile, files) : null;
  const rootId = project.db.transaction(() => project.images.ensureRoot(project.storedRootPath(abs)))();
  const known = project.images.pathsInRoot(rootId);
  const todo = files.filter((f) => !known.has(f));
  const summary: ImportSummary = { root: abs, found: files.length, added: 0, alreadyPresent: files.length - todo.length, failed: [] };
  if (sidecar) applyToKnown(project, rootId, sidecar.rows, known);

  const pixelLimit = opts.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  const batchSize = opts.batchSize ?? 500;
  let pending: Outcome[] = [];
  let processed = 0;

  const flush = project.db.transaction((batch: Outcome[]) => {
    const at = new Date().toISOString();
    for (const o of batch) {
      if ('error' in o) {
        project.images.recordFailure({ rootId, path: o.rel, reason: o.error }, at);
        summary.failed.push({ path: o.rel, reason: o.error });
        continue;
      }
      const dup = project.images.byHash(o.image.contentHash!);
      if (dup) {
        const reason = `duplicate of ${dup.path}`;
        project.images.recordFailure({ rootId, path: o.rel, reason }, at);
        summary.failed.push({ path: o.rel, reason });
        continue;
      }
      const id = project.images.insert(o.image, at);
      if (o.capturedAt) metadataRepo(project.db).setCapturedAt(id, o.capturedAt);
      project.images.clearFailure(rootId, o.rel);
      summary.added++;
    }
  });

  // Subfolders that could not be listed are failures too, so the user sees them.
  if (listing.unreadable.length) flush(listing.unreadable.map((u) => ({ rel: u.path, error: u.reason })));

  const probeOne = async (rel: string): Promise<Outcome> => {
    try {
      const buf = await fs.readFile(path.join(abs, rel));
      const hash = crypto.createHash('sha256').update(buf).digest('hex');
      // Duplicates are decided in flush, in path order: deciding here would depend on which probe finished first.
      const p = await probeImage(buf, pixelLimit);
      const meta = imageMetadata(await readExifMetadata(p.exif), sidecar?.rows.get(rel));
      return {
        rel,
        image: {
          rootId,
          path: rel,
          width: p.width,
          height: p.height,
          orientation: p.orientation,
          format: p.format,
          bytes: buf.length,
          contentHash: hash,
          metadata: meta.metadata,
          ingestError: null,
        },
        capturedAt: meta.capturedAt,
      };
    } catch (err) {
      return { rel, error: (err as Error).message };
    }
  };

  // Files are probed concurrently (sharp reads headers on libuv's pool) but
  // results are kept in path order so imports are deterministic.
  const concurrency = opts.concurrency ?? 16;
  let cancelled = false;
  for (let start = 0; start < todo.length; start += batchSize) {
    if (ctx?.signal.aborted) {
      cancelled = true;
      break;
    }
    const slice = todo.slice(start, start + batchSize);
    pending = new Array(slice.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, slice.length) }, async () => {
        while (next < slice.length) {
          const i = next++;
          pending[i] = await probeOne(slice[i]);
        }
      }),
    );
    flush(pending);
    processed += slice.length;
    ctx?.progress(processed, todo.length, `${summary.added} added, ${summary.failed.length} failed`);
  }
  ctx?.progress(processed, todo.length);
  if (cancelled) throw new LoupeError('cancelled', `Import cancelled after ${processed} of ${todo.length} files; import again to add the rest.`);
  return summary;
}

/** Sidecar rows for images the folder already had: merged into what they hold, in one transaction. */
function applyToKnown(project: Project, rootId: number, rows: ReadonlyMap<string, SidecarRow>, known: ReadonlySet<string>): void {
  const repo = metadataRepo(project.db);
  project.db.transaction(() => {
    for (const [rel, row] of rows) {
      if (!known.has(rel)) continue;
      const img = repo.inRoot(rootId, rel);
      if (!img) continue;
      const merged = imageMetadata({}, row, img.metadata);
      repo.set(img.id, merged.metadata, merged.capturedAt ?? img.capturedAt);
    }
  })();
}
