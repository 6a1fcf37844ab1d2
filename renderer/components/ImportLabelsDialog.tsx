import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { ImportLabelsSummary } from '../../app/contract/jobResults.ts';
import { call } from '../api/client.ts';
import { waitForJob } from '../api/waitForJob.ts';
import { Modal } from './Modal.tsx';
import { plural } from '../plural.ts';

type Kind = 'labels-yolo' | 'labels-coco' | 'predictions-coco-results' | 'predictions-ultralytics-txt';
type Problem = ImportLabelsSummary['problems'][number];
type Annotator = Res<'annotators:list'>[number];
/** The annotator select's value for typing a new name. */
const NEW = 'new';

const KINDS: { value: Kind; label: string; placeholder: string }[] = [
  { value: 'labels-yolo', label: 'Annotations: YOLO dataset', placeholder: '/path/to/dataset (data.yaml or classes.txt)' },
  { value: 'labels-coco', label: 'Annotations: COCO instances', placeholder: '/path/to/instances.json or a folder of them' },
  { value: 'predictions-coco-results', label: 'Predictions: COCO results', placeholder: '/path/to/results.json' },
  { value: 'predictions-ultralytics-txt', label: 'Predictions: Ultralytics txt', placeholder: '/path/to/predict/labels' },
];
const SHOWN_PROBLEMS = 20;

/** `file:line: reason`, as the CLI prints it. */
function problemText(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.record !== undefined ? `${p.file} ${p.record}` : p.file;
  return `${where}: ${p.reason}`;
}


/**
 * Whose labels these are: an existing person picked from the list, or a new
 * name. `error` blocks the import; `existing` is the person the labels go to
 * when they already exist (picked, or typed under their name).
 */
function annotatorChoice(choice: string, typed: string, annotators: Annotator[]): { name: string; existing: Annotator | null; error: string | null } {
  if (choice !== NEW) {
    const picked = annotators.find((a) => String(a.id) === choice) ?? null;
    return picked ? { name: picked.name, existing: picked, error: null } : { name: '', existing: null, error: 'Pick an annotator.' };
  }
  const name = typed.trim();
  if (!name) return { name, existing: null, error: 'Name the annotator these labels belong to.' };
  if (name.length > 100) return { name, existing: null, error: 'An annotator name is at most 100 characters.' };
  const same = annotators.find((a) => a.name === name) ?? null;
  if (same && same.kind !== 'human') return { name, existing: null, error: `"${name}" is the name of a ${same.kind} author, not a person; choose another name.` };
  return { name, existing: same, error: null };
}

/**
 * Import one person's labels or a model's predictions: a dry run first shows
 * what would change (and every new class) before anything is written.
 */
export function ImportLabelsDialog({ onClose, onImported }: { onClose(): void; onImported(): void }) {
  const [kind, setKind] = useState<Kind>('labels-yolo');
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [annotators, setAnnotators] = useState<Annotator[]>([]);
  const [choice, setChoice] = useState<string>(NEW);
  const [imagesJson, setImagesJson] = useState('');
  const [busy, setBusy] = useState<'check' | 'import' | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [checked, setChecked] = useState<ImportLabelsSummary | null>(null);
  const [confirmClasses, setConfirmClasses] = useState(false);
  const [imported, setImported] = useState<ImportLabelsSummary | null>(null);
  const stop = useRef<AbortController | null>(null);
  const labels = kind.startsWith('labels-');

  useEffect(() => () => stop.current?.abort(), []);
  const loadAnnotators = useCallback(async () => {
    try {
      const list = await call('annotators:list', {});
      setAnnotators(list);
      return list;
    } catch (e) {
      setError(`Could not list the annotators: ${(e as Error).message}`);
      return null;
    }
  }, []);
  useEffect(() => {
    void loadAnnotators();
  }, [loadAnnotators]);
  const people = annotators.filter((a) => a.kind === 'human');
  const who = annotatorChoice(choice, name, annotators);
  // Escape closes even when focus fell back to the page (a clicked button became disabled).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  // Any change to the request invalidates the dry run: Import must run what was checked.
  const edit = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setChecked(null);
    setImported(null);
    setConfirmClasses(false);
    setError(null);
  };

  const run = async (dryRun: boolean): Promise<ImportLabelsSummary | null> => {
    setError(null);
    const missing = !path.trim()
      ? 'Enter the path of the labels or predictions.'
      : labels
        ? who.error
        : !name.trim()
          ? 'Name the model that made these predictions.'
          : null;
    if (missing) {
      setError(missing);
      return null;
    }
    const ctl = new AbortController();
    stop.current = ctl;
    setBusy(dryRun ? 'check' : 'import');
    try {
      const job = labels
        ? await call('labels:import', { path: path.trim(), format: kind === 'labels-yolo' ? 'yolo' : 'coco', annotator: who.name, createClasses: true, dryRun })
        : await call('predictions:import', {
            path: path.trim(),
            format: kind === 'predictions-coco-results' ? 'coco-results' : 'ultralytics-txt',
            model: name.trim(),
            imagesJson: kind === 'predictions-coco-results' && imagesJson.trim() ? imagesJson.trim() : undefined,
            createClasses: true,
            dryRun,
          });
      const end = await waitForJob(job.id, {
        signal: ctl.signal,
        onUpdate: (j) => setProgress(j.total > 0 ? `${j.message || 'Reading'} (${j.done}/${j.total})` : j.message || 'Reading…'),
      });
      if (end.state === 'done') return ImportLabelsSummary.parse(end.result);
      // A refused import carries its full summary (every problem) beside the message.
      if (end.result) setChecked(ImportLabelsSummary.parse(end.result));
      setError(end.state === 'cancelled' ? 'Cancelled; nothing was imported.' : (end.error ?? 'The import failed.'));
      return null;
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
      return null;
    } finally {
      if (!ctl.signal.aborted) {
        setBusy(null);
        setProgress(null);
      }
    }
  };

  const check = async () => {
    setChecked(null);
    setImported(null);
    setConfirmClasses(false);
    const s = await run(true);
    if (s) setChecked(s);
  };

  const commit = async () => {
    const s = await run(false);
    if (s) {
      setImported(s);
      setChecked(null);
      onImported();
      // The counts changed, and a new name is now someone to pick.
      const list = await loadAnnotators();
      const added = labels && list?.find((a) => a.name === s.author && a.kind === 'human');
      if (added) setChoice(String(added.id));
    }
  };

  const needsConfirm = (checked?.newClasses.length ?? 0) > 0;
  const canImport = checked !== null && checked.problemCount === 0 && (!needsConfirm || confirmClasses) && busy === null;
  const placeholder = KINDS.find((k) => k.value === kind)!.placeholder;

  return (
    <Modal title="Import labels or predictions" testId="import-labels-dialog" onClose={onClose}>
        <form
          className="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            void check();
          }}
        >
          <label htmlFor="import-kind">Kind</label>
          <select id="import-kind" value={kind} onChange={(e) => edit(setKind)(e.target.value as Kind)} data-testid="import-kind">
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>

          <label htmlFor="import-path">Path</label>
          <input id="import-path" value={path} onChange={(e) => edit(setPath)(e.target.value)} placeholder={placeholder} data-testid="import-path" />

          {labels ? (
            <>
              <label htmlFor="import-annotator">Annotator</label>
              <span className="row">
                <select id="import-annotator" value={choice} onChange={(e) => edit(setChoice)(e.target.value)} data-testid="import-annotator">
                  {people.map((a) => (
                    <option key={a.id} value={String(a.id)}>
                      {a.name} ({plural(a.imagesDone, 'image')} done, {plural(a.boxes, 'box', 'boxes')})
                    </option>
                  ))}
                  <option value={NEW}>New annotator…</option>
                </select>
                {choice === NEW && (
                  <input
                    id="import-name"
                    aria-label="New annotator name"
                    value={name}
                    maxLength={100}
                    onChange={(e) => edit(setName)(e.target.value)}
                    placeholder="whose labels these are"
                    data-testid="import-name"
                  />
                )}
              </span>
              {who.existing && (who.existing.boxes > 0 || who.existing.imagesDone > 0) && (
                <>
                  <span />
                  <p className="hint" style={{ color: 'var(--warn)', margin: 0 }} role="status" data-testid="import-annotator-warning">
                    {who.existing.name} already has {plural(who.existing.boxes, 'box', 'boxes')} and {plural(who.existing.imagesDone, 'image')} marked done. On the images in
                    this import, boxes {who.existing.name} imported before will be replaced by these labels; boxes {who.existing.name} drew in Loupe stop the import.
                  </p>
                </>
              )}
              {choice === NEW && name.trim() && who.error && (
                <>
                  <span />
                  <span className="hint" style={{ color: '#f87171' }} data-testid="import-annotator-error">
                    {who.error}
                  </span>
                </>
              )}
              {choice === NEW && who.existing && (
                <>
                  <span />
                  <span className="hint" data-testid="import-annotator-exists">
                    {who.existing.name} is an existing annotator: the labels are added to theirs.
                  </span>
                </>
              )}
            </>
          ) : (
            <>
              <label htmlFor="import-name">Model</label>
              <input id="import-name" value={name} onChange={(e) => edit(setName)(e.target.value)} placeholder="the model that made them" data-testid="import-name" />
            </>
          )}

          {kind === 'predictions-coco-results' && (
            <>
              <label htmlFor="import-images-json">Images JSON</label>
              <input
                id="import-images-json"
                value={imagesJson}
                onChange={(e) => edit(setImagesJson)(e.target.value)}
                placeholder="optional: COCO instances file naming the image ids"
                data-testid="import-images-json"
              />
            </>
          )}

          <span />
          <span className="row">
            <button type="submit" disabled={busy !== null} data-testid="import-check">
              {busy === 'check' ? 'Checking…' : 'Check (dry run)'}
            </button>
            <button type="button" className="on" disabled={!canImport} onClick={() => void commit()} data-testid="import-run">
              {busy === 'import' ? 'Importing…' : 'Import'}
            </button>
            {progress && <span className="hint">{progress}</span>}
          </span>
        </form>
        {error && (
          <p className="dialog-error" role="alert" data-testid="import-error">
            {error}
          </p>
        )}
        {checked && (
          <ImportSummaryView s={checked} dry>
            {needsConfirm && checked.problemCount === 0 && (
              <label className="check">
                <input type="checkbox" checked={confirmClasses} onChange={(e) => setConfirmClasses(e.target.checked)} data-testid="import-confirm-classes" />
                Create these {checked.newClasses.length} classes
              </label>
            )}
          </ImportSummaryView>
        )}
        {imported && <ImportSummaryView s={imported} dry={false} />}
    </Modal>
  );
}

/** The counts of a dry run or of an import, its new classes and its problems. */
/** One row of the summary's counts, shown only when there is something to count. */
function Count({ n, label, title, testId }: { n: number; label: string; title?: string; testId?: string }) {
  if (n <= 0) return null;
  return (
    <>
      <dt title={title}>{label}</dt>
      <dd data-testid={testId}>{n}</dd>
    </>
  );
}

function ImportSummaryView({ s, dry, children }: { s: ImportLabelsSummary; dry: boolean; children?: ReactNode }) {
  const would = dry ? 'would be' : 'were';
  return (
    <section className="summary" data-testid={dry ? 'import-preview' : 'import-done'}>
      <h3>{dry ? `Dry run: nothing written yet (${s.author})` : `Imported as ${s.author}`}</h3>
      <dl className="counts">
        <dt>images matched</dt>
        <dd data-testid="import-matched">{s.imagesMatched}</dd>
        <dt>images {dry ? 'to add' : 'added'}</dt>
        <dd data-testid="import-added">{s.imagesAdded}</dd>
        <dt>images missing</dt>
        <dd data-testid="import-missing">{s.missingImages.length}</dd>
        <dt>boxes</dt>
        <dd data-testid="import-boxes">{s.boxes}</dd>
        <Count n={s.clamped} label="clamped to the image" />
        <Count n={s.replaced} label={dry ? 'earlier import replaced' : 'replaced'} testId="import-replaced" />
        <Count n={s.crowdSkipped} label="crowd regions skipped" title="COCO iscrowd 1: a region of many objects, not one object" testId="import-crowd" />
        <Count n={s.boxesFromSegmentation} label="boxes taken from polygons" title="annotations without a bbox: the box is the extent of their polygons" testId="import-from-polygons" />
        <Count n={s.segmentationsDropped} label="segmentations not kept" title="Loupe keeps boxes only" testId="import-segmentations" />
      </dl>
      {s.newClasses.length > 0 && (
        <div className="new-classes" data-testid="import-new-classes">
          <strong>
            {s.newClasses.length === 1 ? '1 new class' : `${s.newClasses.length} new classes`} {dry ? 'would be' : s.newClasses.length === 1 ? 'was' : 'were'} created:
          </strong>{' '}
          {s.newClasses.join(', ')}
        </div>
      )}
      {s.missingImages.length > 0 && (
        <details>
          <summary>{s.missingImages.length} label files without an image (skipped)</summary>
          <ul className="problems">
            {s.missingImages.slice(0, SHOWN_PROBLEMS).map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </details>
      )}
      {s.skipped.length > 0 && (
        <p className="hint">
          {s.skipped.length} label files {would} skipped: {s.skipped.slice(0, 3).map((k) => `${k.file} (${k.reason})`).join('; ')}
        </p>
      )}
      {s.problemCount > 0 && (
        <div className="problems-box" data-testid="import-problems">
          <strong>
            {s.problemCount} problem{s.problemCount === 1 ? '' : 's'}; fix the input to import:
          </strong>
          <ul className="problems">
            {s.problems.slice(0, SHOWN_PROBLEMS).map((p, i) => (
              <li key={i}>{problemText(p)}</li>
            ))}
          </ul>
          {s.problemCount > SHOWN_PROBLEMS && <p className="hint">… and {s.problemCount - Math.min(SHOWN_PROBLEMS, s.problems.length)} more</p>}
        </div>
      )}
      {children}
    </section>
  );
}
