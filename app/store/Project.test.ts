import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newProject, tempDir, track } from '../../test/unit/fixtures.ts';
import { defaultAnnotatorName, Project } from './Project.ts';

describe('Project', () => {
  const saved = process.env.LOUPE_ANNOTATOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.LOUPE_ANNOTATOR;
    else process.env.LOUPE_ANNOTATOR = saved;
  });

  it('records the annotator once, and a second person as another annotator', () => {
    const p = newProject({ annotator: 'ana' });
    expect(p.annotator).toMatchObject({ name: 'ana', kind: 'human' });
    const again = track(Project.open(p.file, { annotator: 'ana' }));
    expect(again.annotator.id).toBe(p.annotator.id);
    const bo = track(Project.open(p.file, { annotator: 'bo' }));
    expect(bo.annotator.id).not.toBe(p.annotator.id);
    expect(bo.annotators.list().map((a) => a.name)).toEqual(['ana', 'bo']);
  });

  it('takes the default annotator from LOUPE_ANNOTATOR, trimmed', () => {
    process.env.LOUPE_ANNOTATOR = '  carla  ';
    expect(defaultAnnotatorName()).toBe('carla');
    process.env.LOUPE_ANNOTATOR = '   ';
    expect(defaultAnnotatorName()).not.toBe('');
  });

  it('stores roots inside the project folder relative to it so the project can move', () => {
    const dir = tempDir();
    const p = newProject({ dir });
    expect(p.storedRootPath(dir)).toBe('.');
    expect(p.storedRootPath(path.join(dir, 'a', 'b'))).toBe(path.join('a', 'b'));
    const outside = path.resolve(dir, '..', 'elsewhere');
    expect(p.storedRootPath(outside)).toBe(outside);
    expect(p.rootPath('a/b')).toBe(path.join(dir, 'a', 'b'));
    expect(p.rootPath(outside)).toBe(outside);
  });

  it('a project folder moved elsewhere still finds its relative roots', () => {
    const dir = tempDir();
    const p = Project.create(path.join(dir, 'm.loupe'), { annotator: 'x' });
    p.db.transaction(() => p.images.ensureRoot(p.storedRootPath(path.join(dir, 'pics'))))();
    p.close();
    const moved = path.join(tempDir(), 'moved');
    fs.cpSync(dir, moved, { recursive: true });
    const q = track(Project.open(path.join(moved, 'm.loupe'), { annotator: 'x' }));
    expect(q.images.roots().map((r) => q.rootPath(r.path))).toEqual([path.join(moved, 'pics')]);
  });

  it('close is idempotent', () => {
    const p = newProject();
    p.close();
    expect(() => p.close()).not.toThrow();
  });
});
