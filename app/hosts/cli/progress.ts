import type { Res } from '../../contract/methods.ts';
import type { ImportSummary } from '../../io/importFolder.ts';
import { CliError, Interrupted, type CliContext } from './context.ts';

type Job = Res<'jobs:list'>[number];

/** Non-TTY progress lines are at most this often, so logs stay readable. */
const LINE_INTERVAL_MS = 1000;

/**
 * Wait for an import job, showing progress on stderr: one updating line on a
 * terminal, a line per second in logs. Ctrl+C cancels the job cleanly (batches
 * already written stay); a second Ctrl+C quits at once.
 */
export async function waitForImport(ctx: CliContext, job: Job): Promise<ImportSummary> {
  const tty = Boolean(ctx.stderr.isTTY);
  let lastLine = 0;
  let drawn = false;

  const off = ctx.session.on((e) => {
    if (e.type !== 'job' || e.job.id !== job.id || e.job.state !== 'running' || e.job.total === 0) return;
    const line = progressLine(e.job);
    if (tty) {
      const width = Math.max(20, (ctx.stderr.columns || 80) - 1);
      ctx.stderr.write(`\r\x1b[2K${line.slice(0, width)}`);
      drawn = true;
    } else if (Date.now() - lastLine >= LINE_INTERVAL_MS) {
      lastLine = Date.now();
      ctx.stderr.write(`${line}\n`);
    }
  });
  const endLine = () => {
    if (drawn) ctx.stderr.write('\n');
    drawn = false;
  };

  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    endLine();
    ctx.stderr.write('Cancelling: finishing the batch in flight (Ctrl+C again to quit now)…\n');
    void ctx.dispatch('jobs:cancel', { id: job.id });
  };
  process.on('SIGINT', onSigint);
  // Announced only once Ctrl+C is handled, so a signal sent on seeing this line always cancels cleanly.
  ctx.stderr.write(`${job.label}…\n`);

  let final: Job;
  try {
    final = await ctx.session.jobs.wait(job.id);
  } finally {
    off();
    process.off('SIGINT', onSigint);
    endLine();
  }
  if (final.state === 'cancelled') {
    throw new Interrupted(
      `import cancelled after ${final.done} of ${final.total} files; what was imported is kept, run the same import again to add the rest`,
    );
  }
  if (final.state === 'failed') throw new CliError(final.error ?? 'import failed');
  return final.result as ImportSummary;
}

/** e.g. `Importing: 1500/4000 files (37%), 1490 added, 10 failed, about 12 s left` */
export function progressLine(job: Job): string {
  const pct = job.total > 0 ? Math.floor((job.done / job.total) * 100) : 0;
  const parts = [`Importing: ${job.done}/${job.total} files (${pct}%)`];
  if (job.message) parts.push(job.message);
  if (job.etaSeconds !== null) parts.push(`about ${Math.ceil(job.etaSeconds)} s left`);
  return parts.join(', ');
}
