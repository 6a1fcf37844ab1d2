import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { Res } from '../../app/contract/methods.ts';
import { EvaluationReport } from '../../app/contract/schemas.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { openEvaluationDashboard } from '../evaluation/index.ts';

type Report = z.infer<typeof EvaluationReport>;
type Run = Res<'runs:list'>[number];
type Annotator = Res<'annotators:list'>[number];

/** Projects up to this size are evaluated as soon as the panel has a run and a reference; larger ones on request. */
const AUTO_IMAGES = 5000;

interface Props {
  /** Changes when runs or labels may have changed. */
  version: number;
  imageCount: number;
  /** The slice the image list shows, if any. */
  where: { key: string; value: string } | null;
  onWhere(where: { key: string; value: string } | null): void;
  /** The run and reference being compared, so the canvas can mark the reference's boxes the run missed. */
  onCompare(compare: { runId: number; referenceId: number } | null): void;
  onError(msg: string): void;
}

const pct = (v: number) => (v < 0 ? '–' : `${Math.round(v * 100)}`);

/** How a model run does against a reference annotator, slice by slice of the images' metadata, worst first. */
export function EvaluationPanel(p: Props) {
  const [runs, setRuns] = useState<Run[]>([]);
  const [people, setPeople] = useState<Annotator[]>([]);
  const [runId, setRunId] = useState<number | null>(null);
  /** A person or consensus by id, or 'final' for the final labels. */
  const [referenceId, setReferenceId] = useState<number | 'final' | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = useRef('');
  /** The evaluation job in flight: a new choice of run or reference cancels it rather than letting it finish unseen. */
  const inFlight = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    void Promise.all([call('runs:list', {}), call('annotators:list', {})])
      .then(([rs, as]) => {
        if (!live) return;
        const refs = as.filter((a) => a.kind !== 'model' && a.imagesDone > 0);
        setRuns(rs);
        setPeople(refs);
        setRunId((id) => (id !== null && rs.some((r) => r.id === id) ? id : (rs[rs.length - 1]?.id ?? null)));
        setReferenceId((id) => (id === 'final' || (id !== null && refs.some((a) => a.id === id)) ? id : ((refs.find((a) => a.name === 'reference') ?? refs[0])?.id ?? null)));
      })
      .catch((e: Error) => p.onError(e.message));
    return () => {
      live = false;
    };
  }, [p.version]);

  const evaluate = useCallback(async () => {
    if (runId === null || referenceId === null) return;
    const key = `${runId}:${referenceId}`;
    setBusy(true);
    try {
      if (inFlight.current) void call('jobs:cancel', { id: inFlight.current }).catch(() => undefined);
      const job = await call('evaluation:start', { runId, referenceId: referenceId === 'final' ? undefined : referenceId });
      inFlight.current = job.id;
      const done = await waitForJob(job.id);
      if (inFlight.current === job.id) inFlight.current = null;
      if (asked.current !== key) return;
      if (done.state === 'done') setReport(EvaluationReport.parse(done.result));
      else if (done.state === 'failed') p.onError(done.error ?? 'Evaluation failed');
    } catch (e) {
      p.onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }, [runId, referenceId]);

  useEffect(() => {
    // The final labels come from a different person per image, so the canvas marks misses against one annotator only.
    p.onCompare(runId !== null && typeof referenceId === 'number' ? { runId, referenceId } : null);
  }, [runId, referenceId]);

  useEffect(() => {
    const key = runId !== null && referenceId !== null ? `${runId}:${referenceId}` : '';
    asked.current = key;
    setReport(null);
    if (key && p.imageCount <= AUTO_IMAGES) void evaluate();
  }, [runId, referenceId, p.version]);

  if (runs.length === 0) return null;
  const o = report?.overall;
  let lastKey = '';
  return (
    <section className="panel evaluation" data-testid="evaluation-panel">
      <h3>Where the model misses</h3>
      {people.length === 0 ? (
        <div className="hint">Import or finish a reference annotator's labels to measure the model against them.</div>
      ) : (
        <>
          <div className="pickers">
            <select value={runId ?? ''} onChange={(e) => setRunId(Number(e.target.value))} aria-label="Model run">
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} (run {r.id})
                </option>
              ))}
            </select>
            <span className="muted">vs</span>
            <select
              value={referenceId ?? ''}
              onChange={(e) => setReferenceId(e.target.value === 'final' ? 'final' : Number(e.target.value))}
              aria-label="Reference annotator"
            >
              {people.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
              <option value="final">final labels</option>
            </select>
            <button type="button" onClick={() => void evaluate()} disabled={busy} data-testid="evaluate">
              {busy ? '…' : 'Evaluate'}
            </button>
            <button type="button" onClick={openEvaluationDashboard} data-testid="evaluation-panel-dashboard" title="Every number of the evaluation, two runs side by side, and their images">
              Dashboard…
            </button>
          </div>
          {o && (
            <div className="overall" data-testid="evaluation-overall">
              AP50 <strong>{pct(o.ap50)}%</strong> · found {o.found} of {o.gt} · {o.falseAlarms} false alarms
              {report.notRun > 0 && <div className="hint">{report.notRun} reviewed images not pre-labelled by this run are left out.</div>}
            </div>
          )}
          {report && report.slices.length > 0 && (
            <table className="slices" data-testid="slices">
              <tbody>
                {report.slices.map((s) => {
                  const head = s.key !== lastKey;
                  lastKey = s.key;
                  const on = p.where?.key === s.key && p.where.value === s.value;
                  return [
                    head && (
                      <tr key={`${s.key}:head`} className="slice-key">
                        <th>{s.key}</th>
                        <th>AP50</th>
                        <th className="num">missed</th>
                      </tr>
                    ),
                    <tr
                      key={`${s.key}=${s.value}`}
                      className={on ? 'on' : ''}
                      data-testid={`slice-${s.key}-${s.value}`}
                      title={`${s.images} images, ${s.gt} reference boxes: AP50 ${pct(s.ap50)}%, AP50-95 ${pct(s.ap)}%, missed ${s.missed}, ${s.falseAlarms} false alarms. Click to list these images.`}
                      onClick={() => p.onWhere(on ? null : { key: s.key, value: s.value })}
                    >
                      <td>{s.value}</td>
                      <td className="bar">
                        <span style={{ width: `${Math.max(0, s.ap50) * 100}%` }} className={s.ap50 >= 0 && s.ap50 < 0.5 ? 'bad' : ''} />
                        <em>{pct(s.ap50)}%</em>
                      </td>
                      <td className="num">
                        {s.missed}/{s.gt}
                      </td>
                    </tr>,
                  ];
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
