/** Per-pair agreement counts and the figures made from them (ARCHITECTURE.md §3). */
import { LoupeError } from '../../domain/errors.ts';
import { aIoU, aToB, bToA, matchPair, solvePair, type ABox, type PairMatch } from './match.ts';

/** What two annotators agreed on: matches of the same class, of another class, and misses. */
export interface PairCounts {
  matchedSame: number;
  matchedOther: number;
  onlyA: number;
  onlyB: number;
  /** Σ IoU over all matches (same and other class). */
  iouSum: number;
}

/** All-zero counts. */
export function zeroCounts(): PairCounts {
  return { matchedSame: 0, matchedOther: 0, onlyA: 0, onlyB: 0, iouSum: 0 };
}

/** The counts of one pair match. */
export function countPair(m: PairMatch): PairCounts {
  const c = zeroCounts();
  for (const x of m.matches) {
    if (x.sameClass) c.matchedSame++;
    else c.matchedOther++;
    c.iouSum += x.iou;
  }
  c.onlyA = m.onlyA.length;
  c.onlyB = m.onlyB.length;
  return c;
}

/** Add c into `into` (in place) and return it. */
export function addCounts(into: PairCounts, c: PairCounts): PairCounts {
  into.matchedSame += c.matchedSame;
  into.matchedOther += c.matchedOther;
  into.onlyA += c.onlyA;
  into.onlyB += c.onlyB;
  into.iouSum += c.iouSum;
  return into;
}

/** Agreement F1 = 2·matchedSame / (n_A + n_B); 1 when both sides are empty. */
export function f1(c: PairCounts): number {
  const matched = c.matchedSame + c.matchedOther;
  const n = 2 * matched + c.onlyA + c.onlyB;
  return n === 0 ? 1 : (2 * c.matchedSame) / n;
}

/** Mean IoU of the matches; null when nothing matched. */
export function meanIoU(c: PairCounts): number | null {
  const matched = c.matchedSame + c.matchedOther;
  return matched === 0 ? null : c.iouSum / matched;
}

/**
 * Counts of a against b without building the PairMatch (the report's hot path); the
 * same numbers as countPair(matchPair(a, b, t)).
 */
export function countMatch(a: readonly ABox[], b: readonly ABox[], t: number, into: PairCounts): PairCounts {
  solvePair(a, b, t);
  for (let i = 0; i < a.length; i++) {
    const k = aToB[i];
    if (k === -1) into.onlyA++;
    else {
      if (a[i].classId === b[k].classId) into.matchedSame++;
      else into.matchedOther++;
      into.iouSum += aIoU[i];
    }
  }
  for (let k = 0; k < b.length; k++) if (bToA[k] === -1) into.onlyB++;
  return into;
}

/** Annotator ids of a per-person map, ascending (the order every pair loop uses). */
export function peopleOf(byPerson: ReadonlyMap<number, readonly ABox[]>): number[] {
  return [...byPerson.keys()].sort((x, y) => x - y);
}

/** Refuse a per-person map with fewer than two people. */
export function checkPeople(people: readonly number[]): void {
  if (people.length < 2) {
    throw new LoupeError('bad_request', `Agreement needs the boxes of at least two people on the image; got ${people.length}.`);
  }
}

/**
 * Image agreement: the mean F1 over all pairs of people (lower id as A). Needs at
 * least two people.
 */
export function imageAgreement(byPerson: ReadonlyMap<number, readonly ABox[]>, t: number): number {
  const people = peopleOf(byPerson);
  checkPeople(people);
  let sum = 0;
  let n = 0;
  for (let p = 0; p < people.length; p++) {
    for (let q = p + 1; q < people.length; q++) {
      sum += f1(countPair(matchPair(byPerson.get(people[p])!, byPerson.get(people[q])!, t)));
      n++;
    }
  }
  return sum / n;
}
