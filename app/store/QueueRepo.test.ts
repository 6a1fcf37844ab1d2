import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../domain/random.ts';
import { addImageRow, newProject, tempDir, track } from '../../test/unit/fixtures.ts';
import type { AssignmentStatus } from './AssignmentRepo.ts';
import { metadataEquals } from './metadataFilter.ts';
import { MIGRATIONS } from './migrations.ts';
import { Project } from './Project.ts';
import { type QueueFilter, type QueueOrder, QueueRepo } from './QueueRepo.ts';

const STATUSES: AssignmentStatus[] = ['todo', 'in_progress', 'done', 'skipped'];
const REASONS = ['low-confidence', 'drift', 'manual'];
const METADATA = [
  '{}',
  '{"shift":"night","camera":"cam1"}',
  '{"shift":"day","camera":"cam2"}',
  '{"defects":3,"ok":true}',
  '{"defects":3.5,"ok":false,"note":null}',
  '{"nested":{"a":1},"list":[1,2],"key.with.dots":"x"}',
  '[1,2]',
  '"just a string"',
];

/** A small seeded project with every kind of thing the queue filters on, and a reference answer in JavaScript. */
function randomProject(seed: number) {
  const p = newProject();
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const classes = ['car', 'bus', 'bike'].map((name) => p.classes.insert({ name, color: '#ff0000', hotkey: null }));
  const model = p.annotators.ensure('det', 'model').id;
  const run = Number(p.db.prepare(`INSERT INTO model_runs (annotator_id, model_hash, name, started_at) VALUES (?, 'h', 'det', 'now')`).run(model).lastInsertRowid);
  const ana = p.annotators.ensure('ana', 'human').id;
  const me = p.annotator.id;
  const people = [me, ana, model];
  const ids: number[] = [];
  for (let k = 0; k < 60; k++) {
    const id = addImageRow(p, 100, 100, `${pick(['a', 'b', 'c'])}/${String(Math.floor(rand() * 1000)).padStart(3, '0')}-${k}.png`);
    p.images.setMetadata(id, pick(METADATA));
    ids.push(id);
  }
  for (const id of ids) {
    const preds = Math.floor(rand() * 4);
    for (let j = 0; j < preds; j++) {
      // Now and then a prediction without a score, which no score range matches.
      const score = rand() < 0.1 ? null : Math.round(rand() * 100) / 100;
      p.boxes.insert({ imageId: id, annotatorId: model, modelRunId: run, classId: pick(classes), x: 1, y: 1, w: 5, h: 5, score, provenance: 'predicted', sourceBoxId: null });
    }
    if (rand() < 0.4) {
      const who = pick([me, ana]);
      p.boxes.insert({ imageId: id, annotatorId: who, modelRunId: null, classId: pick(classes), x: 0, y: 0, w: 5, h: 5, score: null, provenance: 'drawn', sourceBoxId: null });
    }
    for (const who of [me, ana]) if (rand() < 0.5) p.assignments.set(id, who, pick(STATUSES), 'now');
    for (const reason of REASONS) if (rand() < 0.25) p.db.prepare('INSERT INTO flags (image_id, reason, score) VALUES (?, ?, ?)').run(id, reason, rand() < 0.2 ? null : rand());
  }

  const rows = (sql: string, ...args: unknown[]) => p.db.prepare(sql).all(...args) as Record<string, number | string | null>[];
  const statusOf = (id: number, who: number) =>
    (p.db.prepare('SELECT status FROM assignments WHERE image_id = ? AND annotator_id = ?').pluck().get(id, who) as AssignmentStatus | undefined) ?? 'todo';
  const metaMatch = p.db.prepare(`SELECT 1 FROM images i WHERE i.id = ? AND ${metadataEquals('i')}`).pluck();

  // Read afresh on each call, so the reference follows changes made after the project was built.
  const reference = (order: QueueOrder, f: QueueFilter): number[] => {
    const images = rows('SELECT id, path FROM images') as { id: number; path: string }[];
    const boxes = rows('SELECT image_id, annotator_id, model_run_id, class_id, score FROM boxes');
    const flags = rows('SELECT image_id, reason, score FROM flags');
    const keep = images.filter(({ id }) => {
      const mine = boxes.filter((b) => b.image_id === id);
      if (f.status && !f.status.includes(statusOf(id, me))) return false;
      if (f.flag !== undefined && !flags.some((x) => x.image_id === id && x.reason === f.flag)) return false;
      if (f.classId !== undefined && !mine.some((b) => b.class_id === f.classId)) return false;
      if (f.score && !mine.some((b) => b.model_run_id !== null && b.score !== null && (b.score as number) >= f.score!.min && (b.score as number) <= f.score!.max)) return false;
      if (f.annotatorId !== undefined) {
        const hasStatus = p.db.prepare('SELECT 1 FROM assignments WHERE image_id = ? AND annotator_id = ?').get(id, f.annotatorId) !== undefined;
        if (!hasStatus && !mine.some((b) => b.annotator_id === f.annotatorId)) return false;
      }
      if (f.where && metaMatch.get(id, f.where.key, f.where.value) === undefined) return false;
      return true;
    });
    const key = (id: number): number => {
      if (order === 'score') {
        const scores = boxes.filter((b) => b.image_id === id && b.model_run_id !== null && b.score !== null).map((b) => b.score as number);
        return scores.length ? Math.max(...scores) : -1;
      }
      if (order === 'priority') return -flags.filter((x) => x.image_id === id).reduce((s, x) => s + ((x.score as number | null) ?? 0), 0);
      return 0;
    };
    return keep
      .map((r) => ({ ...r, k: key(r.id) }))
      .sort((a, b) => a.k - b.k || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id - b.id))
      .map((r) => r.id);
  };

  const filters: QueueFilter[] = [{}];
  for (const s of STATUSES) filters.push({ status: [s] });
  filters.push({ status: ['todo', 'in_progress'] }, { status: ['done', 'skipped'] }, { status: [...STATUSES] });
  for (const reason of [...REASONS, 'never']) filters.push({ flag: reason });
  for (const c of classes) filters.push({ classId: c });
  filters.push({ score: { min: 0, max: 1 } }, { score: { min: 0.2, max: 0.5 } }, { score: { min: 0.97, max: 1 } }, { score: { min: 0.5, max: 0.5 } });
  for (const who of people) filters.push({ annotatorId: who });
  for (const [key, value] of [['shift', 'night'], ['camera', 'cam2'], ['defects', '3'], ['defects', '3.5'], ['ok', 'true'], ['ok', 'false'], ['note', 'null'], ['nested', '{"a":1}'], ['list', '[1,2]'], ['key.with.dots', 'x'], ['0', '1'], ['missing', 'x']]) {
    filters.push({ where: { key, value } });
  }
  for (let k = 0; k < 40; k++) {
    const f: QueueFilter = {};
    if (rand() < 0.5) f.status = STATUSES.filter(() => rand() < 0.5).slice(0, 3);
    if (!f.status?.length) delete f.status;
    if (rand() < 0.3) f.flag = pick(REASONS);
    if (rand() < 0.4) f.classId = pick(classes);
    if (rand() < 0.4) f.score = { min: 0.1, max: 0.1 + rand() * 0.9 };
    if (rand() < 0.3) f.annotatorId = pick(people);
    if (rand() < 0.3) f.where = pick([{ key: 'shift', value: 'night' }, { key: 'ok', value: 'true' }]);
    filters.push(f);
  }
  return { p, me, run, model, classes, filters, reference };
}

describe('the queue over a random project', () => {
  it('answers as the reference for every filter and order, with sets, with per-image tests and as chosen', () => {
    for (const seed of [1, 2, 3]) {
      const { p, me, filters, reference } = randomProject(seed);
      const repos = [p.queue, new QueueRepo(p.db, 0), new QueueRepo(p.db, Number.MAX_SAFE_INTEGER)];
      for (const order of ['file', 'score', 'priority'] as const) {
        for (const f of filters) {
          const want = reference(order, f);
          for (const q of repos) {
            const label = `seed ${seed}, ${order}, ${JSON.stringify(f)}`;
            expect(q.ids(me, order, f), label).toEqual(want);
            const page = q.page(me, order, f, 3, 7);
            expect(page.total, label).toBe(want.length);
            expect(page.items.map((r) => r.id), label).toEqual(want.slice(3, 10));
          }
        }
      }
    }
  });
});

describe('image_tags', () => {
  const tags = (p: Project, id: number) =>
    p.db.prepare('SELECT key, value FROM image_tags WHERE image_id = ? ORDER BY key, value').all(id) as { key: string; value: string }[];

  it('holds each image\'s top-level metadata as text, follows metadata changes and goes with the image', () => {
    const p = newProject();
    const id = addImageRow(p);
    expect(tags(p, id)).toEqual([]);
    const rootId = p.images.ensureRoot('.');
    const row = { rootId, width: 1, height: 1, orientation: 1, format: 'png', bytes: 0, contentHash: null, ingestError: null };
    const imported = p.images.insert({ ...row, path: 'imported.png', metadata: '{"camera":"cam2","ok":false}' }, 'now');
    expect(tags(p, imported)).toEqual([
      { key: 'camera', value: 'cam2' },
      { key: 'ok', value: 'false' },
    ]);
    expect(p.images.insert({ ...row, path: 'broken.png', metadata: 'not json' }, 'now')).toBeGreaterThan(0);
    p.images.setMetadata(id, '{"shift":"night","n":3,"x":2.5,"ok":true,"no":false,"none":null,"o":{"a":[1]},"shift2":"day"}');
    expect(tags(p, id)).toEqual([
      { key: 'n', value: '3' },
      { key: 'no', value: 'false' },
      { key: 'o', value: '{"a":[1]}' },
      { key: 'ok', value: 'true' },
      { key: 'shift', value: 'night' },
      { key: 'shift2', value: 'day' },
      { key: 'x', value: '2.5' },
    ]);
    p.images.setMetadata(id, '{"shift":"day"}');
    expect(tags(p, id)).toEqual([{ key: 'shift', value: 'day' }]);
    // Not an object, or not JSON at all: no entries, and the write itself still succeeds.
    for (const text of ['[1,2]', '7', 'not json']) {
      p.images.setMetadata(id, text);
      expect(tags(p, id), text).toEqual([]);
    }
    p.images.setMetadata(id, '{"a":"1"}');
    p.db.prepare('DELETE FROM images WHERE id = ?').run(id);
    expect(p.db.prepare('SELECT count(*) FROM image_tags WHERE image_id = ?').pluck().get(id)).toBe(0);
  });

  it('is filled for the images of a project made before it', () => {
    const file = path.join(tempDir(), 'v3.loupe');
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 3)) db.exec(m);
    db.pragma('user_version = 3');
    const root = Number(db.prepare(`INSERT INTO roots (path) VALUES ('.')`).run().lastInsertRowid);
    const ins = db.prepare(`INSERT INTO images (root_id, path, metadata, added_at) VALUES (?, ?, ?, 'now')`);
    const a = Number(ins.run(root, 'a.png', '{"camera":"cam1","ok":false}').lastInsertRowid);
    const b = Number(ins.run(root, 'b.png', 'not json').lastInsertRowid);
    db.close();
    const p = track(Project.open(file, { annotator: 'tester' }));
    expect(tags(p, a)).toEqual([
      { key: 'camera', value: 'cam1' },
      { key: 'ok', value: 'false' },
    ]);
    expect(tags(p, b)).toEqual([]);
    expect(p.queue.ids(p.annotator.id, 'file', { where: { key: 'camera', value: 'cam1' } })).toEqual([a]);
  });
});

/** image_rank as stored, and as computed afresh from boxes and flags (the sort keys the queue had before migration 5). */
function ranks(db: Database.Database) {
  const stored = db.prepare('SELECT image_id AS id, best_score AS score, priority, path FROM image_rank ORDER BY image_id').all();
  const fresh = db
    .prepare(
      `SELECT i.id AS id,
        coalesce((SELECT max(b.score) FROM boxes b WHERE b.image_id = i.id AND b.model_run_id IS NOT NULL), -1) AS score,
        coalesce((SELECT sum(f.score) FROM flags f WHERE f.image_id = i.id), 0) AS priority,
        i.path AS path
      FROM images i ORDER BY i.id`,
    )
    .all();
  return { stored, fresh };
}

describe('image_rank', () => {
  it('stays exact through box, prediction, flag and image changes, and the queue in score and priority order with it', () => {
    for (const seed of [4, 5]) {
      const { p, me, run, model, classes, filters, reference } = randomProject(seed);
      const rand = mulberry32(seed * 101);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
      const all = (sql: string) => p.db.prepare(sql).pluck().all() as number[];
      const run1 = (sql: string, ...args: unknown[]) => p.db.prepare(sql).run(...args);
      // Now and then no score, or one at or below the -1 that stands for no prediction.
      const score = () => pick([null, -2, -1, -0.5, 0, 1, Math.round(rand() * 100) / 100, Math.round(rand() * 100) / 100]);
      const repos = [p.queue, new QueueRepo(p.db, 0), new QueueRepo(p.db, Number.MAX_SAFE_INTEGER)];
      let made = 0;
      for (let round = 0; round < 5; round++) {
        for (let k = 0; k < 30; k++) {
          const images = all('SELECT id FROM images');
          const boxes = all('SELECT id FROM boxes');
          const predictions = all('SELECT id FROM boxes WHERE model_run_id IS NOT NULL');
          const flags = all('SELECT id FROM flags');
          const image = pick(images);
          switch (Math.floor(rand() * 14)) {
            case 0:
            case 1:
              p.boxes.insert({ imageId: image, annotatorId: model, modelRunId: run, classId: pick(classes), x: 1, y: 1, w: 5, h: 5, score: score(), provenance: 'predicted', sourceBoxId: null });
              break;
            case 2:
              // A person's box with a score is no prediction.
              p.boxes.insert({ imageId: image, annotatorId: me, modelRunId: null, classId: pick(classes), x: 1, y: 1, w: 5, h: 5, score: 0.99, provenance: 'drawn', sourceBoxId: null });
              break;
            case 3:
              if (predictions.length) p.boxes.delete(pick(predictions));
              break;
            case 4:
              if (boxes.length) p.boxes.delete(pick(boxes));
              break;
            case 5:
              if (predictions.length) run1('UPDATE boxes SET score = ? WHERE id = ?', score(), pick(predictions));
              break;
            case 6:
              if (boxes.length) run1('UPDATE boxes SET model_run_id = CASE WHEN model_run_id IS NULL THEN ? END WHERE id = ?', run, pick(boxes));
              break;
            case 7:
              if (boxes.length) run1('UPDATE boxes SET image_id = ? WHERE id = ?', image, pick(boxes));
              break;
            case 8:
              p.models.clearPredictions(run, image);
              break;
            case 9:
              run1('INSERT INTO flags (image_id, reason, score) VALUES (?, ?, ?)', image, pick(REASONS), pick([null, 0.25, rand()]));
              break;
            case 10:
              if (flags.length) run1('DELETE FROM flags WHERE id = ?', pick(flags));
              break;
            case 11:
              if (flags.length && rand() < 0.5) run1('UPDATE flags SET score = ? WHERE id = ?', pick([null, rand()]), pick(flags));
              else if (flags.length) run1('UPDATE flags SET image_id = ? WHERE id = ?', image, pick(flags));
              break;
            case 12:
              if (rand() < 0.5) run1('DELETE FROM images WHERE id = ?', image);
              else run1('UPDATE images SET path = ? WHERE id = ?', `moved/${made++}.png`, image);
              break;
            case 13:
              addImageRow(p, 10, 10, `${pick(['a', 'b', 'z'])}/new-${made++}.png`);
              break;
          }
          const { stored, fresh } = ranks(p.db);
          expect(stored, `seed ${seed}, round ${round}, step ${k}`).toEqual(fresh);
        }
        for (const order of ['score', 'priority'] as const) {
          for (const f of filters) {
            const want = reference(order, f);
            for (const q of repos) {
              const label = `seed ${seed}, round ${round}, ${order}, ${JSON.stringify(f)}`;
              expect(q.ids(me, order, f), label).toEqual(want);
              const page = q.page(me, order, f, 2, 9);
              expect(page.total, label).toBe(want.length);
              expect(page.items.map((r) => r.id), label).toEqual(want.slice(2, 11));
            }
          }
        }
      }
    }
  });

  it('is filled for the images of a schema-4 project', () => {
    const file = path.join(tempDir(), 'v4.loupe');
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) db.exec(m);
    db.pragma('user_version = 4');
    const root = Number(db.prepare(`INSERT INTO roots (path) VALUES ('.')`).run().lastInsertRowid);
    const cls = Number(db.prepare(`INSERT INTO classes (name, color, position) VALUES ('car', '#ff0000', 0)`).run().lastInsertRowid);
    const person = Number(db.prepare(`INSERT INTO annotators (name, kind) VALUES ('ana', 'human')`).run().lastInsertRowid);
    const bot = Number(db.prepare(`INSERT INTO annotators (name, kind) VALUES ('det', 'model')`).run().lastInsertRowid);
    const run = Number(db.prepare(`INSERT INTO model_runs (annotator_id, model_hash, name, started_at) VALUES (?, 'h', 'det', 'now')`).run(bot).lastInsertRowid);
    const image = (p: string) => Number(db.prepare(`INSERT INTO images (root_id, path, added_at) VALUES (?, ?, 'now')`).run(root, p).lastInsertRowid);
    const box = (imageId: number, runId: number | null, score: number | null) =>
      db.prepare('INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score) VALUES (?, ?, ?, ?, 0, 0, 1, 1, ?)').run(imageId, runId ? bot : person, runId, cls, score);
    const flag = (imageId: number, score: number | null) => db.prepare(`INSERT INTO flags (image_id, reason, score) VALUES (?, 'manual', ?)`).run(imageId, score);
    const d = image('d.png');
    const a = image('a.png');
    const c = image('c.png');
    const b = image('b.png');
    const e = image('e.png');
    box(a, run, 0.5);
    box(a, run, 0.9);
    box(a, null, 0.95);
    flag(a, 0.5);
    flag(a, null);
    flag(b, null);
    // Predictions without a score and a person's box with one: no best score.
    box(c, run, null);
    box(c, null, 0.99);
    box(d, run, 0.2);
    flag(d, 0.3);
    flag(d, 0.4);
    box(e, run, -2);
    flag(e, -1);
    db.close();

    const p = track(Project.open(file, { annotator: 'tester' }));
    const { stored, fresh } = ranks(p.db);
    expect(stored).toEqual(fresh);
    expect(stored).toEqual([
      { id: d, score: 0.2, priority: 0.7, path: 'd.png' },
      { id: a, score: 0.9, priority: 0.5, path: 'a.png' },
      { id: c, score: -1, priority: 0, path: 'c.png' },
      { id: b, score: -1, priority: 0, path: 'b.png' },
      { id: e, score: -2, priority: -1, path: 'e.png' },
    ]);
    const me = p.annotator.id;
    expect(p.queue.ids(me, 'score', {})).toEqual([e, b, c, d, a]);
    expect(p.queue.ids(me, 'priority', {})).toEqual([d, a, b, c, e]);
    expect(p.queue.page(me, 'score', { flag: 'manual' }, 0, 2).items.map((r) => r.id)).toEqual([e, b]);
    // The triggers run on the migrated file too.
    p.boxes.insert({ imageId: b, annotatorId: bot, modelRunId: run, classId: cls, x: 1, y: 1, w: 5, h: 5, score: 0.1, provenance: 'predicted', sourceBoxId: null });
    expect(p.queue.ids(me, 'score', {})).toEqual([e, c, b, d, a]);
    // A removed image leaves no row, foreign keys on or off.
    p.db.prepare('DELETE FROM images WHERE id = ?').run(a);
    p.db.pragma('foreign_keys = OFF');
    p.db.prepare('DELETE FROM images WHERE id = ?').run(d);
    p.db.pragma('foreign_keys = ON');
    expect(p.db.prepare('SELECT image_id FROM image_rank ORDER BY image_id').pluck().all()).toEqual([c, b, e]);
  });
});
