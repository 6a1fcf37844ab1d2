import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import cases from '../../../test/fixtures/cocoEval/cases.json' with { type: 'json' };
import golden from '../../../test/fixtures/cocoEval/golden.json' with { type: 'json' };
import { tempDir } from '../../../test/unit/fixtures.ts';
import type { EvalInput } from '../../metrics/cocoEval.ts';
import { evaluateFiles, STAT_KEYS } from './evaluateFiles.ts';
import { loupe } from './runLoupe.ts';

type Case = { name: string; input: EvalInput & { gt: { area?: number; iscrowd?: boolean }[] } };

/** A golden case as the two files of the usual pycocotools script (test/fixtures/cocoEval/make_golden.py builds the same COCO objects). */
function writeCase(dir: string, c: Case): { gt: string; dt: string } {
  const gt = path.join(dir, `${c.name}-instances.json`);
  const dt = path.join(dir, `${c.name}-results.json`);
  // Each id once, as make_golden.py lists them.
  const images = [...new Set(c.input.imageIds)].map((id) => ({ id, file_name: `img_${id}.jpg`, width: 640, height: 480 }));
  const categories = [...new Set(c.input.categoryIds)].map((id) => ({ id, name: `class ${id}` }));
  const annotations = c.input.gt.map((g, i) => ({ id: i + 1, image_id: g.imageId, category_id: g.categoryId, bbox: g.bbox, ...(g.area !== undefined ? { area: g.area } : {}), iscrowd: g.iscrowd ? 1 : 0 }));
  fs.writeFileSync(gt, JSON.stringify({ info: { description: c.name }, images, annotations, categories }));
  fs.writeFileSync(dt, JSON.stringify(c.input.dt.map((d) => ({ image_id: d.imageId, category_id: d.categoryId, bbox: d.bbox, score: d.score }))));
  return { gt, dt };
}

/** `loupe evaluate --gt --dt` in this process (arguments already parsed), as { code, stdout, stderr }. */
async function inProcess(gt: string, dt: string, json: boolean) {
  let stdout = '';
  const out = { stdout: { write: (t: string) => void (stdout += t) }, stderr: { write: () => undefined } } as unknown as Parameters<typeof evaluateFiles>[0];
  try {
    await evaluateFiles(out, gt, dt, json);
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: 1, stdout, stderr: (e as Error).message };
  }
}

describe('loupe evaluate --gt --dt (no project)', () => {
  const all = cases as unknown as Case[];
  const want = new Map(Object.entries((golden as { cases: Record<string, { stats: number[] }> }).cases).map(([name, g]) => [name, g.stats]));

  it("prints pycocotools' twelve numbers for every golden case, to 1e-9 in --json and as its summary lines", async () => {
    const dir = tempDir();
    const runs = await Promise.all(
      all.map(async (c) => {
        const f = writeCase(dir, c);
        // The real bin for one case, the same code in this process for the others.
        if (c.name !== 'basic') return { c, json: await inProcess(f.gt, f.dt, true), text: null };
        return { c, json: await loupe(['evaluate', '--gt', f.gt, '--dt', f.dt, '--json']), text: await loupe(['evaluate', '--gt', f.gt, '--dt', f.dt]) };
      }),
    );
    for (const { c, json, text } of runs) {
      expect(json.code, `${c.name}: ${json.stderr}`).toBe(0);
      const got = JSON.parse(json.stdout) as Record<string, number>;
      expect(Object.keys(got)).toEqual([...STAT_KEYS]);
      const stats = want.get(c.name)!;
      expect(stats, c.name).toHaveLength(12);
      STAT_KEYS.forEach((k, i) => expect(Math.abs(got[k] - stats[i]), `${c.name} ${k}: ${got[k]} vs ${stats[i]}`).toBeLessThanOrEqual(1e-9));
      if (text) {
        expect(text.code, text.stderr).toBe(0);
        const lines = text.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(`${new Set(c.input.imageIds).size} images, ${c.input.gt.length} ground-truth boxes, ${c.input.dt.length} detections, ${new Set(c.input.categoryIds).size} categories`);
        // The lines pycocotools' summarize() prints, with the golden values.
        expect(lines.slice(1)).toEqual([
          ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${stats[0].toFixed(3)}`,
          ` Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = ${stats[1].toFixed(3)}`,
          ` Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = ${stats[2].toFixed(3)}`,
          ` Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = ${stats[3].toFixed(3)}`,
          ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = ${stats[4].toFixed(3)}`,
          ` Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ${stats[5].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = ${stats[6].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = ${stats[7].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${stats[8].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = ${stats[9].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = ${stats[10].toFixed(3)}`,
          ` Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ${stats[11].toFixed(3)}`,
        ]);
      }
    }
    expect(runs.filter((r) => r.text)).toHaveLength(1);
  });

  it('says what is wrong with either file (exit 1), and with the command line (exit 2)', async () => {
    const dir = tempDir();
    const { gt, dt } = writeCase(dir, (cases as unknown as Case[])[0]);
    const put = (name: string, text: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };
    const instances = JSON.parse(fs.readFileSync(gt, 'utf8'));
    const bad: [string[], RegExp][] = [
      [['--gt', gt, '--dt', put('unknown-image.json', JSON.stringify([{ image_id: 999, category_id: 1, bbox: [0, 0, 5, 5], score: 0.5 }]))], /unknown-image\.json results\[0\].*image 999 is not in .*basic-instances\.json/],
      [['--gt', gt, '--dt', put('no-score.json', JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 5, 5], score: 0.5 }, { image_id: 1, category_id: 1, bbox: [0, 0, 5, 5] }]))], /no-score\.json results\[1\].*numeric "score"/],
      [['--gt', gt, '--dt', put('bad-bbox.json', JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 'x', 5], score: 0.5 }]))], /bad-bbox\.json results\[0\].*bbox must be 4 numbers/],
      [['--gt', gt, '--dt', put('negative.json', JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, -2, 5], score: 0.5 }]))], /negative\.json results\[0\].*bbox size -2×5 is negative/],
      [['--gt', gt, '--dt', put('object.json', JSON.stringify({ annotations: [] }))], /object\.json: expected a list of detections/],
      [['--gt', gt, '--dt', put('syntax.json', '[\n  {"image_id": 1,\n  "category_id": 1 "bbox": []}\n]')], /syntax\.json:3: /],
      [['--gt', put('no-cats.json', JSON.stringify({ images: instances.images, annotations: instances.annotations })), '--dt', dt], /no-cats\.json: has no "categories" list/],
      [['--gt', put('orphan.json', JSON.stringify({ ...instances, annotations: [...instances.annotations, { id: 9999, image_id: 4242, category_id: 1, bbox: [1, 1, 2, 2] }] })), '--dt', dt], /orphan\.json: an annotation is on image 4242/],
      [['--gt', put('dup.json', JSON.stringify({ ...instances, images: [...instances.images, instances.images[0]] })), '--dt', dt], /dup\.json images\[\d+\].*duplicate image id 1/],
      [['--gt', put('area.json', JSON.stringify({ ...instances, annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], area: -3 }] })), '--dt', dt], /area\.json annotations\[0\].*"area" must be a number ≥ 0/],
      [['--gt', path.join(dir, 'missing.json'), '--dt', dt], /Cannot read .*missing\.json/],
    ];
    // The first two through the real bin, the rest through the same code in this process.
    const runs = await Promise.all(bad.map(([args], i) => (i < 2 ? loupe(['evaluate', ...args]) : inProcess(args[1], args[3], false))));
    runs.forEach((r, i) => {
      expect(r.code, `${bad[i][0].join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(bad[i][1]);
      expect(r.stdout).toBe('');
    });
    const usage: [string[], RegExp][] = [
      [['--gt', gt], /give both --gt and --dt/],
      [['--dt', dt], /give both --gt and --dt/],
      [[path.join(dir, 'p.loupe'), '--gt', gt, '--dt', dt], /leave out PROJECT/],
      [['--gt', gt, '--dt', dt, '--final'], /--final needs a PROJECT/],
      [[], /give PROJECT, or --gt and --dt/],
    ];
    const uruns = await Promise.all(usage.map(([args]) => loupe(['evaluate', ...args])));
    uruns.forEach((r, i) => {
      expect(r.code, `${usage[i][0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(usage[i][1]);
    });
    // nothing was written beside the inputs
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.json'))).toEqual([]);
  });
});

describe('loupe evaluate --gt --dt refuses a bad record, naming it and its file (exit 1, nothing printed on stdout)', () => {
  const dir = tempDir();
  const gt = path.join(dir, 'instances.json');
  fs.writeFileSync(
    gt,
    JSON.stringify({
      images: [{ id: 1 }, { id: 2 }],
      categories: [{ id: 1, name: 'car' }, { id: 2, name: 'van' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
    }),
  );
  const good = { image_id: 2, category_id: 2, bbox: [0, 0, 10, 10], score: 0.5 };
  // Raw text, so NaN can be written as Python's json.dump writes it. The bad record is the second one (results[1]).
  const results = (bad: string) => `[\n ${JSON.stringify(good)},\n ${bad}\n]\n`;
  const cases: [name: string, file: string, text: string, want: RegExp][] = [
    ['an image id not in the ground truth', 'dt', results('{"image_id": 9, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}'), /results-1\.json results\[1\]: image 9 is not in .*instances\.json$/],
    ['a category id not in the ground truth', 'dt', results('{"image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5], "score": 0.5}'), /results-2\.json results\[1\]: category 7 is not in the "categories" of .*instances\.json$/],
    ['a negative box width', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, -5, 5], "score": 0.5}'), /results-3\.json results\[1\]: bbox size -5×5 is negative$/],
    ['a negative box height', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, -0.5], "score": 0.5}'), /results-4\.json results\[1\]: bbox size 5×-0\.5 is negative$/],
    ['a NaN box size', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, NaN, 5], "score": 0.5}'), /results-5\.json:3: results\[1\] has NaN, which is not a number JSON allows .*every bbox value and the score must be finite numbers$/],
    ['a NaN score', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": NaN}'), /results-6\.json:3: results\[1\] has NaN, which is not a number JSON allows/],
    ['an infinite score', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": -Infinity}'), /results-7\.json:3: results\[1\] has Infinity, which is not a number JSON allows/],
    ['a missing score', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5]}'), /results-8\.json results\[1\]: needs a numeric "score", got undefined$/],
    ['a null score', 'dt', results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": null}'), /results-9\.json results\[1\]: needs a numeric "score", got null$/],
    ['results that are not an array', 'dt', `{"annotations": [${JSON.stringify(good)}]}`, /results-10\.json: expected a list of detections/],
    ['a results array of something else than objects', 'dt', results('[1, 0, 0, 5, 5, 0.5]'), /results-11\.json results\[1\]: expected an object, got \[1,0,0,5,5,0\.5\]$/],
    ['ground truth with a NaN box size', 'gt', '{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [\n {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]},\n {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, NaN]}\n]}', /instances-12\.json:3: annotations\[1\] has NaN, .*every bbox value and the area must be finite numbers$/],
  ];
  const runs = new Map<string, ReturnType<typeof loupe>>();
  const run = (i: number) => {
    const [name, which, text] = cases[i];
    if (!runs.has(name)) {
      const f = path.join(dir, `${which === 'dt' ? 'results' : 'instances'}-${i + 1}.json`);
      fs.writeFileSync(f, text);
      const okResults = path.join(dir, 'ok-results.json');
      fs.writeFileSync(okResults, JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }]));
      runs.set(name, loupe(['evaluate', '--gt', which === 'gt' ? f : gt, '--dt', which === 'dt' ? f : okResults, '--json']));
    }
    return runs.get(name)!;
  };

  it('evaluates the same files without the bad record', async () => {
    const f = path.join(dir, 'fine.json');
    fs.writeFileSync(f, results('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}'));
    const r = await loupe(['evaluate', '--gt', gt, '--dt', f, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).AP50).toBeCloseTo(1, 9);
  });

  cases.forEach(([name], i) => {
    it(name, async () => {
      cases.forEach((_, n) => void run(n)); // start them all at once: each is a process
      const r = await run(i);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0].replace(/^loupe: /, '')).toMatch(cases[i][3]);
    });
  });
});
