import { useEffect, useRef, useState } from 'react';
import { MergeResult } from '../../app/contract/jobResults.ts';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { JobProgress } from './JobProgress.tsx';
import { plural } from '../plural.ts';

type Job = Res<'jobs:list'>[number];

interface Props {
  iou: number;
  quorum: number | null;
  /** False while the IoU or quorum typed is not valid. */
  valid: boolean;
  /** After a merge that wrote something: the report is out of date. */
  onMerged(): void;
}

/**
 * The lead's "merge the rest": every image that two or more people marked done and nobody
 * resolved gets the automatic consensus (ARCHITECTURE.md §3) at the dashboard's IoU and
 * quorum, as the consensus:merge job (progress, cancel). Asks first, since it writes the
 * final labels of many images at once; each image stays one undoable edit.
 */
export function MergeAction({ iou, quorum, valid, onMerged }: Props) {
  const [asking, setAsking] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const openButton = useRef<HTMLButtonElement>(null);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (asking) confirmButton.current?.focus();
  }, [asking]);

  const running = job?.state === 'running';
  const start = async () => {
    setAsking(false);
    setSummary(null);
    setError(null);
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    try {
      const { id } = await call('consensus:merge', { iou, ...(quorum ? { quorum } : {}) });
      const done = await waitForJob(id, { signal: ac.signal, onUpdate: (j) => !ac.signal.aborted && setJob(j) });
      if (ac.signal.aborted) return;
      setJob(done);
      if (done.state === 'done') {
        const r = MergeResult.parse(done.result);
        setSummary(
          `Merged ${plural(r.merged, 'image')} into the final labels (${plural(r.boxes, 'box', 'boxes')}); ${plural(r.alreadyResolved, 'image')} already resolved left as they were.`,
        );
        if (r.merged > 0) onMerged();
      } else if (done.state === 'cancelled') setSummary(done.error ?? 'Cancelled; the images merged before stay merged, a second run finishes the rest.');
      else if (done.state === 'failed') setError(done.error ?? 'The merge failed.');
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    }
    openButton.current?.focus();
  };

  return (
    <span className="agreement-merge" data-testid="merge">
      {!asking && (
        <button ref={openButton} type="button" disabled={running || !valid} onClick={() => setAsking(true)} data-testid="merge-open" title="Give every unresolved image that two or more people marked done the automatic consensus">
          Merge unresolved…
        </button>
      )}
      {asking && (
        <span className="agreement-merge-ask" role="group" aria-label="Merge unresolved images">
          <span>
            Take the consensus (IoU ≥ {iou}, quorum {quorum ?? 'auto'}) as the final labels of every unresolved image two or more people marked done?
          </span>
          <button ref={confirmButton} type="button" className="primary" onClick={() => void start()} data-testid="merge-confirm">
            Merge
          </button>
          <button
            type="button"
            onClick={() => {
              setAsking(false);
              setTimeout(() => openButton.current?.focus(), 0);
            }}
            data-testid="merge-dismiss"
          >
            Not now
          </button>
        </span>
      )}
      {job && running && <JobProgress job={job} unit="merged" testId="merge" />}
      {summary && !running && (
        <span className="muted" role="status" data-testid="merge-summary">
          {summary}
        </span>
      )}
      {error && (
        <span className="error" role="alert" data-testid="merge-error">
          {error}
        </span>
      )}
    </span>
  );
}
