import { describe, expect, it, vi } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { JobRunner, type JobInfo } from './JobRunner.ts';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A promise with its resolve function, to hold a job at a known point. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('JobRunner', () => {
  it('runs a job to done with its result, reporting progress and a final event', async () => {
    const runner = new JobRunner(0);
    const events: JobInfo[] = [];
    runner.on((j) => events.push(j));
    const info = runner.start('count', 'Counting', async (ctx) => {
      for (let i = 1; i <= 4; i++) {
        await tick();
        ctx.progress(i, 4, `item ${i}`);
      }
      return { counted: 4 };
    });
    expect(info).toMatchObject({ kind: 'count', label: 'Counting', state: 'running', done: 0, total: 0, error: null });
    expect(info.id).toMatch(/^count-1-/);
    const final = await runner.wait(info.id);
    expect(final).toMatchObject({ state: 'done', done: 4, total: 4, message: 'item 4', result: { counted: 4 }, etaSeconds: null });
    expect(events[0].state).toBe('running');
    expect(events.at(-1)).toEqual(final);
    expect(events.filter((e) => e.state === 'running').map((e) => e.done)).toEqual([0, 1, 2, 3, 4]);
    expect(runner.list()).toEqual([final]);
    // events are snapshots, not the live object
    expect(events[0].done).toBe(0);
  });

  it('throttles progress events but always sends the last step', async () => {
    const runner = new JobRunner(60_000);
    const events: JobInfo[] = [];
    runner.on((j) => events.push(j));
    const info = runner.start('fast', 'Fast', async (ctx) => {
      for (let i = 1; i <= 100; i++) ctx.progress(i, 100);
    });
    await runner.wait(info.id);
    // the start event, the first progress (nothing emitted yet), the 100/100 step, the final state
    const running = events.filter((e) => e.state === 'running');
    expect(running.length).toBeLessThanOrEqual(3);
    expect(running.at(-1)!.done).toBe(100);
    expect(events.at(-1)!.state).toBe('done');
  });

  it('estimates the time left from the rate since the first report, not counting set-up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const t0 = Date.now();
      const runner = new JobRunner(0);
      const etas: (number | null)[] = [];
      runner.on((j) => etas.push(j.etaSeconds));
      const info = runner.start('eta', 'ETA', async (ctx) => {
        vi.setSystemTime(t0 + 10_000); // ten seconds of set-up before any unit of work
        ctx.progress(0, 4);
        vi.setSystemTime(t0 + 12_000); // then two seconds per unit
        ctx.progress(1, 4);
        ctx.progress(4, 4);
      });
      await runner.wait(info.id);
      expect(etas).toEqual([null, null, 6, null, null]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancel stops a job that checks for it: state cancelled, no error', async () => {
    const runner = new JobRunner(0);
    const started = gate();
    let steps = 0;
    const info = runner.start('loop', 'Loop', async (ctx) => {
      for (;;) {
        ctx.checkCancelled();
        steps++;
        started.open();
        await tick(1);
      }
    });
    await started.opened;
    expect(runner.cancel(info.id)).toBe(true);
    const final = await runner.wait(info.id);
    expect(final).toMatchObject({ state: 'cancelled', error: null });
    expect(steps).toBeGreaterThan(0);
    expect(runner.cancel(info.id)).toBe(false); // already over
  });

  it('a job that throws on the abort signal itself also ends cancelled', async () => {
    const runner = new JobRunner(0);
    const info = runner.start('wait', 'Waiting', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    runner.cancel(info.id);
    expect((await runner.wait(info.id)).state).toBe('cancelled');
  });

  it('a failing job ends failed with the message', async () => {
    const runner = new JobRunner(0);
    const info = runner.start('boom', 'Boom', async () => {
      await tick();
      throw new LoupeError('io', 'Disk full while writing labels.');
    });
    const final = await runner.wait(info.id);
    expect(final).toMatchObject({ state: 'failed', error: 'Disk full while writing labels.', result: null });
    const plain = runner.start('boom', 'Boom', async () => {
      throw 'a string';
    });
    expect((await runner.wait(plain.id)).error).toBe('a string');
  });

  it('wait on an unknown job rejects with not_found; cancel of one is false', async () => {
    const runner = new JobRunner();
    await expect(runner.wait('nope')).rejects.toMatchObject({ code: 'not_found' });
    expect(runner.cancel('nope')).toBe(false);
  });

  it('cancelAll stops every running job and waits for them', async () => {
    const runner = new JobRunner(0);
    const ids = [1, 2, 3].map((n) =>
      runner.start('j', `Job ${n}`, async (ctx) => {
        while (!ctx.signal.aborted) await tick(1);
        return n;
      }).id,
    );
    const done = runner.start('quick', 'Quick', async () => 'ok').id;
    await runner.wait(done);
    await runner.cancelAll();
    const states = Object.fromEntries(runner.list().map((j) => [j.id, j.state]));
    for (const id of ids) expect(states[id]).toBe('cancelled');
    expect(states[done]).toBe('done');
  });

  it('a job is known to the runner from its very first event', async () => {
    const runner = new JobRunner(0);
    const seen: { listed: boolean; cancelled: boolean }[] = [];
    runner.on((j) => {
      if (j.state === 'running' && seen.length === 0) seen.push({ listed: runner.list().some((x) => x.id === j.id), cancelled: runner.cancel(j.id) });
    });
    const info = runner.start('early', 'Early', async (ctx) => {
      await tick();
      ctx.checkCancelled();
      return 'finished';
    });
    expect(seen).toEqual([{ listed: true, cancelled: true }]);
    expect((await runner.wait(info.id)).state).toBe('cancelled');
  });

  it('a listener that throws breaks neither the job nor the other listeners', async () => {
    const runner = new JobRunner(0);
    const states: string[] = [];
    runner.on(() => {
      throw new Error('broken listener');
    });
    runner.on((j) => states.push(j.state));
    const info = runner.start('ok', 'OK', async (ctx) => {
      ctx.progress(1, 2);
      return 42;
    });
    const final = await runner.wait(info.id);
    expect(final).toMatchObject({ state: 'done', result: 42 });
    expect(states.at(-1)).toBe('done');
  });

  it('unsubscribing stops events', async () => {
    const runner = new JobRunner(0);
    let n = 0;
    const off = runner.on(() => n++);
    off();
    await runner.wait(runner.start('x', 'X', async () => 1).id);
    expect(n).toBe(0);
  });
});
