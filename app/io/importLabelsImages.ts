import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { messageOf } from '../domain/errors.ts';
import { probeImage } from '../images/probe.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import type { NewImage } from '../store/ImageRepo.ts';
import type { Project } from '../store/Project.ts';
import type { LabelImage, Problems } from './importLabels.ts';

/** A label image tied to the project image it labels, existing or to be added. */
export interface ResolvedImage {
  label: LabelImage;
  /** The project image, or null when it is added by the import. */
  imageId: number | null;
  /** The image to add, with the folder its path is relative to. */
  add?: { image: Omit<NewImage, 'rootId'>; root: string };
  width: number;
  height: number;
}

/** How label images met the project. */
export interface Resolution {
  images: ResolvedImage[];
  missing: string[];
  /** Label images naming an image another one already names (same file or same content); their labels are skipped. */
  skipped: { file: string; reason: string }[];
}

/** Project images by stored path, for finding images by name. */
function pathIndex(project: Project): { path: string; id: number }[] {
  const out: { path: string; id: number }[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = project.images.page(offset, 1000);
    for (const r of page) if (!r.ingestError) out.push({ path: r.path, id: r.id });
    if (page.length < 1000) return out;
  }
}

/**
 * Find or prepare the project image for every label image. A file on disk is
 * the project's image of the same root and path, else of the same content,
 * else a new image (probed for its size). Without a file, an image is found by
 * its Loupe id, its stored path (or a path ending in it), or its file stem.
 * Nothing is written.
 */
export async function resolveImages(
  project: Project,
  labels: LabelImage[],
  problems: Problems,
  ctx?: Pick<JobContext, 'progress' | 'signal'>,
): Promise<Resolution> {
  const out: Resolution = { images: [], missing: [], skipped: [] };
  const roots = new Map(project.images.roots().map((r) => [r.path, r.id]));
  const inRoot = new Map<number, Set<string>>();
  const claimed = new Map<string, string>();
  let index: { path: string; id: number }[] | null = null;
  const byName = (pred: (p: string) => boolean) => (index ??= pathIndex(project)).filter((r) => pred(r.path));

  const claim = (key: string, l: LabelImage): boolean => {
    const first = claimed.get(key);
    if (first !== undefined) {
      out.skipped.push({ file: l.source, reason: `same image as ${first}; its labels are skipped` });
      return false;
    }
    claimed.set(key, l.source);
    return true;
  };
  const existing = (l: LabelImage, id: number) => {
    if (!claim(`id:${id}`, l)) return;
    const row = project.images.get(id)!;
    out.images.push({ label: l, imageId: id, width: row.width, height: row.height });
  };

  for (const [i, l] of labels.entries()) {
    if (ctx?.signal.aborted) break;
    ctx?.progress(i, labels.length, `${out.images.length} images found`);
    if (l.file) {
      const rootId = roots.get(project.storedRootPath(l.file.root));
      if (rootId !== undefined) {
        let known = inRoot.get(rootId);
        if (!known) inRoot.set(rootId, (known = project.images.pathsInRoot(rootId)));
        const hit = known.has(l.file.rel) ? byName((p) => p === l.file!.rel) : [];
        const same = hit.find((h) => project.images.get(h.id)?.rootId === rootId);
        if (same) {
          existing(l, same.id);
          continue;
        }
      }
      let buf: Buffer;
      try {
        buf = await fs.readFile(l.file.abs);
      } catch (err) {
        problems.add({ file: l.file.abs, reason: `cannot read the image: ${messageOf(err)}` });
        continue;
      }
      const hash = crypto.createHash('sha256').update(buf).digest('hex');
      const dup = project.images.byHash(hash);
      if (dup) {
        existing(l, dup.id);
        continue;
      }
      if (!claim(`hash:${hash}`, l)) continue;
      try {
        const p = await probeImage(buf);
        const image = { path: l.file.rel, width: p.width, height: p.height, orientation: p.orientation, format: p.format, bytes: buf.length, contentHash: hash, metadata: '{}', ingestError: null };
        out.images.push({ label: l, imageId: null, add: { image, root: l.file.root }, width: p.width, height: p.height });
      } catch (err) {
        problems.add({ file: l.file.abs, reason: `not an image Loupe can read: ${messageOf(err)}` });
      }
      continue;
    }
    if (l.imageId !== undefined) {
      if (project.images.get(l.imageId)) existing(l, l.imageId);
      else out.missing.push(`${l.source}: no image ${l.imageId} in the project`);
      continue;
    }
    const name = l.name.split(path.sep).join('/');
    const hits = l.stem !== undefined ? byName((p) => path.posix.basename(p).replace(/\.[^.]*$/, '') === l.stem) : byName((p) => p === name || p.endsWith(`/${name}`));
    if (hits.length === 1) existing(l, hits[0].id);
    else if (hits.length === 0) out.missing.push(`${l.source}: ${name} not found`);
    else problems.add({ file: l.source, reason: `${name} matches ${hits.length} project images (${hits.slice(0, 3).map((h) => h.path).join(', ')}${hits.length > 3 ? ', …' : ''})` });
  }
  ctx?.progress(labels.length, labels.length, `${out.images.length} images found`);
  return out;
}
