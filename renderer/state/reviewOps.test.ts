import { describe, expect, it } from 'vitest';
import { boundsOf, changeOp, copiesOf, nudgeItems, shownBoxes, type ShowOptions } from './reviewOps.ts';
import type { Box } from './useImageBoxes.ts';

const ME = 1;
const MODEL = 2;
const ANA = 3;
let next = 1;
const box = (o: Partial<Box>): Box => ({
  id: next++,
  imageId: 1,
  annotatorId: ME,
  classId: 1,
  x: 10,
  y: 10,
  w: 20,
  h: 20,
  score: null,
  provenance: 'drawn',
  modelRunId: null,
  sourceBoxId: null,
  rejected: false,
  ...o,
});
const pred = (o: Partial<Box>) => box({ annotatorId: MODEL, modelRunId: 5, score: 0.9, provenance: 'predicted', ...o });
const opts = (o: Partial<ShowOptions> = {}): ShowOptions => ({
  me: ME,
  threshold: 0.25,
  showPredictions: true,
  hiddenAuthors: new Set(),
  authorNames: new Map([[ANA, 'ana']]),
  compare: null,
  ...o,
});

describe('which boxes the review shows', () => {
  it('hides predictions below the threshold, rejected ones and those the person already took', () => {
    const low = pred({ score: 0.1 });
    const rejected = pred({ rejected: true });
    const taken = pred({});
    const mineFromIt = box({ sourceBoxId: taken.id, provenance: 'accepted' });
    const open = pred({ score: 0.5 });
    const shown = shownBoxes([low, rejected, taken, mineFromIt, open], opts());
    expect(shown.map((b) => [b.id, b.kind])).toEqual([
      [mineFromIt.id, 'mine'],
      [open.id, 'prediction'],
    ]);
  });

  it("the predictions switch hides the model's boxes only, not another person's", () => {
    const p = pred({});
    const theirs = box({ annotatorId: ANA });
    const shown = shownBoxes([p, theirs], opts({ showPredictions: false }));
    expect(shown).toEqual([expect.objectContaining({ id: theirs.id, kind: 'other', author: 'ana', score: null })]);
  });

  it("another person's layer hides on its own", () => {
    const theirs = box({ annotatorId: ANA });
    expect(shownBoxes([theirs], opts({ hiddenAuthors: new Set([ANA]) }))).toEqual([]);
  });

  it('marks the reference boxes the compared run misses at the threshold', () => {
    const ref1 = box({ annotatorId: ANA, x: 0, y: 0, w: 100, h: 100 });
    const ref2 = box({ annotatorId: ANA, x: 500, y: 500, w: 50, h: 50 });
    const found = pred({ x: 2, y: 2, w: 100, h: 100 });
    const below = pred({ x: 500, y: 500, w: 50, h: 50, score: 0.2 });
    const shown = shownBoxes([ref1, ref2, found, below], opts({ compare: { runId: 5, referenceId: ANA } }));
    expect(shown.filter((b) => b.missed).map((b) => b.id)).toEqual([ref2.id]);
  });
});

describe('edits built from gestures', () => {
  it("moving the person's box updates it; moving a prediction adds the person's box edited from it", () => {
    const mine = box({});
    const p = pred({});
    const op = changeOp([mine, p], ME, [
      { id: mine.id, rect: { x: 1, y: 2, w: 3, h: 4 } },
      { id: p.id, rect: { x: 5, y: 6, w: 7, h: 8 } },
    ]);
    expect(op.update).toEqual([{ id: mine.id, rect: { x: 1, y: 2, w: 3, h: 4 } }]);
    expect(op.add).toEqual([{ classId: 1, rect: { x: 5, y: 6, w: 7, h: 8 }, sourceBoxId: p.id }]);
  });

  it("reclassifying a prediction keeps its rectangle; another person's box is never changed", () => {
    const p = pred({ x: 3, y: 4, w: 5, h: 6 });
    const theirs = box({ annotatorId: ANA });
    const op = changeOp([p, theirs], ME, [{ id: p.id, classId: 2 }, { id: theirs.id, classId: 2 }]);
    expect(op).toEqual({ update: [], add: [{ classId: 2, rect: { x: 3, y: 4, w: 5, h: 6 }, sourceBoxId: p.id }] });
  });

  it('a nudge moves the whole selection by the same amount and stops at the image edge', () => {
    const a = { id: 1, classId: 1, x: 2, y: 50, w: 10, h: 10, score: null, kind: 'mine' as const };
    const b = { id: 2, classId: 1, x: 40, y: 50, w: 10, h: 10, score: null, kind: 'mine' as const };
    expect(nudgeItems([a, b], -10, 0, 100, 100)).toEqual([
      { id: 1, rect: { x: 0, y: 50, w: 10, h: 10 } },
      { id: 2, rect: { x: 38, y: 50, w: 10, h: 10 } },
    ]);
    expect(nudgeItems([{ ...a, x: 0 }], -1, 0, 100, 100)).toEqual([]);
  });

  it('copies are offset and clamped into the image; nothing left with no area', () => {
    expect(copiesOf([{ classId: 1, x: 90, y: 90, w: 20, h: 20 }], 10, 100, 100)).toEqual([]);
    expect(copiesOf([{ classId: 1, x: 80, y: 10, w: 20, h: 20 }], 10, 100, 100)).toEqual([{ classId: 1, rect: { x: 90, y: 20, w: 10, h: 20 } }]);
    expect(copiesOf([{ classId: 2, x: 10, y: 10, w: 20, h: 20 }], 10, 100, 100)).toEqual([{ classId: 2, rect: { x: 20, y: 20, w: 20, h: 20 } }]);
  });

  it('bounds of a selection', () => {
    expect(boundsOf([])).toBeNull();
    expect(boundsOf([{ x: 1, y: 2, w: 3, h: 4 }, { x: 10, y: 0, w: 1, h: 1 }])).toEqual({ x: 1, y: 0, w: 10, h: 6 });
  });
});
