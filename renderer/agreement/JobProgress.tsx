import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

type Job = Res<'jobs:list'>[number];

/** A running job's bar, its count ("12/40 images") and a Cancel button; test ids `<testId>-progress` and `<testId>-cancel`. */
export function JobProgress({ job, unit, testId }: { job: Job; unit: string; testId: string }) {
  return (
    <span className="agreement-progress" data-testid={`${testId}-progress`}>
      <progress max={Math.max(1, job.total)} value={job.done} />
      <span className="muted">
        {job.done}/{job.total} {unit}
      </span>
      <button type="button" onClick={() => void call('jobs:cancel', { id: job.id })} data-testid={`${testId}-cancel`}>
        Cancel
      </button>
    </span>
  );
}
