// Generators of malformed contract payloads for the fuzz tests of the hosts:
// wrong types, huge strings, deep nesting and prototype-pollution keys, both
// as junk and shaped like the method's own request (its keys, wrong values).
import fc from 'fast-check';
import type { z } from 'zod';
import { METHODS, type MethodName } from '../../app/contract/methods.ts';

/** Keys that pollute a prototype when a parser or merge treats them as ordinary. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const HUGE = 'x'.repeat(1 << 20);

/** Scalars no request field is meant to hold, or holds only in range. */
const oddScalar = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, '', ' ', '\u0000', '..', '../../etc/passwd', 'C:\\Windows', '\ud800', '%2e%2e%2f') },
  { weight: 10, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 10, arbitrary: fc.integer() },
  { weight: 10, arbitrary: fc.double() },
  // Rare here (every key gets one in fixedMalformedJson): a megabyte each is slow to generate.
  { weight: 1, arbitrary: fc.constant(HUGE) },
);

/** JSON values nested up to `depth`, with pollution keys among the ordinary ones. */
function jsonish(depth: number): fc.Arbitrary<unknown> {
  if (depth === 0) return oddScalar;
  const inner = jsonish(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: oddScalar },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 })), inner, { maxKeys: 4 }) },
  );
}

/** JSON text of an array nested `n` deep (text, since JSON.stringify itself overflows the stack on it). */
function deepText(n: number): string {
  return `${'['.repeat(n)}1${']'.repeat(n)}`;
}

/** The keys of a method's request when it is an object schema. */
function requestKeys(method: MethodName): string[] {
  const schema = METHODS[method].request as unknown as { shape?: Record<string, unknown> };
  return schema.shape ? Object.keys(schema.shape) : [];
}

const DEEP = /"\u0000deep:(\d+)"/g;

/**
 * JSON texts of payloads for `method` that its request schema refuses, as a
 * host receives them before JSON.parse: junk of any type, deep nesting (at the
 * top and as field values), and objects with the request's own keys given
 * wrong values plus pollution keys (own keys once parsed, as in an HTTP body).
 */
export function malformedJson(method: MethodName): fc.Arbitrary<string> {
  const keys = requestKeys(method);
  const key = keys.length ? fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 })) : fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 }));
  // Values nested thousands deep too (a marker, swapped for the text after stringifying).
  const value = fc.oneof({ weight: 12, arbitrary: jsonish(3) }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 6000 }).map((n) => `\u0000deep:${n}`) });
  const shaped = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }).map((o) => JSON.stringify(o).replace(DEEP, (_m, n: string) => deepText(Number(n))));
  const polluting = fc
    .tuple(fc.constantFrom(...POLLUTION_KEYS), jsonish(2))
    .map(([k, v]) => `{${JSON.stringify(k)}:{"polluted":true,"prototype":{"polluted":true}},"x":${JSON.stringify(v ?? null)}}`);
  const schema = METHODS[method].request as z.ZodType;
  return fc
    .oneof(
      { weight: 4, arbitrary: shaped },
      { weight: 2, arbitrary: polluting },
      { weight: 2, arbitrary: jsonish(4).map((v) => JSON.stringify(v ?? null)) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 6000 }).map(deepText) },
    )
    .filter((text) => {
      try {
        return !schema.safeParse(JSON.parse(text) ?? {}).success;
      } catch {
        return true; // the schema cannot even check it: malformed
      }
    });
}

/** Own property names and symbols of Object.prototype and Array.prototype, to compare before and after. */
export function prototypeState(): string {
  const names = (o: object) => [...Object.getOwnPropertyNames(o), ...Object.getOwnPropertySymbols(o).map(String)].sort().join(',');
  return `${names(Object.prototype)}|${names(Array.prototype)}|${names(Function.prototype)}`;
}

/**
 * Hand-picked malformed JSON texts for `method`, always sent besides the random
 * ones: each of its request's keys holding an object with an array nested 10,000 deep, a 1 MB
 * string or a pollution object, and the whole payload a deep array.
 */
export function fixedMalformedJson(method: MethodName): string[] {
  const schema = METHODS[method].request as z.ZodType;
  const out = [deepText(10_000), `{"__proto__":{"polluted":true}}`, `{"constructor":{"prototype":{"polluted":true}}}`];
  for (const k of requestKeys(method)) {
    const K = JSON.stringify(k);
    out.push(`{${K}:{"a":${deepText(10_000)}}}`, `{${K}:${JSON.stringify(HUGE)}}`, `{${K}:{"__proto__":{"polluted":true}}}`, `{${K}:[{"constructor":{"prototype":{"polluted":true}}}]}`);
  }
  return out.filter((text) => {
    try {
      return !schema.safeParse(JSON.parse(text) ?? {}).success;
    } catch {
      return true;
    }
  });
}
