import { useEffect, useRef, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { JobProgress } from '../agreement/JobProgress.tsx';
import { useDialogFocus } from '../agreement/useDialogFocus.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { EvaluationView } from './EvaluationView.tsx';
import { openEvalFocus, type EvalFocus } from './focus.ts';
import { readEvaluation, type EvalView } from './report.ts';

type Job = Res<'jobs:list'>[number];
type Run = Res<'runs:list'>[number];
type Annotator = Res<'annotators:list'>[number];
type ProjectInfo = Res<'project:info'>;
/** A person or consensus by id, or the final labels. */
type Reference = number | 'final';

/** Projects up to this size are evaluated as soon as the dashboard opens; larger ones on request. */
const AUTO_IMAGES = 5000;

/** Reports run in this window, by project, runs and reference: shown again at once, and each run's point on the latency chart. */
const cache = new Map<string, EvalView & { at: Date }>();
const keyOf = (file: string, runId: number, ref: Reference, same: number | null) => `${file}|${runId}|${ref}|${same ?? ''}`;
/** The last choice of runs and reference, per project. */
let lastPick: { file: string; runId: number; ref: Reference; otherId: number | null } | null = null;

/** A run's median latency per image in milliseconds when runs:list reports it. */
function runLatency(r: Run): number | null {
  const x = r as Run & { latencyP50Ms?: number | null; latency?: { p50?: number | null } | null };
  return x.latencyP50Ms ?? x.latency?.p50 ?? null;
}

interface Props {
  project: ProjectInfo;
  onClose(): void;
}

/** The evaluation dashboard: a run (and optionally a second) against a reference, every number one click from its images. */
export function EvaluationDashboard({ project, onClose }: Props) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [refs, setRefs] = useState<Annotator[]>([]);
  const kept = lastPick?.file === project.file ? lastPick : null;
  const [runId, setRunId] = useState<number | null>(kept?.runId ?? null);
  const [ref, setRef] = useState<Reference | null>(kept?.ref ?? null);
  const [otherId, setOtherId] = useState<number | null>(kept?.otherId ?? null);
  const [a, setA] = useState<(EvalView & { at?: Date }) | null>(null);
  const [b, setB] = useState<EvalView | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const runButton = useRef<HTMLButtonElement>(null);
  const focus = useDialogFocus(dialog);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    let live = true;
    void Promise.all([call('runs:list', {}), call('annotators:list', {})])
      .then(([rs, as]) => {
        if (!live) return;
        const people = as.filter((x) => x.kind !== 'model' && x.imagesDone > 0);
        setRuns(rs);
        setRefs(people);
        setRunId((id) => (id !== null && rs.some((r) => r.id === id) ? id : (rs[rs.length - 1]?.id ?? null)));
        setOtherId((id) => (id !== null && rs.some((r) => r.id === id) ? id : null));
        setRef((r) => (r === 'final' || (r !== null && people.some((p) => p.id === r)) ? r : ((people.find((p) => p.name === 'reference') ?? people[0])?.id ?? 'final')));
        setTimeout(() => runButton.current?.focus(), 0);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, []);

  const other = otherId !== null && otherId !== runId ? otherId : null;
  const running = job?.state === 'running';

  /** Evaluate the run (and the second one, each on the images both covered); a new run stops the one before. */
  const evaluate = async (fresh = false) => {
    if (runId === null || ref === null) return;
    if (fresh) for (const k of [keyOf(project.file, runId, ref, other), ...(other !== null ? [keyOf(project.file, other, ref, runId)] : [])]) cache.delete(k);
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setError(null);
    lastPick = { file: project.file, runId, ref, otherId: other };
    /** One job: the run against the reference, with `also` its compare block (or, with `same`, on the images that run covered too). */
    const one = async (id: number, opts: { also?: number; same?: number }) => {
      const started = await call('evaluation:start', {
        runId: id,
        ...(ref === 'final' ? {} : { referenceId: ref }),
        ...(opts.also !== undefined ? { compareRunId: opts.also } : {}),
        ...(opts.same !== undefined ? { sameImagesAs: opts.same } : {}),
      });
      const done = await waitForJob(started.id, { signal: ac.signal, onUpdate: (j) => !ac.signal.aborted && setJob(j) });
      if (ac.signal.aborted) return null;
      setJob(done);
      if (done.state === 'failed') throw new Error(done.error ?? 'The evaluation failed.');
      return done.state === 'done' ? readEvaluation(done.result) : null;
    };
    const keyA = keyOf(project.file, runId, ref, other);
    const keyB = other !== null ? keyOf(project.file, other, ref, runId) : null;
    try {
      if (!cache.has(keyA) || (keyB && !cache.has(keyB))) {
        const got = await one(runId, other !== null ? { also: other } : {});
        if (!got) return;
        // A report without its compare block: the second run on its own job, on the images both covered.
        const second = other !== null ? (got.other ?? (await one(other, { same: runId }))) : null;
        if (other !== null && !second) return;
        const at = new Date();
        cache.set(keyA, { ...got, at });
        if (keyB && second) cache.set(keyB, { ...second, at });
      }
      const va = cache.get(keyA)!;
      const vb = keyB ? cache.get(keyB)! : null;
      if (ac.signal.aborted) return;
      setA(va);
      setB(vb);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    }
  };

  // Evaluated on opening and on each new choice, for projects small enough to wait for.
  const pickKey = `${runId}|${ref}|${other}`;
  useEffect(() => {
    if (runId === null || ref === null) return;
    setA(null);
    setB(null);
    const cached = cache.get(keyOf(project.file, runId, ref, other));
    if (cached || project.imageCount <= AUTO_IMAGES) void evaluate();
  }, [pickKey]);

  /** Time the model of each shown run that has none measured (one job per model), then evaluate again. */
  const measure = async () => {
    const models = new Set<number>();
    for (const v of [a, b]) {
      const run = v && v.latencyP50Ms === null ? runs?.find((r) => r.id === v.run.id) : undefined;
      if (run?.modelId != null) models.add(run.modelId);
    }
    setError(null);
    try {
      for (const id of models) {
        const started = await call('models:latency', { id });
        const done = await waitForJob(started.id, { onUpdate: setJob });
        setJob(done);
        if (done.state === 'failed') throw new Error(done.error ?? 'Timing the model failed.');
        if (done.state !== 'done') return;
      }
      await evaluate(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const canMeasure = [a, b].some((v) => v && v.latencyP50Ms === null && runs?.find((r) => r.id === v.run.id)?.modelId != null);

  const go = (f: EvalFocus) => {
    // The images open at the canvas, where the keys step through them.
    focus.returnTo(() => document.querySelector<HTMLElement>('.center .canvas[tabindex]'));
    openEvalFocus(f);
    onClose();
  };

  const names = new Map(project.classes.map((c) => [c.id, c.name]));
  const sameRef = (v: EvalView) => (ref === 'final' ? v.reference.id === null : v.reference.id === ref);
  // Every run evaluated in this window against this reference: one point each on the latency chart.
  const byRun = new Map<number, EvalView>();
  for (const [k, v] of cache) if (k.startsWith(`${project.file}|`) && sameRef(v) && (!byRun.has(v.run.id) || k.endsWith('|'))) byRun.set(v.run.id, v);
  const latencyOf = (id: number) => byRun.get(id)?.latencyP50Ms ?? (runs ? runLatency(runs.find((r) => r.id === id)!) : null) ?? null;
  const points = [...byRun.values()].map((v) => ({ view: v, latencyMs: latencyOf(v.run.id) }));

  return (
    <div
      className="modal-backdrop agreement-backdrop"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') onClose();
        else focus.onKeyDown(e);
      }}
    >
      <div ref={dialog} className="agreement-dash eval-dash" role="dialog" aria-modal="true" aria-label="Evaluation" data-testid="evaluation-dashboard">
        <header className="agreement-head">
          <h2>Evaluation</h2>
          {runs && runs.length > 0 && (
            <>
              <label>
                run
                <select value={runId ?? ''} onChange={(e) => setRunId(Number(e.target.value))} data-testid="eval-run" aria-label="Model run">
                  {runs.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name} (run {r.id})
                    </option>
                  ))}
                </select>
              </label>
              <label>
                against
                <select value={ref ?? ''} onChange={(e) => setRef(e.target.value === 'final' ? 'final' : Number(e.target.value))} data-testid="eval-reference" aria-label="Reference">
                  {refs.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                  <option value="final">final labels</option>
                </select>
              </label>
              <label>
                compare with
                <select value={other ?? ''} onChange={(e) => setOtherId(e.target.value === '' ? null : Number(e.target.value))} data-testid="eval-other" aria-label="Second run to compare">
                  <option value="">no second run</option>
                  {runs
                    .filter((r) => r.id !== runId)
                    .map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name} (run {r.id})
                      </option>
                    ))}
                </select>
              </label>
              <button ref={runButton} type="button" className="primary" disabled={running || runId === null} onClick={() => void evaluate(true)} data-testid="eval-run-button">
                {a ? 'Evaluate again' : 'Evaluate'}
              </button>
            </>
          )}
          {job && running && <JobProgress job={job} unit="steps" testId="eval" />}
          {job?.state === 'cancelled' && !running && <span className="muted">Cancelled.</span>}
          {a?.at && !running && (
            <span className="muted" data-testid="eval-when" title="Evaluate again after more work is done">
              as of {a.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </span>
          )}
          <span className="spacer" />
          <button type="button" onClick={onClose} aria-label="Close" data-testid="eval-close">
            ×
          </button>
        </header>
        {error && (
          <p className="error" role="alert" data-testid="eval-error">
            {error}
          </p>
        )}
        {runs && runs.length === 0 && <p className="muted agreement-empty">No model runs yet: pre-label images with a model, or import a model's predictions, to evaluate it.</p>}
        {a ? (
          <EvaluationView a={a} b={other !== null ? b : null} names={names} points={points} go={go} onError={setError} onMeasure={canMeasure && !running ? () => void measure() : undefined} />
        ) : (
          !error && !running && runs && runs.length > 0 && <p className="muted agreement-empty">Evaluate the run against the reference: the twelve COCO numbers, each class, each slice and their images.</p>
        )}
      </div>
    </div>
  );
}
