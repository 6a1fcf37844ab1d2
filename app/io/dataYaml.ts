/**
 * An Ultralytics dataset file, read with the `yaml` package: top-level `path`,
 * `train`, `val`, `test` (a string or a list), `names` (a list or an
 * `{index: name}` mapping) and `nc`. Other keys (e.g. a `download:` script)
 * are ignored.
 *
 * `resolveDataYaml` then finds the folders those entries name, the way
 * Ultralytics does where Loupe can know it (see there).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Scalar } from 'yaml';
import { formatOfPath } from '../images/formats.ts';

/** A data.yaml that cannot be read, with the 1-based line it failed on. */
export class DataYamlError extends Error {
  constructor(
    readonly line: number,
    reason: string,
    /** The 1-based column of a syntax error. */
    readonly column?: number,
  ) {
    super(reason);
    this.name = 'DataYamlError';
  }
}

const KEYS = ['path', 'train', 'val', 'test', 'names', 'nc'] as const;
type Key = (typeof KEYS)[number];
export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** What Loupe needs from a data.yaml. */
export interface DataYaml {
  path?: string;
  train: string[];
  val: string[];
  test: string[];
  names: string[];
  nc?: number;
  /** The line each key present is on. */
  lines: Partial<Record<Key, number>>;
}

type Item = { text: string; line: number };
type Value = { kind: 'scalar'; text: string } | { kind: 'list'; items: Item[] } | { kind: 'map'; entries: (Item & { key: string })[] };

/** The 1-based line and column of an offset in the text. */
type Where = (offset: number) => { line: number; col: number };

/** A scalar's text as written for plain values (so `1.0` stays "1.0" and `yes` "yes"); `~` and empty are ''. */
function scalarText(node: unknown, where: Where, what: string): string {
  if (!isScalar(node)) {
    const at = (node as { range?: [number] } | null)?.range?.[0];
    throw new DataYamlError(at === undefined ? 1 : where(at).line, `${what} must be a single value, not a list or mapping`);
  }
  if (node.value === null) return '';
  if (typeof node.value === 'string') return node.value;
  return (node as Scalar & { source?: string }).source ?? String(node.value);
}

/**
 * Parse the text of a data.yaml with a YAML parser: a syntax error is reported
 * with its line and column; the keys Loupe reads are checked for their shape.
 */
export function parseDataYaml(text: string): DataYaml {
  const lineCounter = new LineCounter();
  const body = text.replace(/^\uFEFF/, '');
  const doc = parseDocument(body, { lineCounter, uniqueKeys: false, prettyErrors: false, version: '1.2' });
  const where: Where = (offset) => lineCounter.linePos(offset);
  const err = doc.errors[0];
  if (err) {
    const { line, col } = err.linePos?.[0] ?? where(err.pos[0]);
    const reason = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new DataYamlError(line, `YAML syntax error at line ${line}, column ${col}: ${reason}`, col);
  }
  const values = new Map<Key, { value: Value; line: number }>();
  if (doc.contents === null) return build(values);
  if (!isMap(doc.contents)) throw new DataYamlError(where(doc.contents.range?.[0] ?? 0).line, "expected 'key: value' lines at the top level");
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as Scalar | null;
    if (!isScalar(keyNode)) continue;
    const key = String(keyNode.value);
    if (!(KEYS as readonly string[]).includes(key)) continue;
    const k = key as Key;
    const line = where(keyNode.range?.[0] ?? 0).line;
    if (values.has(k)) throw new DataYamlError(line, `'${k}' is given twice (first on line ${values.get(k)!.line})`);
    const node = pair.value;
    let value: Value;
    if (isSeq(node)) {
      value = { kind: 'list', items: node.items.map((it) => ({ text: scalarText(it, where, `each item of '${k}'`), line: where((it as Scalar).range?.[0] ?? 0).line })) };
    } else if (isMap(node)) {
      value = {
        kind: 'map',
        entries: node.items.map((e) => {
          const kn = e.key as Scalar;
          return { key: scalarText(kn, where, `a key of '${k}'`), text: scalarText(e.value, where, `each value of '${k}'`), line: where(kn.range?.[0] ?? 0).line };
        }),
      };
    } else value = { kind: 'scalar', text: node == null ? '' : scalarText(node, where, `'${k}'`) };
    values.set(k, { value, line });
  }
  return build(values);
}

function build(values: Map<Key, { value: Value; line: number }>): DataYaml {
  const out: DataYaml = { train: [], val: [], test: [], names: [], lines: Object.fromEntries([...values].map(([k, v]) => [k, v.line])) };
  const path = values.get('path');
  if (path) {
    if (path.value.kind !== 'scalar') throw new DataYamlError(path.line, "'path' must be one folder");
    if (path.value.text && path.value.text !== 'null' && path.value.text !== '~') out.path = path.value.text;
  }
  for (const split of SPLITS) {
    const v = values.get(split);
    if (!v) continue;
    if (v.value.kind === 'map') throw new DataYamlError(v.line, `'${split}' must be a path or a list of paths`);
    out[split] = (v.value.kind === 'scalar' ? [v.value.text] : v.value.items.map((x) => x.text)).filter((s) => s !== '' && s !== 'null' && s !== '~');
  }
  const nc = values.get('nc');
  if (nc) {
    const n = nc.value.kind === 'scalar' ? Number(nc.value.text) : NaN;
    if (!Number.isInteger(n) || n < 0) throw new DataYamlError(nc.line, `'nc' must be a whole number, found ${JSON.stringify(nc.value.kind === 'scalar' ? nc.value.text : nc.value)}`);
    out.nc = n;
  }
  const names = values.get('names');
  if (!names) throw new DataYamlError(1, "no 'names' entry: the class names are needed");
  if (names.value.kind === 'scalar') throw new DataYamlError(names.line, "'names' must be a list or an {index: name} mapping");
  const items = names.value.kind === 'list' ? names.value.items : denseNames(names.value.entries);
  out.names = items.map((x) => x.text);
  const seen = new Map<string, number>();
  items.forEach(({ text: n, line }, i) => {
    if (!n.trim()) throw new DataYamlError(line, `class ${i} has an empty name`);
    if (seen.has(n)) throw new DataYamlError(line, `class name '${n}' is used by both ${seen.get(n)} and ${i}`);
    seen.set(n, i);
  });
  if (out.nc !== undefined && out.nc !== out.names.length) {
    throw new DataYamlError(nc!.line, `'nc' is ${out.nc} but 'names' has ${out.names.length} classes`);
  }
  return out;
}

/**
 * Names of an `{index: name}` mapping in index order. As in Ultralytics the
 * entries may come in any order, but the indices must be exactly 0..n-1.
 */
function denseNames(entries: (Item & { key: string })[]): Item[] {
  const byIndex = new Map<number, Item>();
  for (const e of entries) {
    if (!/^\d+$/.test(e.key)) throw new DataYamlError(e.line, `class index '${e.key}' is not a whole number; 'names' maps 0, 1, 2, … to names`);
    const idx = Number(e.key);
    const first = byIndex.get(idx);
    if (first) throw new DataYamlError(e.line, `class index ${idx} is given twice (first on line ${first.line})`);
    byIndex.set(idx, e);
  }
  const n = entries.length;
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    const beyond = entries.filter((e) => Number(e.key) >= n);
    const at = beyond.reduce((a, b) => (Number(b.key) > Number(a.key) ? b : a));
    throw new DataYamlError(
      at.line,
      `class index ${at.key} leaves a gap: with ${n} names the indices must be 0..${n - 1}, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
    );
  }
  return Array.from({ length: n }, (_, i) => byIndex.get(i)!);
}

/** Where the images of one train/val/test entry are. */
export type SplitSource =
  | { kind: 'dir'; abs: string }
  | { kind: 'image'; abs: string }
  /** A .txt list of images; `images` are absolute, in the list's order. */
  | { kind: 'list'; abs: string; images: string[] }
  /** No images at `abs`, but its `labels/` twin is there (a dataset exported without its images). */
  | { kind: 'labels'; abs: string; labelDir: string };

/** One train/val/test entry and what it resolved to; `reason` says why it did not. */
export interface ResolvedEntry {
  split: SplitName;
  entry: string;
  /** The line of the split's key in the data.yaml. */
  line: number;
  source: SplitSource | null;
  reason?: string;
}

/** The dataset root of a data.yaml and its split entries. */
export interface ResolvedDataYaml {
  root: string;
  /** Which of the places tried the root is (e.g. 'beside data.yaml'). */
  rootFrom: string;
  entries: ResolvedEntry[];
}

type Found = { kind: 'dir' | 'file'; abs: string } | { kind: 'labels'; abs: string; labelDir: string } | null;

async function stat(p: string): Promise<'dir' | 'file' | null> {
  const st = await fs.stat(p).catch(() => null);
  return st ? (st.isDirectory() ? 'dir' : 'file') : null;
}

/** The `labels/` folder Ultralytics pairs with an images folder (the last `images` becomes `labels`), or null. */
function labelsTwin(dir: string): string | null {
  const posix = `${dir.split(path.sep).join('/')}/`;
  const at = posix.lastIndexOf('/images/');
  return at < 0 ? null : path.resolve(`${posix.slice(0, at)}/labels/${posix.slice(at + '/images/'.length)}`);
}

/**
 * An entry under a root, with Ultralytics' fallback for `../x` (tried as `x`
 * when `../x` is not there); failing both, an images folder whose labels/ twin exists.
 */
async function findEntry(root: string, entry: string): Promise<Found> {
  const tries = [path.resolve(root, entry)];
  if (entry.startsWith('../')) tries.push(path.resolve(root, entry.slice(3)));
  for (const abs of tries) {
    const kind = await stat(abs);
    if (kind) return { kind, abs };
  }
  for (const abs of tries) {
    const labelDir = labelsTwin(abs);
    if (labelDir && (await stat(labelDir)) === 'dir') return { kind: 'labels', abs, labelDir };
  }
  return null;
}

/** The image paths a .txt list names: `./x` from the list's folder, `x` from the dataset root, absolute as written. */
async function readList(file: string, root: string, line: number): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new DataYamlError(line, `cannot read the image list ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (l.startsWith('./') ? path.join(path.dirname(file), l.slice(2)) : path.resolve(root, l)));
}

/**
 * Find the dataset root of a parsed data.yaml and what each train/val/test
 * entry names: a folder of images, a .txt list of image paths, one image, or
 * (images left out of an export) only the labels/ twin of an images folder.
 *
 * Ultralytics takes `path` as written when absolute; a relative `path` from the
 * current folder, else from its datasets folder (a setting Loupe cannot see);
 * no `path` means the data.yaml's folder. Loupe tries, in order:
 * - an absolute `path` as written;
 * - a relative `path` from the data.yaml's folder, then from `cwd`;
 * - the data.yaml's folder itself (a dataset moved or copied with its yaml).
 * The first of these in which every entry is found is the root; failing that,
 * the one in which most are (the others come back with a reason). When no
 * entry is found anywhere, a DataYamlError names every place tried.
 * With no train/val/test at all, the root's `images/` folder is the one split.
 */
export async function resolveDataYaml(yamlFile: string, y: DataYaml, opts: { cwd?: string } = {}): Promise<ResolvedDataYaml> {
  const file = path.resolve(yamlFile);
  const yamlDir = path.dirname(file);
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const base = path.basename(file);

  const candidates: { dir: string; from: string }[] = [];
  const add = (dir: string, from: string) => {
    if (!candidates.some((c) => c.dir === dir)) candidates.push({ dir, from });
  };
  if (y.path !== undefined && path.isAbsolute(y.path)) add(path.normalize(y.path), 'as written');
  else if (y.path !== undefined) {
    add(path.resolve(yamlDir, y.path), `from the folder of ${base}`);
    add(path.resolve(cwd, y.path), `from the current folder ${cwd}`);
  }
  add(yamlDir, `the folder of ${base}`);

  const wanted: { split: SplitName; entry: string; line: number }[] = SPLITS.flatMap((split) => y[split].map((entry) => ({ split, entry, line: y.lines[split] ?? 1 })));
  const implicit = wanted.length === 0;
  if (implicit) wanted.push({ split: 'train', entry: 'images', line: 1 });

  let best: { c: (typeof candidates)[number]; found: Found[]; n: number } | null = null;
  for (const c of candidates) {
    const found = await Promise.all(wanted.map((w) => findEntry(c.dir, w.entry)));
    const n = found.filter(Boolean).length;
    if (n > (best?.n ?? 0)) best = { c, found, n };
    if (n === wanted.length) break;
  }

  if (!best) {
    const what = implicit ? `${file} names no train, val or test and has no images/ folder` : `${file}: ${wanted.map((w) => `${w.split}: ${w.entry}`).join(', ')} not found`;
    const line = y.lines.path ?? wanted[0].line;
    const pathText = y.path === undefined ? 'there is no path:, so Loupe' : `for path: ${JSON.stringify(y.path)} Loupe`;
    const places = candidates.map((c) => `${c.dir} (${c.from})`).join(', ');
    throw new DataYamlError(line, `${what}; ${pathText} looked in ${places}`);
  }

  const root = best.c.dir;
  const entries: ResolvedEntry[] = [];
  for (const [i, w] of wanted.entries()) {
    const f = best.found[i];
    const at = { split: w.split, entry: w.entry, line: w.line };
    if (!f) entries.push({ ...at, source: null, reason: `${w.split} entry '${w.entry}' not found (looked for ${path.resolve(root, w.entry)})` });
    else if (f.kind === 'labels') entries.push({ ...at, source: f });
    else if (f.kind === 'dir') entries.push({ ...at, source: { kind: 'dir', abs: f.abs } });
    else if (/\.txt$/i.test(f.abs)) entries.push({ ...at, source: { kind: 'list', abs: f.abs, images: await readList(f.abs, root, w.line) } });
    else if (formatOfPath(f.abs)) entries.push({ ...at, source: { kind: 'image', abs: f.abs } });
    else entries.push({ ...at, source: null, reason: `${w.split} entry '${w.entry}' (${f.abs}) is neither a folder, a .txt list of images nor an image` });
  }
  return { root, rootFrom: best.c.from, entries };
}
