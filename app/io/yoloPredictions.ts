import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { DataYamlError, parseDataYaml } from './dataYaml.ts';
import { readSmallFiles } from './fileLookup.ts';
import { BoxTable, noNotes, Problems, type LabelImage, type ReadLabels, type ReadProgress } from './importLabels.ts';
import { parseYoloLines } from './yoloLabels.ts';

/** Class names from a data.yaml or classes.txt in the labels folder or up to two folders above it. */
async function namesNear(dir: string, problems: Problems): Promise<{ names: string[]; file: string } | null> {
  for (const d of [dir, path.dirname(dir), path.dirname(path.dirname(dir))]) {
    for (const f of ['data.yaml', 'data.yml', 'classes.txt', 'obj.names']) {
      const file = path.join(d, f);
      const text = await fs.readFile(file, 'utf8').catch(() => null);
      if (text === null) continue;
      if (f.endsWith('.txt') || f.endsWith('.names')) return { names: text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean), file };
      try {
        return { names: parseDataYaml(text).names, file };
      } catch (err) {
        if (!(err instanceof DataYamlError)) throw err;
        problems.add({ file, line: err.line, reason: err.message });
        return { names: [], file };
      }
    }
  }
  return null;
}

/**
 * Read Ultralytics predict output (`runs/detect/predict/labels/*.txt`, written
 * with save_txt and save_conf): `class cx cy w h conf` lines, normalised. Each
 * file names its image by its stem. Class names are `classes` (the registered
 * model's), else a data.yaml or classes.txt found near the labels. The files
 * are hashed as they are read, in sorted order, to name the run.
 */
export async function readUltralyticsTxt(input: string, opts: { classes?: string[]; progress?: ReadProgress }): Promise<ReadLabels> {
  const abs = path.resolve(input);
  const st = await fs.stat(abs).catch(() => null);
  if (!st) throw new LoupeError('not_found', `Predictions not found: ${abs}`);
  let txts: string[];
  if (st.isDirectory()) {
    const entries = await fs.readdir(abs, { recursive: true, withFileTypes: true });
    txts = entries.filter((e) => e.isFile() && e.name.endsWith('.txt') && e.name !== 'classes.txt').map((e) => path.join(e.parentPath, e.name)).sort();
  } else txts = [abs];
  const problems = new Problems();
  let classes = opts.classes;
  let namesFile: string | undefined;
  if (!classes) {
    const near = await namesNear(st.isDirectory() ? abs : path.dirname(abs), problems);
    if (!near) {
      throw new LoupeError(
        'bad_request',
        `No class names for the predictions in ${abs}: add the model to the project under the same name, or put a classes.txt (one name per line) or data.yaml beside the labels.`,
      );
    }
    classes = near.names;
    namesFile = near.file;
  }
  const classCount = classes.length;
  const toRead = [...txts, ...(namesFile ? [namesFile] : [])].sort();
  const table = new BoxTable('norm');
  const images: LabelImage[] = [];
  const files: string[] = [];
  const hash = crypto.createHash('sha256');
  await readSmallFiles(
    toRead,
    (got, t, i) => {
      opts.progress?.progress?.(i + 1, toRead.length, 'reading prediction files');
      if (!Buffer.isBuffer(got)) {
        problems.add({ file: t, reason: `cannot read: ${messageOf(got)}` });
        return;
      }
      files.push(t);
      hash.update(got);
      if (t === namesFile) return;
      const stem = path.basename(t, '.txt');
      const img = images.push({ source: t, name: stem, stem }) - 1;
      parseYoloLines(got.toString('utf8'), t, table.source({ file: t }), img, table, classCount, true, problems);
    },
    opts.progress?.signal,
  );
  return { classes, images, boxes: table, problems, files, hash: hash.digest('hex'), notes: noNotes() };
}
