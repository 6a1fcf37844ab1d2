import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { metadataRepo } from '../store/MetadataRepo.ts';
import type { Project } from '../store/Project.ts';
import { addImageRow, newProject, snapshot } from '../../test/unit/fixtures.ts';
import { flagChanges, getTimeline, imagesAfter } from './timeline.ts';

/**
 * Thirty days, four images a day from camera a; from day 15 camera b adds four a day whose
 * predictions are fewer and weaker. A run covers every image; one image has no time.
 */
function project(): { p: Project; runId: number; ids: { a: number[]; b: number[] } } {
  const p = newProject();
  const classId = p.classes.insert({ name: 'scratch', color: '#ff0000', hotkey: null });
  const model = p.annotators.ensure('model:test', 'model');
  const ids = { a: [] as number[], b: [] as number[] };
  let runId = 0;
  p.db.transaction(() => {
    runId = p.models.insertRun(null, model.id, 'hash', 'test-run', '{}', '2026-01-01T00:00:00Z');
    const repo = metadataRepo(p.db);
    for (let d = 0; d < 30; d++) {
      const day = `2026-01-${String(d + 1).padStart(2, '0')}`;
      for (const cam of d >= 15 ? ['a', 'b'] : ['a']) {
        for (let k = 0; k < 4; k++) {
          const id = addImageRow(p, 640, 480, `${cam}-${day}-${k}.png`);
          repo.set(id, JSON.stringify({ camera: cam }), `${day}T${String(8 + k).padStart(2, '0')}:00:00`);
          ids[cam as 'a' | 'b'].push(id);
          const scores = cam === 'a' ? [0.9, 0.8] : [0.3];
          for (const score of scores) p.boxes.insert({ imageId: id, annotatorId: model.id, classId, x: 1, y: 1, w: 5, h: 5, score, provenance: 'predicted', modelRunId: runId, sourceBoxId: null });
          p.models.markImage(runId, id, 'done', null, scores.length, '2026-01-01T00:00:00Z');
        }
      }
    }
    addImageRow(p, 640, 480, 'untimed.png');
  })();
  return { p, runId, ids };
}

describe('the timeline on a project', () => {
  it('reads the run per day and slice and finds the day camera b joins', () => {
    const { p, runId } = project();
    const t = getTimeline(p, { by: 'camera' });
    expect(t).toMatchObject({ by: 'camera', run: { id: runId, name: 'test-run' }, keys: ['camera'], images: 180, untimed: 1 });
    expect(t.days).toHaveLength(30);
    const all = t.series.find((s) => s.slice === 'all')!.points;
    expect(all[0]).toMatchObject({ day: '2026-01-01', images: 4, covered: 4, predictionsPerImage: 2, lowConfidenceShare: 0, meanBrightness: null });
    expect(all[0].meanConfidence).toBeCloseTo(0.85, 12);
    expect(all[20]).toMatchObject({ images: 8, covered: 8, predictionsPerImage: 1.5, lowConfidenceShare: 0.5 });
    expect(all[20].meanConfidence).toBeCloseTo((4 * 1.7 + 4 * 0.3) / 12, 12);
    const onAll = t.changes.filter((c) => c.slice === 'all').map((c) => `${c.statistic} ${c.direction} ${c.day}`);
    expect(onAll.sort()).toEqual(['images up 2026-01-16', 'lowConfidenceShare up 2026-01-16', 'meanConfidence down 2026-01-16', 'predictionsPerImage down 2026-01-16']);
    expect(t.changes.filter((c) => c.slice === 'a')).toEqual([]);
  });

  it('flags the images after each change in its slice, replacing earlier change flags in one go', () => {
    const { p, ids } = project();
    expect(flagChanges(p, { by: 'camera' })).toEqual({ changes: 5, flagged: 60 + 60 });
    const flagged = p.db.prepare("SELECT image_id AS id, score, details FROM flags WHERE reason = 'change' ORDER BY image_id").all() as { id: number; score: number; details: string }[];
    const expected = [...ids.a.slice(60), ...ids.b].sort((x, y) => x - y);
    expect(flagged.map((f) => f.id)).toEqual(expected);
    const one = JSON.parse(flagged.find((f) => f.id === ids.b[0])!.details);
    expect(one.by).toBe('camera');
    expect(one.changes.map((c: { series: string; statistic: string; day: string }) => `${c.series} ${c.statistic} ${c.day}`)).toContain('camera=b images 2026-01-16');
    for (const f of flagged) expect(f.score).toBeGreaterThan(0.5);
    // Again: the same flags, not twice as many.
    flagChanges(p, { by: 'camera' });
    expect((p.db.prepare("SELECT count(*) AS n FROM flags WHERE reason = 'change'").get() as { n: number }).n).toBe(120);
    // Other reasons are left alone.
    p.db.prepare("INSERT INTO flags (image_id, reason, score) VALUES (?, 'drift', 1)").run(ids.a[0]);
    flagChanges(p, {});
    expect((p.db.prepare("SELECT count(*) AS n FROM flags WHERE reason = 'drift'").get() as { n: number }).n).toBe(1);
  });

  it('reads brightness from the image statistics where they exist (stats that are not JSON or lack it count as none)', () => {
    const { p, ids } = project();
    const set = p.db.prepare('UPDATE images SET stats = ? WHERE id = ?');
    set.run(JSON.stringify({ v: 1, brightness: 100, sharpness: 3 }), ids.a[0]);
    set.run(JSON.stringify({ v: 1, brightness: 50 }), ids.a[1]);
    set.run('not json', ids.a[2]);
    set.run(JSON.stringify({ v: 1, brightness: 'dark' }), ids.a[3]);
    set.run(JSON.stringify({ v: 1, brightness: 80 }), ids.a[4]);
    const a = getTimeline(p, { by: 'camera' }).series.find((s) => s.slice === 'a')!.points;
    expect(a.slice(0, 3).map((d) => d.meanBrightness)).toEqual([75, 80, null]);
  });

  it('lists the images after a change, in capture order', () => {
    const { p, ids } = project();
    expect(imagesAfter(p, { by: 'camera', slice: 'b', day: '2026-01-16' })).toEqual({ ids: ids.b, truncated: false });
    expect(imagesAfter(p, { slice: 'all', day: '2026-01-30' }).ids).toHaveLength(8);
  });

  it('refuses an unknown key or run and a slice without its key, changing nothing', () => {
    const { p } = project();
    const before = snapshot(p);
    expect(() => getTimeline(p, { by: 'site' })).toThrow(new LoupeError('not_found', 'No image has the metadata key "site"; the keys are one of camera.'));
    expect(() => flagChanges(p, { runId: 99 })).toThrow(/Model run 99 is not in this project/);
    expect(() => imagesAfter(p, { slice: 'b', day: '2026-01-16' })).toThrow(/needs the metadata key/);
    expect(snapshot(p)).toBe(before);
  });
});
