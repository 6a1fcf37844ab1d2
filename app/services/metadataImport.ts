import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { imageMetadata, readSidecarText } from '../io/importSidecar.ts';
import { parseSidecar } from '../io/metadataSidecar.ts';
import { matchSidecar } from '../io/sidecarMatch.ts';
import { metadataRepo } from '../store/MetadataRepo.ts';
import type { Project } from '../store/Project.ts';

/** What a metadata import did. */
export interface MetadataImportSummary {
  file: string;
  /** Rows in the file, one per image. */
  rows: number;
  /** Images whose metadata or capture time the rows set. */
  updated: number;
  /** Of those, how many got a capture time. */
  withCapturedAt: number;
  /** Every metadata key the file gives, sorted. */
  keys: string[];
  dryRun: boolean;
}

/**
 * Store a sidecar's metadata on a project's images: each row's columns are
 * merged into its image's metadata (the file wins), its `captured_at` replaces
 * the capture time. The whole file is checked first; any problem refuses it
 * with file:line and nothing is written; otherwise one transaction writes all.
 */
export async function importMetadata(project: Project, req: { path: string; dryRun?: boolean }, ctx?: Pick<JobContext, 'progress' | 'signal'>): Promise<MetadataImportSummary> {
  const text = await readSidecarText(req.path);
  const rows = parseSidecar(text, req.path);
  const repo = metadataRepo(project.db);
  const matched = matchSidecar(req.path, rows, repo.all(), (img) => img.path);
  if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Metadata import cancelled; nothing was written.');
  const keys = new Set<string>();
  let withCapturedAt = 0;
  for (const row of rows) {
    for (const k of Object.keys(row.metadata)) keys.add(k);
    if (row.capturedAt) withCapturedAt++;
  }
  if (!req.dryRun) {
    project.db.transaction(() => {
      for (const [img, row] of matched) {
        const next = imageMetadata({}, row, img.metadata);
        repo.set(img.id, next.metadata, next.capturedAt ?? img.capturedAt);
      }
    })();
  }
  ctx?.progress(rows.length, rows.length);
  return { file: req.path, rows: rows.length, updated: req.dryRun ? 0 : matched.size, withCapturedAt, keys: [...keys].sort(), dryRun: !!req.dryRun };
}
