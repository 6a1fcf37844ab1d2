/**
 * The agreement report and the per-image disagreement view as the renderer reads them.
 * They follow the agreed contract (agreement:start's result, agreement:image's reply);
 * `readReport` and `readImage` accept the shapes leniently so a field added by the core
 * does not break the view, and refuse a reply that lacks what the view needs.
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
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, d = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const numOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function counts(o: J): Counts {
  const c = isObj(o.counts) ? o.counts : o;
  return { matchedSame: num(c.matchedSame), matchedOther: num(c.matchedOther), onlyA: num(c.onlyA), onlyB: num(c.onlyB), iouSum: num(c.iouSum) };
}

/** A name for an annotator id from the report's own name table, else `#id`. */
function namer(r: J): (id: number, given?: unknown) => string {
  const names = new Map<number, string>();
  for (const a of arr(r.annotators)) if (isObj(a)) names.set(num(a.id ?? a.annotatorId), String(a.name));
  if (isObj(r.names)) for (const [k, v] of Object.entries(r.names)) names.set(Number(k), String(v));
  return (id, given) => (typeof given === 'string' && given ? given : (names.get(id) ?? `#${id}`));
}

/** The job's result as the dashboard draws it; throws when it is not an agreement report. */
export function readReport(value: unknown, classNames: ReadonlyMap<number, string>): Report {
  if (!isObj(value)) throw new Error('The agreement job gave no report.');
  const name = namer(value);
  const pairs = arr(value.pairs)
    .filter(isObj)
    .map((p): PairRow => {
      const a = num(p.a ?? p.annotatorA ?? p.aId);
      const b = num(p.b ?? p.annotatorB ?? p.bId);
      return { a, b, aName: name(a, p.aName ?? p.nameA), bName: name(b, p.bName ?? p.nameB), images: num(p.images), meanIoU: numOrNull(p.meanIoU), f1: num(p.f1), ...counts(p) };
    });
  const people = arr(value.people ?? value.persons ?? value.perPerson)
    .filter(isObj)
    .map((p): PersonRow => {
      const id = num(p.annotatorId ?? p.id);
      return { annotatorId: id, name: name(id, p.name), images: num(p.images), meanIoU: numOrNull(p.meanIoU), f1: num(p.f1), ...counts(p) };
    });
  const images = arr(value.images ?? value.perImage)
    .filter(isObj)
    .map((i): ImageRow => ({ imageId: num(i.imageId), people: arr(i.people).map((x) => num(isObj(x) ? (x.annotatorId ?? x.id) : x)), agreement: num(i.agreement) }));
  const cls = isObj(value.classes) ? value.classes : isObj(value.perClass) ? value.perClass : {};
  const labels = arr(cls.labels ?? cls.classIds).map((x) => (x === null || x === 'unmatched' ? null : num(x)));
  const matrix = arr(cls.matrix ?? cls.confusion).map((row) => arr(row).map((x) => num(x)));
  const jac = arr(cls.jaccard);
  const classes: ClassRow[] = labels.flatMap((id, i) => (id === null ? [] : [{ classId: id, name: classNames.get(id) ?? `class ${id}`, jaccard: numOrNull(jac[i]) ?? jaccardAt(matrix, i) }]));
  return {
    iou: num(value.iou ?? value.t, 0.5),
    quorum: numOrNull(value.quorum),
    meanAgreement: numOrNull(value.meanAgreement ?? value.meanImageAgreement),
    alpha: numOrNull(value.alpha ?? value.krippendorffAlpha),
    imagesCounted: num(value.imagesCounted ?? value.imageCount, images.length),
    pairs,
    people,
    images,
    classes,
    confusion: { labels, matrix },
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
export function readImage(value: unknown): ImageView {
  if (!isObj(value) || !Array.isArray(value.people)) throw new Error('agreement:image gave no people for this image.');
  const box = (b: unknown): ImageBox => {
    const o = isObj(b) ? b : {};
    return { id: num(o.id), classId: num(o.classId), x: num(o.x), y: num(o.y), w: num(o.w), h: num(o.h) };
  };
  return {
    imageId: num(value.imageId),
    people: value.people.filter(isObj).map((p) => ({ annotatorId: num(p.annotatorId ?? p.id), name: String(p.name ?? `#${num(p.annotatorId)}`), boxes: arr(p.boxes).map(box) })),
    agreement: numOrNull(value.agreement),
    marks: arr(value.marks)
      .filter(isObj)
      .filter((m) => m.kind === 'missing' || m.kind === 'class_conflict' || m.kind === 'low_iou')
      .map((m) => ({ boxId: num(m.boxId), kind: m.kind as MarkKind })),
    consensus: arr(value.consensus)
      .filter(isObj)
      .map((c) => {
        const { id: _id, ...b } = box(c.box);
        return { box: { ...b, classId: num(isObj(c.box) ? (c.box.classId ?? c.classId) : c.classId) }, votes: num(c.votes) };
      }),
  };
}
