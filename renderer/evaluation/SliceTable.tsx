import { isoWeekDays, signed3, sliceKey, stat3, statDiff, tone, worstFirst, type EvalView, type SliceView } from './report.ts';
import type { EvalFocus } from './focus.ts';

/** The queue view of a slice's images: a metadata value or a flag reason filters the queue; other kinds need the report's list of images (a capture week is looked up when opened). */
export function sliceShow(s: SliceView): EvalFocus['show'] | null {
  if (s.kind === 'metadata') return { where: { key: s.key, value: s.value } };
  if (s.kind === 'flag' && s.value !== 'unflagged') return { flag: s.value };
  if (s.imageIds) return { ids: s.imageIds };
  return null;
}

/** Every slice worst first, each row opening its images (click or Enter); with a second run, its AP50 and the differences. */
export function SliceTable({ a, b, onOpen }: { a: EvalView; b: EvalView | null; onOpen(s: SliceView): void }) {
  const rows = worstFirst(a.slices);
  const other = new Map((b?.slices ?? []).map((s) => [sliceKey(s), s]));
  if (!rows.length) return <p className="muted">No slices: the images carry no metadata with two or more values.</p>;
  return (
    <table className="agreement-table eval-slices" data-testid="eval-slices">
      <thead>
        <tr>
          <th>kind</th>
          <th>key</th>
          <th className="eval-left">value</th>
          <th>images</th>
          <th title="AP at IoU 0.50:0.95">AP</th>
          <th title="AP at IoU 0.50">AP50</th>
          <th title="reference boxes found at IoU ≥ 0.5">found</th>
          <th title="reference boxes the run missed">missed</th>
          <th title="run boxes that found no reference box">false alarms</th>
          {b && <th title="the second run's AP50 on this slice">AP50 (2nd)</th>}
          {b && <th title="second − first, AP">Δ AP</th>}
          {b && <th title="second − first, AP50">Δ AP50</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => {
          const o = other.get(sliceKey(s));
          const dAp = o ? statDiff(s.ap, o.ap) : null;
          const dAp50 = o ? statDiff(s.ap50, o.ap50) : null;
          const can = sliceShow(s) !== null || (s.kind === 'time' && isoWeekDays(s.value) !== null);
          return (
            <tr
              key={sliceKey(s)}
              tabIndex={can ? 0 : undefined}
              aria-disabled={!can}
              className={can ? '' : 'no-open'}
              title={can ? `Open the ${s.images} images of ${s.key} = ${s.value} with the misses and false alarms marked` : 'The report does not list the images of this slice'}
              data-testid={`eval-slice-${s.key}-${s.value}`}
              onClick={() => can && onOpen(s)}
              onKeyDown={(e) => can && e.key === 'Enter' && onOpen(s)}
            >
              <td>{s.kind}</td>
              <td>{s.key}</td>
              <td className="eval-left">{s.value}</td>
              <td className="num">{s.images}</td>
              <td className="num">{stat3(s.ap)}</td>
              <td className={`num ${s.ap50 >= 0 && s.ap50 < 0.5 ? 'low' : ''}`}>{stat3(s.ap50)}</td>
              <td className="num">{s.found}</td>
              <td className="num">{s.missed}</td>
              <td className="num">{s.falseAlarms}</td>
              {b && <td className="num">{o ? stat3(o.ap50) : '–'}</td>}
              {b && <td className={`num ${tone(dAp)}`}>{signed3(dAp)}</td>}
              {b && <td className={`num ${tone(dAp50)}`}>{signed3(dAp50)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
