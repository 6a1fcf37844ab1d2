// Every contract method, fed malformed payloads through the real dispatcher on
// a real project file: each gets the contract's typed error, nothing crashes,
// Object.prototype is untouched and no table changes.
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../contract/methods.ts';
import { makeImage, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { fixedMalformedJson, malformedJson, POLLUTION_KEYS, prototypeState } from '../../test/unit/malformed.ts';
import type { Session } from '../services/Session.ts';
import { createDispatcher, type Dispatch } from './dispatcher.ts';

/** Payloads per method; with 45 methods, about 2,300 in all, besides the hand-picked ones. Fixed seed: a failure names its payload and repeats. */
const RUNS = 50;
const SEED = 20261207;

let session: Session;
let dispatch: Dispatch;

beforeAll(async () => {
  const dir = tempDir('loupe-fuzz-');
  const images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.png'), { w: 40, h: 30 });
  await makeImage(path.join(images, 'b.png'), { w: 20, h: 20 });
  session = newSession('fuzzer');
  dispatch = createDispatcher(session);
  const created = await dispatch('project:create', { file: path.join(dir, 'fuzz.loupe'), imagesDir: images });
  if (!created.ok) throw new Error(created.error.message);
  const job = (created.value as { job: { id: string } | null }).job;
  if (job) await session.jobs.wait(job.id);
  const cls = await dispatch('classes:create', { name: 'car' });
  if (!cls.ok) throw new Error(cls.error.message);
});

/** The reply must be the contract's error shape with this code and a short, method-named message. */
function expectTypedError(reply: unknown, method: string, code: string): void {
  expect(reply).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
  const { message } = (reply as { error: { message: string } }).error;
  expect(message.startsWith(`${method}`)).toBe(true);
  // A refusal names what was wrong; it never echoes a megabyte of input back.
  expect(message.length).toBeLessThan(2000);
}

describe('dispatcher fuzz', () => {
  for (const method of METHOD_NAMES) {
    it(`${method}: every malformed payload is refused with bad_request, nothing stored, no pollution`, async () => {
      const before = snapshot(session.project);
      const proto = prototypeState();
      const jobs = session.jobs.list().length;
      for (const text of fixedMalformedJson(method)) expectTypedError(await dispatch(method, JSON.parse(text)), method, 'bad_request');
      await fc.assert(
        fc.asyncProperty(malformedJson(method), async (text) => {
          expectTypedError(await dispatch(method, JSON.parse(text)), method, 'bad_request');
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: RUNS, seed: SEED },
      );
      expect(prototypeState()).toBe(proto);
      expect(session.jobs.list().length).toBe(jobs);
      expect(snapshot(session.project)).toBe(before);
    });
  }

  it('refuses method names that are not the contract’s own, prototype names among them', async () => {
    const names = fc.oneof(
      fc.constantFrom(...POLLUTION_KEYS, 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'APP:INFO', 'app:info\u0000', ' app:info', 'app:info/', '../app:info', ''),
      fc.string({ maxLength: 30 }),
    );
    const before = snapshot(session.project);
    await fc.assert(
      fc.asyncProperty(
        names.filter((n) => !(METHOD_NAMES as string[]).includes(n)),
        fc.anything(),
        async (name, payload) => {
          const r = await dispatch(name, payload);
          expect(r).toMatchObject({ ok: false, error: { code: 'unknown_method', message: expect.stringContaining('Unknown method') } });
        },
      ),
      { numRuns: 300, seed: SEED },
    );
    expect(snapshot(session.project)).toBe(before);
  });
});
