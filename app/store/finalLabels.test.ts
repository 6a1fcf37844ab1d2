import { describe, expect, it } from 'vitest';
import { addImageRow, newProject } from '../../test/unit/fixtures.ts';
import type { Project } from './Project.ts';
import { parseLabelChoice } from '../domain/labelChoice.ts';
import { planLabels } from './finalLabels.ts';

function box(p: Project, imageId: number, annotatorId: number, classId: number): void {
  p.boxes.insert({ imageId, annotatorId, classId, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
}
function assign(p: Project, imageId: number, annotatorId: number, status: string): void {
  p.db.prepare(`INSERT INTO assignments (image_id, annotator_id, status, updated_at) VALUES (?, ?, ?, 'now')`).run(imageId, annotatorId, status);
}

describe('final labels', () => {
  it('follows consensus, then one done annotator, and leaves unresolved and unreviewed images out', () => {
    const p = newProject();
    const cls = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const ana = p.annotators.ensure('ana', 'human').id;
    const bo = p.annotators.ensure('bo', 'human').id;
    const qa = p.annotators.ensure('qa', 'consensus').id;
    const [consensus, single, unresolved, unreviewed, implicit, assignedTodo, emptyConsensus, twoAuthorsNoAssign] = Array.from({ length: 8 }, () => addImageRow(p));
    // consensus wins over two done annotators
    box(p, consensus, ana, cls);
    box(p, consensus, bo, cls);
    box(p, consensus, qa, cls);
    assign(p, consensus, ana, 'done');
    assign(p, consensus, bo, 'done');
    // exactly one done: theirs, even when another person drew something
    box(p, single, bo, cls);
    assign(p, single, ana, 'done');
    assign(p, single, bo, 'in_progress');
    // two done, no consensus
    assign(p, unresolved, ana, 'done');
    assign(p, unresolved, bo, 'done');
    // boxes from one person but assignments exist and none is done
    box(p, unreviewed, ana, cls);
    assign(p, unreviewed, ana, 'in_progress');
    // no assignments at all, one human author: the single-annotator rule
    box(p, implicit, ana, cls);
    assign(p, assignedTodo, ana, 'todo');
    // a consensus marked done with no boxes is an empty resolution
    assign(p, emptyConsensus, qa, 'done');
    assign(p, emptyConsensus, ana, 'done');
    assign(p, emptyConsensus, bo, 'done');
    box(p, twoAuthorsNoAssign, ana, cls);
    box(p, twoAuthorsNoAssign, bo, cls);

    const ids = [consensus, single, unresolved, unreviewed, implicit, assignedTodo, emptyConsensus, twoAuthorsNoAssign];
    const plan = planLabels(p.db, ids, 'final');
    expect(plan.sources.get(consensus)).toEqual({ annotatorId: qa, runId: null });
    expect(plan.sources.get(single)).toEqual({ annotatorId: ana, runId: null });
    expect(plan.sources.get(implicit)).toEqual({ annotatorId: ana, runId: null });
    expect(plan.sources.get(emptyConsensus)).toEqual({ annotatorId: qa, runId: null });
    expect(plan.skipped.get(unresolved)).toBe('unresolved');
    expect(plan.skipped.get(unreviewed)).toBe('not_reviewed');
    expect(plan.skipped.get(assignedTodo)).toBe('not_reviewed');
    expect(plan.skipped.get(twoAuthorsNoAssign)).toBe('not_reviewed');
    expect(plan.sources.size + plan.skipped.size).toBe(ids.length);
    // only the images asked about are planned
    expect(planLabels(p.db, [single], 'final').sources.size).toBe(1);
  });

  it("a person's done mark made in review wins over an imported label set's; two review marks stay unresolved", () => {
    const p = newProject();
    const cls = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const ref = p.annotators.ensure('reference', 'human').id;
    const ana = p.annotators.ensure('ana', 'human').id;
    const bo = p.annotators.ensure('bo', 'human').id;
    const [reviewed, untouched, twoReviews, twoImports] = Array.from({ length: 4 }, () => addImageRow(p));
    for (const id of [reviewed, untouched, twoReviews, twoImports]) {
      box(p, id, ref, cls);
      p.assignments.set(id, ref, 'done', 'then', 'import');
    }
    box(p, reviewed, ana, cls);
    p.assignments.set(reviewed, ana, 'done', 'now');
    p.assignments.set(twoReviews, ana, 'done', 'now');
    p.assignments.set(twoReviews, bo, 'done', 'now');
    p.assignments.set(twoImports, ana, 'done', 'then', 'import');
    const plan = planLabels(p.db, [reviewed, untouched, twoReviews, twoImports], 'final');
    expect(plan.sources.get(reviewed)).toEqual({ annotatorId: ana, runId: null });
    expect(plan.sources.get(untouched)).toEqual({ annotatorId: ref, runId: null });
    expect(plan.skipped.get(twoReviews)).toBe('unresolved');
    expect(plan.skipped.get(twoImports)).toBe('unresolved');
  });

  it('annotator:NAME exports their boxes, or empty where they marked done, and names unknown annotators', () => {
    const p = newProject();
    const cls = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const ana = p.annotators.ensure('ana', 'human').id;
    const bo = p.annotators.ensure('bo', 'human').id;
    const [drawn, doneEmpty, none] = [addImageRow(p), addImageRow(p), addImageRow(p)];
    box(p, drawn, ana, cls);
    assign(p, doneEmpty, ana, 'done');
    box(p, none, bo, cls);
    const plan = planLabels(p.db, [drawn, doneEmpty, none], { annotator: 'ana' });
    expect([...plan.sources.keys()]).toEqual([drawn, doneEmpty]);
    expect(plan.skipped.get(none)).toBe('no_labels_from_annotator');
    expect(plan.label).toBe('annotator:ana');
    expect(() => planLabels(p.db, [], { annotator: 'zed' })).toThrow(/No annotator "zed".*ana, bo/);
  });

  it('model:NAME takes the latest run on each image', () => {
    const p = newProject();
    const m = p.annotators.ensure('det', 'model').id;
    const [a, b] = [addImageRow(p), addImageRow(p)];
    const run = (n: number) =>
      Number(p.db.prepare(`INSERT INTO model_runs (annotator_id, model_hash, name, started_at) VALUES (?, 'h', ?, 'now')`).run(m, `r${n}`).lastInsertRowid);
    const r1 = run(1);
    const r2 = run(2);
    p.db.prepare(`INSERT INTO run_images (model_run_id, image_id, status, at) VALUES (?, ?, 'done', 'now')`).run(r1, a);
    p.db.prepare(`INSERT INTO run_images (model_run_id, image_id, status, at) VALUES (?, ?, 'done', 'now')`).run(r2, a);
    const plan = planLabels(p.db, [a, b], { model: 'det' });
    expect(plan.sources.get(a)).toEqual({ annotatorId: m, runId: r2 });
    expect(plan.skipped.get(b)).toBe('not_run_by_model');
    expect(() => planLabels(p.db, [], { model: 'nope' })).toThrow(/No model "nope".*det/);
  });

  it('parses label choices and refuses anything else', () => {
    expect(parseLabelChoice('final')).toBe('final');
    expect(parseLabelChoice('annotator:ana b')).toEqual({ annotator: 'ana b' });
    expect(parseLabelChoice('model:yolo:v8')).toEqual({ model: 'yolo:v8' });
    for (const bad of ['', 'mine', 'annotator:', 'annotator: ', 'person:x']) expect(() => parseLabelChoice(bad), bad).toThrow(/final.*annotator:NAME/);
  });
});
