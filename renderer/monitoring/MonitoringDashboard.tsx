import { schemeTableau10 } from 'd3-scale-chromatic';
import { useEffect, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Res } from '../../app/contract/methods.ts';
import { useDialogFocus } from '../agreement/useDialogFocus.ts';
import { call } from '../api/client.ts';
import { openEvalFocus } from '../evaluation/focus.ts';
import { changeMarks, changeText, chartRows, hasData, STAT_LABEL, type Change, type Timeline } from './timelineChart.ts';

type ProjectInfo = Res<'project:info'>;
type Run = Res<'runs:list'>[number];

const CHART_TEXT = { fill: 'var(--text)', fontSize: 12 };
const GRID = 'var(--line)';

/** The slice key and run last picked in this window, per project. */
let lastPick: { file: string; by: string | null; runId: number | null } | null = null;

/**
 * The model over time: per day of capture and per metadata slice, images, predictions per
 * image, mean confidence, the low-confidence share and brightness, with the changes the CUSUM
 * rule found marked on every chart and listed; a change opens the images after it.
 */
export function MonitoringDashboard({ project, onClose }: { project: ProjectInfo; onClose(): void }) {
  const kept = lastPick?.file === project.file ? lastPick : null;
  const [by, setBy] = useState<string | null>(kept?.by ?? null);
  const [runId, setRunId] = useState<number | null>(kept?.runId ?? null);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLSelectElement>(null);
  const focus = useDialogFocus(dialog);

  useEffect(() => {
    let live = true;
    void call('runs:list', {}).then((r) => live && setRuns(r), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    let live = true;
    setError(null);
    lastPick = { file: project.file, by, runId };
    call('timeline:get', { ...(by ? { by } : {}), ...(runId !== null ? { runId } : {}) }).then(
      (t) => {
        if (!live) return;
        setTimeline(t);
        // The first open picks the camera key when there is one: the slice a re-mount shows in.
        if (by === null && kept === null && t.keys.includes('camera') && lastPick?.by === null) setBy('camera');
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [by, runId, project.file]);

  useEffect(() => first.current?.focus(), []);

  const openChange = async (c: Change) => {
    try {
      const { ids } = await call('timeline:images', { ...(timeline?.by ? { by: timeline.by } : {}), slice: c.slice, day: c.day });
      const slice = c.slice === 'all' || !timeline?.by ? 'all images' : `${timeline.by} = ${c.slice}`;
      focus.returnTo(() => document.querySelector<HTMLElement>('.center .canvas[tabindex]'));
      openEvalFocus({ label: `${slice} from ${c.day}`, runId: timeline?.run?.id ?? 0, referenceId: null, show: { ids } });
      onClose();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const flag = async () => {
    try {
      const r = await call('timeline:flag', { ...(by ? { by } : {}), ...(runId !== null ? { runId } : {}) });
      setNote(`Flagged ${r.flagged} images after ${r.changes} change${r.changes === 1 ? '' : 's'} (reason "change").`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const t = timeline;
  const colors = new Map((t?.series ?? []).map((s, i) => [s.slice, s.slice === 'all' ? 'var(--text)' : schemeTableau10[(i - 1) % 10]]));
  const stats = t ? t.statistics.filter((s) => hasData(t, s)) : [];

  return (
    <div
      className="modal-backdrop agreement-backdrop"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') onClose();
        else focus.onKeyDown(e);
      }}
    >
      <div ref={dialog} className="agreement-dash monitoring-dash" role="dialog" aria-modal="true" aria-label="Monitoring" data-testid="monitoring-dashboard">
        <header className="agreement-head">
          <h2>Monitoring</h2>
          <label>
            slices by
            <select ref={first} value={by ?? ''} onChange={(e) => setBy(e.target.value || null)} data-testid="monitoring-by" aria-label="Slice by metadata key">
              <option value="">none (all images)</option>
              {(t?.keys ?? []).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label>
            run
            <select value={runId ?? t?.run?.id ?? ''} onChange={(e) => setRunId(e.target.value ? Number(e.target.value) : null)} data-testid="monitoring-run" aria-label="Model run" disabled={!runs?.length}>
              {!runs?.length && <option value="">no model run</option>}
              {(runs ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} (run {r.id})
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void flag()} disabled={!t?.changes.length} data-testid="monitoring-flag" title="Flag the images after each change with reason “change”, replacing earlier change flags">
            Flag images after changes
          </button>
          <span className="spacer" />
          <button type="button" onClick={onClose} aria-label="Close the monitoring dashboard">
            Close
          </button>
        </header>
        {error && (
          <p className="agreement-error" role="alert">
            {error}
          </p>
        )}
        {note && <p className="monitoring-note" role="status">{note}</p>}
        {t && t.days.length === 0 && <p className="monitoring-empty">No image has a capture time yet ({t.untimed} without one). Import a metadata sidecar with captured_at, or images whose EXIF has the time they were taken.</p>}
        {t && t.days.length > 0 && (
          <div className="monitoring-body">
            <section className="monitoring-changes" aria-label="Changes">
              <h3>
                {t.changes.length} change{t.changes.length === 1 ? '' : 's'} · {t.images} images, {t.days[0]} to {t.days.at(-1)}
                {t.untimed ? ` · ${t.untimed} without a capture time` : ''}
              </h3>
              {t.changes.length === 0 && <p>No change: every series stays within its baseline (two-sided CUSUM, K 1.5, H 5, ten-day baseline).</p>}
              <ul>
                {t.changes.map((c, i) => (
                  <li key={i}>
                    <button type="button" className={`change change-${c.direction}`} onClick={() => void openChange(c)} data-testid="monitoring-change" title={`Open the images after this change (found ${c.detectedOn})`}>
                      {changeText(c, t.by)}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
            <div className="monitoring-charts">
              {stats.map((stat) => (
                <figure key={stat} className="monitoring-chart" data-testid={`monitoring-chart-${stat}`}>
                  <figcaption>{STAT_LABEL[stat].title}</figcaption>
                  <ResponsiveContainer width="100%" height={190}>
                    <LineChart data={chartRows(t, stat)} margin={{ top: 14, right: 16, bottom: 4, left: 0 }}>
                      <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
                      <XAxis dataKey="day" tick={CHART_TEXT} tickFormatter={(d: string) => d.slice(5)} minTickGap={24} />
                      <YAxis tick={CHART_TEXT} width={48} tickFormatter={(v: number) => STAT_LABEL[stat].format(v)} />
                      <Tooltip formatter={(v) => (typeof v === 'number' ? STAT_LABEL[stat].format(v) : String(v))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)' }} />
                      {t.series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
                      {t.series.map((s) => (
                        <Line key={s.slice} type="monotone" dataKey={s.slice} stroke={colors.get(s.slice)} strokeWidth={s.slice === 'all' ? 2 : 1.5} dot={false} connectNulls isAnimationActive={false} />
                      ))}
                      {changeMarks(t.changes, stat).map((m, i) => (
                        <ReferenceLine key={m.day} x={m.day} stroke="var(--muted)" strokeDasharray="4 2" label={{ value: m.label, position: i % 2 ? 'insideBottomLeft' : 'insideTopLeft', fill: 'var(--text)', fontSize: 11 }} />
                      ))}
                    </LineChart>
                  </ResponsiveContainer>
                </figure>
              ))}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
