import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageOpenSummary } from '../contract/jobResults.ts';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { isInside } from '../io/safePaths.ts';
import { listImageFiles } from '../io/walk.ts';
import { readFrames, readHeader } from '../io/workPackageFile.ts';
import { imageGroups, type ClassRec, type ImageGroup } from '../io/workPackageRecords.ts';
import { Project } from '../store/Project.ts';
import type { OpenOptions } from '../store/openDatabase.ts';
import { packageRepo, type PackageOrigin } from './packageExport.ts';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Finds a package's image files in a folder: at their path, else by file name anywhere under it, each checked by content hash. */
class ImageFinder {
  private byName: Promise<Map<string, string[]>> | null = null;

  constructor(private readonly dir: string) {}

  private async hashAt(rel: string): Promise<string | null> {
    const data = await fs.readFile(path.join(this.dir, rel)).catch(() => null);
    return data ? sha256(data) : null;
  }

  /** The path under the folder holding this content, or why there is none. */
  async find(rel: string, hash: string): Promise<{ rel: string } | { reason: string }> {
    const at = await this.hashAt(rel);
    if (at === hash) return { rel };
    this.byName ??= listImageFiles(this.dir).then((l) => {
      const m = new Map<string, string[]>();
      for (const f of l.files) m.set(path.posix.basename(f), [...(m.get(path.posix.basename(f)) ?? []), f]);
      return m;
    });
    for (const other of (await this.byName).get(path.posix.basename(rel)) ?? []) {
      if (other !== rel && (await this.hashAt(other)) === hash) return { rel: other };
    }
    return { reason: at === null ? `not found in ${this.dir}` : `${path.join(this.dir, rel)} has other content (content hash differs)` };
  }
}

/**
 * Write an image from the package into the folder, never over an existing file
 * and never through a symlink in the folder that leads out of it.
 */
async function writeImage(dir: string, rel: string, data: Buffer): Promise<boolean> {
  const file = path.join(dir, rel);
  if (await fs.stat(file).catch(() => null)) return false;
  const root = await fs.realpath(dir);
  let existing = path.dirname(file);
  while (!(await fs.stat(existing).catch(() => null)) && existing !== path.dirname(existing)) existing = path.dirname(existing);
  if (!isInside(root, await fs.realpath(existing))) {
    throw new LoupeError('bad_request', `The package's image ${rel} would be written outside ${dir}: ${existing} leads out of it through a link; nothing was written.`);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${crypto.randomBytes(4).toString('hex')}.partial`;
  await fs.writeFile(temp, data, { flush: true });
  await fs.rename(temp, file);
  return true;
}

/**
 * Create a project from a work package for its person: the same project id,
 * classes and ids as the lead's, the person as its annotator, the images found
 * in `imagesDir` by content hash (or written there from the package), the
 * predictions and the person's work on them. Images that cannot be found are
 * listed and left out. The project is built under a temporary name and renamed
 * into place when complete; a refusal, failure or cancel leaves nothing there.
 */
export async function openPackage(
  req: { file: string; imagesDir: string; project: string },
  opts: OpenOptions,
  ctx?: Pick<JobContext, 'progress' | 'checkCancelled' | 'signal'>,
): Promise<PackageOpenSummary> {
  const started = Date.now();
  const file = path.resolve(req.file);
  const target = path.resolve(req.project);
  const imagesDir = path.resolve(req.imagesDir);
  if (await fs.stat(target).catch(() => null)) throw new LoupeError('conflict', `A file already exists at ${target}; choose another name for the new project.`);
  const header = await readHeader(file, ctx?.signal);
  const hasFiles = (header.counts.imageFiles ?? 0) > 0;
  const dirStat = await fs.stat(imagesDir).catch(() => null);
  if (dirStat && !dirStat.isDirectory()) throw new LoupeError('bad_request', `Not a folder: ${imagesDir}`);
  if (!dirStat) {
    if (!hasFiles) throw new LoupeError('not_found', `Image folder not found: ${imagesDir} (this package holds no images; pick the folder with the project's images).`);
    await fs.mkdir(imagesDir, { recursive: true });
  }

  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(4).toString('hex')}.partial`);
  const project = Project.create(temp, { ...opts, annotator: header.annotator });
  const removeTemp = () => Promise.all(['', '-wal', '-shm', '-journal'].map((s) => fs.rm(temp + s, { force: true })));
  try {
    const repo = packageRepo(project);
    const me = project.annotator.id;
    const counts = { classes: 0, images: 0, predictions: 0, boxes: 0, marks: 0, rejections: 0, edits: 0, imageFiles: 0 };
    const missing: PackageOpenSummary['missing'] = [];
    let written = 0;
    const rootId = project.db.transaction(() => {
      const origin: PackageOrigin = { projectId: header.projectId, projectName: header.projectName, annotator: header.annotator, file, openedAt: new Date().toISOString() };
      repo.setMeta('project_id', header.projectId);
      repo.setMeta('package_origin', JSON.stringify(origin));
      return project.images.ensureRoot(project.storedRootPath(imagesDir));
    })();
    const finder = new ImageFinder(imagesDir);
    const runs = new Map<number, number>();
    const total = header.counts.images ?? 0;
    const addClass = project.db.transaction((c: ClassRec) => {
      repo.insertClass(c);
      counts.classes++;
    });
    const addImage = project.db.transaction((g: ImageGroup, rel: string) => {
      const at = new Date().toISOString();
      const img = g.image;
      if (g.run && !runs.has(g.run.id)) {
        const author = project.annotators.ensure(g.run.author, 'model');
        repo.insertRun(g.run, author.id);
        runs.set(g.run.id, author.id);
      }
      repo.insertImage({ ...img, path: rel, rootId, contentHash: img.hash }, at);
      if (g.run) repo.runImage(g.run.id, img.id, g.preds.length, at);
      for (const b of g.preds) {
        project.boxes.insert({ id: b.id, imageId: img.id, annotatorId: runs.get(b.run)!, modelRunId: b.run, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, score: b.score, provenance: 'predicted', sourceBoxId: null });
      }
      for (const b of g.boxes) {
        project.boxes.insert({ id: b.id, imageId: img.id, annotatorId: me, modelRunId: null, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, score: null, provenance: b.provenance, sourceBoxId: b.source });
      }
      for (const r of g.rejects) project.review.reject(r.box, me);
      if (img.mark) {
        project.assignments.set(img.id, me, img.mark.status, img.mark.updatedAt, 'review');
        repo.setAssignedAt(img.id, me, img.mark.assignedAt);
      }
      // The lead's history of this person's edits comes along as a trail, outside undo.
      for (const e of g.edits) repo.insertLogEdit(img.id, me, e.time, JSON.stringify(e.diff));
      counts.images++;
      counts.predictions += g.preds.length;
      counts.boxes += g.boxes.length;
      counts.rejections += g.rejects.length;
      counts.edits += g.edits.length;
      if (img.mark) counts.marks++;
    });

    let seen = 0;
    for await (const g of imageGroups(readFrames(file, header), (c) => addClass(c))) {
      ctx?.checkCancelled();
      seen++;
      if (g.data) {
        counts.imageFiles++;
        if (sha256(g.data) !== g.image.hash) throw new LoupeError('bad_request', `The package's file for ${g.image.path} does not match its content hash; the package is damaged.`);
        if (await writeImage(imagesDir, g.image.path, g.data)) written++;
      }
      const found = await finder.find(g.image.path, g.image.hash);
      if ('reason' in found) missing.push({ path: g.image.path, reason: found.reason });
      else addImage(g, found.rel);
      ctx?.progress(seen, total, `${counts.images} images found, ${missing.length} missing`);
    }
    ctx?.checkCancelled();
    project.close();
    if (await fs.stat(target).catch(() => null)) throw new LoupeError('conflict', `A file appeared at ${target} while the package was opened; nothing was written there.`);
    await fs.rename(temp, target);
    return {
      project: target,
      projectId: header.projectId,
      annotator: header.annotator,
      imagesDir,
      images: counts.images,
      written,
      missing,
      counts,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    project.close();
    await removeTemp();
    throw err;
  }
}

