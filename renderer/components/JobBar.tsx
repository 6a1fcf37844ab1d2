import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

type Job = Res<'jobs:list'>[number];

/** Running and recently finished jobs with progress, ETA and cancel. */
export function JobBar({ jobs }: { jobs: Job[] }) {
  if (jobs.length === 0) return null;
  return (
    <div className="jobs" data-testid="jobs">
      {jobs.map((j) => {
        const pct = j.total > 0 ? Math.round((100 * j.done) / j.total) : 0;
        return (
          <div key={j.id} className={`job ${j.state}`} data-state={j.state}>
            <span className="label">{j.label}</span>
            <progress max={Math.max(1, j.total)} value={j.done} />
            <span className="pct">
              {j.state === 'running' ? `${pct}%` : j.state}
              {j.etaSeconds !== null && j.state === 'running' ? ` · ${Math.ceil(j.etaSeconds)} s left` : ''}
            </span>
            {j.message && <span className="msg">{j.error ?? j.message}</span>}
            {j.state === 'running' && (
              <button type="button" onClick={() => void call('jobs:cancel', { id: j.id })}>
                Cancel
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}
