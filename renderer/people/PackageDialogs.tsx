import { useEffect, useState } from 'react';
import { PackageExportSummary, PackageImportSummary } from '../../app/contract/jobResults.ts';
import { call } from '../api/client.ts';
import { Modal } from '../components/Modal.tsx';
import { listPeople, type Person } from './peopleApi.ts';
import { useJobRun } from './useJobRun.ts';
import './people.css';

/** Escape closes a dialog even when focus fell back to the page. */
function useEscape(onClose: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
}

/** "1 box", "2 boxes": the noun after a count, in the singular for one. */
const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`);

/** File › Export work package…: one person's images, the model's pre-labels and their own work, in one file to take to another machine. */
export function ExportPackageDialog({ current, onClose }: { current: string; onClose(): void }) {
  const [people, setPeople] = useState<Person[]>([]);
  const [person, setPerson] = useState(current);
  const [out, setOut] = useState('');
  const [withImages, setWithImages] = useState(false);
  const job = useJobRun('Exporting the work package', (r) => PackageExportSummary.parse(r));
  useEscape(onClose);
  useEffect(() => {
    listPeople().then((ps) => {
      setPeople(ps);
      if (!ps.some((p) => p.name === current) && ps[0]) setPerson(ps[0].name);
    }, (e: Error) => job.setError(e.message));
  }, []);

  const start = () => {
    if (!person) return job.setError('Choose the person the package is for.');
    if (!out.trim()) return job.setError('Choose the file to write, e.g. /path/to/alice.loupepkg.');
    void job.run(() => call('package:export', { annotator: person, out: out.trim(), withImages }));
  };
  const s = job.result;
  return (
    <Modal title="Export work package" testId="package-export-dialog" onClose={onClose}>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <label htmlFor="pkg-person">Person</label>
        <select id="pkg-person" autoFocus value={person} onChange={(e) => setPerson(e.target.value)} data-testid="package-person">
          {people.map((p) => (
            <option key={p.id} value={p.name}>
              {p.name} ({p.assigned !== undefined ? `${p.assigned} assigned, ` : ''}
              {p.imagesDone} done)
            </option>
          ))}
        </select>
        <label htmlFor="pkg-out">Package file</label>
        <input id="pkg-out" value={out} onChange={(e) => setOut(e.target.value)} placeholder="/path/to/alice.loupepkg" data-testid="package-out" />
        <span />
        <label className="check">
          <input type="checkbox" checked={withImages} onChange={(e) => setWithImages(e.target.checked)} data-testid="package-with-images" />
          Include the image files (for a machine without the images)
        </label>
        <span />
        <span className="row">
          <button type="submit" className="on" disabled={job.running} data-testid="package-export-start">
            {job.running ? 'Exporting…' : 'Export'}
          </button>
          {job.progress && <span className="hint">{job.progress}</span>}
        </span>
      </form>
      {job.error && (
        <p className="dialog-error" role="alert" data-testid="package-error">
          {job.error}
        </p>
      )}
      {s && (
        <section className="summary" data-testid="package-export-summary">
          <p>
            Wrote {s.annotator}'s package to <code>{s.file}</code> ({mb(s.bytes)}): <strong data-testid="package-images">{s.counts.images}</strong> images,{' '}
            <strong data-testid="package-boxes">{s.counts.boxes}</strong> of their {plural(s.counts.boxes, 'box', 'boxes')}, {s.counts.predictions} {plural(s.counts.predictions, 'pre-label')},{' '}
            {s.counts.marks} {plural(s.counts.marks, 'mark')}
            {s.counts.imageFiles > 0 ? `, ${s.counts.imageFiles} image files` : ''}.
          </p>
          {s.unreadable.length > 0 && (
            <p className="hint" data-testid="package-unreadable">
              {s.unreadable.length} image files could not be read and are not in the package, e.g. {s.unreadable[0].path} ({s.unreadable[0].reason}).
            </p>
          )}
        </section>
      )}
    </Modal>
  );
}

/** File › Import work package…: bring a person's work back from a package; shows what changed, or why it was refused. */
export function ImportPackageDialog({ onClose, onImported }: { onClose(): void; onImported(): void }) {
  const [file, setFile] = useState('');
  const job = useJobRun('Importing the work package', (r) => PackageImportSummary.parse(r));
  useEscape(onClose);
  const start = async () => {
    if (!file.trim()) return job.setError('Choose the work package file to import.');
    const r = await job.run(() => call('package:import', { file: file.trim() }));
    if (r) onImported();
  };
  const s = job.result;
  return (
    <Modal title="Import work package" testId="package-import-dialog" onClose={onClose}>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label htmlFor="pkg-file">Package file</label>
        <input id="pkg-file" autoFocus value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/alice.loupepkg" data-testid="package-file" />
        <span />
        <span className="row">
          <button type="submit" className="on" disabled={job.running} data-testid="package-import-start">
            {job.running ? 'Importing…' : 'Import'}
          </button>
          {job.progress && <span className="hint">{job.progress}</span>}
        </span>
      </form>
      {job.error && (
        <p className="dialog-error" role="alert" data-testid="package-error">
          {job.error}
        </p>
      )}
      {s && (
        <section className="summary" data-testid="package-import-summary">
          <p>
            Imported {s.annotator}'s work on <strong data-testid="package-import-images">{s.images}</strong> images ({s.changed} changed, {s.unchanged} unchanged):{' '}
            <strong data-testid="package-boxes-added">{s.boxesAdded}</strong> {plural(s.boxesAdded, 'box', 'boxes')} added, {s.boxesRemoved} removed,{' '}
            <strong data-testid="package-marks">{s.marks}</strong> {plural(s.marks, 'mark')}, {s.edits} {plural(s.edits, 'edit')}.
          </p>
          {s.unmatched.length > 0 ? (
            <div data-testid="package-unmatched">
              <h3>Images not found in this project: {s.unmatched.length}</h3>
              <ul>
                {s.unmatched.slice(0, 20).map((u) => (
                  <li key={u.path}>
                    {u.path} <span className="sub">— {u.reason}</span>
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p className="hint">Every image of the package was found in this project.</p>
          )}
        </section>
      )}
    </Modal>
  );
}
