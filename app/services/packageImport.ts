import path from 'node:path';
import type { PackageImportSummary } from '../contract/jobResults.ts';
import type { BoxState, NewBox } from '../domain/box.ts';
import type { BoxDiff } from '../domain/diff.ts';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { readFrames, readHeader } from '../io/workPackageFile.ts';
import { imageGroups, type ClassRec, type ImageGroup } from '../io/workPackageRecords.ts';
import type { Project } from '../store/Project.ts';
import { packageRepo } from './packageExport.ts';

type Norm = { classId: number; x: number; y: number; w: number; h: number; provenance: string; source: number | null };
const key = (b: Norm) => JSON.stringify([b.classId, b.x, b.y, b.w, b.h, b.provenance, b.source]);
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/**
 * Bring a work package's work into this project, attributed to its person, in
 * one transaction. The package is checked whole first: its format version,
 * checksum and length, that it comes from this project (same project id), and
 * that every class it names is this project's class of the same id and name.
 * Any refusal changes nothing.
 *
 * Per image (matched by content hash; the path may differ): where the project
 * already holds exactly the package's boxes, mark and rejections for the person,
 * nothing is written; otherwise the person's boxes, rejections and mark there
 * are replaced by the package's, and their undo history on the image ends.
 * Importing the same package again therefore changes nothing. Edits come as
 * trail entries (state `log`), each once (by image, person and time).
 * Predictions and other people's work are never touched.
 */
export async function importPackage(project: Project, file: string, ctx?: Pick<JobContext, 'progress' | 'checkCancelled' | 'signal'>): Promise<PackageImportSummary> {
  const started = Date.now();
  const abs = path.resolve(file);
  const header = await readHeader(abs, ctx?.signal);
  const repo = packageRepo(project);
  const ours = repo.existingProjectId();
  if (ours !== header.projectId) {
    throw new LoupeError(
      'conflict',
      `${abs} is a work package of another project ("${header.projectName}", id ${header.projectId}); this project's id is ${ours ?? 'not set (it never exported a package)'}. Nothing was imported.`,
    );
  }
  const existing = project.annotators.list().find((a) => a.name === header.annotator);
  if (existing && existing.kind !== 'human') throw new LoupeError('conflict', `The package is for "${header.annotator}", which is a ${existing.kind} author in this project, not a person. Nothing was imported.`);

  const classProblem = (c: ClassRec): string | null => {
    const mine = project.classes.get(c.id);
    if (!mine) return `class ${c.id} "${c.name}" is not in this project`;
    if (mine.name !== c.name) return `class ${c.id} is "${c.name}" in the package but "${mine.name}" here`;
    return null;
  };
  const problems: string[] = [];
  const groups: ImageGroup[] = [];
  const total = header.counts.images ?? 0;
  for await (const g of imageGroups(readFrames(abs, header), (c) => {
    const p = classProblem(c);
    if (p) problems.push(p);
  })) {
    ctx?.checkCancelled();
    g.data = undefined;
    groups.push(g);
    ctx?.progress(groups.length, total, 'reading');
  }
  if (problems.length) throw new LoupeError('conflict', `The package's classes do not match this project's: ${problems.join('; ')}. Nothing was imported.`);
  ctx?.checkCancelled();

  const summary: PackageImportSummary = {
    file: abs,
    projectId: header.projectId,
    annotator: header.annotator,
    images: groups.length,
    changed: 0,
    unchanged: 0,
    unmatched: [],
    boxesAdded: 0,
    boxesRemoved: 0,
    marks: 0,
    edits: 0,
    seconds: 0,
  };
  project.db.transaction(() => {
    const person = project.annotators.ensure(header.annotator, 'human').id;
    for (const g of groups) {
      const img = project.images.get(g.image.id);
      const byHash = img?.contentHash === g.image.hash ? img : project.images.byHash(g.image.hash);
      if (!byHash) {
        summary.unmatched.push({ path: g.image.path, reason: 'no image with this content in the project' });
        continue;
      }
      const imageId = byHash.id;
      const predIds = new Set(project.boxes.forImage(imageId).filter((b) => b.modelRunId !== null).map((b) => b.id));
      const source = (id: number | null) => (id !== null && predIds.has(id) ? id : null);
      const mine = project.boxes.forImage(imageId, person).filter((b) => b.modelRunId === null);
      const want = g.boxes.map((b) => ({ ...b, source: source(b.source) }));
      const rejects = [...new Set(g.rejects.map((r) => r.box).filter((id) => predIds.has(id)))];
      const mark = project.assignments.get(imageId, person);
      const same =
        sameSet(mine.map((b) => key({ ...b, source: b.sourceBoxId })), want.map(key)) &&
        sameSet([...project.review.rejectedOn(imageId, person)].filter((id) => predIds.has(id)).map(String), rejects.map(String)) &&
        (g.image.mark === null || g.image.mark.status === mark);
      const remap = new Map<number, number>();
      if (same) summary.unchanged++;
      else {
        summary.changed++;
        const own = new Set(mine.map((b) => b.id));
        summary.boxesRemoved += repo.deletePersonBoxes(imageId, person);
        repo.clearRejections(imageId, person);
        repo.endUndo(imageId, person);
        for (const b of want) {
          // A box keeps its id when it was this person's box here; a box drawn elsewhere gets a new one.
          const id = own.has(b.id) && !repo.boxIdTaken(b.id) ? b.id : undefined;
          const stored = project.boxes.insert({ id, imageId, annotatorId: person, modelRunId: null, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, score: null, provenance: b.provenance, sourceBoxId: b.source });
          remap.set(b.id, stored);
          summary.boxesAdded++;
        }
        for (const id of rejects) project.review.reject(id, person);
        if (g.image.mark) {
          project.assignments.set(imageId, person, g.image.mark.status, g.image.mark.updatedAt, 'review');
          summary.marks++;
        }
      }
      for (const e of g.edits) {
        if (repo.hasEdit(imageId, person, e.time)) continue;
        repo.insertLogEdit(imageId, person, e.time, JSON.stringify(remapDiff(e.diff as unknown as BoxDiff, remap)));
        summary.edits++;
      }
    }
  })();
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** A diff with the ids of boxes the import renumbered replaced by their new ids. */
function remapDiff(d: BoxDiff, remap: ReadonlyMap<number, number>): BoxDiff {
  if (!remap.size || !d || !Array.isArray(d.added)) return d;
  const s = <T extends BoxState | NewBox>(b: T): T => (b.id !== undefined && remap.has(b.id) ? { ...b, id: remap.get(b.id)! } : b);
  return { ...d, added: d.added.map(s), updated: (d.updated ?? []).map(([a, b]) => [s(a), s(b)] as [BoxState, BoxState]), removed: (d.removed ?? []).map(s) };
}
