import type { Res } from '../../contract/methods.ts';
import type { ImportSummary } from '../../io/importFolder.ts';
import type { PrelabelSummary } from '../../services/prelabel.ts';
import { CliError, Interrupted, type CliContext, type CliStreams } from './context.ts';

type Job = Res<'jobs:list'>[number];

/** Non-TTY progress lines are at most this often, so logs stay readable. */
const LINE_INTERVAL_MS = 1000;

/** Progress on stderr: one updating line on a terminal, a line per second in logs. */
export class ProgressLine {
  private readonly tty: boolean;
  private lastLine = 0;
  private drawn = false;

  constructor(private readonly out: CliStreams['stderr']) {
    this.tty = Boolean(out.isTTY);
  }

  show(line: string): void {
    if (this.tty) {
      const width = Math.max(20, (this.out.columns || 80) - 1);
      this.out.write(`\r\x1b[2K${line.slice(0, width)}`);
      this.drawn = true;
    } else if (Date.now() - this.lastLine >= LINE_INTERVAL_MS) {
      this.lastLine = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  /** Finish the updating line so the next output starts on its own line. */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/**
 * Call `onInterrupt` on the first Ctrl+C while `body` runs; a second Ctrl+C
 * quits at once. The handler is removed when `body` settles.
 */
export async function withCtrlC<T>(onInterrupt: () => void, body: () => Promise<T>): Promise<T> {
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    onInterrupt();
  };
  process.on('SIGINT', onSigint);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** How a job's progress and cancellation are worded. */
interface JobWording {
  /** e.g. "Importing" */
  doing: string;
  /** e.g. "files" */
  unit: string;
  /** What Ctrl+C keeps, said while cancelling. */
  cancelling: string;
  /** A progress line of the job's own, instead of `doing: done/total unit`. */
  line?: (job: Job) => string;
  /** Return a failed job instead of throwing, for callers that report its result. */
  returnFailed?: boolean;
}

/**
 * Wait for a job, showing progress on stderr. Ctrl+C cancels the job cleanly
 * (work already written stays). Returns the final job, cancelled or done;
 * a failed job becomes a CliError.
 */
export async function waitForJob(ctx: CliContext, job: Job, w: JobWording): Promise<Job> {
  const progress = new ProgressLine(ctx.stderr);
  const off = ctx.session.on((e) => {
    if (e.type !== 'job' || e.job.id !== job.id || e.job.state !== 'running' || e.job.total === 0) return;
    progress.show(w.line ? w.line(e.job) : progressLine(e.job, w.doing, w.unit));
  });
  const onInterrupt = () => {
    progress.end();
    ctx.stderr.write(`Cancelling: ${w.cancelling} (Ctrl+C again to quit now)…\n`);
    void ctx.dispatch('jobs:cancel', { id: job.id });
  };
  let final: Job;
  try {
    final = await withCtrlC(onInterrupt, () => {
      // Announced only once Ctrl+C is handled, so a signal sent on seeing this line always cancels cleanly.
      ctx.stderr.write(`${job.label}…\n`);
      return ctx.session.jobs.wait(job.id);
    });
  } finally {
    off();
    progress.end();
  }
  if (final.state === 'failed' && !w.returnFailed) throw new CliError(final.error ?? `${job.label} failed`);
  return final;
}

/** Wait for an import job; Ctrl+C stops after the batch in flight, keeping what was imported. */
export async function waitForImport(ctx: CliContext, job: Job): Promise<ImportSummary> {
  const final = await waitForJob(ctx, job, { doing: 'Importing', unit: 'files', cancelling: 'finishing the batch in flight' });
  if (final.state === 'cancelled') {
    throw new Interrupted(
      `import cancelled after ${final.done} of ${final.total} files; what was imported is kept, run the same import again to add the rest`,
    );
  }
  return final.result as ImportSummary;
}

/** Wait for a pre-label job; Ctrl+C lets the images in flight finish, and every finished image stays. */
export async function waitForPrelabel(ctx: CliContext, job: Job): Promise<PrelabelSummary> {
  const final = await waitForJob(ctx, job, { doing: 'Pre-labelling', unit: 'images', cancelling: 'finishing the images in flight' });
  const summary = final.result as PrelabelSummary | null;
  if (final.state === 'cancelled') {
    const done = summary ? `${summary.skipped + summary.done + summary.failed.length} of ${summary.requested}` : `${final.done} of ${final.total}`;
    throw new Interrupted(`pre-labelling cancelled with ${done} images done; they are kept, run the same command again to do the rest`);
  }
  return summary!;
}

/** e.g. `Importing: 1500/4000 files (37%), 1490 added, 10 failed, about 12 s left` */
export function progressLine(job: Pick<Job, 'done' | 'total' | 'message' | 'etaSeconds'>, doing = 'Importing', unit = 'files'): string {
  const pct = job.total > 0 ? Math.floor((job.done / job.total) * 100) : 0;
  const parts = [`${doing}: ${job.done}/${job.total} ${unit} (${pct}%)`];
  if (job.message) parts.push(job.message);
  if (job.etaSeconds !== null) parts.push(`about ${Math.ceil(job.etaSeconds)} s left`);
  return parts.join(', ');
}
