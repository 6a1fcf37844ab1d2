import { ConfusionHeatmap } from '../agreement/ConfusionHeatmap.tsx';
import { ClassBars, LatencyScatter, PrCurves, type LatencyPoint } from './charts.tsx';
import type { EvalFocus } from './focus.ts';
import { call } from '../api/client.ts';
import { isoWeekDays, runLabel, type EvalView, type SliceView } from './report.ts';
import { sliceShow, SliceTable } from './SliceTable.tsx';
import { CountsLine, StatsTable } from './StatsTable.tsx';

interface Props {
  a: EvalView;
  b: EvalView | null;
  names: ReadonlyMap<number, string>;
  points: readonly LatencyPoint[];
  go(f: EvalFocus): void;
  /** Time the models of the runs without a latency, when some have a model to time. */
  onMeasure?: () => void;
  onError(message: string): void;
}

/** The images captured in a week, in capture order. */
async function weekImages(week: { from: string; to: string }): Promise<number[]> {
  const [from, after] = await Promise.all([call('timeline:images', { slice: 'all', day: week.from }), call('timeline:images', { slice: 'all', day: week.to })]);
  const later = new Set(after.ids);
  return from.ids.filter((id) => !later.has(id));
}

/** The dashboard's body: the twelve numbers, classes, confusion, PR curves, latency and slices; each opens its images through `go`. */
export function EvaluationView({ a, b, names, points, go, onMeasure, onError }: Props) {
  const className = (id: number | null) => (id === null ? 'background' : (names.get(id) ?? `class ${id}`));
  const focusOf = (v: EvalView, label: string, show: EvalFocus['show']): EvalFocus => ({ label: `${label} · ${runLabel(v)} against ${v.reference.name}`, runId: v.run.id, referenceId: v.reference.id, show });
  const openSlice = (s: SliceView, v: EvalView = a) => {
    const show = sliceShow(s);
    if (show) return go(focusOf(v, `${s.key} = ${s.value}`, show));
    const week = s.kind === 'time' ? isoWeekDays(s.value) : null;
    // A capture week: the images captured from its Monday on, less those from the next Monday on.
    if (week) void weekImages(week).then((ids) => go(focusOf(v, `${s.key} = ${s.value}`, { ids })), (e: Error) => onError(e.message));
  };
  const openClass = (classId: number, v: EvalView) => go(focusOf(v, `class ${className(classId)}`, { classId }));
  const openCell = (i: number, j: number) => {
    const c = a.confusion!;
    const ids = c.images?.[i]?.[j];
    const ri = c.labels[i];
    const dj = c.labels[j];
    const label = ri === null ? `false alarms of ${className(dj)}` : dj === null ? `missed ${className(ri)}` : ri === dj ? `${className(ri)} found` : `${className(ri)} detected as ${className(dj)}`;
    if (ids) return go(focusOf(a, label, { ids }));
    // Without the cell's images: the images with the reference's class (or, for a false alarm on background, the detected class).
    const classId = c.labels[i] ?? c.labels[j];
    if (classId !== null) go(focusOf(a, label, { classId }));
  };

  return (
    <div className="agreement-body eval-body" data-testid="eval-report">
      <section className="agreement-card agreement-wide" aria-label="The twelve COCO numbers">
        <h3>COCO numbers (pycocotools' names) against {a.reference.name}</h3>
        <p className="muted hint eval-counts-lines">
          <CountsLine v={a} />
          {b && <CountsLine v={b} />}
          {b && <span className="muted">Both runs are evaluated on the images both covered.</span>}
        </p>
        <StatsTable a={a} b={b} />
      </section>

      <ClassBars a={a} b={b} names={names} onOpen={openClass} />

      <section className="agreement-card" data-testid="eval-confusion">
        <h3>Confusion with background ({runLabel(a)})</h3>
        {a.confusion ? (
          <>
            <p className="muted hint">Reference boxes by the class the run gave them; background is a box the other side does not have. Click a cell for its images.</p>
            <ConfusionHeatmap labels={a.confusion.labels} matrix={a.confusion.matrix} names={names} rowTitle="reference class" colTitle="detected as" nullLabel="background" unit="boxes" onCell={openCell} />
          </>
        ) : (
          <p className="muted hint">This report carries no confusion matrix.</p>
        )}
      </section>

      <PrCurves a={a} b={b} names={names} />
      <LatencyScatter points={points} onSlice={openSlice} onMeasure={onMeasure} />

      <section className="agreement-card agreement-wide" data-testid="eval-slices-card">
        <h3>Slices, worst first</h3>
        <p className="muted hint">Click a slice (or Tab to it and press Enter): its images, with the run's misses and false alarms marked.</p>
        <SliceTable a={a} b={b} onOpen={(s) => openSlice(s)} />
      </section>
    </div>
  );
}
