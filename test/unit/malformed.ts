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
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, '', ' ', '\u0000', '..', '../../etc/passwd', 'C:\\Windows', HUGE, '\ud800', '%2e%2e%2f'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
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

/** An array nested `n` deep, built as text so JSON.parse (as a host does) makes it. */
function deepNest(n: number): unknown {
  return JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`);
}

/** The keys of a method's request when it is an object schema. */
function requestKeys(method: MethodName): string[] {
  const schema = METHODS[method].request as unknown as { shape?: Record<string, unknown> };
  return schema.shape ? Object.keys(schema.shape) : [];
}

/**
 * Payloads for `method` that its request schema refuses: junk of any type,
 * deep nesting, and objects with the request's own keys given wrong values,
 * plus pollution keys, passed through JSON text so `__proto__` is an own key
 * as it is in a parsed HTTP body.
 */
export function malformedPayload(method: MethodName): fc.Arbitrary<unknown> {
  const keys = requestKeys(method);
  const key = keys.length ? fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 })) : fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 8 }));
  const shaped = fc.dictionary(key, jsonish(3), { minKeys: 1, maxKeys: 6 }).map((o) => JSON.parse(JSON.stringify(o)) as unknown);
  const polluting = fc
    .tuple(fc.constantFrom(...POLLUTION_KEYS), jsonish(2))
    .map(([k, v]) => JSON.parse(`{${JSON.stringify(k)}:{"polluted":true,"prototype":{"polluted":true}},"x":${JSON.stringify(v ?? null)}}`) as unknown);
  const schema = METHODS[method].request as z.ZodType;
  return fc
    .oneof(
      { weight: 4, arbitrary: shaped },
      { weight: 2, arbitrary: polluting },
      { weight: 2, arbitrary: jsonish(4) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 2000 }).map(deepNest) },
    )
    .filter((p) => !schema.safeParse(p ?? {}).success);
}

/** Own property names and symbols of Object.prototype and Array.prototype, to compare before and after. */
export function prototypeState(): string {
  const names = (o: object) => [...Object.getOwnPropertyNames(o), ...Object.getOwnPropertySymbols(o).map(String)].sort().join(',');
  return `${names(Object.prototype)}|${names(Array.prototype)}|${names(Function.prototype)}`;
}
