import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addImageRow, tempDir } from '../../test/unit/fixtures.ts';
import { mulberry32 } from '../domain/random.ts';
import { AgreementAccumulator, type AgreementReport } from '../metrics/agreement/index.ts';
import { agreementInWorker } from '../metrics/agreementInWorker.ts';
import { startAgreementWriter } from '../metrics/agreementWriter.ts';
import { agreementRepo } from '../store/AgreementRepo.ts';
import { Project } from '../store/Project.ts';
import { runAgreement } from './agreement.ts';

const open: Project[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

/**
 * A real project of 300 images: four people, each image marked done by one to four of
 * them (so units of two, three and four people, whose alpha weights 1, 1/2 and 1/3 take
 * both of NominalCoincidence's merge paths), jittered copies of a few base boxes with
 * misses, class swaps and extras, and one person's work in progress left out.
 */
function project(): Project {
  const p = Project.create(path.join(tempDir(), 'split.loupe'), { annotator: 'lead' });
  open.push(p);
  const rand = mulberry32(7);
  const classes = ['car', 'bus', 'van', 'bike'].map((name, i) => p.classes.insert({ name, color: '#ff0000', hotkey: String(i + 1) }));
  const people = ['ana', 'bo', 'cy', 'dee'].map((n) => p.annotators.ensure(n, 'human').id);
  p.db.transaction(() => {
    for (let i = 0; i < 300; i++) {
      const img = addImageRow(p, 1280, 720, `split-${i}.png`);
      const base = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => ({
        c: classes[Math.floor(rand() * classes.length)],
        x: rand() * 1100,
        y: rand() * 600,
        w: 20 + rand() * 150,
        h: 20 + rand() * 100,
      }));
      const n = 1 + Math.floor(rand() * 4);
      people.forEach((who, k) => {
        const isDone = k < n;
        if (!isDone && rand() < 0.5) return;
        for (const b of base) {
          if (rand() < 0.1) continue;
          const j = () => (rand() - 0.5) * (rand() < 0.15 ? 0.6 : 0.1);
          const c = rand() < 0.08 ? classes[Math.floor(rand() * classes.length)] : b.c;
          p.boxes.insert({ imageId: img, annotatorId: who, classId: c, x: b.x + j() * b.w, y: b.y + j() * b.h, w: b.w * (1 + j()), h: b.h * (1 + j()), score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
        }
        if (rand() < 0.2) p.boxes.insert({ imageId: img, annotatorId: who, classId: classes[0], x: rand() * 1200, y: rand() * 650, w: 30, h: 30, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
        p.assignments.set(img, who, isDone ? 'done' : 'in_progress', '2026-01-01T00:00:00Z');
      });
    }
  })();
  return p;
}

/** The report of one accumulator over every shared image, as the single worker computes it. */
function oneAccumulator(p: Project, iou: number, quorum?: number): AgreementReport {
  const acc = new AgreementAccumulator(iou, { quorum });
  for (const { imageId, byPerson } of agreementRepo(p.db).sharedImagesBetween(-Infinity, Infinity)) acc.addImage(imageId, byPerson);
  return acc.report();
}

describe('agreement report split over workers', () => {
  it('reads the same images as sharedImages, and a range only its own', () => {
    const p = project();
    const repo = agreementRepo(p.db);
    const all = [...repo.sharedImages()];
    // more than one batch of image_agreement rows (200), and some left over
    expect(all.length).toBeGreaterThan(200);
    expect([...repo.sharedImagesBetween(-Infinity, Infinity)]).toStrictEqual(all);
    const cut = all[100].imageId;
    expect([...repo.sharedImagesBetween(-Infinity, cut), ...repo.sharedImagesBetween(cut, Infinity)]).toStrictEqual(all);
    expect(repo.countSharedBetween(cut, Infinity)).toBe(all.length - 100);
    // people with work in progress are not in it; a done person without boxes is, with none
    expect(all.every((x) => x.byPerson.size >= 2)).toBe(true);
  });

  it('merged parts give the identical report, to the last bit, wherever the images are split', () => {
    const p = project();
    const repo = agreementRepo(p.db);
    const images = [...repo.sharedImages()];
    for (const [iou, quorum] of [
      [0.5, undefined],
      [0.3, 2],
    ] as const) {
      const want = oneAccumulator(p, iou, quorum);
      expect(want.alpha).not.toBeNull();
      const paths = new Set<boolean>();
      for (const cuts of [[1], [7, 150], [40, 41, 42], images.map((_, i) => i).filter((i) => i > 0 && i % 37 === 0)]) {
        const at = cuts.map((k) => images[k].imageId);
        const bounds = [-Infinity, ...at, Infinity];
        const merged = new AgreementAccumulator(iou, { quorum });
        for (let k = 0; k + 1 < bounds.length; k++) {
          const part = new AgreementAccumulator(iou, { quorum, mergeable: true });
          for (const { imageId, byPerson } of repo.sharedImagesBetween(bounds[k], bounds[k + 1])) part.addImage(imageId, byPerson);
          // through structured clone, as a worker posts it
          const posted = structuredClone(part.part());
          paths.add(posted.coincidence.exact);
          if (k % 2 === 0) merged.merge(posted);
          else {
            // in steps, as the host merges with a turn of its event loop between them
            let steps = 0;
            for (const step of merged.mergeSteps(posted, 17)) {
              void step;
              steps++;
            }
            expect(steps).toBe(Math.ceil(posted.rows.imageId.length / 17) || 1);
          }
        }
        expect(merged.report()).toStrictEqual(want);
      }
      // alpha's cells were added directly for some parts and replayed unit by unit for others
      expect([...paths].sort()).toEqual([false, true]);
    }
  });

  it('refuses a part with another threshold or an image already added, changing nothing', () => {
    const p = project();
    const repo = agreementRepo(p.db);
    const [first, second] = [...repo.sharedImages()];
    const acc = new AgreementAccumulator(0.5, { mergeable: true });
    acc.addImage(first.imageId, first.byPerson);
    const before = acc.report();
    const other = new AgreementAccumulator(0.6, { mergeable: true });
    other.addImage(second.imageId, second.byPerson);
    expect(() => acc.merge(other.part())).toThrow(/IoU 0.6 and quorum null cannot join a report at IoU 0.5/);
    const again = new AgreementAccumulator(0.5, { mergeable: true });
    again.addImage(second.imageId, second.byPerson);
    again.addImage(first.imageId, first.byPerson);
    expect(() => acc.merge(again.part())).toThrow(new RegExp(`Image ${first.imageId} was already added`));
    expect(acc.report()).toStrictEqual(before);
    expect(() => new AgreementAccumulator(0.5).part()).toThrow(/made mergeable/);
  });

  it('runs in one, two or three workers with the same result and image_agreement', async () => {
    const p = project();
    const want = oneAccumulator(p, 0.5);
    const results = [];
    for (const workers of [1, 2, 3]) {
      const progress: [number, number][] = [];
      const r = await runAgreement(p, { iou: 0.5 }, { signal: new AbortController().signal, progress: (d, t) => progress.push([d, t]) }, { workers, progressEvery: 20 });
      const { seconds: _s, annotators: _a, classes: _c, ...rest } = r;
      results.push(rest);
      expect(r.meanAgreement).toBe(want.meanAgreement);
      expect(r.alpha).toBe(want.alpha);
      expect(r.perImage).toStrictEqual(want.perImage);
      // progress is summed over the workers: one total, counting up to it
      expect(new Set(progress.map(([, t]) => t))).toEqual(new Set([want.images]));
      expect(progress.map(([d]) => d)).toStrictEqual([...progress.map(([d]) => d)].sort((a, b) => a - b));
      expect(progress.length).toBeGreaterThan(workers);
      expect(agreementRepo(p.db).imageAgreement().map((x) => [x.imageId, x.agreement])).toStrictEqual(want.perImage.map((x) => [x.imageId, x.agreement]));
    }
    expect(results[1]).toStrictEqual(results[0]);
    expect(results[2]).toStrictEqual(results[0]);
  });

  it('a cancel stops every worker and writes nothing', async () => {
    const p = project();
    const ctl = new AbortController();
    const run = runAgreement(p, { iou: 0.5 }, { signal: ctl.signal, progress: (d) => d > 0 && ctl.abort() }, { workers: 2, progressEvery: 5 });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(agreementRepo(p.db).imageAgreement()).toEqual([]);
  });

  it('the writer replaces image_agreement in one transaction, and a failed write keeps the last report', async () => {
    const p = project();
    await runAgreement(p, { iou: 0.5 }, undefined, { workers: 2 });
    const before = agreementRepo(p.db).imageAgreement();
    expect(before.length).toBeGreaterThan(200);
    const ids = before.map((r) => r.imageId);
    const rows = (extra: number[]) => {
      const all = [...ids.slice(0, 250), ...extra];
      return { imageId: Float64Array.from(all), agreement: Float64Array.from(all, () => 0.25), people: Int32Array.from(all, () => 2), iou: 0.4, at: '2026-02-02T00:00:00.000Z' };
    };
    // an image that is not in the project: the foreign key refuses the last row, after 250 went in
    const bad = await startAgreementWriter({ file: p.file });
    await expect(bad.write(rows([999_999]))).rejects.toThrow(/Writing each image's agreement failed: FOREIGN KEY constraint failed/);
    expect(agreementRepo(p.db).imageAgreement()).toStrictEqual(before);
    // stopped before it is given rows, it writes nothing
    const stopped = await startAgreementWriter({ file: p.file });
    stopped.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(agreementRepo(p.db).imageAgreement()).toStrictEqual(before);
    const good = await startAgreementWriter({ file: p.file });
    await good.write(rows([]));
    const after = agreementRepo(p.db).imageAgreement();
    expect(after.map((r) => [r.imageId, r.agreement, r.people, r.iou, r.computedAt])).toStrictEqual(ids.slice(0, 250).map((id) => [id, 0.25, 2, 0.4, '2026-02-02T00:00:00.000Z']));
    await expect(good.write(rows([]))).rejects.toThrow(/one report only/);
  });

  it('one failing worker fails the report and stops the others', async () => {
    const p = project();
    const cuts = agreementRepo(p.db).sharedCuts(2, 1);
    expect(cuts).toHaveLength(1);
    const run = agreementInWorker({ file: path.join(tempDir(), 'missing.loupe'), iou: 0.5 }, { cuts });
    await expect(run).rejects.toThrow(/missing\.loupe|unable to open|does not exist/i);
  });
});
