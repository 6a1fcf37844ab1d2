import { describe, expect, it } from 'vitest';
import { shownBoxes, type ShowOptions } from '../state/reviewOps.ts';
import type { Box } from '../state/useImageBoxes.ts';
import { prPoints, readEvaluation, signed3, statDiff, stat3, tone, worstFirst, worstSlice, type SliceView } from './report.ts';
import { sliceShow } from './SliceTable.tsx';

const stats = (base: number) => Array.from({ length: 12 }, (_, i) => (i === 3 ? -1 : base + i / 100));
const counts = { images: 4, gt: 10, dt: 12, ap: 0.4, ap50: 0.6, found: 7, missed: 3, falseAlarms: 5 };
const side = (runId: number, base: number) => ({
  run: { id: runId, name: `run-${runId}` },
  reference: { id: 3, name: 'reference' },
  reviewed: 4,
  notRun: 0,
  overall: {
    ...counts,
    stats: stats(base),
    perClass: [{ categoryId: 1, ap: 0.5, ap50: 0.7, gt: 6, dt: 7 }],
    confusion: { classIds: [1, 2], matrix: [[5, 1, 0], [0, 1, 2], [4, 1, 0]] },
    prCurves: [{ categoryId: 1, recall: [0, 0.5, 1], precision50: [1, 0.8, -1] }],
  },
  slices: [
    { kind: 'metadata' as const, key: 'shift', value: 'day', ...counts, ap50: 0.9 },
    { kind: 'drift' as const, key: 'drift', value: 'high', ...counts, ap50: 0.2, imageIds: [7, 8] },
    { key: 'camera', value: 'c1', ...counts, ap: -1, ap50: -1 },
  ],
  keysSkipped: [],
  latency: { p50Ms: 12.5, p95Ms: 20, runs: 30 },
  worstSlice: { kind: 'drift' as const, key: 'drift', value: 'high', ap: 0.4, ap50: 0.2 },
});

describe('reading an evaluation report', () => {
  it('keeps the twelve numbers, classes, slices, curves, confusion with background and latency', () => {
    const v = readEvaluation(side(5, 0.3));
    expect(v.stats).toEqual(stats(0.3));
    expect(v.classes).toEqual([{ classId: 1, ap: 0.5, ap50: 0.7, gt: 6, dt: 7 }]);
    expect(v.slices.map((s) => [s.kind, s.key, s.imageIds])).toEqual([
      ['metadata', 'shift', null],
      ['drift', 'drift', [7, 8]],
      ['metadata', 'camera', null],
    ]);
    expect(v.confusion).toEqual({ labels: [1, 2, null], matrix: [[5, 1, 0], [0, 1, 2], [4, 1, 0]], images: null });
    expect(v.prCurves).toEqual([{ classId: 1, recall: [0, 0.5, 1], precision: [1, 0.8, -1] }]);
    expect(v.latencyP50Ms).toBe(12.5);
    expect(v.worst).toEqual({ kind: 'drift', key: 'drift', value: 'high', ap: 0.4, ap50: 0.2 });
    expect(v.other).toBeNull();
  });

  it("reads a compare block's other run as the second run", () => {
    const a = side(5, 0.3);
    const b = side(6, 0.5);
    const diff = { overall: { ...counts, stats: stats(0.2) }, perClass: [], slices: [], latencyP50Ms: 0 };
    const v = readEvaluation({ ...a, compare: { other: b, diff } });
    expect(v.run.id).toBe(5);
    expect(v.other?.run.id).toBe(6);
    expect(v.other?.stats).toEqual(stats(0.5));
  });

  it('refuses a result that is not a report, naming the field', () => {
    expect(() => readEvaluation({ ...side(5, 0.3), overall: { ...side(5, 0.3).overall, stats: [1, 2] } })).toThrow(/overall\.stats/);
    expect(() => readEvaluation(null)).toThrow(/not a report/);
  });
});

describe('numbers and differences', () => {
  it('prints -1 as a dash and differences with their sign', () => {
    expect(stat3(-1)).toBe('–');
    expect(stat3(0.12345)).toBe('0.123');
    expect(statDiff(0.5, -1)).toBeNull();
    expect(statDiff(0.25, 0.5)).toBe(0.25);
    expect(signed3(0.0421)).toBe('+0.042');
    expect(signed3(-0.0131)).toBe('−0.013');
    expect(signed3(0.0001)).toBe('0.000');
    expect([tone(0.01), tone(-0.01), tone(0.0004), tone(null)]).toEqual(['better', 'worse', 'same', 'same']);
  });

  it('orders slices worst AP50 first, those without reference boxes last', () => {
    const s = (value: string, ap50: number, ap = ap50): SliceView => ({ kind: 'metadata', key: 'k', value, ap, ap50, images: 1, gt: 1, dt: 1, found: 0, missed: 0, falseAlarms: 0, imageIds: null });
    const order = worstFirst([s('a', 0.9), s('none', -1), s('b', 0.1), s('c', 0.1, 0.05)]).map((x) => x.value);
    expect(order).toEqual(['c', 'b', 'a', 'none']);
    expect(worstSlice([s('a', 0.9), s('none', -1), s('b', 0.3, 0.2)])?.value).toBe('b');
    expect(worstSlice([s('none', -1)])).toBeNull();
  });

  it('draws a PR curve without the recall steps never reached', () => {
    expect(prPoints({ classId: 1, recall: [0, 0.5, 1], precision: [1, 0.8, -1] })).toEqual([
      { recall: 0, precision: 1 },
      { recall: 0.5, precision: 0.8 },
    ]);
  });

  it("opens a slice by the queue's filter where one selects it, else by the report's images", () => {
    const s = (kind: string, key: string, value: string, imageIds: number[] | null = null): SliceView => ({ kind, key, value, imageIds, ap: 0, ap50: 0, images: 1, gt: 1, dt: 1, found: 0, missed: 0, falseAlarms: 0 });
    expect(sliceShow(s('metadata', 'shift', 'night'))).toEqual({ where: { key: 'shift', value: 'night' } });
    expect(sliceShow(s('flag', 'flag', 'low confidence'))).toEqual({ flag: 'low confidence' });
    expect(sliceShow(s('flag', 'flag', 'unflagged'))).toBeNull();
    expect(sliceShow(s('time', 'week', '2026-W49'))).toBeNull();
    expect(sliceShow(s('time', 'week', '2026-W49', [3]))).toEqual({ ids: [3] });
  });
});

describe('the canvas marks of a compared run', () => {
  const REF = 3;
  let next = 1;
  const box = (o: Partial<Box>): Box => ({ id: next++, imageId: 1, annotatorId: REF, classId: 1, x: 0, y: 0, w: 100, h: 100, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null, rejected: false, ...o });
  const pred = (o: Partial<Box>) => box({ annotatorId: 2, modelRunId: 5, score: 0.9, provenance: 'predicted', ...o });
  const opts: ShowOptions = { me: 1, threshold: 0.25, showPredictions: true, hiddenAuthors: new Set(), authorNames: new Map(), compare: { runId: 5, referenceId: REF } };

  it('marks the misses on the reference and the false alarms on the run, a wrong class counting as both', () => {
    const found = box({});
    const missed = box({ x: 400, y: 400, w: 40, h: 40 });
    const hit = pred({ x: 3, y: 3 });
    const alarm = pred({ x: 700, y: 10, w: 30, h: 30 });
    const otherClass = pred({ x: 400, y: 400, w: 40, h: 40, classId: 2 });
    const other = pred({ x: 900, y: 900, modelRunId: 9 });
    const shown = shownBoxes([found, missed, hit, alarm, otherClass, other], opts);
    expect(shown.filter((b) => b.missed).map((b) => b.id)).toEqual([missed.id]);
    expect(shown.filter((b) => b.falseAlarm).map((b) => b.id)).toEqual([alarm.id, otherClass.id]);
  });

  it("marks a person's box made from a false alarm, and nothing without a compared run", () => {
    const alarm = pred({ x: 700, y: 10, w: 30, h: 30 });
    const accepted = box({ annotatorId: 1, x: 700, y: 10, w: 30, h: 30, sourceBoxId: alarm.id, provenance: 'accepted' });
    expect(shownBoxes([alarm, accepted], opts).filter((b) => b.falseAlarm).map((b) => b.id)).toEqual([accepted.id]);
    expect(shownBoxes([alarm, accepted], { ...opts, compare: null }).some((b) => b.falseAlarm || b.missed)).toBe(false);
  });
});
