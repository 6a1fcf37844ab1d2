import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeImage, tempDir, twoImageYoloDataset as dataset } from '../../../test/unit/fixtures.ts';
import { Project } from '../../store/Project.ts';
import { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';
import { applyAnnotatorFlag } from './annotatorFlag.ts';
import type { CliContext } from './context.ts';
import { loupe } from './runLoupe.ts';

/** A project of six images, metadata shift=night on the first two. */
async function project(): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < 6; i++) await makeImage(path.join(dir, 'images', `im${i}.png`), { w: 20, h: 10 });
  const file = path.join(dir, 'p.loupe');
  const r = await loupe(['init', file, '--images', path.join(dir, 'images')]);
  expect(r.code, r.stderr).toBe(0);
  const p = Project.open(file, { annotator: 'cli-user' });
  try {
    for (const id of p.images.allIds().slice(0, 2)) p.images.setMetadata(id, JSON.stringify({ shift: 'night' }));
  } finally {
    p.close();
  }
  return file;
}

function bytes(file: string): Buffer {
  return fs.readFileSync(file);
}

describe('loupe assign', () => {
  it('assigns with overlap and prints a table per person, or JSON', async () => {
    const file = await project();
    const r = await loupe(['assign', file, '--annotators', 'ana,ben,chloe', '--overlap', '2', '--seed', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['Assigned 6 images (seed 4):', 'NAME   ASSIGNED  ADDED  KEPT', 'ana    4         4      0', 'ben    4         4      0', 'chloe  4         4      0', '']);
    // Again: nothing new, everything kept.
    const j = await loupe(['assign', file, '--annotators', 'ana,ben,chloe', '--overlap', '2', '--seed', '4', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      images: 6,
      seed: 4,
      perPerson: ['ana', 'ben', 'chloe'].map((name) => ({ name, assigned: 4, added: 0, kept: 4 })),
    });
    const list = JSON.parse((await loupe(['annotators', file, '--json'])).stdout).annotators as { name: string; assigned: number }[];
    expect(list.filter((a) => a.assigned > 0).map((a) => [a.name, a.assigned])).toEqual([
      ['ana', 4],
      ['ben', 4],
      ['chloe', 4],
    ]);
  });

  it('takes --where, --fraction and --flag filters', async () => {
    const file = await project();
    const r = await loupe(['assign', file, '--annotators', 'ana', '--overlap', '1', '--where', 'shift=night', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 2, perPerson: [{ name: 'ana', assigned: 2 }] });
    const f = await loupe(['assign', file, '--annotators', 'ben,chloe', '--overlap', '2', '--fraction', '0.5', '--json']);
    expect(JSON.parse(f.stdout).perPerson.map((x: { assigned: number }) => x.assigned).reduce((a: number, b: number) => a + b, 0)).toBe(3 * 2 + 3);
    const none = await loupe(['assign', file, '--annotators', 'dev', '--overlap', '1', '--flag', 'drift', '--json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ images: 0, perPerson: [{ name: 'dev', assigned: 0 }] });
  });

  it.each([
    [['--annotators', 'ana,ben', '--overlap', '3'], 'Overlap must be between 1 and the number of annotators (2); got 3'],
    [['--annotators', 'ana,ben', '--overlap', '0'], '--overlap must be a whole number above 0, got "0"'],
    [['--annotators', 'ana', '--overlap', '1', '--fraction', '1.5'], '--fraction must be a number above 0 and at most 1, got "1.5"'],
    [['--annotators', 'ana', '--overlap', '1', '--fraction', '0'], '--fraction must be a number above 0 and at most 1, got "0"'],
    [['--annotators', 'ana', '--overlap', '1', '--run', '9'], 'Model run 9 is not in this project'],
    [['--annotators', 'ana', '--overlap', '1', '--where', 'shift'], '--where must be KEY=VALUE, got "shift"'],
    [['--annotators', ',', '--overlap', '1'], '--annotators is empty'],
    [['--annotators', 'ana,,ben', '--overlap', '1'], '--annotators has an empty name at position 2'],
    [['--annotators', 'ana,ben,ana', '--overlap', '1'], '"ana" is listed twice'],
    [['--annotators', 'ana,det', '--overlap', '1'], '"det" is the name of a model author'],
  ])('refuses %j with a specific error and leaves the file as it was', async (args, message) => {
    const file = await project();
    const p = Project.open(file, { annotator: 'cli-user' });
    p.annotators.ensure('det', 'model');
    p.close();
    const before = bytes(file);
    const r = await loupe(['assign', file, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(bytes(file).equals(before)).toBe(true);
  });

  it('needs --annotators and --overlap (usage, exit 2)', async () => {
    const file = await project();
    const r = await loupe(['assign', file, '--overlap', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--annotators');
  });
});

describe('--annotator on a writing command', () => {
  it('import --annotations records the labels as that person; a model author\'s name is refused', async () => {
    const file = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', file])).code).toBe(0);
    const ok = await loupe(['import', file, '--annotations', await dataset(), '--format', 'yolo', '--annotator', 'ana']);
    expect(ok.code, ok.stderr).toBe(0);
    const list = JSON.parse((await loupe(['annotators', file, '--json'])).stdout).annotators as { name: string; boxes: number; kind: string }[];
    expect(list.find((a) => a.name === 'ana')).toMatchObject({ kind: 'human', boxes: 3 });
    const p = Project.open(file, { annotator: 'cli-user' });
    p.annotators.ensure('det', 'model');
    p.close();
    const before = bytes(file);
    const bad = await loupe(['import', file, '--annotations', await dataset(), '--format', 'yolo', '--annotator', 'det']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"det" is the name of a model author');
    expect(bytes(file).equals(before)).toBe(true);
  });

  it('LOUPE_ANNOTATOR still names the default person', async () => {
    const file = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', file], { env: { LOUPE_ANNOTATOR: 'zoe' } })).code).toBe(0);
    const list = JSON.parse((await loupe(['annotators', file, '--json'], { env: { LOUPE_ANNOTATOR: 'zoe' } })).stdout).annotators as { name: string }[];
    expect(list.map((a) => a.name)).toEqual(['zoe']);
  });

  it('the shared --annotator flag acts as an existing person and refuses unknown or non-person names', async () => {
    const file = path.join(tempDir(), 'p.loupe');
    const s = new Session('cli', { annotator: 'cli-user' });
    const ctx = { session: s, dispatch: createDispatcher(s), stdout: process.stdout, stderr: process.stderr } as CliContext;
    try {
      await s.open(file, true);
      s.project.annotators.ensure('ana', 'human');
      s.project.annotators.ensure('det', 'model');
      applyAnnotatorFlag(ctx, { positionals: {}, flags: { annotator: ' ana ' }, help: false });
      expect(s.project.annotator.name).toBe('ana');
      expect(() => applyAnnotatorFlag(ctx, { positionals: {}, flags: { annotator: 'anna' }, help: false })).toThrow('--annotator: No person named "anna" in this project; people: cli-user, ana.');
      expect(() => applyAnnotatorFlag(ctx, { positionals: {}, flags: { annotator: 'det' }, help: false })).toThrow(/"det" is the name of a model's author/);
      expect(() => applyAnnotatorFlag(ctx, { positionals: {}, flags: { annotator: ' ' }, help: false })).toThrow("--annotator needs a person's name");
      expect(s.project.annotator.name).toBe('ana');
      expect(s.project.annotators.list().map((a) => a.name)).toEqual(['cli-user', 'ana', 'det']);
    } finally {
      await s.close();
    }
  });
});
