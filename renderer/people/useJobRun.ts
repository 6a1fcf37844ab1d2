import { useEffect, useRef, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { waitForJob } from '../api/waitForJob.ts';

type Job = Res<'jobs:list'>[number];

/** Run one job at a time from a dialog: its progress line, its error in words, its result once done. */
export function useJobRun<T>(what: string, parse: (result: unknown) => T) {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<T | null>(null);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  const run = async (start: () => Promise<Job>): Promise<T | null> => {
    setError(null);
    setResult(null);
    setRunning(true);
    const ctl = new AbortController();
    stop.current = ctl;
    try {
      const job = await start();
      const end = await waitForJob(job.id, {
        signal: ctl.signal,
        onUpdate: (j) => setProgress(j.total > 0 ? `${j.message || what} (${j.done}/${j.total})` : j.message || `${what}…`),
      });
      if (end.state === 'done') {
        const r = parse(end.result);
        setResult(r);
        return r;
      }
      setError(end.state === 'cancelled' ? `${what} was cancelled; nothing was changed.` : (end.error ?? `${what} failed.`));
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    } finally {
      if (!ctl.signal.aborted) {
        setRunning(false);
        setProgress(null);
      }
    }
    return null;
  };
  return { running, progress, error, setError, result, run };
}
