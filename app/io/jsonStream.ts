import fs from 'node:fs';
import { LoupeError } from '../domain/errors.ts';

/**
 * An incremental JSON parser for files too large to parse whole, such as a
 * COCO file of a million annotations. Text arrives in chunks of any size; the
 * whole text is checked against the JSON grammar, but only the parts asked for
 * become values: the elements of the root array, or of an array member of the
 * root object, one at a time (each parsed by JSON.parse once its text is
 * complete), and root members asked for whole. Everything else is checked and
 * dropped, so memory holds one record at a time.
 */

/** What to do with a member of the root object (or, with key '', the root array). */
export type JsonMode = 'records' | 'value' | 'skip';

/** The type of a JSON value as a person would name it. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export interface JsonStreamHandler {
  /** The type of the root value, known from its first character. */
  root?(kind: JsonKind): void;
  /**
   * How to treat a member of the root object, or the root array (key ''):
   * 'records' hands an array's elements to `record` one by one (a value that
   * is not an array goes to `value` whole), 'value' hands the value to `value`
   * whole, 'skip' only checks it.
   */
  member(key: string): JsonMode;
  record?(key: string, index: number, value: unknown): void;
  value?(key: string, value: unknown): void;
}

/** Text that stops being JSON, with the line and column (1-based, in UTF-16 units) of the first offending character. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    /** A few characters from the offending one on, or null when the text ends too early. */
    readonly found: string | null,
    readonly expected: string,
  ) {
    super(`not JSON (line ${line}, column ${column}: ${found === null ? 'the text ends too early' : `found ${JSON.stringify(found)}`}): ${expected}`);
  }
}

// Parser states.
const VALUE = 0;
const AFTER = 1;
const KEY_OR_END = 2;
const KEY = 3;
const COLON = 4;
const ELEM_OR_END = 5;
const STR = 6;
const ESC = 7;
const HEX = 8;
const NUM = 9;
const LIT = 10;

// Number states: where in `-? (0 | [1-9]\d*) (\.\d+)? ([eE][+-]?\d+)?` the parser is.
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_E = 5;
const N_ESIGN = 6;
const N_EXP = 7;

/** Characters shown from where the text stops being JSON. */
const FOUND = 10;
const PENDING = Symbol('pending');

const OBJ = 0;
const ARR = 1;

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** Feed text with `write`, then call `end`; both throw JsonSyntaxError at the first character that breaks the grammar. */
export class JsonStreamParser {
  private state = VALUE;
  private num = N_MINUS;
  private lit = '';
  private litPos = 0;
  private hexLeft = 0;
  private strIsKey = false;
  private readonly stack: number[] = [];
  private started = false;
  private rootSeen = false;

  /** Text of the current chunk and where it starts in the whole text. */
  private buf = '';
  private base = 0;
  /** Newlines before the current chunk, and where the line the chunk starts on begins. */
  private lines = 0;
  private lineStart = 0;

  /** A root-object key being read (its text so far, from an earlier chunk). */
  private keyAt = -1;
  private keyParts: string[] = [];
  private pendingMode: JsonMode = 'skip';
  private memberKey = '';

  /** The array whose elements are records: the stack depth inside it, its key and the next index. */
  private recDepth = -1;
  private recKey = '';
  private recIndex = 0;

  /** A value being captured: the stack depth it ends at, where it starts in `buf`, its text from earlier chunks. */
  private capDepth = -1;
  private capAt = 0;
  private capParts: string[] = [];
  private capIsRecord = false;

  /** An error found near the end of a chunk, waiting for the characters after it. */
  private pending: { offset: number; line: number; column: number; found: string; expected: string } | null = null;

  constructor(private readonly h: JsonStreamHandler) {}

  write(chunk: string): void {
    if (this.pending) return this.moreFound(chunk);
    let s = chunk;
    if (!this.started && s.length > 0) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) {
        s = s.slice(1);
        this.base++;
        this.lineStart++;
      }
    }
    this.buf = s;
    try {
      this.run(s);
    } catch (err) {
      if (err !== PENDING) throw err;
      return;
    }
    // Keep the text of what is still being captured; the rest of the chunk is done with.
    if (this.capDepth >= 0) {
      this.capParts.push(s.slice(this.capAt));
      this.capAt = 0;
    }
    if (this.keyAt >= 0) {
      this.keyParts.push(s.slice(this.keyAt));
      this.keyAt = 0;
    }
    for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) {
      this.lines++;
      this.lineStart = this.base + k + 1;
    }
    this.base += s.length;
    this.buf = '';
  }

  end(): void {
    if (this.pending) throw this.pendingError();
    if (this.state === NUM && (this.num === N_ZERO || this.num === N_INT || this.num === N_FRAC || this.num === N_EXP)) {
      this.endValue(0);
    }
    if (!this.rootSeen) this.fail(0, 'expected a JSON value');
    const st = this.state;
    if (st === STR || st === ESC || st === HEX) this.fail(0, 'expected the string to be closed with "');
    if (st === NUM) this.fail(0, 'expected a digit');
    if (st === LIT) this.fail(0, `expected '${this.lit}'`);
    if (this.stack.length > 0) {
      this.fail(0, this.stack[this.stack.length - 1] === OBJ ? "expected the object to be closed with '}'" : "expected the array to be closed with ']'");
    }
  }

  /** Throw at buf[i] (past the end of buf: the text ends too early). */
  private fail(i: number, expected: string): never {
    const s = this.buf;
    let line = this.lines + 1;
    let start = this.lineStart;
    for (let k = s.indexOf('\n'); k >= 0 && k < i; k = s.indexOf('\n', k + 1)) {
      line++;
      start = this.base + k + 1;
    }
    const offset = this.base + i;
    if (i < s.length && s.length - i < FOUND) {
      // Wait for the next chunk to show the few characters from the offending one on.
      this.pending = { offset, line, column: offset - start + 1, found: s.slice(i), expected };
      throw PENDING;
    }
    throw new JsonSyntaxError(offset, line, offset - start + 1, i < s.length ? s.slice(i, i + FOUND) : null, expected);
  }

  private moreFound(chunk: string): void {
    const p = this.pending!;
    p.found += chunk.slice(0, FOUND - p.found.length);
    if (p.found.length >= FOUND) throw this.pendingError();
  }

  private pendingError(): JsonSyntaxError {
    const p = this.pending!;
    return new JsonSyntaxError(p.offset, p.line, p.column, p.found, p.expected);
  }

  private kindOf(c: number): JsonKind {
    return c === 0x7b ? 'object' : c === 0x5b ? 'array' : c === 0x22 ? 'string' : c === 0x74 || c === 0x66 ? 'boolean' : c === 0x6e ? 'null' : 'number';
  }

  /** A value starts at buf[i] with character c: decide whether it is captured. */
  private beginValue(i: number, c: number): void {
    const depth = this.stack.length;
    if (depth === 0) {
      this.rootSeen = true;
      this.h.root?.(this.kindOf(c));
      if (c === 0x5b) {
        const mode = this.h.member('');
        if (mode === 'records') this.startRecords(1, '');
        else if (mode === 'value') this.startCapture(i, 0, false);
      }
      return;
    }
    if (depth === this.recDepth) {
      this.startCapture(i, depth, true);
      return;
    }
    if (depth === 1 && this.stack[0] === OBJ && this.capDepth < 0) {
      const mode = this.pendingMode;
      if (mode === 'records' && c === 0x5b) this.startRecords(2, this.memberKey);
      else if (mode !== 'skip') this.startCapture(i, 1, false);
    }
  }

  private startRecords(depth: number, key: string): void {
    this.recDepth = depth;
    this.recKey = key;
    this.recIndex = 0;
  }

  private startCapture(i: number, depth: number, record: boolean): void {
    this.capDepth = depth;
    this.capAt = i;
    this.capParts = [];
    this.capIsRecord = record;
  }

  /** A value ended just before buf[i]. */
  private endValue(i: number): void {
    this.state = AFTER;
    if (this.capDepth === this.stack.length) {
      const text = this.capParts.length ? this.capParts.join('') + this.buf.slice(this.capAt, i) : this.buf.slice(this.capAt, i);
      this.capDepth = -1;
      this.capParts = [];
      const value: unknown = JSON.parse(text);
      if (this.capIsRecord) this.h.record?.(this.recKey, this.recIndex++, value);
      else this.h.value?.(this.stack.length === 0 ? '' : this.memberKey, value);
    }
  }

  /** Close the container at the top of the stack; buf[i] is its closing bracket. */
  private close(i: number): void {
    this.stack.pop();
    if (this.stack.length === this.recDepth - 1) this.recDepth = -1;
    this.endValue(i + 1);
  }

  private run(s: string): void {
    const n = s.length;
    const stack = this.stack;
    let i = 0;
    let state = this.state;
    while (i < n) {
      let c = s.charCodeAt(i);
      switch (state) {
        case VALUE:
        case ELEM_OR_END: {
          while (isWs(c)) {
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (i === n) break;
          if (state === ELEM_OR_END && c === 0x5d) {
            this.close(i);
            i++;
            state = this.state;
            break;
          }
          const starts = c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || isDigit(c) || c === 0x74 || c === 0x66 || c === 0x6e;
          if (!starts) {
            this.fail(i, stack.length && stack[stack.length - 1] === ARR && state === VALUE ? 'expected a value after the comma' : 'expected a value');
          }
          this.beginValue(i, c);
          if (c === 0x7b) {
            stack.push(OBJ);
            state = KEY_OR_END;
            i++;
          } else if (c === 0x5b) {
            stack.push(ARR);
            state = ELEM_OR_END;
            i++;
          } else if (c === 0x22) {
            this.strIsKey = false;
            state = STR;
            i++;
          } else if (c === 0x2d || isDigit(c)) {
            this.num = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : N_INT;
            state = NUM;
            i++;
          } else {
            this.lit = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
            this.litPos = 1;
            state = LIT;
            i++;
          }
          break;
        }
        case AFTER: {
          while (isWs(c)) {
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (i === n) break;
          if (stack.length === 0) this.fail(i, 'expected the end of the text after the JSON value');
          const top = stack[stack.length - 1];
          if (c === 0x2c) {
            state = top === OBJ ? KEY : VALUE;
            i++;
          } else if (c === (top === OBJ ? 0x7d : 0x5d)) {
            this.close(i);
            i++;
            state = this.state;
          } else this.fail(i, top === OBJ ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element");
          break;
        }
        case KEY_OR_END:
        case KEY: {
          while (isWs(c)) {
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (i === n) break;
          if (state === KEY_OR_END && c === 0x7d) {
            this.close(i);
            i++;
            state = this.state;
            break;
          }
          if (c !== 0x22) this.fail(i, state === KEY ? 'expected a member name in double quotes after the comma' : "expected a member name in double quotes or '}'");
          this.strIsKey = true;
          if (stack.length === 1) {
            this.keyAt = i;
            this.keyParts = [];
          }
          state = STR;
          i++;
          break;
        }
        case COLON: {
          while (isWs(c)) {
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (i === n) break;
          if (c !== 0x3a) this.fail(i, "expected ':' after the member name");
          state = VALUE;
          i++;
          break;
        }
        case STR: {
          for (;;) {
            if (c === 0x22) {
              i++;
              if (this.strIsKey) {
                state = COLON;
                if (this.keyAt >= 0) {
                  const text = this.keyParts.length ? this.keyParts.join('') + s.slice(this.keyAt, i) : s.slice(this.keyAt, i);
                  this.keyAt = -1;
                  this.keyParts = [];
                  this.memberKey = JSON.parse(text) as string;
                  this.pendingMode = this.h.member(this.memberKey);
                }
              } else {
                this.endValue(i);
                state = AFTER;
              }
              break;
            }
            if (c === 0x5c) {
              i++;
              state = ESC;
              break;
            }
            if (c < 0x20) this.fail(i, 'expected the string to continue: control characters must be escaped');
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          break;
        }
        case ESC: {
          if (c === 0x75) {
            this.hexLeft = 4;
            state = HEX;
          } else if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) state = STR;
          else this.fail(i, 'expected an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
          i++;
          break;
        }
        case HEX: {
          if (!isHex(c)) this.fail(i, 'expected 4 hexadecimal digits after \\u');
          i++;
          if (--this.hexLeft === 0) state = STR;
          break;
        }
        case NUM: {
          let ended = false;
          for (;;) {
            const num = this.num;
            if (isDigit(c)) {
              if (num === N_MINUS) this.num = c === 0x30 ? N_ZERO : N_INT;
              else if (num === N_ZERO) {
                ended = true;
                break;
              } else if (num === N_DOT) this.num = N_FRAC;
              else if (num === N_E || num === N_ESIGN) this.num = N_EXP;
            } else if (c === 0x2e && (num === N_ZERO || num === N_INT)) this.num = N_DOT;
            else if ((c === 0x65 || c === 0x45) && (num === N_ZERO || num === N_INT || num === N_FRAC)) this.num = N_E;
            else if ((c === 0x2b || c === 0x2d) && num === N_E) this.num = N_ESIGN;
            else {
              ended = true;
              break;
            }
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (!ended) break;
          const num = this.num;
          if (num === N_MINUS || num === N_DOT || num === N_E || num === N_ESIGN) {
            this.fail(i, num === N_MINUS ? "expected a digit after '-'" : num === N_DOT ? "expected a digit after '.'" : 'expected a digit in the exponent');
          }
          this.endValue(i);
          state = AFTER;
          break;
        }
        case LIT: {
          const word = this.lit;
          while (this.litPos < word.length) {
            if (c !== word.charCodeAt(this.litPos)) this.fail(i, `expected '${word}'`);
            this.litPos++;
            if (++i === n) break;
            c = s.charCodeAt(i);
          }
          if (this.litPos === word.length) {
            this.endValue(i);
            state = AFTER;
          }
          break;
        }
      }
      this.state = state;
    }
    this.state = state;
  }
}

/** Bytes read per chunk. */
const CHUNK = 1 << 16;

/**
 * Parse a JSON file chunk by chunk with `h`. A byte-order mark is skipped.
 * `onBytes` hears how far the read has got; the signal stops it between chunks.
 */
export async function parseJsonFile(
  file: string,
  h: JsonStreamHandler,
  opts: { signal?: AbortSignal; onBytes?: (done: number, total: number) => void; onChunk?: (chunk: Buffer) => void; chunkBytes?: number } = {},
): Promise<void> {
  const total = fs.statSync(file).size;
  const parser = new JsonStreamParser(h);
  const decoder = new TextDecoder('utf-8');
  let done = 0;
  const stream = fs.createReadStream(file, { highWaterMark: opts.chunkBytes ?? CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
      opts.onChunk?.(chunk);
      parser.write(decoder.decode(chunk, { stream: true }));
      done += chunk.length;
      opts.onBytes?.(done, total);
    }
  } finally {
    stream.destroy();
  }
  parser.write(decoder.decode());
  parser.end();
}
