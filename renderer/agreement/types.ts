import { AgreementResult } from '../../app/contract/jobResults.ts';
import type { Res } from '../../app/contract/methods.ts';

/**
 * The agreement report and the per-image disagreement view as the dashboard and the canvas
 * draw them, read from agreement:start's result (checked against its contract schema) and
 * agreement:image's reply.
 */

export interface Counts {
  matchedSame: number;
  matchedOther: number;
  onlyA: number;
  onlyB: number;
  iouSum: number;
}

export interface PairRow extends Counts {
  a: number;
  b: number;
  aName: string;
  bName: string;
  images: number;
  meanIoU: number | null;
  f1: number;
}

export interface PersonRow extends Counts {
  annotatorId: number;
  name: string;
  images: number;
  meanIoU: number | null;
  f1: number;
}

export interface ImageRow {
  imageId: number;
  /** Annotator ids of the people whose done work the image counts. */
  people: number[];
  agreement: number;
}

export interface ClassRow {
  classId: number;
  name: string;
  jaccard: number | null;
}

export interface Report {
  iou: number;
  quorum: number | null;
  meanAgreement: number | null;
  alpha: number | null;
  imagesCounted: number;
  pairs: PairRow[];
  people: PersonRow[];
  images: ImageRow[];
  classes: ClassRow[];
  /** Confusion counts: labels are class ids then null for "unmatched"; matrix[i][j]. */
  confusion: { labels: (number | null)[]; matrix: number[][] };
}

export type MarkKind = 'missing' | 'class_conflict' | 'low_iou';

export interface ImageBox {
  id: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ImageView {
  imageId: number;
  people: { annotatorId: number; name: string; boxes: ImageBox[] }[];
  agreement: number | null;
  marks: { boxId: number; kind: MarkKind }[];
  consensus: { box: Omit<ImageBox, 'id'>; votes: number }[];
  /** The lead resolved the image already. */
  resolved: boolean;
}

/** The job's result as the dashboard draws it; throws when it is not an agreement report. */
export function readReport(value: unknown): Report {
  const parsed = AgreementResult.safeParse(value);
  if (!parsed.success) throw new Error(`The agreement job's result is not a report: ${parsed.error.issues[0]?.message ?? 'unreadable'}.`);
  const r = parsed.data;
  const names = new Map(r.perClass.jaccard.map((j) => [j.classId, j.name]));
  for (const c of r.classes) if (!names.has(c.id)) names.set(c.id, c.name);
  return {
    iou: r.iou,
    quorum: r.quorum,
    meanAgreement: r.meanAgreement,
    alpha: r.alpha,
    imagesCounted: r.images,
    pairs: r.pairs.map((p) => ({ a: p.a, b: p.b, aName: p.aName, bName: p.bName, images: p.images, meanIoU: p.meanIoU, f1: p.f1, ...p.counts })),
    people: r.perPerson.map((p) => ({ annotatorId: p.annotatorId, name: p.name, images: p.images, meanIoU: p.meanIoU, f1: p.f1, ...p.counts })),
    images: r.perImage.map((i) => ({ imageId: i.imageId, people: i.people, agreement: i.agreement })),
    classes: r.perClass.jaccard.map((j) => ({ classId: j.classId, name: j.name, jaccard: j.jaccard })),
    // The matrix's last row and column are "unmatched".
    confusion: { labels: [...r.perClass.classIds, null], matrix: r.perClass.confusion },
  };
}

/** Jaccard of the i-th class of a confusion matrix: diag / (row + col − diag); null with no boxes. */
export function jaccardAt(m: readonly (readonly number[])[], i: number): number | null {
  const diag = m[i]?.[i] ?? 0;
  const row = (m[i] ?? []).reduce((s, x) => s + x, 0);
  const col = m.reduce((s, r) => s + (r[i] ?? 0), 0);
  const d = row + col - diag;
  return d > 0 ? diag / d : null;
}

/** agreement:image's reply as the canvas decorates it. */
export function readImage(v: Res<'agreement:image'>): ImageView {
  return {
    imageId: v.imageId,
    people: v.people.map((p) => ({ annotatorId: p.annotatorId, name: p.name, boxes: p.boxes.map((b) => ({ id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h })) })),
    agreement: v.agreement,
    marks: v.marks,
    consensus: v.consensus.map((c) => ({ box: c.box, votes: c.votes })),
    resolved: v.resolved,
  };
}
