import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/unit/fixtures.ts';
import { DataYamlError, parseDataYaml, resolveDataYaml, type DataYaml } from './dataYaml.ts';
import { dataYaml as exportedDataYaml } from './exportYolo.ts';

/** The DataYamlError `fn` throws (sync or async). */
async function yamlError(fn: () => unknown): Promise<DataYamlError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataYamlError);
    return e as DataYamlError;
  }
  throw new Error('expected a DataYamlError');
}

describe('parseDataYaml', () => {
  it('reads an Ultralytics file with a names mapping, comments and a download script', () => {
    const y = parseDataYaml(
      [
        '# COCO8',
        'path: ../datasets/coco8 # dataset root',
        'train: images/train',
        'val: images/val',
        'test:  # none',
        '',
        'names:',
        '  0: person',
        "  1: 'traffic light'",
        '  2: "a \\"quoted\\" # name"',
        'nc: 3',
        'download: |',
        '  from x import y',
        '  y("names: nope")',
      ].join('\n'),
    );
    expect(y).toEqual({
      path: '../datasets/coco8',
      train: ['images/train'],
      val: ['images/val'],
      test: [],
      names: ['person', 'traffic light', 'a "quoted" # name'],
      nc: 3,
      lines: { path: 2, train: 3, val: 4, test: 5, names: 7, nc: 11 },
    });
  });

  it('reads list and flow styles', () => {
    expect(parseDataYaml('train: [a/images, b/images]\nval:\n  - v1\n  - "v 2"\nnames: [car, "bus, big"]\n')).toMatchObject({
      train: ['a/images', 'b/images'],
      val: ['v1', 'v 2'],
      names: ['car', 'bus, big'],
    });
    expect(parseDataYaml('names: {0: car, 1: bus}\r\n').names).toEqual(['car', 'bus']);
    expect(parseDataYaml('names:\n- car\n- bus\n').names).toEqual(['car', 'bus']);
  });

  it('reads a flow list continued on indented lines (older YOLOv5 files)', () => {
    const y = parseDataYaml("nc: 4\nnames: ['person', 'bicycle', # first two\n        'car', 'traffic light']\nval: v\n");
    expect(y.names).toEqual(['person', 'bicycle', 'car', 'traffic light']);
    expect(y.val).toEqual(['v']);
  });

  it('takes an {index: name} mapping in any order, as Ultralytics does, and no path as none', () => {
    expect(parseDataYaml('names:\n  1: bus\n  0: car\n  2: van\n').names).toEqual(['car', 'bus', 'van']);
    expect(parseDataYaml('path: ~\nnames: [a]\n').path).toBeUndefined();
    expect(parseDataYaml('path:\nnames: [a]\n').path).toBeUndefined();
  });

  const bad: [string, string, number, RegExp][] = [
    ['no names', 'train: a\n', 1, /no 'names'/],
    ['nc disagrees', 'nc: 3\nnames: [a, b]\n', 1, /'nc' is 3 but 'names' has 2/],
    ['index gap', 'names:\n  0: a\n  2: b\n', 3, /class index 2 leaves a gap: with 2 names the indices must be 0\.\.1, and 1 is missing/],
    ['index gap out of order', 'names:\n  5: x\n  0: a\n  1: b\n', 2, /class index 5 leaves a gap: .* 2 is missing/],
    ['index gap in flow style', 'train: t\nnames: {0: a, 3: b, 1: c}\n', 2, /class index 3 leaves a gap/],
    ['index given twice', 'names:\n  0: a\n  1: b\n  1: c\n', 4, /class index 1 is given twice \(first on line 3\)/],
    ['index not a number', 'names:\n  0: a\n  one: b\n', 3, /class index 'one' is not a whole number/],
    ['negative index', 'names:\n  0: a\n  -1: b\n', 3, /class index '-1' is not a whole number/],
    ['duplicate name', 'names: [a, b, a]\n', 1, /'a' is used by both 0 and 2/],
    ['duplicate name in a block list', 'names:\n  - a\n  - b\n  - a\n', 4, /'a' is used by both 0 and 2/],
    ['empty name', "names:\n  0: a\n  1: ''\n", 3, /class 1 has an empty name/],
    ['duplicate key', 'names: [a]\nnames: [b]\n', 2, /given twice/],
    ['unterminated quote', "names:\n  0: 'car\n", 3, /YAML syntax error at line 3, column 1: Missing closing 'quote/],
    ['unclosed flow', 'names: [a, b\n', 2, /YAML syntax error at line 2, column 1: .*end with a \]/],
    ['unclosed flow over lines', 'names: [a, b,\n  c, d\nval: v\n', 3, /YAML syntax error at line 3, column 1: .*end with a \]/],
    // The Ultralytics-style mapping with a broken flow list inside used to import a class named "[crack".
    ['unclosed flow inside a mapping', 'names: {0: scratch, 1: [crack}\n', 1, /YAML syntax error at line 1, column 30: .*end with a \]/],
    ['an indented mapping of no names', '  0: car\n', 1, /no 'names'/],
    ['not key value', 'names: [a]\njust words\n', 2, /YAML syntax error at line 2, column 1: Implicit map keys need to be followed by map values/],
    ['a list item that is a list', 'names:\n  - a\n  - [b, c]\n', 3, /each item of 'names' must be a single value/],
    ['not a mapping at the top', '- a\n- b\n', 1, /expected 'key: value' lines at the top level/],
    ['mixed block', 'names:\n  - a\n  1: b\n', 3, /YAML syntax error at line 3, column 1: All mapping items must start at the same column/],
    ['path as a list', 'path: [a, b]\nnames: [a]\n', 1, /'path' must be one folder/],
    ['split as a mapping', 'names: [a]\ntrain:\n  a: b\n', 2, /'train' must be a path or a list/],
  ];
  it.each(bad)('refuses %s with the line', async (_name, text, line, reason) => {
    const err = await yamlError(() => parseDataYaml(text));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(reason);
    if (/syntax error/.test(err.message)) expect(err.column).toBeGreaterThan(0);
  });
});

/** Create files (empty) and folders under `root`: names ending in / are folders. */
function lay(root: string, entries: string[]): void {
  for (const e of entries) {
    const abs = path.join(root, e);
    if (e.endsWith('/')) fs.mkdirSync(abs, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, '');
    }
  }
}

/** Write a data.yaml and parse it. */
function yamlAt(file: string, text: string): DataYaml {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return parseDataYaml(text);
}

const sources = (r: Awaited<ReturnType<typeof resolveDataYaml>>) => r.entries.map((e) => [e.split, e.source?.kind ?? null, e.source?.abs ?? e.reason]);

describe('resolveDataYaml', () => {
  it('takes an absolute path as written', async () => {
    const d = tempDir();
    lay(d, ['ds/images/train/', 'ds/images/val/']);
    const file = path.join(d, 'cfg/data.yaml');
    const y = yamlAt(file, `path: ${path.join(d, 'ds')}\ntrain: images/train\nval: images/val\nnames: [a]\n`);
    const r = await resolveDataYaml(file, y, { cwd: d });
    expect([r.root, r.rootFrom]).toEqual([path.join(d, 'ds'), 'as written']);
    expect(sources(r)).toEqual([
      ['train', 'dir', path.join(d, 'ds/images/train')],
      ['val', 'dir', path.join(d, 'ds/images/val')],
    ]);
  });

  it('tries a relative path from the yaml folder first, then from the current folder', async () => {
    const d = tempDir();
    lay(d, ['cfg/ds/images/', 'work/ds/images/', 'work/other/images/']);
    const file = path.join(d, 'cfg/data.yaml');
    // Both hold the split: the yaml's folder wins.
    let r = await resolveDataYaml(file, yamlAt(file, 'path: ds\ntrain: images\nnames: [a]\n'), { cwd: path.join(d, 'work') });
    expect([r.root, r.rootFrom]).toEqual([path.join(d, 'cfg/ds'), 'from the folder of data.yaml']);
    // Only the current folder holds it.
    r = await resolveDataYaml(file, yamlAt(file, 'path: other\ntrain: images\nnames: [a]\n'), { cwd: path.join(d, 'work') });
    expect([r.root, r.rootFrom]).toEqual([path.join(d, 'work/other'), `from the current folder ${path.join(d, 'work')}`]);
  });

  it('falls back to the yaml folder for a dataset moved with its yaml', async () => {
    const d = tempDir();
    lay(d, ['moved/images/train/', 'moved/images/val/']);
    const file = path.join(d, 'moved/data.yaml');
    const y = yamlAt(file, `path: ${JSON.stringify(path.join(d, 'gone'))}\ntrain: images/train\nval: images/val\nnames: [a]\n`);
    const r = await resolveDataYaml(file, y, { cwd: d });
    expect([r.root, r.rootFrom]).toEqual([path.join(d, 'moved'), 'the folder of data.yaml']);
    // A relative path that leads nowhere falls back the same way.
    const rel = await resolveDataYaml(file, yamlAt(file, 'path: ../../nowhere\ntrain: images/train\nnames: [a]\n'), { cwd: d });
    expect(rel.root).toBe(path.join(d, 'moved'));
  });

  it('uses the yaml folder without a path, with the ../ fallback of Roboflow-style files', async () => {
    const d = tempDir();
    lay(d, ['rf/train/images/', 'rf/valid/images/']);
    const file = path.join(d, 'rf/data.yaml');
    const y = yamlAt(file, 'train: ../train/images\nval: ../valid/images\ntest: ../test/images\nnc: 1\nnames: [a]\n');
    const r = await resolveDataYaml(file, y, { cwd: d });
    expect(r.root).toBe(path.join(d, 'rf'));
    // test is listed but absent: the rest resolves and test comes back with where it was looked for.
    expect(sources(r)).toEqual([
      ['train', 'dir', path.join(d, 'rf/train/images')],
      ['val', 'dir', path.join(d, 'rf/valid/images')],
      ['test', null, `test entry '../test/images' not found (looked for ${path.join(d, 'test/images')})`],
    ]);
    expect(r.entries[2].line).toBe(3);
  });

  it('reads lists of folders, .txt image lists and single images', async () => {
    const d = tempDir();
    lay(d, ['ds/a/images/', 'ds/b/images/', 'ds/one.jpg', 'ds/lists/']);
    fs.writeFileSync(path.join(d, 'ds/lists/val.txt'), `./x/1.jpg\nimages/2.jpg\n\n${path.join(d, 'abs/3.png')}\r\n`);
    const file = path.join(d, 'ds/data.yaml');
    const y = yamlAt(file, 'train:\n  - a/images\n  - b/images\nval: lists/val.txt\ntest: [one.jpg]\nnames: [a]\n');
    const r = await resolveDataYaml(file, y, { cwd: d });
    expect(sources(r)).toEqual([
      ['train', 'dir', path.join(d, 'ds/a/images')],
      ['train', 'dir', path.join(d, 'ds/b/images')],
      ['val', 'list', path.join(d, 'ds/lists/val.txt')],
      ['test', 'image', path.join(d, 'ds/one.jpg')],
    ]);
    // ./ is the list's folder (as Ultralytics reads it); other relative lines are from the dataset root.
    const list = r.entries[2].source;
    expect(list?.kind === 'list' && list.images).toEqual([path.join(d, 'ds/lists/x/1.jpg'), path.join(d, 'ds/images/2.jpg'), path.join(d, 'abs/3.png')]);
  });

  it('takes the images/ folder when no split is named, and says what an entry of another kind is', async () => {
    const d = tempDir();
    lay(d, ['images/', 'notes.csv', 'val/']);
    const file = path.join(d, 'data.yaml');
    let r = await resolveDataYaml(file, yamlAt(file, 'names: [a]\n'), { cwd: d });
    expect(sources(r)).toEqual([['train', 'dir', path.join(d, 'images')]]);
    r = await resolveDataYaml(file, yamlAt(file, 'train: notes.csv\nval: val\nnames: [a]\n'), { cwd: d });
    expect(sources(r)[0]).toEqual(['train', null, `train entry 'notes.csv' (${path.join(d, 'notes.csv')}) is neither a folder, a .txt list of images nor an image`]);
  });

  it('takes the labels/ twin of an images folder that is not there (an export without its images)', async () => {
    const d = tempDir();
    lay(d, ['ds/labels/train/', 'ds/valid/labels/']);
    const file = path.join(d, 'ds/data.yaml');
    const y = yamlAt(file, 'train: images/train\nval: ../valid/images\ntest: images/test\nnames: [a]\n');
    const r = await resolveDataYaml(file, y, { cwd: d });
    expect(r.root).toBe(path.join(d, 'ds'));
    expect(r.entries.map((e) => e.source)).toEqual([
      { kind: 'labels', abs: path.join(d, 'ds/images/train'), labelDir: path.join(d, 'ds/labels/train') },
      { kind: 'labels', abs: path.join(d, 'ds/valid/images'), labelDir: path.join(d, 'ds/valid/labels') },
      null,
    ]);
  });

  it('names the yaml, its path and every place tried when no split is found', async () => {
    const d = tempDir();
    const file = path.join(d, 'cfg/data.yaml');
    const y = yamlAt(file, '# moved\n\npath: ../coco8\ntrain: images/train\nval: images/val\nnames: [a]\n');
    const cwd = path.join(d, 'work/deep');
    const err = await yamlError(() => resolveDataYaml(file, y, { cwd }));
    expect(err.line).toBe(3);
    expect(err.message).toBe(
      `${file}: train: images/train, val: images/val not found; for path: "../coco8" Loupe looked in ` +
        `${path.join(d, 'coco8')} (from the folder of data.yaml), ${path.join(d, 'work/coco8')} (from the current folder ${cwd}), ` +
        `${path.join(d, 'cfg')} (the folder of data.yaml)`,
    );
  });

  it('without a path, says so and points at the first split line', async () => {
    const d = tempDir();
    const file = path.join(d, 'data.yaml');
    const err = await yamlError(async () => resolveDataYaml(file, yamlAt(file, 'names: [a]\nval: images/val\n'), { cwd: d }));
    expect(err.line).toBe(2);
    expect(err.message).toBe(`${file}: val: images/val not found; there is no path:, so Loupe looked in ${d} (the folder of data.yaml)`);
    const none = await yamlError(async () => resolveDataYaml(file, yamlAt(file, 'names: [a]\n'), { cwd: d }));
    expect(none.message).toBe(`${file} names no train, val or test and has no images/ folder; there is no path:, so Loupe looked in ${d} (the folder of data.yaml)`);
  });
});

describe("Loupe's own YOLO export", () => {
  it('writes a data.yaml that reads back to its folder, also after the folder moves', async () => {
    const d = tempDir();
    const out = path.join(d, 'export "quoted" é');
    lay(out, ['images/train/', 'images/val/', 'labels/train/', 'labels/val/']);
    fs.writeFileSync(path.join(out, 'data.yaml'), exportedDataYaml(out, ['train', 'val'], ['car', 'traffic light', 'a: b']));
    const y = parseDataYaml(fs.readFileSync(path.join(out, 'data.yaml'), 'utf8'));
    // An absolute path, as Ultralytics takes it whatever its datasets folder.
    expect(path.isAbsolute(y.path!)).toBe(true);
    expect(y).toMatchObject({ path: out, train: ['images/train'], val: ['images/val'], test: [], names: ['car', 'traffic light', 'a: b'] });
    const r = await resolveDataYaml(path.join(out, 'data.yaml'), y, { cwd: d });
    expect([r.root, r.rootFrom]).toEqual([out, 'as written']);

    const moved = path.join(d, 'elsewhere');
    fs.renameSync(out, moved);
    const again = await resolveDataYaml(path.join(moved, 'data.yaml'), y, { cwd: d });
    expect([again.root, again.rootFrom]).toEqual([moved, 'the folder of data.yaml']);
    expect(sources(again)).toEqual([
      ['train', 'dir', path.join(moved, 'images/train')],
      ['val', 'dir', path.join(moved, 'images/val')],
    ]);
  });
});

describe('against PyYAML, as Ultralytics reads a data.yaml (test/fixtures/dataYaml/pyyaml_reference.py)', () => {
  const FIX = path.resolve(import.meta.dirname, '../../test/fixtures/dataYaml');
  type Golden = { path: string | null; train: string[]; val: string[]; test: string[]; names: string[]; nc: number | null; ultralytics_splits?: Record<string, string[]> };
  const golden = JSON.parse(fs.readFileSync(path.join(FIX, 'pyyaml_golden.json'), 'utf8')) as Record<string, Golden>;

  it('has a golden for every fixture', () => {
    expect(Object.keys(golden).sort()).toEqual(fs.readdirSync(FIX).filter((f) => f.endsWith('.yaml')).sort());
  });

  it.each(Object.keys(golden))('%s reads the same', (name) => {
    const y = parseDataYaml(fs.readFileSync(path.join(FIX, name), 'utf8'));
    const { ultralytics_splits: splits, ...want } = golden[name];
    expect({ path: y.path ?? null, train: y.train, val: y.val, test: y.test, names: y.names, nc: y.nc ?? null }).toEqual(want);
    // With an absolute path both put each split at path/entry.
    if (splits) for (const s of ['train', 'val', 'test'] as const) expect(y[s].map((e) => path.posix.join(y.path!, e))).toEqual(splits[s]);
  });

  it('the export fixture is what the YOLO export writes', () => {
    const text = exportedDataYaml('/data/exports/site "a" é', ['train', 'val', 'test'], ['scratch', 'traffic light', 'a: b', "it's", '#x', 'ü']);
    expect(text).toBe(fs.readFileSync(path.join(FIX, 'loupe-export.yaml'), 'utf8'));
  });
});
