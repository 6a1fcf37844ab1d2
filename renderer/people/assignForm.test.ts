import { describe, expect, it } from 'vitest';
import { assignRequest, type AssignForm } from './assignForm.ts';

const base: AssignForm = { people: ['alice', 'bob'], overlap: '2', fraction: '', filter: { kind: 'none' }, seed: '' };

describe('assignRequest', () => {
  it('builds the request from the fields, names trimmed and deduplicated', () => {
    expect(assignRequest({ ...base, people: [' alice', 'bob ', 'alice'], seed: '7' })).toEqual({ annotators: ['alice', 'bob'], overlap: 2, seed: 7 });
    expect(assignRequest({ ...base, overlap: '1', fraction: '0.25', filter: { kind: 'where', text: ' camera = line2 ' } })).toEqual({
      annotators: ['alice', 'bob'],
      overlap: 1,
      fraction: 0.25,
      where: [{ key: 'camera', value: 'line2' }],
    });
    expect(assignRequest({ ...base, filter: { kind: 'flag', text: ' low-confidence ' } }).flag).toBe('low-confidence');
    expect(assignRequest({ ...base, filter: { kind: 'run', runId: 3 } }).runId).toBe(3);
  });

  it.each<[Partial<AssignForm>, RegExp]>([
    [{ people: [] }, /at least one person/],
    [{ people: ['  '] }, /at least one person/],
    [{ overlap: '0' }, /Overlap must be a whole number.*"0"/],
    [{ overlap: '1.5' }, /Overlap must be a whole number.*"1.5"/],
    [{ overlap: 'two' }, /"two"/],
    [{ overlap: '3' }, /Overlap 3 needs at least 3 people; 2 chosen/],
    [{ fraction: '0' }, /Fraction must be .*"0"/],
    [{ fraction: '1.2' }, /"1.2"/],
    [{ fraction: 'half' }, /"half"/],
    [{ filter: { kind: 'where', text: 'camera' } }, /key=value.*"camera"/],
    [{ filter: { kind: 'where', text: '=x' } }, /key=value/],
    [{ filter: { kind: 'flag', text: ' ' } }, /flag reason/],
    [{ filter: { kind: 'run', runId: null } }, /model run/],
    [{ seed: '-1' }, /Seed must be a whole number.*"-1"/],
    [{ seed: '1e3' }, /"1e3"/],
  ])('refuses %o', (patch, msg) => {
    expect(() => assignRequest({ ...base, ...patch })).toThrow(msg);
  });
});
