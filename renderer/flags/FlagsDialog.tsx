import { useEffect, useRef, useState } from 'react';
import type { Req, Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { Modal } from '../components/Modal.tsx';
import './flags.css';

type Runs = Res<'runs:list'>;
type Weights = Res<'flags:weights'>['reasons'];
interface Summary {
  stats: { images: number; computed: number; kept: number; failed: { path: string; reason: string }[] };
  reference: { folder: string; images: number; unreadable: number } | null;
  flagged: Record<string, number>;
}

/** "Compute flags…": statistics, drift against a reference folder, low confidence and class mix of a run, a flags file; progress, cancel, and the reasons' weights. */
export function FlagsDialog({ onClose, onDone }: { onClose(): void; onDone(): void }) {
  const [runs, setRuns] = useState<Runs>([]);
  const [weights, setWeights] = useState<Weights>([]);
  const [referenceDir, setReferenceDir] = useState('');
  const [referenceRun, setReferenceRun] = useState('');
  const [run, setRun] = useState('');
  const [sidecar, setSidecar] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number; message: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const stop = useRef<AbortController | null>(null);

  useEffect(() => {
    first.current?.focus();
    void call('runs:list', {}).then(setRuns).catch(() => {});
    void call('flags:weights', {}).then((w) => setWeights(w.reasons)).catch(() => {});
    return () => stop.current?.abort();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && !jobId && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, jobId]);

  const start = async () => {
    setError(null);
    setSummary(null);
    const req: Req<'flags:start'> = {};
    if (referenceDir.trim()) req.referenceDir = referenceDir.trim();
    if (referenceRun) req.referenceRunId = Number(referenceRun);
    if (run) req.runId = Number(run);
    if (sidecar.trim()) req.sidecar = sidecar.trim();
    const ctl = new AbortController();
    stop.current = ctl;
    try {
      const job = await call('flags:start', req);
      setJobId(job.id);
      const end = await waitForJob(job.id, { signal: ctl.signal, onUpdate: (j) => setProgress({ done: j.done, total: j.total, message: j.message }) });
      if (end.state === 'done') {
        setSummary(end.result as Summary);
        onDone();
      } else if (end.state === 'cancelled') setError('Cancelled: the statistics computed so far are kept; the flags are as they were.');
      else setError(end.error ?? 'Computing flags failed.');
      setWeights((await call('flags:weights', {})).reasons);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    } finally {
      if (!ctl.signal.aborted) {
        setJobId(null);
        setProgress(null);
      }
    }
  };
  const cancel = () => jobId && void call('jobs:cancel', { id: jobId });
  const setWeight = async (reason: string, text: string) => {
    const w = text.trim() === '' ? null : Number(text);
    if (w !== null && !(Number.isFinite(w) && w >= 0)) return setError(`The weight of ${reason} must be a number of 0 or more, got "${text}".`);
    try {
      setWeights((await call('flags:setWeight', { reason, weight: w })).reasons);
      setError(null);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const running = jobId !== null;
  return (
    <Modal title="Compute flags" testId="flags-dialog" onClose={running ? cancel : onClose}>
      <div className="flags-form">
        <label htmlFor="flags-ref-dir">Reference images</label>
        <input ref={first} id="flags-ref-dir" type="text" data-testid="flags-ref-dir" placeholder="folder of training images (drift)" value={referenceDir} onChange={(e) => setReferenceDir(e.target.value)} disabled={running} />
        <label htmlFor="flags-run">Model run</label>
        <select id="flags-run" data-testid="flags-run" value={run} onChange={(e) => setRun(e.target.value)} disabled={running}>
          <option value="">{runs.length ? 'latest run' : 'no runs'}</option>
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id} · {r.name}
            </option>
          ))}
        </select>
        <label htmlFor="flags-ref-run">Reference run</label>
        <select id="flags-ref-run" data-testid="flags-ref-run" value={referenceRun} onChange={(e) => setReferenceRun(e.target.value)} disabled={running}>
          <option value="">none (no class-mix flags)</option>
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id} · {r.name}
            </option>
          ))}
        </select>
        <label htmlFor="flags-sidecar">Flags file</label>
        <input id="flags-sidecar" type="text" data-testid="flags-sidecar" placeholder="CSV or JSON: file, reason, score[, details]" value={sidecar} onChange={(e) => setSidecar(e.target.value)} disabled={running} />
      </div>
      <div className="flags-actions">
        {running ? (
          <>
            <progress data-testid="flags-progress" max={progress?.total || 1} value={progress?.done ?? 0} aria-label="Progress" />
            <span className="sub">
              {progress?.message || 'Starting'} {progress && progress.total > 0 ? `${progress.done}/${progress.total}` : ''}
            </span>
            <button type="button" onClick={cancel} data-testid="flags-cancel">
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="primary" onClick={() => void start()} data-testid="flags-start">
            Compute flags
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert" data-testid="flags-error">
          {error}
        </p>
      )}
      {summary && (
        <div data-testid="flags-summary" role="status">
          <p>
            Statistics of {summary.stats.images} images ({summary.stats.computed} computed now, {summary.stats.kept} kept{summary.stats.failed.length ? `, ${summary.stats.failed.length} unreadable` : ''})
            {summary.reference ? `; drift against ${summary.reference.images} reference images` : ''}.
          </p>
          <p>{Object.entries(summary.flagged).map(([r, c]) => `${r}: ${c} flagged`).join(' · ') || 'No reason was computed.'}</p>
        </div>
      )}
      <h3>Priority weights</h3>
      <p className="sub">The flag-priority order is Σ weight(reason) × score; a reason weighs 1 unless set. Empty resets to 1.</p>
      {weights.length === 0 ? (
        <p className="sub">No flags yet.</p>
      ) : (
        <table className="flags-weights" data-testid="flags-weights">
          <thead>
            <tr>
              <th>Reason</th>
              <th>Flags</th>
              <th>Weight</th>
            </tr>
          </thead>
          <tbody>
            {weights.map((w) => (
              <tr key={w.reason}>
                <td>{w.reason}</td>
                <td>{w.count}</td>
                <td>
                  <input
                    aria-label={`Weight of ${w.reason}`}
                    data-testid={`flags-weight-${w.reason}`}
                    inputMode="decimal"
                    defaultValue={w.set ? String(w.weight) : ''}
                    placeholder="1"
                    onBlur={(e) => e.target.value !== (w.set ? String(w.weight) : '') && void setWeight(w.reason, e.target.value)}
                    onKeyDown={(e) => e.key === 'Enter' && void setWeight(w.reason, (e.target as HTMLInputElement).value)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Modal>
  );
}
