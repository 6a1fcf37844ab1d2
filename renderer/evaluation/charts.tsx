import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { useKeyPick } from '../agreement/useKeyPick.ts';
import { prPoints, runLabel, stat3, worstSlice, type EvalView, type SliceView } from './report.ts';

const CHART_TEXT = { fill: 'var(--text)', fontSize: 12 };
const AXIS_TITLE = { fill: 'var(--muted)', fontSize: 12 };
const GRID = 'var(--line)';
/** The first run's colour and the second's: Okabe–Ito blue and orange, apart for colour-blind eyes in either theme. */
export const RUN_COLORS = ['#56b4e9', '#e69f00'] as const;
const tooltipStyle = { background: 'var(--panel-2)', border: '1px solid var(--line)', color: 'var(--text)', fontSize: 12 };
/** Legends list the first run (or series) first: recharts sorts them by name otherwise. */
const byColor = (item: { color?: string }) => RUN_COLORS.indexOf(item.color as (typeof RUN_COLORS)[number]);
const ring = (on: boolean) => (on ? { stroke: 'var(--text)', strokeWidth: 2 } : {});
const apValue = (v: number | undefined) => (v === undefined || v < 0 ? 0 : v);

/** AP per class as horizontal bars, both runs side by side when comparing; a bar (click, or arrows and Enter) opens the class's images. */
export function ClassBars({ a, b, names, onOpen }: { a: EvalView; b: EvalView | null; names: ReadonlyMap<number, string>; onOpen(classId: number, run: EvalView): void }) {
  const data = useMemo(() => {
    const bBy = new Map((b?.classes ?? []).map((c) => [c.classId, c]));
    return a.classes.map((c) => ({ classId: c.classId, name: names.get(c.classId) ?? `class ${c.classId}`, a: apValue(c.ap), b: apValue(bBy.get(c.classId)?.ap), aRaw: c, bRaw: bBy.get(c.classId) }));
  }, [a, b, names]);
  const keys = useKeyPick(data.length, (i) => onOpen(data[i].classId, a), true);
  const rowH = b ? 40 : 28;
  return (
    <section className="agreement-card" data-testid="eval-classes" aria-label="AP per class; arrow keys pick a class, Enter opens its images" {...keys.props}>
      <h3>AP per class (IoU 0.50:0.95)</h3>
      <p className="muted hint">Click a class: its images, with the run's misses and false alarms marked.</p>
      <ResponsiveContainer width="100%" height={Math.max(150, rowH * data.length + 70)}>
        <BarChart accessibilityLayer={false} data={data} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 18 }} barGap={2}>
          <CartesianGrid stroke={GRID} horizontal={false} />
          <XAxis type="number" domain={[0, 1]} tick={CHART_TEXT} stroke={GRID} label={{ value: 'AP', position: 'bottom', offset: 2, ...AXIS_TITLE }} />
          <YAxis type="category" dataKey="name" width={110} tick={CHART_TEXT} stroke={GRID} />
          <Tooltip
            contentStyle={tooltipStyle}
            cursor={{ fill: 'var(--hover)' }}
            formatter={(v, n, item) => {
              const raw = (item.payload as (typeof data)[number])[n === (b && runLabel(b)) ? 'bRaw' : 'aRaw'];
              return [raw ? `AP ${stat3(raw.ap)} · AP50 ${stat3(raw.ap50)} · ${raw.gt} reference, ${raw.dt} detected` : stat3(Number(v)), n];
            }}
          />
          {b && <Legend itemSorter={byColor} verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />}
          <Bar dataKey="a" name={runLabel(a)} fill={RUN_COLORS[0]} cursor="pointer" isAnimationActive={false} onClick={(_, i) => onOpen(data[i].classId, a)}>
            {data.map((_, i) => (
              <Cell key={i} {...ring(keys.active === i)} />
            ))}
          </Bar>
          {b && <Bar dataKey="b" name={runLabel(b)} fill={RUN_COLORS[1]} cursor="pointer" isAnimationActive={false} onClick={(_, i) => onOpen(data[i].classId, b)} />}
        </BarChart>
      </ResponsiveContainer>
    </section>
  );
}

/** Precision against recall for one class at a time (a class picker), both runs when comparing. */
export function PrCurves({ a, b, names }: { a: EvalView; b: EvalView | null; names: ReadonlyMap<number, string> }) {
  const classes = a.prCurves?.map((c) => c.classId) ?? [];
  const [picked, setPicked] = useState<number | null>(null);
  const classId = picked !== null && classes.includes(picked) ? picked : (classes[0] ?? null);
  const curveOf = (v: EvalView | null) => (v && classId !== null ? v.prCurves?.find((c) => c.classId === classId) : undefined);
  const ca = curveOf(a);
  const cb = curveOf(b);
  return (
    <section className="agreement-card" data-testid="eval-pr">
      <h3>Precision and recall per class (IoU 0.50)</h3>
      {!a.prCurves ? (
        <p className="muted hint">This report carries no precision–recall curves.</p>
      ) : (
        <>
          <label className="muted hint eval-inline">
            class{' '}
            <select value={classId ?? ''} onChange={(e) => setPicked(Number(e.target.value))} aria-label="Class of the curve" data-testid="eval-pr-class">
              {classes.map((id) => (
                <option key={id} value={id}>
                  {names.get(id) ?? `class ${id}`}
                </option>
              ))}
            </select>
          </label>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart accessibilityLayer={false} margin={{ left: 8, right: 16, top: 4, bottom: 18 }}>
              <CartesianGrid stroke={GRID} />
              <XAxis type="number" dataKey="recall" domain={[0, 1]} ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]} tick={CHART_TEXT} stroke={GRID} label={{ value: 'recall', position: 'bottom', offset: 2, ...AXIS_TITLE }} />
              <YAxis type="number" domain={[0, 1]} ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]} tick={CHART_TEXT} stroke={GRID} width={40} label={{ value: 'precision', angle: -90, position: 'insideLeft', offset: 4, ...AXIS_TITLE }} />
              <Tooltip contentStyle={tooltipStyle} formatter={(v) => stat3(Number(v))} labelFormatter={(r) => `recall ${stat3(Number(r))}`} />
              <Legend itemSorter={byColor} verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />
              {ca && <Line data={prPoints(ca)} dataKey="precision" name={runLabel(a)} stroke={RUN_COLORS[0]} dot={false} strokeWidth={2} isAnimationActive={false} type="stepAfter" />}
              {b && cb && <Line data={prPoints(cb)} dataKey="precision" name={runLabel(b)} stroke={RUN_COLORS[1]} dot={false} strokeWidth={2} strokeDasharray="6 3" isAnimationActive={false} type="stepAfter" />}
            </LineChart>
          </ResponsiveContainer>
        </>
      )}
    </section>
  );
}

export interface LatencyPoint {
  view: EvalView;
  latencyMs: number | null;
}

/** Each run's AP, overall and on its worst slice, against its median latency per image; a worst-slice point opens that slice. */
export function LatencyScatter({ points, onSlice, onMeasure }: { points: readonly LatencyPoint[]; onSlice(s: SliceView, run: EvalView): void; onMeasure?: () => void }) {
  const known = points.filter((p) => p.latencyMs !== null);
  const unknown = points.filter((p) => p.latencyMs === null);
  const overall = known.map((p) => ({ x: p.latencyMs!, y: apValue(p.view.stats[0]), name: runLabel(p.view), what: 'overall' }));
  const worst = known.flatMap((p) => {
    const w = p.view.worst;
    const s = (w && p.view.slices.find((x) => x.kind === w.kind && x.key === w.key && x.value === w.value)) ?? worstSlice(p.view.slices);
    return s ? [{ x: p.latencyMs!, y: s.ap, name: runLabel(p.view), what: `worst slice ${s.key} = ${s.value}`, slice: s, view: p.view }] : [];
  });
  const keys = useKeyPick(worst.length, (i) => onSlice(worst[i].slice, worst[i].view), false);
  return (
    <section className="agreement-card" data-testid="eval-latency" aria-label="AP against latency; arrow keys pick a run's worst slice, Enter opens it" {...keys.props}>
      <h3>Accuracy against latency</h3>
      <p className="muted hint">Each run evaluated here against this reference: AP overall and on its worst slice (by AP50), by the model's median inference time per image.</p>
      {known.length === 0 ? (
        <p className="muted hint" data-testid="eval-latency-none">
          No latency recorded for {points.map((p) => runLabel(p.view)).join(', ') || 'these runs'}; a model is timed when it pre-labels in Loupe; imported predictions are not.
        </p>
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <ScatterChart accessibilityLayer={false} margin={{ left: 8, right: 16, top: 4, bottom: 18 }}>
            <CartesianGrid stroke={GRID} />
            <XAxis type="number" dataKey="x" name="p50 latency" unit=" ms" tick={CHART_TEXT} stroke={GRID} domain={[0, 'auto']} label={{ value: 'model latency per image, p50 (ms)', position: 'bottom', offset: 2, ...AXIS_TITLE }} />
            <YAxis type="number" dataKey="y" name="AP" domain={[0, 1]} tick={CHART_TEXT} stroke={GRID} width={40} label={{ value: 'AP', angle: -90, position: 'insideLeft', offset: 4, ...AXIS_TITLE }} />
            <ZAxis range={[90, 90]} />
            <Tooltip
              contentStyle={tooltipStyle}
              content={({ payload }) => {
                const d = payload?.[0]?.payload as { x: number; y: number; name: string; what: string } | undefined;
                return d ? (
                  <div style={{ ...tooltipStyle, padding: '4px 8px' }}>
                    {d.name}, {d.what}: AP {stat3(d.y)} at {d.x.toFixed(1)} ms
                  </div>
                ) : null;
              }}
            />
            <Legend itemSorter={byColor} verticalAlign="top" height={22} wrapperStyle={{ fontSize: 12 }} />
            <Scatter name="AP overall" data={overall} fill={RUN_COLORS[0]} isAnimationActive={false} />
            <Scatter name="AP on the worst slice" data={worst} fill={RUN_COLORS[1]} shape="triangle" cursor="pointer" isAnimationActive={false} onClick={(_, i) => onSlice(worst[i].slice, worst[i].view)}>
              {worst.map((_, i) => (
                <Cell key={i} {...ring(keys.active === i)} />
              ))}
            </Scatter>
          </ScatterChart>
        </ResponsiveContainer>
      )}
      {known.length > 0 && unknown.length > 0 && <p className="muted hint">No latency recorded for {unknown.map((p) => runLabel(p.view)).join(', ')}.</p>}
      {onMeasure && unknown.length > 0 && (
        <button type="button" onClick={onMeasure} data-testid="eval-measure" title="Time each model's inference on this machine (a job), then evaluate again">
          Measure latency
        </button>
      )}
    </section>
  );
}
