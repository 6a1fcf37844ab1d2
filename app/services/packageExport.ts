import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageExportSummary } from '../contract/jobResults.ts';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { PackageWriter } from '../io/workPackageFile.ts';
import type { BoxRec, ClassRec, EditRec, ImageRec, PredRec, RunRec } from '../io/workPackageRecords.ts';
import { pathEscape } from '../io/safePaths.ts';
import { PackageRepo } from '../store/PackageRepo.ts';
import type { Project } from '../store/Project.ts';
import { VERSION } from './handlers.ts';

/** Where a project opened from a package came from (the `meta` key `package_origin`). */
export interface PackageOrigin {
  projectId: string;
  projectName: string;
  annotator: string;
  file: string;
  openedAt: string;
}

/** The package repository of a project (one per open database). */
const repos = new WeakMap<object, PackageRepo>();
export function packageRepo(p: Project): PackageRepo {
  let r = repos.get(p.db);
  if (!r) repos.set(p.db, (r = new PackageRepo(p.db)));
  return r;
}

/** The human annotator of this name, or a clear error listing who there is. */
export function personNamed(p: Project, name: string) {
  const all = p.annotators.list();
  const a = all.find((x) => x.name === name);
  if (!a || a.kind !== 'human') {
    const people = all.filter((x) => x.kind === 'human').map((x) => x.name);
    const what = a ? `"${name}" is a ${a.kind} author, not a person` : `No person "${name}" in this project`;
    throw new LoupeError('not_found', `${what} (people: ${people.length ? people.join(', ') : 'none'}).`);
  }
  return a;
}

/**
 * Write one person's work package: the project's id and classes, the images
 * they have an assignment row or boxes on, the latest run's predictions on
 * each, and their own boxes, rejections, marks and edits; nobody else's work
 * and no other person's name. Written beside `out` and renamed into place when
 * complete, so a failure or cancel leaves nothing at `out`.
 */
export async function exportPackage(
  project: Project,
  req: { annotator: string; out: string; withImages: boolean },
  ctx?: Pick<JobContext, 'progress' | 'checkCancelled'>,
): Promise<PackageExportSummary> {
  const started = Date.now();
  const person = personNamed(project, req.annotator);
  const repo = packageRepo(project);
  const projectId = project.db.transaction(() => repo.projectId())();
  const originText = repo.meta('package_origin');
  const origin = originText ? (JSON.parse(originText) as PackageOrigin) : null;
  const ids = repo.personImages(person.id);
  const roots = new Map(project.images.roots().map((r) => [r.id, project.rootPath(r.path)]));
  const counts = { classes: 0, images: 0, predictions: 0, boxes: 0, marks: 0, rejections: 0, edits: 0, imageFiles: 0 };
  const unreadable: PackageExportSummary['unreadable'] = [];
  const out = path.resolve(req.out);
  if ((await fs.stat(out).catch(() => null))?.isDirectory()) throw new LoupeError('bad_request', `${out} is a folder; give the package's file name.`);

  const w = await PackageWriter.create(out);
  try {
    for (const c of project.classes.list()) {
      const rec: ClassRec = { t: 'class', id: c.id, name: c.name, color: c.color, hotkey: c.hotkey, position: c.position };
      await w.record(rec);
      counts.classes++;
    }
    const runsWritten = new Set<number>();
    for (const [i, imageId] of ids.entries()) {
      ctx?.checkCancelled();
      const img = project.images.get(imageId);
      if (!img) continue;
      const runId = repo.latestRun(imageId);
      if (runId !== null && !runsWritten.has(runId)) {
        const run = repo.run(runId)!;
        const rec: RunRec = { t: 'run', ...run };
        await w.record(rec);
        runsWritten.add(runId);
      }
      if (!img.contentHash) {
        unreadable.push({ path: img.path, reason: 'the project has no content hash for it' });
        continue;
      }
      // Opening the package would refuse it whole (it writes images at these paths).
      const escape = pathEscape(img.path);
      if (escape) {
        unreadable.push({ path: img.path, reason: `its stored path cannot go into a package: ${escape}` });
        continue;
      }
      const mark = repo.mark(imageId, person.id) ?? null;
      const imageRec: ImageRec = {
        t: 'image',
        id: imageId,
        path: img.path,
        width: img.width,
        height: img.height,
        orientation: img.orientation,
        format: img.format,
        bytes: img.bytes,
        hash: img.contentHash,
        metadata: img.metadata,
        mark,
        run: runId,
      };
      await w.record(imageRec);
      counts.images++;
      if (mark) counts.marks++;
      const predIds = new Set<number>();
      if (runId !== null) {
        for (const b of repo.predictions(imageId, runId)) {
          const rec: PredRec = { t: 'pred', id: b.id, image: imageId, run: runId, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, score: b.score };
          await w.record(rec);
          predIds.add(b.id);
          counts.predictions++;
        }
      }
      for (const b of project.boxes.forImage(imageId, person.id)) {
        if (b.modelRunId !== null) continue;
        const provenance = b.provenance === 'predicted' ? 'imported' : b.provenance;
        const rec: BoxRec = { t: 'box', id: b.id, image: imageId, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, provenance, source: b.sourceBoxId };
        await w.record(rec);
        counts.boxes++;
      }
      for (const boxId of project.review.rejectedOn(imageId, person.id)) {
        if (!predIds.has(boxId)) continue;
        await w.record({ t: 'reject', image: imageId, box: boxId });
        counts.rejections++;
      }
      for (const e of repo.edits(imageId, person.id)) {
        const rec: EditRec = { t: 'edit', image: imageId, time: e.time, state: e.state, diff: JSON.parse(e.diff) as EditRec['diff'] };
        await w.record(rec);
        counts.edits++;
      }
      if (req.withImages) {
        const file = path.join(roots.get(img.rootId) ?? project.dir, img.path);
        const data = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
          unreadable.push({ path: img.path, reason: `cannot read ${file}: ${err.code ?? err.message}` });
          return null;
        });
        if (data && crypto.createHash('sha256').update(data).digest('hex') !== img.contentHash) {
          unreadable.push({ path: img.path, reason: `${file} changed since it was imported (content hash differs)` });
        } else if (data) {
          await w.file(imageId, data);
          counts.imageFiles++;
        }
      }
      ctx?.progress(i + 1, ids.length, `${counts.images} images, ${counts.boxes} boxes`);
    }
    ctx?.checkCancelled();
    const bytes = await w.finish({
      projectId,
      projectName: origin?.projectName ?? path.basename(project.file).replace(/\.loupe$/, ''),
      annotator: person.name,
      origin: origin ? 'package' : 'project',
      exportedAt: new Date().toISOString(),
      loupeVersion: VERSION,
      counts,
    });
    return { file: out, projectId, annotator: person.name, origin: origin ? 'package' : 'project', counts, unreadable, bytes, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    await w.abort();
    throw err;
  }
}
