import { describe, expect, it } from 'vitest';
import { NamesError, parseClassesFile, parseNamesLiteral } from './classNames.ts';

describe('parseNamesLiteral', () => {
  it('reads the dict Ultralytics writes', () => {
    expect(parseNamesLiteral("{0: 'person', 1: 'bicycle', 2: 'traffic light'}")).toEqual(['person', 'bicycle', 'traffic light']);
  });

  it('handles double quotes, escapes, unicode, odd spacing and a trailing comma', () => {
    const text = `{ 1 : "driver's cab",0:'a \\'quoted\\' name', 2: 'back\\\\slash', 3: '\\u00e9t\\xe9', 4: 'tab\\there', 5: '叉车', }`;
    expect(parseNamesLiteral(text)).toEqual(['a \'quoted\' name', "driver's cab", 'back\\slash', 'été', 'tab\there', '叉车']);
  });

  it('accepts a list literal', () => {
    expect(parseNamesLiteral("['cat', \"dog\"]")).toEqual(['cat', 'dog']);
  });

  it.each([
    ['', /expected a dict literal at character 1 \(found end of text\)/],
    ['person, car', /expected a dict literal at character 1/],
    ['{0: person}', /expected a quoted name at character 5/],
    ["{0: 'a', 2: 'b'}", /class index 2 is outside 0\.\.1; indices must be 0\.\.n-1/],
    ["{0: 'a', 0: 'b'}", /class index 0 appears twice/],
    ["{0: 'a'", /expected ',' or '}' at character 8 \(found end of text\)/],
    ["{0: 'a} ", /unterminated string/],
    ["{0: 'a'} extra", /unexpected text after the literal/],
    ['{}', /no class names/],
    ["{0: 'bad \\x4'}", /bad \\x escape/],
  ])('rejects %j', (text, msg) => {
    expect(() => parseNamesLiteral(text)).toThrow(NamesError);
    expect(() => parseNamesLiteral(text)).toThrow(msg);
  });
});

describe('parseClassesFile', () => {
  it('one name per line, CRLF, BOM and blank lines', () => {
    expect(parseClassesFile('\uFEFFperson\r\n\r\nfork lift\r\n')).toEqual(['person', 'fork lift']);
  });

  it('data.yaml block list and mapping', () => {
    expect(parseClassesFile('path: /x\ntrain: images/train\nnames:\n  - person\n  - "fork lift"\n  # comment\n  - \'a\'\'b\'\nnc: 3\n')).toEqual(['person', 'fork lift', "a'b"]);
    expect(parseClassesFile('names:\n  1: car\n  0: person  # first\n')).toEqual(['person', 'car']);
  });

  it('data.yaml flow style', () => {
    expect(parseClassesFile("names: ['person', 'car']\n")).toEqual(['person', 'car']);
    expect(parseClassesFile('names: [person, fork lift]\n')).toEqual(['person', 'fork lift']);
    expect(parseClassesFile('names: {0: person, 1: car}\n')).toEqual(['person', 'car']);
  });

  it('refuses empty files, duplicates and gaps', () => {
    expect(() => parseClassesFile('\n\n')).toThrow(/no class names \(the file is empty\)/);
    expect(() => parseClassesFile('a\nb\na\n')).toThrow(/class 'a' is listed twice/);
    expect(() => parseClassesFile('names:\n  0: a\n  2: b\n')).toThrow(/^line 3: class index 2 leaves a gap/);
    expect(() => parseClassesFile('names:\n  zero: a\n')).toThrow(/^line 2: class index 'zero' is not a whole number/);
    expect(() => parseClassesFile('names: {0: scratch, 1: [crack}\n')).toThrow(/^line 1: YAML syntax error at line 1, column 30/);
  });
});
