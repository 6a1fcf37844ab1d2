/**
 * Class names for a detector: the Python dict literal Ultralytics stores in a
 * model's `names` metadata, and the classes files people keep beside models
 * (one name per line, or a data.yaml with a `names:` list or mapping).
 */

import { DataYamlError, parseDataYaml } from '../io/dataYaml.ts';

/** Thrown with the reason when names cannot be read. */
export class NamesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NamesError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/** Tokenizer over a Python literal made of ints, strings, `{ } [ ] : ,`. */
class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  peek(): string {
    this.ws();
    return this.src[this.pos] ?? '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  fail(what: string): never {
    const at = this.pos < this.src.length ? `'${this.src.slice(this.pos, this.pos + 12)}'` : 'end of text';
    throw new NamesError(`${what} at character ${this.pos + 1} (found ${at})`);
  }

  int(): number {
    this.ws();
    const m = /^[+-]?\d+/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected an integer key');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  /** A Python string literal in single or double quotes (no prefixes, no triple quotes). */
  string(): string {
    this.ws();
    const q = this.src[this.pos];
    if (q !== "'" && q !== '"') this.fail('expected a quoted name');
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated string');
      const c = this.src[this.pos++];
      if (c === q) return out;
      if (c === '\n') this.fail('line break inside a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.src[this.pos++] ?? '';
      if (e in SIMPLE_ESCAPES && !(e === '0' && /[0-7]/.test(this.src[this.pos] ?? ''))) out += SIMPLE_ESCAPES[e];
      else if (e === '\n') continue;
      else if (e === 'x' || e === 'u' || e === 'U') out += this.hexEscape(e === 'x' ? 2 : e === 'u' ? 4 : 8);
      else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))![0];
        this.pos += m.length;
        out += String.fromCharCode(parseInt(e + m, 8));
      } else out += '\\' + e; // Python keeps unknown escapes verbatim.
    }
  }

  private hexEscape(n: number): string {
    const hex = this.src.slice(this.pos, this.pos + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) this.fail(`bad \\${n === 2 ? 'x' : n === 4 ? 'u' : 'U'} escape`);
    this.pos += n;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) this.fail('escape beyond Unicode');
    return String.fromCodePoint(cp);
  }
}

/** Turn index→name pairs into a dense list; the keys must be exactly 0..n-1. */
function denseNames(pairs: [number, string][]): string[] {
  if (pairs.length === 0) throw new NamesError('no class names');
  const names: string[] = new Array(pairs.length);
  for (const [k, v] of pairs) {
    if (!Number.isInteger(k) || k < 0 || k >= pairs.length) {
      throw new NamesError(`class index ${k} is outside 0..${pairs.length - 1}; indices must be 0..n-1`);
    }
    if (names[k] !== undefined) throw new NamesError(`class index ${k} appears twice`);
    names[k] = v;
  }
  return names;
}

/**
 * Parse a model's `names` metadata: a Python dict literal such as
 * `{0: 'person', 1: "bus"}` (a list literal `['person', 'bus']` is accepted too).
 */
export function parseNamesLiteral(text: string): string[] {
  const lx = new Lexer(text);
  const open = lx.peek();
  const pairs: [number, string][] = [];
  if (open === '{') {
    lx.expect('{');
    while (lx.peek() !== '}') {
      const key = lx.int();
      lx.expect(':');
      pairs.push([key, lx.string()]);
      if (lx.peek() === ',') lx.pos++;
      else if (lx.peek() !== '}') lx.fail("expected ',' or '}'");
    }
    lx.expect('}');
  } else if (open === '[') {
    lx.expect('[');
    while (lx.peek() !== ']') {
      pairs.push([pairs.length, lx.string()]);
      if (lx.peek() === ',') lx.pos++;
      else if (lx.peek() !== ']') lx.fail("expected ',' or ']'");
    }
    lx.expect(']');
  } else lx.fail('expected a dict literal');
  if (lx.peek() !== '') lx.fail('unexpected text after the literal');
  return denseNames(pairs);
}

/**
 * Parse a classes file: a data.yaml-style `names:` list or mapping when the
 * text has a top-level `names:` key, else one class name per line (blank lines ignored).
 */
export function parseClassesFile(text: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  // A data.yaml is read by the same YAML parser as a dataset import, so text that is not YAML is refused, not half read.
  if (/^names\s*:/m.test(body)) {
    try {
      return parseDataYaml(body).names;
    } catch (err) {
      if (err instanceof DataYamlError) throw new NamesError(`line ${err.line}: ${err.message}`);
      throw err;
    }
  }
  const names = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (names.length === 0) throw new NamesError('no class names (the file is empty)');
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new NamesError(`class '${n}' is listed twice`);
    seen.add(n);
  }
  return names;
}
