import type { Res } from '../../app/contract/methods.ts';
import { call, onEvent } from './client.ts';

type Job = Res<'jobs:list'>[number];

/**
 * Resolve with a job once it has finished (done, failed or cancelled).
 * Events carry the answer; a slow poll of `jobs:list` covers an event stream
 * that connected after the job ended. `onUpdate` sees every running state.
 */
export function waitForJob(id: string, opts: { signal?: AbortSignal; onUpdate?: (job: Job) => void; pollMs?: number } = {}): Promise<Job> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (job: Job) => {
      if (settled) return;
      opts.onUpdate?.(job);
      if (job.state === 'running') return;
      settled = true;
      cleanup();
      resolve(job);
    };
    const unsubscribe = onEvent((e) => {
      if (e.type === 'job' && e.job.id === id) finish(e.job);
    });
    const poll = () => {
      call('jobs:list', {})
        .then((jobs) => {
          const job = jobs.find((j) => j.id === id);
          if (job) finish(job);
        })
        .catch(() => {});
    };
    const timer = setInterval(poll, opts.pollMs ?? 1000);
    poll();
    const onAbort = () => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(new DOMException('stopped waiting for the job', 'AbortError'));
    };
    function cleanup() {
      clearInterval(timer);
      unsubscribe();
      opts.signal?.removeEventListener('abort', onAbort);
    }
    opts.signal?.addEventListener('abort', onAbort);
  });
}
