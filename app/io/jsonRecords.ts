/**
 * The records of a JSON sidecar file, each with the line it starts on, for readers
 * that report problems as file:line: a top-level array (one element per record) or
 * JSON lines (one value per line). Metadata sidecars and flags files both read them so.
 */
import { JsonStreamParser, JsonSyntaxError } from './jsonStream.ts';

/** A problem at a line of a file. */
export interface LineProblem {
  line: number;
  reason: string;
}

/** A value read from a file and the line it starts on. */
export interface LineRecord {
  line: number;
  value: unknown;
}

/** A JSON array's elements when the text starts with `[`, else one value per non-blank line; problems are added, not thrown. */
export function readJsonRecords(text: string, problems: LineProblem[]): LineRecord[] {
  return text.trimStart().startsWith('[') ? readJsonArray(text, problems) : readJsonLines(text, problems);
}

function readJsonLines(text: string, problems: LineProblem[]): LineRecord[] {
  const out: LineRecord[] = [];
  text.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(l) });
    } catch (err) {
      problems.push({ line: i + 1, reason: `not valid JSON: ${(err as Error).message}` });
    }
  });
  return out;
}

function readJsonArray(text: string, problems: LineProblem[]): LineRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problems.push(syntaxProblem(text, err as Error));
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push({ line: 1, reason: 'expected an array of objects' });
    return [];
  }
  const lines = elementLines(text);
  return value.map((v, i) => ({ line: lines[i] ?? 1, value: v }));
}

/** Where a JSON text stops being JSON: the streaming parser knows the line, JSON.parse does not always say. */
function syntaxProblem(text: string, parseError: Error): LineProblem {
  try {
    const p = new JsonStreamParser({ member: () => 'skip' });
    p.write(text);
    p.end();
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { line: err.line, reason: err.message };
  }
  return { line: 1, reason: `not valid JSON: ${parseError.message}` };
}

/** The line each top-level element of a JSON array starts on. */
function elementLines(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let expectStart = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectStart && !/\s/.test(ch) && ch !== ']') {
      out.push(line);
      expectStart = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectStart = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectStart = true;
  }
  return out;
}
