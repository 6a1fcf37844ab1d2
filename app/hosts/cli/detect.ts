import fs from 'node:fs';
import path from 'node:path';
import { LoupeError, messageOf } from '../../domain/errors.ts';
import { toCocoResults, writeCocoResults, type CocoResult } from '../../inference/cocoResults.ts';
import type { Detection, DetectorPool } from '../../inference/index.ts';
import { listImageFiles } from '../../io/walk.ts';
import { CliError, Interrupted, printable, printJson, println } from './context.ts';
import { FAILURES_LISTED } from './format.ts';
import { ProgressLine, progressLine, withCtrlC } from './progress.ts';
import { JSON_FLAG, type Command } from './spec.ts';
import { assertFile, DETECT_FLAGS, detectFlags } from './values.ts';

/** An image to detect on: its path, and the name written as `file_name`. */
interface Input {
  file: string;
  name: string;
}

interface Failure {
  file: string;
  reason: string;
}

/**
 * Image files from folders (searched recursively, as imports do) and files,
 * each once, sorted by path so image ids are the same on every run.
 */
async function collectImages(inputs: string[]): Promise<{ images: Input[]; unreadable: Failure[] }> {
  const byFile = new Map<string, string>();
  const unreadable: Failure[] = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new CliError(`image file or folder not found: ${abs}`);
    if (st.isDirectory()) {
      let listing;
      try {
        listing = await listImageFiles(abs);
      } catch (err) {
        throw new CliError(`cannot read the folder ${abs}: ${messageOf(err)}`);
      }
      for (const rel of listing.files) {
        const file = path.join(abs, rel);
        if (!byFile.has(file)) byFile.set(file, rel);
      }
      unreadable.push(...listing.unreadable.map((u) => ({ file: path.join(abs, u.path), reason: u.reason })));
    } else if (!byFile.has(abs)) byFile.set(abs, path.basename(abs));
  }
  const images = [...byFile].map(([file, name]) => ({ file, name })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { images, unreadable };
}

async function startPool(model: string, classesFile: string | undefined): Promise<DetectorPool> {
  const { DetectorPool } = await import('../../inference/DetectorPool.ts');
  try {
    return await DetectorPool.create(model, { classesFile });
  } catch (err) {
    if (err instanceof LoupeError) throw new CliError(err.message);
    throw err;
  }
}

/** `loupe detect`: a model over files, no project, COCO results out. */
export const DETECT_COMMAND: Command = {
  name: 'detect',
  summary: 'Run a model over images and write COCO results (no project needed)',
  usage: 'loupe detect --model MODEL.onnx --images DIR_OR_FILE… --out RESULTS.json [--conf C] [--iou I] [--max-det N] [--classes FILE] [--force] [--json]',
  details:
    'Folders are searched recursively. Writes a COCO results array (what pycocotools loadRes reads): image_id from 1 in sorted path order, category_id = model class index + 1, bbox [x, y, w, h] in original pixels, score, plus file_name (relative to the folder given, or the base name of a file) and category_name. Images that cannot be read are listed on stderr and skipped. The file is replaced only once complete, and an existing one only with --force. Ctrl+C stops without writing.',
  positionals: [],
  flags: {
    model: { kind: 'string', value: 'MODEL.onnx', help: 'The ONNX detection model', required: true },
    images: { kind: 'list', value: 'PATHS', help: 'Image files and folders (one or more)', required: true },
    out: { kind: 'string', value: 'RESULTS.json', help: 'Where to write the COCO results', required: true },
    ...DETECT_FLAGS,
    classes: { kind: 'string', value: 'FILE', help: "Class names (one per line, or a data.yaml); for models without a 'names' entry" },
    force: { kind: 'boolean', help: 'Overwrite RESULTS.json if it exists' },
    json: JSON_FLAG,
  },
  async run(ctx, a) {
    const params = detectFlags(a.flags);
    const out = path.resolve(a.flags.out as string);
    const outStat = fs.statSync(out, { throwIfNoEntry: false });
    if (outStat?.isDirectory()) throw new CliError(`--out ${out} is a folder; give a file name such as ${path.join(out, 'results.json')}`);
    if (outStat && !a.flags.force) throw new CliError(`${out} already exists; add --force to overwrite it`);
    const modelFile = assertFile(a.flags.model as string, 'model file');
    const classesFile = a.flags.classes === undefined ? undefined : assertFile(a.flags.classes as string, 'classes file');
    const { images, unreadable } = await collectImages(a.flags.images as string[]);
    if (images.length === 0) throw new CliError(`no image files found in ${(a.flags.images as string[]).join(', ')}`);

    const started = Date.now();
    const pool = await startPool(modelFile, classesFile);
    const found: (Detection[] | null)[] = new Array<Detection[] | null>(images.length).fill(null);
    const failed: Failure[] = [...unreadable];
    const progress = new ProgressLine(ctx.stderr);
    let stopped = false;
    let finished = 0;
    try {
      await withCtrlC(
        () => {
          stopped = true;
          progress.end();
          ctx.stderr.write('Cancelling: finishing the images in flight; nothing will be written (Ctrl+C again to quit now)…\n');
        },
        async () => {
          // Announced once Ctrl+C is handled, as the other long commands do.
          ctx.stderr.write(`Detecting on ${images.length} images with ${path.basename(modelFile)}…\n`);
          // The estimate counts from here: starting the workers is not per-image time.
          const detecting = Date.now();
          let next = 0;
          const lane = async () => {
            while (!stopped && next < images.length) {
              const i = next++;
              try {
                found[i] = (await pool.detect(images[i].file, params)).boxes;
              } catch (err) {
                // The path is listed beside the reason; the reason's own "name: " prefix would repeat it.
                const reason = messageOf(err);
                const prefix = `${path.basename(images[i].file)}: `;
                failed.push({ file: images[i].file, reason: reason.startsWith(prefix) ? reason.slice(prefix.length) : reason });
              }
              finished++;
              const elapsed = (Date.now() - detecting) / 1000;
              const failures = failed.length - unreadable.length;
              progress.show(
                progressLine({ done: finished, total: images.length, message: failures ? `${failures} failed` : '', etaSeconds: (elapsed / finished) * (images.length - finished) || null }, 'Detecting', 'images'),
              );
            }
          };
          // A few images per worker in flight keep every worker busy while Ctrl+C still stops soon.
          await Promise.all(Array.from({ length: pool.workers * 3 }, lane));
        },
      );
    } finally {
      progress.end();
      await pool.close();
    }
    if (stopped) throw new Interrupted(`detect cancelled after ${finished} of ${images.length} images; nothing was written`);

    const results: CocoResult[] = [];
    images.forEach((img, i) => {
      const boxes = found[i];
      if (boxes) results.push(...toCocoResults(i + 1, img.name, boxes, pool.info.classes));
    });
    await writeCocoResults(out, results);
    const seconds = (Date.now() - started) / 1000;
    failed.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));

    if (failed.length) {
      ctx.stderr.write(`Could not read ${failed.length} (skipped):\n`);
      for (const f of failed.slice(0, FAILURES_LISTED)) ctx.stderr.write(`  ${printable(`${f.file}: ${f.reason}`)}\n`);
      if (failed.length > FAILURES_LISTED) ctx.stderr.write(`  … and ${failed.length - FAILURES_LISTED} more (--json lists them all)\n`);
    }
    const { file, sha256, layout, inputSize, dtype, classes, classesSource } = pool.info;
    if (a.flags.json) {
      printJson(ctx, { out, images: images.length, detections: results.length, failed, seconds, parameters: params, model: { file, sha256, layout, inputSize, dtype, classes, classesSource } });
    } else {
      const read = images.length - (failed.length - unreadable.length);
      println(ctx, `Wrote ${results.length} detections on ${read} of ${images.length} images to ${out} in ${seconds.toFixed(1)} s.`);
    }
  },
};
