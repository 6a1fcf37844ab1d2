/**
 * The whole-project agreement report, built one image at a time. Memory is
 * proportional to pairs × classes plus one row per image, never to all boxes
 * (a mergeable accumulator also keeps one number per image and pair and per
 * match against the consensus, so that parts add up exactly).
 */
import { LoupeError } from '../../domain/errors.ts';
import { NominalCoincidence, type CoincidencePart } from './alpha.ts';
import { addCounts, checkPeople, f1, meanIoU, peopleOf, zeroCounts, type PairCounts } from './counts.ts';
import { checkQuorum, clustersFromMatches, defaultQuorum, nodeOffsets, pushMatches, resolveCluster, type MatchEdges } from './consensus.ts';
import { aIoU, aToB, bToA, checkBoxes, checkThreshold, solvePair, type ABox } from './match.ts';

/** One pair of people on one image, or over the project. */
export interface PairAgreement {
  /** Annotator ids, a < b. */
  a: number;
  b: number;
  counts: PairCounts;
  f1: number;
  meanIoU: number | null;
}

/** The agreement of one image: mean F1 over its pairs, the summed counts and each pair. */
export interface ImageAgreement {
  imageId: number;
  /** Annotator ids, ascending. */
  people: number[];
  agreement: number;
  counts: PairCounts;
  pairs: PairAgreement[];
}

/** One row of the report's per-image list. */
export interface ImageRow {
  imageId: number;
  people: number[];
  agreement: number;
  counts: PairCounts;
}

/** The whole-project report (plain JSON). */
export interface AgreementReport {
  iou: number;
  /** The quorum given, or null when each image used defaultQuorum(its people). */
  quorum: number | null;
  images: number;
  /** Mean image agreement; null when no image was added. */
  meanAgreement: number | null;
  /** Krippendorff's alpha nominal over the class labels of the clusters with ≥ 2 members. */
  alpha: number | null;
  pairs: (PairAgreement & { images: number })[];
  perImage: ImageRow[];
  perClass: {
    /** Class ids, ascending; the matrix has one more row and column, "unmatched", last. */
    classIds: number[];
    /** Symmetric; each match counted in both orientations, each miss as (class, unmatched) and back. */
    confusion: number[][];
    /** diag / (row + col − diag) per class, null when the class never occurs. */
    jaccard: { classId: number; jaccard: number | null }[];
  };
  /** Each person against the consensus of the images they worked on. */
  perPerson: { annotatorId: number; images: number; counts: PairCounts; f1: number; meanIoU: number | null }[];
}

/**
 * An accumulator's state as plain data (structured-clone safe): what merge() adds onto
 * another. The float sums are kept as their terms in the order added, so that a merge
 * sums them in the same order as one accumulator over all the images would. Long lists
 * are typed arrays, which a worker posts as one block of memory rather than value by value.
 */
export interface AgreementPart {
  iou: number;
  quorum: number | null;
  /** The per-image rows in the order added, by column: people flattened, counts 5 per image (PairCounts order). */
  rows: { imageId: Float64Array; agreement: Float64Array; peopleCount: Int32Array; people: Float64Array; counts: Float64Array };
  /** Per pair: its counts and each image's Σ IoU, in the order added. */
  pairs: { a: number; b: number; images: number; counts: PairCounts; iouSums: Float64Array }[];
  /** Per person against the consensus: the counts and each match's IoU, in the order added. */
  persons: { annotatorId: number; images: number; counts: PairCounts; ious: Float64Array }[];
  /** Confusion cells (class, class or unmatched, count), each orientation its own cell. */
  confusion: [number, number, number][];
  coincidence: CoincidencePart;
}

const UNMATCHED = -1;

/** Streams images (addImage) into a project agreement report (report). */
export class AgreementAccumulator {
  private readonly t: number;
  private readonly quorum: number | undefined;
  private readonly pairTotals = new Map<string, { a: number; b: number; images: number; counts: PairCounts; iouSums: number[] }>();
  private readonly rows: ImageRow[] = [];
  private readonly seen = new Set<number>();
  private readonly confusion = new Map<number, Map<number, number>>();
  private readonly persons = new Map<number, { images: number; counts: PairCounts; ious: number[] }>();
  private readonly coincidence: NominalCoincidence;
  private readonly mergeable: boolean;
  private agreementSum = 0;

  /** With `mergeable`, part() gives the state for merge() into another accumulator. */
  constructor(t: number, opts?: { quorum?: number; mergeable?: boolean }) {
    checkThreshold(t);
    if (opts?.quorum !== undefined) checkQuorum(opts.quorum);
    this.t = t;
    this.quorum = opts?.quorum;
    this.mergeable = opts?.mergeable ?? false;
    this.coincidence = new NominalCoincidence(this.mergeable);
  }

  /** Add one image (at least two people; each image once) and return its agreement. */
  addImage(imageId: number, byPerson: ReadonlyMap<number, readonly ABox[]>): ImageAgreement {
    if (this.seen.has(imageId)) throw new LoupeError('bad_request', `Image ${imageId} was already added to the agreement report.`);
    const people = peopleOf(byPerson);
    checkPeople(people);
    const t = this.t;
    const lists = people.map((p) => byPerson.get(p)!);
    // validate everything before anything is counted, so a refusal leaves the report as it was
    for (let p = 0; p < people.length; p++) checkBoxes(lists[p], `annotator ${people[p]}`);
    const offset = nodeOffsets(lists);
    const edges: MatchEdges = { u: [], v: [], iou: [] };
    const pairs: PairAgreement[] = [];
    const imageCounts = zeroCounts();
    let f1Sum = 0;
    for (let p = 0; p < people.length; p++) {
      for (let q = p + 1; q < people.length; q++) {
        const a = lists[p];
        const b = lists[q];
        solvePair(a, b, t);
        pushMatches(edges, offset, p, q, a.length);
        const c = zeroCounts();
        for (let i = 0; i < a.length; i++) {
          const k = aToB[i];
          if (k === -1) {
            c.onlyA++;
            this.bump(a[i].classId, UNMATCHED);
          } else {
            if (a[i].classId === b[k].classId) c.matchedSame++;
            else c.matchedOther++;
            c.iouSum += aIoU[i];
            this.bump(a[i].classId, b[k].classId);
          }
        }
        for (let k = 0; k < b.length; k++) {
          if (bToA[k] === -1) {
            c.onlyB++;
            this.bump(b[k].classId, UNMATCHED);
          }
        }
        const pf1 = f1(c);
        f1Sum += pf1;
        addCounts(imageCounts, c);
        pairs.push({ a: people[p], b: people[q], counts: c, f1: pf1, meanIoU: meanIoU(c) });
        const key = `${people[p]}:${people[q]}`;
        let tot = this.pairTotals.get(key);
        if (!tot) {
          tot = { a: people[p], b: people[q], images: 0, counts: zeroCounts(), iouSums: [] };
          this.pairTotals.set(key, tot);
        }
        tot.images++;
        addCounts(tot.counts, c);
        if (this.mergeable) tot.iouSums.push(c.iouSum);
      }
    }
    // the consensus of this image from everyone, and each person against it
    const quorum = this.quorum ?? defaultQuorum(people.length);
    const consensus: ABox[] = [];
    for (const members of clustersFromMatches(people, lists, edges, t)) {
      if (members.length >= 2) this.coincidence.addUnit(members.map((m) => m.box.classId));
      const r = resolveCluster(members);
      if (r.votes >= quorum) consensus.push({ ...r.chosen.box, classId: r.classId });
    }
    for (let p = 0; p < people.length; p++) {
      const mine = lists[p];
      solvePair(mine, consensus, t);
      let st = this.persons.get(people[p]);
      if (!st) {
        st = { images: 0, counts: zeroCounts(), ious: [] };
        this.persons.set(people[p], st);
      }
      st.images++;
      const c = st.counts;
      for (let i = 0; i < mine.length; i++) {
        const k = aToB[i];
        if (k === -1) c.onlyA++;
        else {
          if (mine[i].classId === consensus[k].classId) c.matchedSame++;
          else c.matchedOther++;
          c.iouSum += aIoU[i];
          if (this.mergeable) st.ious.push(aIoU[i]);
        }
      }
      for (let k = 0; k < consensus.length; k++) if (bToA[k] === -1) c.onlyB++;
    }
    const agreement = f1Sum / pairs.length;
    this.agreementSum += agreement;
    this.seen.add(imageId);
    this.rows.push({ imageId, people, agreement, counts: imageCounts });
    return { imageId, people, agreement, counts: { ...imageCounts }, pairs };
  }

  /** The report over every image added so far. */
  report(): AgreementReport {
    const classSet = new Set<number>();
    for (const [c, row] of this.confusion) {
      if (c !== UNMATCHED) classSet.add(c);
      for (const k of row.keys()) if (k !== UNMATCHED) classSet.add(k);
    }
    const classIds = [...classSet].sort((x, y) => x - y);
    const axis = [...classIds, UNMATCHED];
    const confusion = axis.map((c) => axis.map((k) => this.confusion.get(c)?.get(k) ?? 0));
    const jaccard = classIds.map((classId, i) => {
      let row = 0;
      let col = 0;
      for (let j = 0; j < axis.length; j++) {
        row += confusion[i][j];
        col += confusion[j][i];
      }
      const diag = confusion[i][i];
      const den = row + col - diag;
      return { classId, jaccard: den > 0 ? diag / den : null };
    });
    const pairs = [...this.pairTotals.values()]
      .sort((x, y) => x.a - y.a || x.b - y.b)
      .map((p) => ({ a: p.a, b: p.b, images: p.images, counts: { ...p.counts }, f1: f1(p.counts), meanIoU: meanIoU(p.counts) }));
    const perPerson = [...this.persons]
      .sort((x, y) => x[0] - y[0])
      .map(([annotatorId, s]) => ({ annotatorId, images: s.images, counts: { ...s.counts }, f1: f1(s.counts), meanIoU: meanIoU(s.counts) }));
    const n = this.rows.length;
    return {
      iou: this.t,
      quorum: this.quorum ?? null,
      images: n,
      meanAgreement: n === 0 ? null : this.agreementSum / n,
      alpha: this.coincidence.alpha(),
      pairs,
      // rows are never changed once added, so the report shares them rather than copying ten thousand of them
      perImage: this.rows.slice(),
      perClass: { classIds, confusion, jaccard },
      perPerson,
    };
  }

  /** The state so far as plain data, for merge() (needs `mergeable`). */
  part(): AgreementPart {
    if (!this.mergeable) throw new LoupeError('internal', 'Only an agreement accumulator made mergeable gives its part.');
    const confusion: [number, number, number][] = [];
    for (const [c, row] of this.confusion) for (const [k, n] of row) confusion.push([c, k, n]);
    const n = this.rows.length;
    const rows = { imageId: new Float64Array(n), agreement: new Float64Array(n), peopleCount: new Int32Array(n), people: new Float64Array(this.rows.reduce((s, r) => s + r.people.length, 0)), counts: new Float64Array(5 * n) };
    let at = 0;
    this.rows.forEach((r, i) => {
      rows.imageId[i] = r.imageId;
      rows.agreement[i] = r.agreement;
      rows.peopleCount[i] = r.people.length;
      for (const id of r.people) rows.people[at++] = id;
      rows.counts.set([r.counts.matchedSame, r.counts.matchedOther, r.counts.onlyA, r.counts.onlyB, r.counts.iouSum], 5 * i);
    });
    return {
      iou: this.t,
      quorum: this.quorum ?? null,
      rows,
      pairs: [...this.pairTotals.values()].map((p) => ({ a: p.a, b: p.b, images: p.images, counts: { ...p.counts }, iouSums: Float64Array.from(p.iouSums) })),
      persons: [...this.persons].map(([annotatorId, s]) => ({ annotatorId, images: s.images, counts: { ...s.counts }, ious: Float64Array.from(s.ious) })),
      confusion,
      coincidence: this.coincidence.part(),
    };
  }

  /**
   * Add another accumulator's images (its part) after the ones added here. The report is
   * then identical, to the last bit, to one accumulator given all the images in that
   * order: integer counts are added, float sums continue over the part's terms in order.
   * Refuses a part with another threshold or quorum, or an image already added, changing nothing.
   */
  merge(part: AgreementPart): void {
    for (const step of this.mergeSteps(part)) void step;
  }

  /**
   * merge() in steps of at most `rowsPerStep` images each, so a host can give its event
   * loop a turn between them; the report is the same as merge()'s once every step has
   * run. The part is checked before the first step changes anything; an accumulator
   * left between steps holds part of the part and is for throwing away.
   */
  *mergeSteps(part: AgreementPart, rowsPerStep = 2000): Generator<void, void, undefined> {
    if (part.iou !== this.t || part.quorum !== (this.quorum ?? null)) {
      throw new LoupeError('bad_request', `An agreement part at IoU ${part.iou} and quorum ${part.quorum} cannot join a report at IoU ${this.t} and quorum ${this.quorum ?? null}.`);
    }
    const { imageId, agreement, peopleCount, people, counts } = part.rows;
    for (const id of imageId) if (this.seen.has(id)) throw new LoupeError('bad_request', `Image ${id} was already added to the agreement report.`);
    for (let i = 0, at = 0; i < imageId.length; i++) {
      if (i > 0 && i % rowsPerStep === 0) yield;
      this.seen.add(imageId[i]);
      const c = 5 * i;
      const who: number[] = [];
      for (const end = at + peopleCount[i]; at < end; at++) who.push(people[at]);
      this.rows.push({
        imageId: imageId[i],
        people: who,
        agreement: agreement[i],
        counts: { matchedSame: counts[c], matchedOther: counts[c + 1], onlyA: counts[c + 2], onlyB: counts[c + 3], iouSum: counts[c + 4] },
      });
      this.agreementSum += agreement[i];
    }
    yield;
    for (const p of part.pairs) {
      const key = `${p.a}:${p.b}`;
      let tot = this.pairTotals.get(key);
      if (!tot) {
        tot = { a: p.a, b: p.b, images: 0, counts: zeroCounts(), iouSums: [] };
        this.pairTotals.set(key, tot);
      }
      tot.images += p.images;
      addInts(tot.counts, p.counts);
      tot.counts.iouSum = sumOnto(tot.counts.iouSum, p.iouSums);
      if (this.mergeable) for (const v of p.iouSums) tot.iouSums.push(v);
    }
    for (const p of part.persons) {
      let st = this.persons.get(p.annotatorId);
      if (!st) {
        st = { images: 0, counts: zeroCounts(), ious: [] };
        this.persons.set(p.annotatorId, st);
      }
      st.images += p.images;
      addInts(st.counts, p.counts);
      st.counts.iouSum = sumOnto(st.counts.iouSum, p.ious);
      if (this.mergeable) for (const v of p.ious) st.ious.push(v);
    }
    for (const [c, k, n] of part.confusion) this.add(c, k, n);
    this.coincidence.merge(part.coincidence);
  }

  /** Count (c, k) and (k, c): the matrix is symmetric. */
  private bump(c: number, k: number): void {
    this.add(c, k);
    this.add(k, c);
  }

  private add(c: number, k: number, n = 1): void {
    let row = this.confusion.get(c);
    if (!row) {
      row = new Map();
      this.confusion.set(c, row);
    }
    row.set(k, (row.get(k) ?? 0) + n);
  }
}

/**
 * s + terms[0] + terms[1] + … in that order (a local accumulator: this runs once per
 * merge on the host, mostly unoptimised, where a property update per term is slow).
 */
function sumOnto(s: number, terms: Float64Array): number {
  for (let i = 0; i < terms.length; i++) s += terms[i];
  return s;
}

/** Add the integer counts of c into `into` (in place), leaving its Σ IoU alone. */
function addInts(into: PairCounts, c: PairCounts): void {
  into.matchedSame += c.matchedSame;
  into.matchedOther += c.matchedOther;
  into.onlyA += c.onlyA;
  into.onlyB += c.onlyB;
}
