import { describe, expect, it } from 'vitest';
import { DataYamlError, parseDataYaml } from './dataYaml.ts';

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
    expect(y).toEqual({ path: '../datasets/coco8', train: ['images/train'], val: ['images/val'], test: [], names: ['person', 'traffic light', 'a "quoted" # name'], nc: 3 });
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

  const bad: [string, string, number, RegExp][] = [
    ['no names', 'train: a\n', 1, /no 'names'/],
    ['nc disagrees', 'nc: 3\nnames: [a, b]\n', 1, /'nc' is 3 but 'names' has 2/],
    ['index gap', 'names:\n  0: a\n  2: b\n', 1, /outside 0..1/],
    ['duplicate name', 'names: [a, b, a]\n', 1, /'a' is used by both 0 and 2/],
    ['duplicate key', 'names: [a]\nnames: [b]\n', 2, /given twice/],
    ['unterminated quote', "names:\n  0: 'car\n", 2, /unterminated/],
    ['unclosed flow', 'names: [a, b\n', 1, /not closed/],
    ['stray indented line', '  0: car\n', 1, /belongs to no key/],
    ['not key value', 'names: [a]\njust words\n', 2, /expected 'key: value'/],
    ['mixed block', 'names:\n  - a\n  1: b\n', 3, /expected a '- item'/],
  ];
  it.each(bad)('refuses %s with the line', (_name, text, line, reason) => {
    let err: unknown;
    try {
      parseDataYaml(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataYamlError);
    expect((err as DataYamlError).line).toBe(line);
    expect((err as DataYamlError).message).toMatch(reason);
  });
});
