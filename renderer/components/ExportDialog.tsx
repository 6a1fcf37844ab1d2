import { useEffect, useRef, useState } from 'react';
import type { Req } from '../../app/contract/methods.ts';
import { ExportSummary } from '../../app/contract/jobResults.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { Modal } from './Modal.tsx';

type LabelsKind = 'final' | 'annotator' | 'model';
type ImagesMode = 'copy' | 'link' | 'symlink';

/** "0.8,0.2" or "0.7, 0.2, 0.1" as numbers; a clear message for anything else. */
export function parseSplit(text: string): number[] {
  const parts = text.split(/[,\s/]+/).filter(Boolean);
  if (parts.length < 2 || parts.length > 3) throw new Error(`Split needs two or three ratios (train,val[,test]), got "${text}".`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new Error(`Split ratio "${p}" must be a number between 0 and 1.`);
    return n;
  });
}

/** Export the project's labels as a YOLO or COCO dataset; shows the summary when the job ends. */
export function ExportDialog({ onClose }: { onClose(): void }) {
  const [format, setFormat] = useState<'yolo' | 'coco'>('yolo');
  const [labelsKind, setLabelsKind] = useState<LabelsKind>('final');
  const [labelsName, setLabelsName] = useState('');
  const [split, setSplit] = useState('0.8,0.2');
  const [seed, setSeed] = useState('0');
  const [images, setImages] = useState<ImagesMode>('copy');
  const [out, setOut] = useState('');
  const [force, setForce] = useState(false);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<ExportSummary | null>(null);
  const stop = useRef<AbortController | null>(null);

  useEffect(() => () => stop.current?.abort(), []);
  // Escape closes even when focus fell back to the page (a clicked button became disabled).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const start = async () => {
    setError(null);
    setSummary(null);
    let req: Req<'export:start'>;
    try {
      const seedN = Number(seed);
      if (!Number.isInteger(seedN) || seedN < 0) throw new Error(`Seed must be a whole number ≥ 0, got "${seed}".`);
      if (!out.trim()) throw new Error('Choose the output folder.');
      if (labelsKind !== 'final' && !labelsName.trim()) throw new Error(`Name the ${labelsKind} whose labels to export.`);
      const labels = labelsKind === 'final' ? 'final' : labelsKind === 'annotator' ? { annotator: labelsName.trim() } : { model: labelsName.trim() };
      req = { format, out: out.trim(), labels, split: parseSplit(split), seed: seedN, images, force };
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    setRunning(true);
    const ctl = new AbortController();
    stop.current = ctl;
    try {
      const job = await call('export:start', req);
      const end = await waitForJob(job.id, {
        signal: ctl.signal,
        onUpdate: (j) => setProgress(j.total > 0 ? `${j.message || 'Exporting'} (${j.done}/${j.total})` : j.message || 'Exporting…'),
      });
      if (end.state === 'done') setSummary(ExportSummary.parse(end.result));
      else if (end.state === 'cancelled') setError('The export was cancelled; nothing was written.');
      else setError(end.error ?? 'The export failed.');
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
    } finally {
      if (!ctl.signal.aborted) {
        setRunning(false);
        setProgress(null);
      }
    }
  };

  return (
    <Modal title="Export dataset" testId="export-dialog" onClose={onClose}>
        <form
          className="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <label htmlFor="export-format">Format</label>
          <select id="export-format" value={format} onChange={(e) => setFormat(e.target.value as 'yolo' | 'coco')} data-testid="export-format">
            <option value="yolo">YOLO (Ultralytics)</option>
            <option value="coco">COCO instances</option>
          </select>

          <label htmlFor="export-labels">Labels</label>
          <span className="row">
            <select id="export-labels" value={labelsKind} onChange={(e) => setLabelsKind(e.target.value as LabelsKind)} data-testid="export-labels">
              <option value="final">Final (resolved) labels</option>
              <option value="annotator">One annotator's</option>
              <option value="model">One model's predictions</option>
            </select>
            {labelsKind !== 'final' && (
              <input
                value={labelsName}
                onChange={(e) => setLabelsName(e.target.value)}
                placeholder={labelsKind === 'annotator' ? 'annotator name' : 'model name'}
                aria-label={labelsKind === 'annotator' ? 'Annotator name' : 'Model name'}
                data-testid="export-labels-name"
              />
            )}
          </span>

          <label htmlFor="export-split">Split</label>
          <span className="row">
            <input id="export-split" value={split} onChange={(e) => setSplit(e.target.value)} data-testid="export-split" className="short" />
            <span className="hint">train,val[,test]</span>
            <label htmlFor="export-seed">seed</label>
            <input id="export-seed" value={seed} onChange={(e) => setSeed(e.target.value)} inputMode="numeric" className="short" data-testid="export-seed" />
          </span>

          <label htmlFor="export-images">Images</label>
          <select id="export-images" value={images} onChange={(e) => setImages(e.target.value as ImagesMode)} data-testid="export-images">
            <option value="copy">Copy</option>
            <option value="link">Hard link (copy across disks)</option>
            <option value="symlink">Symbolic link</option>
          </select>

          <label htmlFor="export-out">Output folder</label>
          <input id="export-out" value={out} onChange={(e) => setOut(e.target.value)} placeholder="/path/to/new/dataset" data-testid="export-out" />

          <span />
          <label className="check">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="export-force" />
            Replace the folder if it exists
          </label>

          <span />
          <span className="row">
            <button type="submit" className="on" disabled={running} data-testid="export-start">
              {running ? 'Exporting…' : 'Export'}
            </button>
            {progress && <span className="hint">{progress}</span>}
          </span>
        </form>
        {error && (
          <p className="dialog-error" role="alert" data-testid="export-error">
            {error}
          </p>
        )}
        {summary && <ExportSummaryView s={summary} />}
    </Modal>
  );
}

/** What an export wrote, split by split and class by class, and what it left out. */
function ExportSummaryView({ s }: { s: ExportSummary }) {
  const splits = Object.entries(s.splits).filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined);
  return (
    <section className="summary" data-testid="export-summary">
      <p>
        Wrote <strong data-testid="export-images-count">{s.images}</strong> images and <strong data-testid="export-boxes-count">{s.boxes}</strong> boxes ({s.labels}{' '}
        labels, {s.format.toUpperCase()}) to <code>{s.out}</code> in {s.seconds.toFixed(1)} s.
      </p>
      <table>
        <thead>
          <tr>
            <th>split</th>
            <th>images</th>
            <th>without boxes</th>
            {s.classes.map((c) => (
              <th key={c}>{c}</th>
            ))}
            <th>boxes</th>
          </tr>
        </thead>
        <tbody>
          {splits.map(([name, sp]) => (
            <tr key={name} data-testid={`export-split-${name}`}>
              <td>{name}</td>
              <td className="num">{sp.images}</td>
              <td className="num">{sp.emptyImages}</td>
              {sp.boxesByClass.map((c, i) => (
                <td key={i} className="num">
                  {c.boxes}
                </td>
              ))}
              <td className="num">{sp.boxes}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(s.boxesClamped > 0 || s.boxesOutsideDropped > 0 || s.linkFallbacks > 0) && (
        <p className="hint">
          {s.boxesClamped} boxes clamped to the image, {s.boxesOutsideDropped} outside it dropped, {s.linkFallbacks} images copied where a link was not possible.
        </p>
      )}
      {(s.leftovers.removed > 0 || s.leftovers.restored) && (
        <p className="hint" data-testid="export-leftovers">
          {s.leftovers.restored && 'The previous dataset, set aside by an export that was killed while replacing it, was put back first. '}
          {s.leftovers.removed > 0 && `Removed ${s.leftovers.removed} partial folders (${(s.leftovers.bytes / 1e6).toFixed(1)} MB) left by killed exports.`}
        </p>
      )}
      {s.skippedCount > 0 ? (
        <div data-testid="export-skipped">
          <h3>Left out: {s.skippedCount} images</h3>
          <ul>
            {s.skipped.map((k) => (
              <li key={k.reason}>
                <strong>{k.count}</strong> {k.why}
                {k.examples.length > 0 && <span className="sub"> — e.g. {k.examples.join(', ')}</span>}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="hint">No image was left out.</p>
      )}
    </section>
  );
}
