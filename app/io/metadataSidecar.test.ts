import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { parseSidecar, SidecarError } from './metadataSidecar.ts';

function refusal(text: string, name: string): string {
  try {
    parseSidecar(text, name);
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseSidecar', () => {
  it('reads CSV with a header row: quoted cells, empty cells left out, captured_at normalised', () => {
    const rows = parseSidecar('file,camera,site,shift,captured_at\na.jpg,"cam, left",plant-1,day,2026:03:05 08:00:00\nsub\\b.jpg,cam-2,,night,\n', 'meta.csv');
    expect(rows).toEqual([
      { line: 2, file: 'a.jpg', capturedAt: '2026-03-05T08:00:00', metadata: { camera: 'cam, left', site: 'plant-1', shift: 'day' } },
      { line: 3, file: 'sub/b.jpg', metadata: { camera: 'cam-2', shift: 'night' } },
    ]);
  });

  it('reads a JSON array and JSON lines with typed scalars, nulls left out', () => {
    const arr = parseSidecar('[\n  {"file": "a.jpg", "defects": 3, "ok": true},\n  {"file": "b.jpg", "camera": null, "captured_at": "2026-03-05T10:00:00Z"}\n]', 'm.json');
    expect(arr).toEqual([
      { line: 2, file: 'a.jpg', metadata: { defects: 3, ok: true } },
      { line: 3, file: 'b.jpg', capturedAt: '2026-03-05T10:00:00Z', metadata: {} },
    ]);
    const lines = parseSidecar('{"file":"a.jpg","shift":"day"}\n\n{"file":"b.jpg","shift":"night"}\n', 'm.jsonl');
    expect(lines.map((r) => [r.line, r.file, r.metadata.shift])).toEqual([[1, 'a.jpg', 'day'], [3, 'b.jpg', 'night']]);
  });

  it('refuses the whole file with file:line for every problem', () => {
    const msg = refusal('file,camera,captured_at\na.jpg,c1,2026-02-30\n,c2,\nc.jpg,c3,tomorrow\na.jpg,c4,\n', 'meta.csv');
    expect(msg).toMatch(/^4 problems in the metadata file, nothing was written: /);
    expect(msg).toContain('meta.csv:2: captured_at "2026-02-30" is not a date and time');
    expect(msg).toContain('meta.csv:3: "file" must name the image');
    expect(msg).toContain('meta.csv:4: captured_at "tomorrow"');
    expect(msg).toContain('meta.csv:5: "a.jpg" is already given on line 2');
  });

  it('names the line of a malformed CSV row, JSON line or array element', () => {
    expect(refusal('file,camera\na.jpg,c1\nb.jpg,c2,extra\n', 'm.csv')).toMatch(/m\.csv:3: not valid CSV: Invalid Record Length/);
    expect(refusal('camera\nc1\n', 'm.csv')).toContain('m.csv:1: the header row needs a "file" column, got "camera"');
    expect(refusal('{"file":"a.jpg"}\n{"file": "b.jpg",\n', 'm.jsonl')).toMatch(/m\.jsonl:2: not valid JSON/);
    expect(refusal('[\n{"file":"a.jpg"},\n{"file":"b.jpg", "where": {"x": 1}}\n]', 'm.json')).toContain('m.json:3: "where" must be text, a number or true/false, got an object');
    expect(refusal('[\n{"file":"a.jpg"},\n{"file":\n]', 'm.json')).toMatch(/m\.json:4: not JSON \(line 4, column 1: found "\]"\)/);
    expect(refusal('{"a": 1}', 'm.json')).toMatch(/m\.json:1: "file" must name the image/);
    expect(refusal('[]', 'm.json')).toContain('m.json:1: no rows');
    expect(refusal('[1, "x"]', 'm.json')).toContain('m.json:1: expected an object with a "file" key, got 1');
    expect(refusal('file\n', 'm.csv')).toContain('no rows');
    expect(refusal('file,camera\na.jpg,c\n', 'm.txt')).toBe('Metadata file m.txt: expected a .csv, .json or .jsonl file, got ".txt"');
  });

  it('lists at most eight problems and counts the rest', () => {
    const text = `file,captured_at\n${Array.from({ length: 12 }, (_, i) => `f${i}.jpg,bad${i}`).join('\n')}\n`;
    let err: unknown;
    try {
      parseSidecar(text, 'm.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SidecarError);
    expect((err as SidecarError).problems).toHaveLength(12);
    expect((err as Error).message).toMatch(/; and 4 more$/);
  });
});
