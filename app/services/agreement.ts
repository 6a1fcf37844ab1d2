import type { AgreementResult } from '../contract/jobResults.ts';
import type { Res } from '../contract/methods.ts';
import os from 'node:os';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import {
  consensusMerge,
  countPair,
  defaultQuorum,
  f1,
  matchPair,
  meanIoU,
  type ABox,
  type AgreementReport,
} from '../metrics/agreement/index.ts';
import { checkQuorum } from '../metrics/agreement/consensus.ts';
import { checkThreshold } from '../metrics/agreement/match.ts';
import type { AgreementWriteRows } from '../metrics/agreementProtocol.ts';
import { agreementInWorker } from '../metrics/agreementInWorker.ts';
import { startAgreementWriter, type AgreementWriter } from '../metrics/agreementWriter.ts';
import { agreementRepo } from '../store/AgreementRepo.ts';
import type { Project } from '../store/Project.ts';
import { isBlind } from './people.ts';

/** The parameters of an agreement report: the IoU threshold (default 0.5) and the consensus quorum (default: half the people on each image, rounded up). */
export interface AgreementParams {
  iou: number;
  quorum?: number;
}

/** The report is split over more workers only when each gets at least this many done marks (a worker costs ~0.25 s to start). */
const MARKS_PER_WORKER = 6000;
/** At most this many report workers (each holds its range's state and a read connection). */
const MAX_WORKERS = 4;

/** A matched pair of boxes under this IoU is marked low_iou in the disagreement review. */
export const LOW_IOU = 0.8;

/** Check the parameters and that some image has two or more people's done work, before any job starts. */
export function checkAgreement(project: Project, req: AgreementParams): { images: number } {
  checkThreshold(req.iou);
  if (req.quorum !== undefined) checkQuorum(req.quorum);
  const images = agreementRepo(project.db).countShared();
  if (images === 0) {
    throw new LoupeError(
      'bad_request',
      'No image has done work from two or more people yet, so there is no agreement to report; assign images to several people (loupe assign) and let them mark them done.',
    );
  }
  return { images };
}

/** The report with annotator and class names, as the job's result carries it. */
export function nameReport(project: Project, r: AgreementReport, seconds: number): AgreementResult {
  const people = new Map(project.annotators.list().map((a) => [a.id, a.name]));
  const classes = new Map(project.classes.list().map((c) => [c.id, c.name]));
  const who = (id: number) => people.get(id) ?? `#${id}`;
  const ids = new Set<number>();
  for (const p of r.pairs) ids.add(p.a).add(p.b);
  return {
    ...r,
    pairs: r.pairs.map((p) => ({ ...p, aName: who(p.a), bName: who(p.b) })),
    perClass: { ...r.perClass, jaccard: r.perClass.jaccard.map((j) => ({ ...j, name: classes.get(j.classId) ?? `class ${j.classId}` })) },
    perPerson: r.perPerson.map((p) => ({ ...p, name: who(p.annotatorId) })),
    annotators: [...ids].sort((a, b) => a - b).map((id) => ({ id, name: who(id) })),
    classes: r.perClass.classIds.map((id) => ({ id, name: classes.get(id) ?? `class ${id}` })),
    seconds,
  };
}

/** How a host runs the report: a bundled worker, the native binding, progress spacing, and (for tests) the number of workers. */
export interface AgreementRunOptions {
  workerFile?: URL;
  /** The bundled image_agreement writer (agreementWriteWorker), for hosts that ship bundles. */
  writerFile?: URL;
  nativeBinding?: string;
  progressEvery?: number;
  /** Split the images over this many workers (default: one per core, up to MAX_WORKERS, when the project is large enough). */
  workers?: number;
}

/**
 * The project's agreement report, computed in worker threads (one per range of images
 * on a large project, merged exactly) with their own read-only connections; when it
 * finishes (not when cancelled) each image's agreement is written to image_agreement in
 * one transaction, replacing the last report's, by a writer worker with its own
 * connection, so neither the report nor its write holds the host's event loop.
 */
export async function runAgreement(
  project: Project,
  req: AgreementParams,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: AgreementRunOptions = {},
): Promise<AgreementResult> {
  const t0 = performance.now();
  const repo = agreementRepo(project.db);
  const cuts =
    opts.workers === undefined ? repo.sharedCuts(Math.min(os.availableParallelism(), MAX_WORKERS), MARKS_PER_WORKER) : repo.sharedCuts(opts.workers, 1);
  // started once the report is done: beside the report's workers its start would take a core from them
  let writer: Promise<AgreementWriter> | null = null;
  try {
    const report = await agreementInWorker(
      { file: project.file, nativeBinding: opts.nativeBinding, iou: req.iou, quorum: req.quorum, progressEvery: opts.progressEvery },
      { signal: ctx?.signal, progress: (done, total, message) => ctx?.progress(done, total, message), workerFile: opts.workerFile, cuts },
    );
    if (report.images === 0) throw new LoupeError('bad_request', 'No image has done work from two or more people any more; nothing was written.');
    if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Agreement report cancelled.');
    writer = startAgreementWriter({ file: project.file, nativeBinding: opts.nativeBinding }, opts.writerFile);
    await (await writer).write(imageAgreementColumns(report, req.iou));
    return nameReport(project, report, (performance.now() - t0) / 1000);
  } finally {
    void writer?.then((w) => w.stop(), () => undefined);
  }
}

/** The report's per-image rows as the writer takes them, by column. */
function imageAgreementColumns(report: AgreementReport, iou: number): AgreementWriteRows {
  const n = report.perImage.length;
  const rows = { imageId: new Float64Array(n), agreement: new Float64Array(n), people: new Int32Array(n), iou, at: new Date().toISOString() };
  report.perImage.forEach((r, i) => {
    rows.imageId[i] = r.imageId;
    rows.agreement[i] = r.agreement;
    rows.people[i] = r.people.length;
  });
  return rows;
}

/** Check and run the report (what a host does in two steps around starting a job). */
export async function agreementReport(
  project: Project,
  req: AgreementParams,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: AgreementRunOptions = {},
): Promise<AgreementResult> {
  checkAgreement(project, req);
  return runAgreement(project, req, ctx, opts);
}

type Mark = Res<'agreement:image'>['marks'][number];

/** Each box's disagreements over every pair of people: no match on some side, matched to another class, matched under LOW_IOU. */
export function disagreementMarks(byPerson: ReadonlyMap<number, readonly ABox[]>, t: number): Mark[] {
  const lists = [...byPerson.values()];
  const seen = new Set<string>();
  const out: Mark[] = [];
  const mark = (boxId: number, kind: Mark['kind']) => {
    const k = `${boxId}:${kind}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ boxId, kind });
  };
  for (let p = 0; p < lists.length; p++) {
    for (let q = p + 1; q < lists.length; q++) {
      const a = lists[p];
      const b = lists[q];
      const m = matchPair(a, b, t);
      for (const i of m.onlyA) mark(a[i].id, 'missing');
      for (const k of m.onlyB) mark(b[k].id, 'missing');
      for (const x of m.matches) {
        if (!x.sameClass) {
          mark(a[x.a].id, 'class_conflict');
          mark(b[x.b].id, 'class_conflict');
        } else if (x.iou < LOW_IOU) {
          mark(a[x.a].id, 'low_iou');
          mark(b[x.b].id, 'low_iou');
        }
      }
    }
  }
  return out;
}

/**
 * Everything the disagreement review draws for one image: each person who marked it
 * done with their boxes, each pair's counts, the marks, and the automatic consensus at
 * the quorum. With fewer than two people done there are no pairs and agreement is null.
 * An annotator labelling blind on an assigned image may not see it.
 */
export function agreementImage(project: Project, req: { imageId: number; iou: number; quorum?: number }): Res<'agreement:image'> {
  checkThreshold(req.iou);
  if (req.quorum !== undefined) checkQuorum(req.quorum);
  if (!project.images.get(req.imageId)) throw new LoupeError('not_found', `Image ${req.imageId} is not in this project.`);
  if (isBlind(project, req.imageId)) {
    throw new LoupeError('forbidden', `Image ${req.imageId} is labelled blind: only the lead sees everyone's work on it; switch to the lead role.`);
  }
  const repo = agreementRepo(project.db);
  const byPerson = repo.peopleOn(req.imageId);
  const names = new Map(project.annotators.list().map((a) => [a.id, a.name]));
  const name = (id: number) => names.get(id) ?? `#${id}`;
  const ids = [...byPerson.keys()];
  const pairs: Res<'agreement:image'>['pairs'] = [];
  for (let p = 0; p < ids.length; p++) {
    for (let q = p + 1; q < ids.length; q++) {
      const c = countPair(matchPair(byPerson.get(ids[p])!, byPerson.get(ids[q])!, req.iou));
      pairs.push({ a: ids[p], b: ids[q], aName: name(ids[p]), bName: name(ids[q]), counts: c, f1: f1(c), meanIoU: meanIoU(c) });
    }
  }
  const quorum = req.quorum ?? defaultQuorum(ids.length);
  const consensus = ids.length ? consensusMerge(byPerson, req.iou, quorum) : [];
  const author = repo.consensusAuthor();
  return {
    imageId: req.imageId,
    iou: req.iou,
    quorum,
    people: ids.map((id) => ({ annotatorId: id, name: name(id), boxes: project.boxes.forImage(req.imageId, id).filter((b) => b.modelRunId === null) })),
    agreement: pairs.length ? pairs.reduce((s, p) => s + p.f1, 0) / pairs.length : null,
    pairs,
    marks: disagreementMarks(byPerson, req.iou),
    consensus: consensus.map((c) => ({ box: { x: c.box.x, y: c.box.y, w: c.box.w, h: c.box.h, classId: c.classId }, votes: c.votes, members: c.members })),
    resolved: author ? repo.isResolved(req.imageId, author.id) : false,
  };
}
