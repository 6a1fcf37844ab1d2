import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { messageOf } from '../domain/errors.ts';
import { probeImage } from '../images/probe.ts';
import type { NewImage } from '../store/ImageRepo.ts';
import type { Project } from '../store/Project.ts';
import { forEachOrdered } from './fileLookup.ts';
import type { LabelImage, Problems, ReadProgress } from './importLabels.ts';

/** A label image tied to the project image it labels, existing or to be added. */
export interface ResolvedImage {
  label: LabelImage;
  /** Index of `label` in the reader's images (what its boxes refer to). */
  index: number;
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

/** An image of the project, as matching needs it. */
interface Known {
  id: number;
  rootId: number;
  path: string;
  width: number;
  height: number;
}

const withoutExt = (p: string) => {
  const dot = p.lastIndexOf('.');
  return dot > p.lastIndexOf('/') ? p.slice(0, dot) : p;
};

type Hits = Known | Known[];
const add = (map: Map<string, Hits>, key: string, r: Known) => {
  const had = map.get(key);
  map.set(key, had === undefined ? r : Array.isArray(had) ? (had.push(r), had) : [had, r]);
};
const list = (h: Hits | undefined): Known[] => (h === undefined ? [] : Array.isArray(h) ? h : [h]);

/**
 * Project paths (or paths without extension) for matching a name the input
 * gives: the same path, else the paths that end with `/name`, else the
 * longest path `name` ends with (a dataset's split folder in front of the
 * project's path). Every lookup costs a few map reads, however many images
 * share a file name.
 */
class PathIndex {
  private readonly exact = new Map<string, Hits>();
  /** Every path by each of its proper ends: `a/b/c.jpg` under `b/c.jpg` and `c.jpg`; made on first need. */
  private ends: Map<string, Hits> | null = null;

  constructor(
    private readonly rows: () => Iterable<Known>,
    private readonly key: (path: string) => string,
  ) {
    for (const r of rows()) add(this.exact, key(r.path), r);
  }

  find(name: string): Known[] {
    const same = this.exact.get(name);
    if (same !== undefined) return list(same);
    if (!this.ends) {
      this.ends = new Map();
      for (const r of this.rows()) {
        const k = this.key(r.path);
        for (let at = k.indexOf('/'); at >= 0; at = k.indexOf('/', at + 1)) add(this.ends, k.slice(at + 1), r);
      }
    }
    const longer = this.ends.get(name);
    if (longer !== undefined) return list(longer);
    for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1)) {
      const shorter = this.exact.get(name.slice(at + 1));
      if (shorter !== undefined) return list(shorter);
    }
    return [];
  }
}

/** The project's images, read in one query, looked up by id, by root and path, and by path or stem (see PathIndex). */
class ProjectImages {
  readonly byId = new Map<number, Known>();
  private readonly byRootPath = new Map<number, Map<string, Known>>();
  private paths: PathIndex | null = null;
  private stems: PathIndex | null = null;

  constructor(project: Project) {
    const rows = project.db
      .prepare('SELECT id, root_id AS rootId, path, width, height FROM images WHERE ingest_error IS NULL')
      .all() as Known[];
    for (const r of rows) {
      this.byId.set(r.id, r);
      let inRoot = this.byRootPath.get(r.rootId);
      if (!inRoot) this.byRootPath.set(r.rootId, (inRoot = new Map()));
      inRoot.set(r.path, r);
    }
  }

  at(rootId: number, rel: string): Known | undefined {
    return this.byRootPath.get(rootId)?.get(rel);
  }

  /** Images a name (`stem`: a path without extension) matches at the best level there is. */
  find(name: string, stem: boolean): Known[] {
    const index = stem ? (this.stems ??= new PathIndex(() => this.byId.values(), withoutExt)) : (this.paths ??= new PathIndex(() => this.byId.values(), (p) => p));
    return index.find(name);
  }
}

/** Image files read and hashed at once. */
const READS = 16;

type Probed = Awaited<ReturnType<typeof probeImage>>;
type Read = { hash: string; bytes: number; dup?: number; probe?: Probed | { error: string } } | { error: string };

/**
 * Find or prepare the project image for every label image. A file on disk is
 * the project's image of the same root and path (not read again), else of the
 * same content, else a new image (probed for its size). Without a file, an
 * image is found by its Loupe id, or by its path: the stored path, a path
 * ending in it, or the end of it (without extensions for a stem). Files are
 * read a bounded number at a time; the outcome is decided in input order.
 * Nothing is written.
 */
export async function resolveImages(project: Project, labels: LabelImage[], problems: Problems, progress?: ReadProgress): Promise<Resolution> {
  const out: Resolution = { images: [], missing: [], skipped: [] };
  const known = new ProjectImages(project);
  const roots = new Map(project.images.roots().map((r) => [r.path, r.id]));
  /** Which label image took a project image (by id) or a new file (by content hash) first. */
  const claimedIds = new Map<number, LabelImage>();
  const claimedHashes = new Map<string, LabelImage>();

  const claim = <K,>(claimed: Map<K, LabelImage>, key: K, l: LabelImage): boolean => {
    const first = claimed.get(key);
    if (first !== undefined) {
      out.skipped.push({ file: l.source, reason: `same image as ${first.source}; its labels are skipped` });
      return false;
    }
    claimed.set(key, l);
    return true;
  };
  const existing = (l: LabelImage, index: number, row: Known) => {
    if (!claim(claimedIds, row.id, l)) return;
    if (l.problems) problems.merge(l.problems);
    out.images.push({ label: l, index, imageId: row.id, width: row.width, height: row.height });
  };
  /** The project image a file on disk already is, by root and path. */
  const atPath = (l: LabelImage): Known | undefined => {
    if (!l.file) return undefined;
    const rootId = roots.get(project.storedRootPath(l.file.root));
    return rootId === undefined ? undefined : known.at(rootId, l.file.rel);
  };

  let done = 0;
  await forEachOrdered(
    labels,
    READS,
    async (l): Promise<Read | null> => {
      if (!l.file || atPath(l)) return null;
      let buf: Buffer;
      try {
        buf = await fs.readFile(l.file.abs);
      } catch (err) {
        return { error: messageOf(err) };
      }
      const hash = crypto.createHash('sha256').update(buf).digest('hex');
      const dup = project.images.byHash(hash)?.id;
      // An image the project already has is not probed again.
      if (dup !== undefined && known.byId.has(dup)) return { hash, bytes: buf.length, dup };
      const probe = await probeImage(buf).catch((err: unknown) => ({ error: messageOf(err) }));
      return { hash, bytes: buf.length, probe };
    },
    (read, l, index) => {
      if (++done % 1000 === 0) progress?.progress?.(done, labels.length, 'matching images');
      if (l.file) {
        const same = atPath(l);
        if (same) return existing(l, index, same);
        if (!read) return;
        if ('error' in read) return problems.add({ file: l.file.abs, reason: `cannot read the image: ${read.error}` });
        if (read.dup !== undefined) return existing(l, index, known.byId.get(read.dup)!);
        if (!claim(claimedHashes, read.hash, l)) return;
        const p = read.probe!;
        if ('error' in p) return problems.add({ file: l.file.abs, reason: `not an image Loupe can read: ${p.error}` });
        if (l.problems) problems.merge(l.problems);
        const image = { path: l.file.rel, width: p.width, height: p.height, orientation: p.orientation, format: p.format, bytes: read.bytes, contentHash: read.hash, metadata: '{}', ingestError: null };
        out.images.push({ label: l, index, imageId: null, add: { image, root: l.file.root }, width: p.width, height: p.height });
        return;
      }
      if (l.imageId !== undefined) {
        const row = known.byId.get(l.imageId);
        if (row) existing(l, index, row);
        else out.missing.push(`${l.source}: no image ${l.imageId} in the project`);
        return;
      }
      const name = l.stem ?? l.name.split(path.sep).join('/');
      const hits = known.find(name, l.stem !== undefined);
      if (hits.length === 1) existing(l, index, hits[0]);
      else if (hits.length === 0) out.missing.push(l.orphan ? `${l.source}: no image for this label file` : `${l.source}: ${name} not found`);
      else {
        const which = `${name} matches ${hits.length} project images (${hits.slice(0, 3).map((h) => h.path).join(', ')}${hits.length > 3 ? ', …' : ''})`;
        if (l.orphan) out.missing.push(`${l.source}: ${which}; its labels are skipped`);
        else problems.add({ file: l.source, reason: which });
      }
    },
    progress?.signal,
  );

  progress?.progress?.(labels.length, labels.length, 'matching images');
  return out;
}
