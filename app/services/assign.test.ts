import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHODS, type MethodName } from '../contract/methods.ts';
import { planAssignment } from '../domain/assignPlan.ts';
import { createDispatcher, type Dispatch } from '../hosts/dispatcher.ts';
import { addImageRow, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import type { Project } from '../store/Project.ts';

async function call<T = any>(d: Dispatch, method: MethodName, payload: unknown): Promise<T> {
  const r = await d(method, payload);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  expect(METHODS[method].reply.safeParse(r.value).success, `${method} reply matches its schema`).toBe(true);
  return r.value as T;
}
async function refused(d: Dispatch, method: MethodName, payload: unknown) {
  const r = await d(method, payload);
  if (r.ok) throw new Error(`${method} was expected to fail`);
  return r.error;
}

/** A project of n images (every third one shift=night, every fifth flagged), as the lead. */
async function setup(n: number) {
  const s = newSession('lead');
  const d = createDispatcher(s);
  await call(d, 'project:create', { file: path.join(tempDir(), 'p.loupe') });
  const p = s.project;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = addImageRow(p, 100, 100, `img-${String(i).padStart(4, '0')}.png`);
    ids.push(id);
    p.images.setMetadata(id, JSON.stringify({ shift: i % 3 === 0 ? 'night' : 'day', camera: i % 2 === 0 ? 'c1' : 'c2' }));
    if (i % 5 === 0) p.db.prepare("INSERT INTO flags (image_id, reason, score) VALUES (?, 'drift', 1)").run(id);
  }
  await call(d, 'session:identify', { name: 'lead', role: 'lead' });
  return { s, d, p, ids };
}

/** Each person's assigned image ids, by name. */
function assigned(p: Project, names: string[]): Map<string, number[]> {
  return new Map(names.map((n) => [n, p.assignments.assignedImageIds(p.annotators.byName(n)!.id)]));
}
/** How many people each image is assigned to. */
function coverage(p: Project): Map<number, number> {
  const rows = p.db.prepare('SELECT image_id AS i, count(*) AS n FROM assignments WHERE assigned_at IS NOT NULL GROUP BY image_id').all() as { i: number; n: number }[];
  return new Map(rows.map((r) => [r.i, r.n]));
}
const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

describe('assign:run', () => {
  it('gives every image to exactly k of n people, balanced within one, and reports it per person', async () => {
    const { d, p, ids } = await setup(101);
    const names = ['ana', 'ben', 'chloe', 'dev'];
    const sum = await call(d, 'assign:run', { annotators: names, overlap: 3, seed: 7 });
    expect(sum.images).toBe(101);
    expect(sum.seed).toBe(7);
    const cov = coverage(p);
    expect(ids.every((id) => cov.get(id) === 3)).toBe(true);
    const counts = [...assigned(p, names).values()].map((v) => v.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(303);
    expect(spread(counts)).toBeLessThanOrEqual(1);
    expect(sum.perPerson).toEqual(names.map((name, i) => ({ name, assigned: counts[i], added: counts[i], kept: 0 })));
    // New names became people; the rows are todo.
    expect(p.annotators.byName('dev')!.kind).toBe('human');
    expect(p.db.prepare("SELECT count(*) AS n FROM assignments WHERE status != 'todo'").get()).toEqual({ n: 0 });
  });

  it('with a fraction, round(f·N) images go to k people and the rest to one, balanced in both parts', async () => {
    const { d, p, ids } = await setup(50);
    const names = ['ana', 'ben', 'chloe'];
    await call(d, 'assign:run', { annotators: names, overlap: 2, fraction: 0.3, seed: 3 });
    const cov = coverage(p);
    const twice = ids.filter((id) => cov.get(id) === 2);
    const once = ids.filter((id) => cov.get(id) === 1);
    expect(twice).toHaveLength(15);
    expect(once).toHaveLength(35);
    const per = assigned(p, names);
    const overall = names.map((n) => per.get(n)!.length);
    expect(spread(overall)).toBeLessThanOrEqual(1);
    const inOverlap = names.map((n) => per.get(n)!.filter((id) => twice.includes(id)).length);
    expect(inOverlap.reduce((a, b) => a + b, 0)).toBe(30);
    expect(spread(inOverlap)).toBeLessThanOrEqual(1);
  });

  it('is stable for a seed and differs for another', async () => {
    const plans = [];
    for (const seed of [11, 11, 12]) {
      const { d, p } = await setup(40);
      await call(d, 'assign:run', { annotators: ['ana', 'ben', 'chloe'], overlap: 1, fraction: 0.5, seed });
      plans.push(JSON.stringify([...assigned(p, ['ana', 'ben', 'chloe'])]));
    }
    expect(plans[0]).toBe(plans[1]);
    expect(plans[2]).not.toBe(plans[0]);
  });

  it('takes only images matching every metadata value, a flag reason or a model run', async () => {
    const { d, p, ids } = await setup(30);
    const night = ids.filter((_, i) => i % 3 === 0);
    const nightC1 = ids.filter((_, i) => i % 3 === 0 && i % 2 === 0);
    let sum = await call(d, 'assign:run', { annotators: ['ana'], overlap: 1, where: [{ key: 'shift', value: 'night' }] });
    expect(sum.images).toBe(night.length);
    expect(p.assignments.assignedImageIds(p.annotators.byName('ana')!.id)).toEqual(night);
    sum = await call(d, 'assign:run', { annotators: ['ben'], overlap: 1, where: [{ key: 'shift', value: 'night' }, { key: 'camera', value: 'c1' }] });
    expect(p.assignments.assignedImageIds(p.annotators.byName('ben')!.id)).toEqual(nightC1);
    await call(d, 'assign:run', { annotators: ['chloe'], overlap: 1, flag: 'drift' });
    expect(p.assignments.assignedImageIds(p.annotators.byName('chloe')!.id)).toEqual(ids.filter((_, i) => i % 5 === 0));
    const model = p.annotators.ensure('det', 'model').id;
    const run = p.models.insertRun(null, model, 'h', 'det', '{}', 'now');
    const ran = [ids[1], ids[4], ids[9]];
    for (const id of ran) p.db.prepare("INSERT INTO run_images (model_run_id, image_id, status, at) VALUES (?, ?, 'done', 'now')").run(run, id);
    p.db.prepare("INSERT INTO run_images (model_run_id, image_id, status, at) VALUES (?, ?, 'failed', 'now')").run(run, ids[2]);
    sum = await call(d, 'assign:run', { annotators: ['dev'], overlap: 1, runId: run });
    expect(sum.images).toBe(3);
    expect(p.assignments.assignedImageIds(p.annotators.byName('dev')!.id)).toEqual(ran);
  });

  it('assigning again keeps in-progress, done and skipped work and only moves untouched todo rows', async () => {
    const { d, p, ids } = await setup(20);
    await call(d, 'assign:run', { annotators: ['ana', 'ben'], overlap: 1, seed: 1 });
    const anaId = p.annotators.byName('ana')!.id;
    const benId = p.annotators.byName('ben')!.id;
    const anaImgs = p.assignments.assignedImageIds(anaId);
    expect(anaImgs).toHaveLength(10);
    // ana works on three of hers; ben edits one image that is not his (work without an assignment).
    p.assignments.set(anaImgs[0], anaId, 'done', 'now');
    p.assignments.set(anaImgs[1], anaId, 'skipped', 'now');
    p.assignments.start(anaImgs[2], anaId, 'now');
    p.assignments.set(anaImgs[3], benId, 'in_progress', 'now');
    // A different seed and a third person: every image still to one person.
    const sum = await call(d, 'assign:run', { annotators: ['ana', 'ben', 'chloe'], overlap: 1, seed: 99 });
    const after = p.assignments.assignedImageIds(anaId);
    for (const id of anaImgs.slice(0, 3)) expect(after).toContain(id);
    expect(p.assignments.get(anaImgs[0], anaId)).toBe('done');
    expect(p.assignments.get(anaImgs[1], anaId)).toBe('skipped');
    expect(p.assignments.get(anaImgs[2], anaId)).toBe('in_progress');
    // ben's own work became his assignment, and ana's untouched todo row on that image moved away.
    expect(p.assignments.assignedImageIds(benId)).toContain(anaImgs[3]);
    expect(p.assignments.get(anaImgs[3], benId)).toBe('in_progress');
    expect(p.assignments.get(anaImgs[3], anaId)).toBeUndefined();
    const cov = coverage(p);
    expect(ids.every((id) => (cov.get(id) ?? 0) >= 1)).toBe(true);
    // Every image has one person, except where locked work put more.
    expect(ids.filter((id) => cov.get(id)! > 1)).toEqual([]);
    const kept = Object.fromEntries(sum.perPerson.map((r: { name: string; kept: number }) => [r.name, r.kept]));
    expect(kept.ana).toBeGreaterThanOrEqual(3);
    expect(kept.ben).toBeGreaterThanOrEqual(1);
    expect(kept.chloe).toBe(0);
    const counts = sum.perPerson.map((r: { assigned: number }) => r.assigned);
    expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(20);
    expect(spread(counts)).toBeLessThanOrEqual(1);
    // The same request again changes nothing and reports everything as kept.
    const before = snapshot(p);
    const again = await call(d, 'assign:run', { annotators: ['ana', 'ben', 'chloe'], overlap: 1, seed: 99 });
    expect(again.perPerson.every((r: { added: number; kept: number; assigned: number }) => r.added === 0 && r.kept === r.assigned)).toBe(true);
    expect(snapshot(p).replace(/"assigned_at":"[^"]*"/g, '')).toBe(before.replace(/"assigned_at":"[^"]*"/g, ''));
  });

  it('refuses bad input with a specific error and changes nothing', async () => {
    const { d, p } = await setup(5);
    p.annotators.ensure('det', 'model');
    const before = snapshot(p);
    const cases: [unknown, string, string][] = [
      [{ annotators: ['ana', 'ben'], overlap: 0 }, 'bad_request', 'overlap'],
      [{ annotators: ['ana', 'ben'], overlap: 3 }, 'bad_request', 'between 1 and the number of annotators (2); got 3'],
      [{ annotators: ['ana'], overlap: 1, fraction: 0 }, 'bad_request', 'fraction'],
      [{ annotators: ['ana'], overlap: 1, fraction: 1.5 }, 'bad_request', 'fraction'],
      [{ annotators: ['ana'], overlap: 1, runId: 77 }, 'not_found', 'Model run 77'],
      [{ annotators: [], overlap: 1 }, 'bad_request', 'at least one annotator'],
      [{ annotators: ['ana', ' ana '], overlap: 1 }, 'bad_request', '"ana" is listed twice'],
      [{ annotators: ['ana', 'det'], overlap: 1 }, 'bad_request', '"det" is the name of a model author'],
      [{ annotators: ['ana', ''], overlap: 1 }, 'bad_request', 'name is empty'],
    ];
    for (const [req, code, text] of cases) {
      const err = await refused(d, 'assign:run', req);
      expect(err.code, JSON.stringify(req)).toBe(code);
      expect(err.message, JSON.stringify(req)).toContain(text);
    }
    expect(snapshot(p)).toBe(before);
    // An annotator may not assign.
    await call(d, 'session:identify', { name: 'ana' });
    const after = snapshot(p);
    expect((await refused(d, 'assign:run', { annotators: ['ana'], overlap: 1 })).code).toBe('forbidden');
    expect(snapshot(p)).toBe(after);
  });

  it('annotators:list reports each person\'s assigned count', async () => {
    const { d } = await setup(9);
    await call(d, 'assign:run', { annotators: ['ana', 'ben', 'chloe'], overlap: 2 });
    const list = await call(d, 'annotators:list', {});
    expect(list.filter((a: { name: string }) => ['ana', 'ben', 'chloe'].includes(a.name)).map((a: { assigned: number }) => a.assigned)).toEqual([6, 6, 6]);
  });
});

describe('planAssignment', () => {
  it('balances within one over many sizes and seeds, with every image to exactly its number of distinct people', () => {
    for (let n = 1; n <= 5; n++)
      for (let k = 1; k <= n; k++)
        for (const N of [0, 1, 7, 23])
          for (const fraction of [undefined, 0.25, 1])
            for (const seed of [0, 5]) {
              const imageIds = Array.from({ length: N }, (_, i) => i + 1);
              const plan = planAssignment({ imageIds, people: n, overlap: k, fraction, seed });
              const load = new Array<number>(n).fill(0);
              let multi = 0;
              for (const who of plan.byImage.values()) {
                expect(new Set(who).size).toBe(who.length);
                if (who.length === k) multi++;
                for (const x of who) load[x]++;
              }
              expect(plan.overlapImages).toBe(Math.round((fraction ?? 1) * N));
              if (k > 1) expect(multi).toBe(plan.overlapImages);
              expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
            }
  });

  it('refuses an overlap above the number of people', () => {
    expect(() => planAssignment({ imageIds: [1], people: 2, overlap: 3, seed: 0 })).toThrow(/overlap must be 1–2/);
  });
});
