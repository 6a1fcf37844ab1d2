import { describe, expect, it } from 'vitest';
import type { ShownBox } from '../canvas/boxScene.ts';
import { PERSON_COLORS } from '../agreement/scale.ts';
import { checkName, personCounts } from './names.ts';
import { assignedCount, colorOthers, legendOf } from './personLayers.ts';

describe('checkName', () => {
  it('trims a typed name', () => expect(checkName('  alice ')).toBe('alice'));
  it('refuses a blank name and one over 64 characters, saying which', () => {
    expect(() => checkName('   ')).toThrow('Type your name, or pick yourself from the list.');
    expect(() => checkName('x'.repeat(65))).toThrow('A name is at most 64 characters; this one has 65.');
    expect(checkName('x'.repeat(64))).toHaveLength(64);
  });
});

describe('personCounts', () => {
  it('shows assigned only when the core counts it', () => {
    expect(personCounts({ id: 1, name: 'a', kind: 'human', imagesDone: 2, boxes: 5, assigned: 12 })).toBe('12 assigned · 2 done');
    expect(personCounts({ id: 1, name: 'a', kind: 'human', imagesDone: 0, boxes: 0 })).toBe('0 done');
  });
});

describe('person layers', () => {
  const names = new Map([
    [1, 'root'],
    [4, 'alice'],
    [7, 'bob'],
  ]);
  const boxes = [
    { id: 10, annotatorId: 4, modelRunId: null },
    { id: 11, annotatorId: 7, modelRunId: null },
    { id: 12, annotatorId: 9, modelRunId: 3 },
    { id: 13, annotatorId: 1, modelRunId: null },
  ];
  it('gives each other person the colour of their place among the project people, leaving out me and the model', () => {
    const legend = legendOf(boxes, 1, names);
    expect([...legend.keys()]).toEqual([4, 7]);
    expect(legend.get(4)).toBe(PERSON_COLORS[1]);
    expect(legend.get(7)).toBe(PERSON_COLORS[2]);
  });
  it('colours only other people’s boxes, and nothing without a legend', () => {
    const shown: ShownBox[] = [
      { id: 10, classId: 1, x: 0, y: 0, w: 1, h: 1, score: null, kind: 'other', author: 'alice' },
      { id: 12, classId: 1, x: 0, y: 0, w: 1, h: 1, score: 0.5, kind: 'prediction' },
      { id: 13, classId: 1, x: 0, y: 0, w: 1, h: 1, score: null, kind: 'mine' },
    ];
    const out = colorOthers(shown, legendOf(boxes, 1, names), boxes);
    expect(out.map((b) => b.personColor)).toEqual([PERSON_COLORS[1], undefined, undefined]);
    expect(colorOthers(shown, null, boxes)).toBe(shown);
  });
  it('reads the assigned count of the current person', () => {
    expect(assignedCount([{ id: 4, assigned: 12 }, { id: 7 }], 4)).toBe(12);
    expect(assignedCount([{ id: 7 }], 7)).toBe(0);
    expect(assignedCount([], 7)).toBe(0);
  });
});
