import { LoupeError, messageOf } from '../domain/errors.ts';

/** A job as the hosts see it. */
export interface JobInfo {
  id: string;
  kind: string;
  label: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string;
  etaSeconds: number | null;
  startedAt: string;
  error: string | null;
  result: unknown;
}

/** What a job's body receives: cancellation and a way to report progress. */
export interface JobContext {
  signal: AbortSignal;
  progress(done: number, total: number, message?: string): void;
  /** Throws a `cancelled` error when the job was cancelled; call between units of work. */
  checkCancelled(): void;
}

export type JobListener = (job: JobInfo) => void;

/** Runs long work with throttled progress events, cancel, and a final state. */
export class JobRunner {
  private readonly jobs = new Map<string, { info: JobInfo; ctl: AbortController; done?: Promise<JobInfo> }>();
  private readonly listeners = new Set<JobListener>();
  private seq = 0;

  constructor(private readonly minIntervalMs = 100) {}

  /** Subscribe to job updates; returns the unsubscribe function. */
  on(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start<T>(kind: string, label: string, body: (ctx: JobContext) => Promise<T>): JobInfo {
    const id = `${kind}-${++this.seq}-${Date.now().toString(36)}`;
    const ctl = new AbortController();
    const started = Date.now();
    const info: JobInfo = {
      id,
      kind,
      label,
      state: 'running',
      done: 0,
      total: 0,
      message: '',
      etaSeconds: null,
      startedAt: new Date(started).toISOString(),
      error: null,
      result: null,
    };
    let lastEmit = 0;
    let first: { at: number; done: number } | null = null;
    const ctx: JobContext = {
      signal: ctl.signal,
      progress: (done, total, message) => {
        info.done = done;
        info.total = total;
        if (message !== undefined) info.message = message;
        // The rate is measured from the first report, so set-up work (starting
        // workers, walking folders) before it does not inflate the estimate.
        if (first === null) first = { at: Date.now(), done };
        const elapsed = (Date.now() - first.at) / 1000;
        const rateDone = done - first.done;
        info.etaSeconds = rateDone > 0 && total > done ? (elapsed / rateDone) * (total - done) : null;
        const t = Date.now();
        if (t - lastEmit >= this.minIntervalMs || done === total) {
          lastEmit = t;
          this.emit(info);
        }
      },
      checkCancelled: () => {
        if (ctl.signal.aborted) throw new LoupeError('cancelled', `${label} was cancelled.`);
      },
    };
    // Registered before the first event, so a listener can already list or cancel the job.
    const entry: { info: JobInfo; ctl: AbortController; done?: Promise<JobInfo> } = { info, ctl };
    this.jobs.set(id, entry);
    entry.done = (async () => {
      this.emit(info);
      try {
        info.result = await body(ctx);
        info.state = ctl.signal.aborted ? 'cancelled' : 'done';
      } catch (err) {
        if (ctl.signal.aborted || (err instanceof LoupeError && err.code === 'cancelled')) info.state = 'cancelled';
        else {
          info.state = 'failed';
          info.error = messageOf(err);
          // An error may carry a detailed result (e.g. every problem of a refused import) beside its message.
          info.result = (err as { result?: unknown }).result ?? null;
        }
      }
      info.etaSeconds = null;
      this.emit(info);
      return { ...info };
    })();
    return { ...info };
  }

  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.info.state !== 'running') return false;
    job.ctl.abort();
    return true;
  }

  /** Resolves with the job's final state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.jobs.get(id);
    if (!job?.done) return Promise.reject(new LoupeError('not_found', `No job ${id}.`));
    return job.done;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  /** Cancel everything and wait for the jobs to settle (on project close or shutdown). */
  async cancelAll(): Promise<void> {
    for (const j of this.jobs.values()) if (j.info.state === 'running') j.ctl.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private emit(info: JobInfo): void {
    const snapshot = { ...info };
    for (const l of this.listeners) {
      try {
        l(snapshot);
      } catch {
        /* a broken listener must neither fail the job nor starve the others */
      }
    }
  }
}
