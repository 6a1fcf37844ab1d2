import { useEffect, useMemo, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Res } from '../../app/contract/methods.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { startAgreement } from './api.ts';
import { ConfusionHeatmap } from './ConfusionHeatmap.tsx';
import { JobProgress } from './JobProgress.tsx';
import { MergeAction } from './MergeAction.tsx';
import { openReview, type ReviewTarget } from './reviewTarget.ts';
import { agreementBins, fixed3, imagesOfPair, pct } from './scale.ts';
import { readReport, type Report } from './types.ts';
import { useDialogFocus } from './useDialogFocus.ts';
import { useKeyPick } from './useKeyPick.ts';

type Job = Res<'jobs:list'>[number];
type ProjectInfo = Res<'project:info'>;

interface Props {
  project: ProjectInfo;
  onClose(): void;
}

const CHART_TEXT = { fill: 'var(--text)', fontSize: 12 };
const AXIS_TITLE = { fill: 'var(--muted)', fontSize: 12 };
const GRID = 'var(--line)';

/** The last report run in this window, shown again when the dashboard is reopened. */
let lastRun: { file: string; iou: number; quorum: number | null; report: Report; at: Date } | null = null;

/** The lead's agreement report: run it at an IoU and quorum, then the figures, charts and tables; every chart opens its images. */
export function AgreementDashboard({ project, onClose }: Props) {
  // A report of another project (opened in the same window since) is not shown.
  const kept = lastRun?.file === project.file ? lastRun : null;
  const [iou, setIou] = useState(kept?.iou ?? 0.5);
  const [quorum, setQuorum] = useState<number | null>(kept?.quorum ?? null);
  const [job, setJob] = useState<Job | null>(null);
  const [report, setReport] = useState<Report | null>(kept?.report ?? null);
  const [reportAt, setReportAt] = useState<Date | null>(kept?.at ?? null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const runButton = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const focus = useDialogFocus(dialog);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => runButton.current?.focus(), []);

  const running = job?.state === 'running';
  const iouValid = iou > 0 && iou <= 1;
  const quorumValid = quorum === null || (Number.isInteger(quorum) && quorum >= 1);

  const run = async () => {
    if (!iouValid || !quorumValid) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setError(null);
    try {
      const id = await startAgreement(iou, quorum);
      const done = await waitForJob(id, { signal: ac.signal, onUpdate: (j) => !ac.signal.aborted && setJob(j) });
      if (ac.signal.aborted) return;
      setJob(done);
      if (done.state === 'done') {
        const r = readReport(done.result);
        setReport(r);
        setStale(false);
        const at = new Date();
        setReportAt(at);
        lastRun = { file: project.file, iou, quorum, report: r, at };
      }
      else if (done.state === 'failed') setError(done.error ?? 'The agreement report failed.');
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    }
  };

  const go = (t: ReviewTarget) => {
    // The review goes on at the canvas: the keys step and resolve from there.
    focus.returnTo(() => document.querySelector<HTMLElement>('.center .canvas[tabindex]'));
    openReview(t);
    onClose();
  };

  return (
    <div
      className="modal-backdrop agreement-backdrop"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') onClose();
        else focus.onKeyDown(e);
      }}
    >
      <div ref={dialog} className="agreement-dash" role="dialog" aria-modal="true" aria-label="Agreement" data-testid="agreement-dashboard">
        <header className="agreement-head">
          <h2>Agreement between people</h2>
          <label>
            IoU ≥
            <input
              type="number"
              min={0.05}
              max={1}
              step={0.05}
              value={iou}
              aria-invalid={!iouValid}
              data-testid="agreement-iou"
              onChange={(e) => setIou(Number(e.target.value))}
              onKeyDown={(e) => e.key === 'Enter' && void run()}
            />
          </label>
          <label title="Votes a consensus box needs (blank: half the people, rounded up)">
            quorum
            <input
              type="number"
              min={1}
              step={1}
              placeholder="auto"
              value={quorum ?? ''}
              aria-invalid={!quorumValid}
              data-testid="agreement-quorum"
              onChange={(e) => setQuorum(e.target.value === '' ? null : Number(e.target.value))}
              onKeyDown={(e) => e.key === 'Enter' && void run()}
            />
          </label>
          <button ref={runButton} type="button" className="primary" disabled={running || !iouValid || !quorumValid} onClick={() => void run()} data-testid="agreement-run">
            {report ? 'Run again' : 'Run report'}
          </button>
          {job && running && <JobProgress job={job} unit="images" testId="agreement" />}
          {job?.state === 'cancelled' && <span className="muted">Cancelled.</span>}
          {report && reportAt && !running && (
            <span className="muted" data-testid="agreement-when" title="Run it again after more work is done or resolved">
              as of {reportAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              {stale && ', before the merge: run it again to see the consensus'}
            </span>
          )}
          <MergeAction iou={iou} quorum={quorum} valid={iouValid && quorumValid} onMerged={() => setStale(true)} />
          <span className="spacer" />
          <button type="button" onClick={onClose} aria-label="Close" data-testid="agreement-close">
            ×
          </button>
        </header>
        {!iouValid && <p className="error">IoU must be above 0 and at most 1, got {String(iou)}.</p>}
        {!quorumValid && <p className="error">Quorum must be a whole number ≥ 1, got {String(quorum)}.</p>}
        {error && (
          <p className="error" role="alert" data-testid="agreement-error">
            {error}
          </p>
        )}
        {report ? (
          <ReportView report={report} go={go} />
        ) : (
          !error && !running && <p className="muted agreement-empty">Run the report to compare everyone's done work image by image, against each other and against the consensus.</p>
        )}
      </div>
    </div>
  );
}

function ReportView({ report: r, go }: { report: Report; go(t: ReviewTarget): void }) {
  const bins = useMemo(() => agreementBins(r.images), [r.images]);
  const classData = useMemo(() => r.classes.map((c) => ({ id: c.classId, name: c.name, value: c.jaccard ?? 0 })), [r.classes]);
  const personData = useMemo(() => r.people.map((p) => ({ id: p.annotatorId, name: p.name, value: p.f1 })), [r.people]);
  const binData = bins.map((b) => ({ name: `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`, value: b.count, bin: b }));
  const imagesOf = (person: number) =>
    r.images
      .filter((i) => i.people.includes(person))
      .sort((a, b) => a.agreement - b.agreement)
      .map((i) => i.imageId);
  const pickClass = (i: number) => go({ kind: 'queue', classId: classData[i].id, label: `images with ${classData[i].name}` });
  const pickPerson = (i: number) => go({ kind: 'images', ids: imagesOf(personData[i].id), label: `${personData[i].name}'s images` });
  const pickBin = (i: number) => {
    const b = bins[i];
    if (b.ids.length) go({ kind: 'images', ids: b.ids, label: `agreement ${b.lo.toFixed(1)}–${b.hi.toFixed(1)}` });
  };
  const classKeys = useKeyPick(classData.length, pickClass, true);
  const personKeys = useKeyPick(personData.length, pickPerson, true);
  const binKeys = useKeyPick(binData.length, pickBin, false);
  const ring = (on: boolean) => (on ? { stroke: 'var(--text)', strokeWidth: 2 } : {});

  return (
    <div className="agreement-body" data-testid="agreement-report">
      <section className="agreement-figures" aria-label="Project figures">
        <Figure label="mean image agreement" value={pct(r.meanAgreement)} testId="fig-agreement" hint="mean over images of the pairs' F1" />
        <Figure label="Krippendorff's α" value={fixed3(r.alpha)} testId="fig-alpha" hint="nominal, over the class labels of the consensus clusters" />
        <Figure label="images counted" value={String(r.imagesCounted)} testId="fig-images" hint="images with two or more people's done work" />
        <Figure label="people" value={String(r.people.length)} testId="fig-people" />
        <Figure label="IoU threshold" value={r.iou.toFixed(2)} testId="fig-iou" />
      </section>

      <section className="agreement-card agreement-wide" data-testid="pairs">
        <h3>Pairs of people</h3>
        <table className="agreement-table">
          <thead>
            <tr>
              <th>A</th>
              <th>B</th>
              <th title="images both did">images</th>
              <th title="matched, same class">same</th>
              <th title="matched, other class">other class</th>
              <th>only A</th>
              <th>only B</th>
              <th>mean IoU</th>
              <th>F1</th>
            </tr>
          </thead>
          <tbody>
            {r.pairs.map((p) => (
              <tr
                key={`${p.a}-${p.b}`}
                tabIndex={0}
                data-testid={`pair-${p.aName}-${p.bName}`}
                onClick={() => go({ kind: 'images', ids: imagesOfPair(r.images, p.a, p.b), label: `${p.aName} and ${p.bName}` })}
                onKeyDown={(e) => e.key === 'Enter' && go({ kind: 'images', ids: imagesOfPair(r.images, p.a, p.b), label: `${p.aName} and ${p.bName}` })}
              >
                <td>{p.aName}</td>
                <td>{p.bName}</td>
                <td className="num">{p.images}</td>
                <td className="num">{p.matchedSame}</td>
                <td className="num">{p.matchedOther}</td>
                <td className="num">{p.onlyA}</td>
                <td className="num">{p.onlyB}</td>
                <td className="num">{fixed3(p.meanIoU)}</td>
                <td className="num">{pct(p.f1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="agreement-card" data-testid="chart-classes" aria-label="Agreement per class; arrow keys pick a class, Enter opens it" {...classKeys.props}>
        <h3>Agreement per class (Jaccard)</h3>
        <p className="muted hint">Click a class: the disagreement queue, worst first, filtered to images with it.</p>
        <ResponsiveContainer width="100%" height={Math.max(140, 28 * classData.length + 60)}>
          <BarChart accessibilityLayer={false} data={classData} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 18 }}>
            <CartesianGrid stroke={GRID} horizontal={false} />
            <XAxis type="number" domain={[0, 1]} tick={CHART_TEXT} stroke={GRID} label={{ value: 'Jaccard: boxes both gave the class ÷ boxes either gave it', position: 'bottom', offset: 2, ...AXIS_TITLE }} />
            <YAxis type="category" dataKey="name" width={110} tick={CHART_TEXT} stroke={GRID} label={{ value: 'class', angle: -90, position: 'insideLeft', ...AXIS_TITLE }} />
            <Tooltip formatter={(v) => pct(Number(v))} contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
            <Bar dataKey="value" name="Jaccard" fill="var(--accent)" cursor="pointer" isAnimationActive={false} onClick={(_, i) => pickClass(i)}>
              {classData.map((_, i) => (
                <Cell key={i} {...ring(classKeys.active === i)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </section>

      <section className="agreement-card" data-testid="chart-people" aria-label="Each person against the consensus; arrow keys pick a person, Enter opens their images" {...personKeys.props}>
        <h3>Each person against the consensus (F1)</h3>
        <p className="muted hint">Click a person: the images they did, worst agreement first.</p>
        <ResponsiveContainer width="100%" height={Math.max(140, 28 * personData.length + 60)}>
          <BarChart accessibilityLayer={false} data={personData} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 18 }}>
            <CartesianGrid stroke={GRID} horizontal={false} />
            <XAxis type="number" domain={[0, 1]} tick={CHART_TEXT} stroke={GRID} label={{ value: "F1 of the person's boxes against the consensus", position: 'bottom', offset: 2, ...AXIS_TITLE }} />
            <YAxis type="category" dataKey="name" width={110} tick={CHART_TEXT} stroke={GRID} label={{ value: 'person', angle: -90, position: 'insideLeft', ...AXIS_TITLE }} />
            <Tooltip formatter={(v) => pct(Number(v))} contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
            <Bar dataKey="value" name="F1" fill="var(--ok)" cursor="pointer" isAnimationActive={false} onClick={(_, i) => pickPerson(i)}>
              {personData.map((_, i) => (
                <Cell key={i} {...ring(personKeys.active === i)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </section>

      <section className="agreement-card" data-testid="chart-histogram" aria-label="Image agreement; arrow keys pick a range, Enter opens its images" {...binKeys.props}>
        <h3>Image agreement</h3>
        <p className="muted hint">Images per agreement range; click a bar to review them.</p>
        <ResponsiveContainer width="100%" height={210}>
          <BarChart accessibilityLayer={false} data={binData} margin={{ left: 8, right: 12, top: 4, bottom: 18 }}>
            <CartesianGrid stroke={GRID} vertical={false} />
            <XAxis dataKey="name" tick={{ ...CHART_TEXT, fontSize: 11 }} stroke={GRID} interval={0} label={{ value: "image agreement (mean of the pairs' F1)", position: 'bottom', offset: 2, ...AXIS_TITLE }} />
            <YAxis allowDecimals={false} tick={CHART_TEXT} stroke={GRID} width={40} label={{ value: 'images', angle: -90, position: 'insideLeft', offset: 4, ...AXIS_TITLE }} />
            <Tooltip contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
            <Bar dataKey="value" name="images" cursor="pointer" isAnimationActive={false} onClick={(_, i) => pickBin(i)}>
              {binData.map((b, i) => (
                <Cell key={i} fill={b.bin.lo < 0.5 ? 'var(--danger)' : b.bin.lo < 0.8 ? 'var(--warn)' : 'var(--ok)'} {...ring(binKeys.active === i)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </section>

      <section className="agreement-card" data-testid="confusion">
        <h3>Class confusion between people</h3>
        <p className="muted hint">Matched boxes by the two classes given; the last row and column are boxes nobody else drew.</p>
        <ConfusionHeatmap labels={r.confusion.labels} matrix={r.confusion.matrix} names={new Map(r.classes.map((c) => [c.classId, c.name]))} />
      </section>

    </div>
  );
}

const tooltipStyle = { background: 'var(--panel-2)', border: '1px solid var(--line)', color: 'var(--text)', fontSize: 12 };

function Figure({ label, value, testId, hint }: { label: string; value: string; testId: string; hint?: string }) {
  return (
    <div className="agreement-figure" title={hint}>
      <strong data-testid={testId}>{value}</strong>
      <span className="muted">{label}</span>
    </div>
  );
}
