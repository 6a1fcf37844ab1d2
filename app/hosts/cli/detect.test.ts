import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPECTED, MODEL_CLASSES, writeImages, writeModel } from '../../../test/fixtures/prelabel/setup.ts';
import { makeImage, tempDir } from '../../../test/unit/fixtures.ts';
import { loupe, stderrLines } from './runLoupe.ts';

const dir = tempDir('loupe-cli-detect-');
const MODEL = writeModel(path.join(dir, 'tiny.onnx'));

interface Entry {
  image_id: number;
  category_id: number;
  bbox: number[];
  score: number;
  file_name: string;
  category_name: string;
}

/** What the model finds on a 128×96 image, scaled for an image `k` times as large, as COCO entries. */
function expected(imageId: number, fileName: string, k = 1): Omit<Entry, 'score'>[] {
  return EXPECTED.map((e) => ({
    image_id: imageId,
    category_id: e.classIndex + 1,
    bbox: [e.x * k, e.y * k, e.w * k, e.h * k],
    file_name: fileName,
    category_name: MODEL_CLASSES[e.classIndex],
  }));
}

const withoutScore = (entries: Entry[]) => entries.map(({ score: _score, ...rest }) => rest);

describe('loupe detect (real bin)', () => {
  it('writes COCO results in original pixels for folders and files, reporting unreadable images', async () => {
    const folder = path.join(dir, 'shots');
    await writeImages(path.join(folder, 'b'), 1); // b/img0000.png, 128×96
    await makeImage(path.join(folder, 'a', 'wide.png'), { w: 256, h: 192 }); // twice as large: every number doubles
    fs.writeFileSync(path.join(folder, 'a', 'broken.jpg'), 'not a jpeg at all');
    const single = path.join(dir, 'loose', 'one.png');
    await makeImage(single, { w: 128, h: 96 });
    const out = path.join(dir, 'out', 'results.json');

    const r = await loupe(['detect', '--model', MODEL, '--images', folder, single, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      out,
      images: 4,
      detections: 9,
      failed: [{ file: path.join(folder, 'a', 'broken.jpg'), reason: expect.stringMatching(/^cannot decode the image/) }],
      parameters: { conf: 0.25, iou: 0.45, maxDet: 300 },
      model: { file: MODEL, layout: 'v8', inputSize: { w: 64, h: 64 }, dtype: 'float32', classes: MODEL_CLASSES, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^Could not read 1 \(skipped\):\n {2}.*broken\.jpg: cannot decode the image/m);

    // Ids follow the sorted paths: loose/one.png < shots/a/broken.jpg (failed, id kept) < shots/a/wide.png < shots/b/img0000.png.
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as Entry[];
    expect(withoutScore(results)).toEqual([...expected(1, 'one.png'), ...expected(3, 'a/wide.png', 2), ...expected(4, 'b/img0000.png')]);
    expect(results.map((e) => e.score)).toEqual([0.8999999761581421, 0.800000011920929, 0.4000000059604645, 0.8999999761581421, 0.800000011920929, 0.4000000059604645, 0.8999999761581421, 0.800000011920929, 0.4000000059604645]);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['results.json']);

    // The same inputs give the same file; an existing output is replaced only with --force.
    const again = await loupe(['detect', '--model', MODEL, '--images', folder, single, '--out', out]);
    expect(again.code).toBe(1);
    expect(stderrLines(again)).toEqual([expect.stringMatching(/^loupe: .*results\.json already exists; add --force to overwrite it$/)]);
    const before = fs.readFileSync(out, 'utf8');
    const forced = await loupe(['detect', '--model', MODEL, '--images', single, folder, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^Wrote 9 detections on 3 of 4 images to .*results\.json in [\d.]+ s\.$/m);
    expect(fs.readFileSync(out, 'utf8')).toBe(before);
  });

  it('applies --conf and --max-det, and takes class names from --classes', async () => {
    const images = path.join(dir, 'params');
    await writeImages(images, 2);
    const nameless = writeModel(path.join(dir, 'nameless.onnx'), { names: null });
    const classes = path.join(dir, 'names.txt');
    fs.writeFileSync(classes, 'car\npedestrian\nanimal\n');

    const strict = path.join(dir, 'strict.json');
    const r = await loupe(['detect', '--model', nameless, '--classes', classes, '--images', images, '--out', strict, '--conf', '0.5', '--max-det', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(withoutScore(JSON.parse(fs.readFileSync(strict, 'utf8')))).toEqual([
      { ...expected(1, 'img0000.png')[0], category_name: 'car' },
      { ...expected(2, 'img0001.png')[0], category_name: 'car' },
    ]);

    const noNames = await loupe(['detect', '--model', nameless, '--images', images, '--out', path.join(dir, 'never.json')]);
    expect(noNames.code).toBe(1);
    expect(stderrLines(noNames)).toEqual([expect.stringMatching(/^loupe: nameless\.onnx has no 'names' metadata; give a classes file/)]);
    expect(fs.existsSync(path.join(dir, 'never.json'))).toBe(false);
  });

  it('bad input: exit 1 with one line for files and values, exit 2 for usage', async () => {
    const images = path.join(dir, 'bad');
    await writeImages(images, 1);
    const notOnnx = path.join(dir, 'weights.onnx');
    fs.writeFileSync(notOnnx, 'PK\x03\x04 a zip, not a model');
    fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const out = path.join(dir, 'bad-out.json');
    const cases: [string[], number, RegExp][] = [
      [['detect', '--model', path.join(dir, 'absent.onnx'), '--images', images, '--out', out], 1, /^loupe: model file not found: .*absent\.onnx$/],
      [['detect', '--model', notOnnx, '--images', images, '--out', out], 1, /^loupe: weights\.onnx: not a readable ONNX model \(/],
      [['detect', '--model', MODEL, '--images', path.join(dir, 'nowhere'), '--out', out], 1, /^loupe: image file or folder not found: .*nowhere$/],
      [['detect', '--model', MODEL, '--images', path.join(dir, 'empty'), '--out', out], 1, /^loupe: no image files found in .*empty$/],
      [['detect', '--model', MODEL, '--images', images, '--out', dir], 1, /^loupe: --out .* is a folder/],
      [['detect', '--model', MODEL, '--images', images, '--out', out, '--iou', 'high'], 1, /^loupe: --iou must be a number from 0 to 1, got "high"$/],
      [['detect', '--model', MODEL, '--images', images], 2, /^loupe: detect needs --out RESULTS\.json\. Run loupe detect --help for usage\.$/],
      [['detect', '--model', MODEL, '--out', out], 2, /^loupe: detect needs --images PATHS\./],
      [['detect', '--model', MODEL, '--images', images, '--out', out, '--threads', '2'], 2, /^loupe: unknown option "--threads" for detect\./],
      [['detect', 'project.loupe', '--model', MODEL, '--images', images, '--out', out], 2, /^loupe: unexpected argument "project\.loupe" for detect/],
    ];
    for (const [args, code, message] of cases) {
      const r = await loupe(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(stderrLines(r), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    expect(fs.existsSync(out)).toBe(false);
  });
});
