import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoupeEvent } from '../contract/methods.ts';
import { importFolder } from '../io/importFolder.ts';
import { makeImage, newSession, tempDir } from '../../test/unit/fixtures.ts';
import { Session } from './Session.ts';

describe('Session', () => {
  it('opening a second project closes the first', async () => {
    const dir = tempDir();
    const s = newSession();
    const first = await s.open(path.join(dir, 'one.loupe'), true);
    const second = await s.open(path.join(dir, 'two.loupe'), true);
    expect(first.db.open).toBe(false);
    expect(s.project).toBe(second);
  });

  it('a failed open keeps the current project', async () => {
    const dir = tempDir();
    const s = newSession();
    const p = await s.open(path.join(dir, 'one.loupe'), true);
    await expect(s.open(path.join(dir, 'missing.loupe'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.open(path.join(dir, 'one.loupe'), true)).rejects.toMatchObject({ code: 'conflict' });
    expect(s.project).toBe(p);
    expect(p.db.open).toBe(true);
  });

  it('closing cancels running jobs and waits for them before closing the file', async () => {
    const dir = tempDir();
    for (let i = 0; i < 30; i++) await makeImage(path.join(dir, 'imgs', `${i}.png`), { w: 10 + i, h: 10 });
    const s = newSession();
    const p = await s.open(path.join(dir, 'p.loupe'), true);
    const job = s.jobs.start('import', 'Import', (ctx) => importFolder(p, path.join(dir, 'imgs'), ctx, { batchSize: 3, concurrency: 1 }));
    expect(await s.close()).toBe(true);
    const final = await s.jobs.wait(job.id);
    expect(final.state).toBe('cancelled');
    expect(p.db.open).toBe(false);
    expect(s.hasProject).toBe(false);
    expect(await s.close()).toBe(false);
  });

  it('forwards job events to listeners and survives a broken listener', async () => {
    const s = newSession();
    const got: LoupeEvent[] = [];
    s.on(() => {
      throw new Error('broken');
    });
    const off = s.on((e) => got.push(e));
    await s.jobs.wait(s.jobs.start('x', 'X', async () => 1).id);
    expect(got.map((e) => e.type === 'job' && e.job.state)).toEqual(['running', 'done']);
    off();
    s.emit({ type: 'project', project: null });
    expect(got).toHaveLength(2);
  });

  it('names a project after its file', () => {
    expect(Session.nameOf('/a/b/Site 4 review.loupe')).toBe('Site 4 review');
    expect(Session.nameOf('/a/b/plain.db')).toBe('plain.db');
  });
});
