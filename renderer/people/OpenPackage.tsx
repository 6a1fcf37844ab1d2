import { useState } from 'react';
import { PackageOpenSummary } from '../../app/contract/jobResults.ts';
import { call } from '../api/client.ts';
import { useJobRun } from './useJobRun.ts';
import './people.css';

/** On the open-project screen: make a new project from a work package, its images found in (or written to) a folder. */
export function OpenPackage({ onOpened }: { onOpened(): void }) {
  const [show, setShow] = useState(false);
  const [file, setFile] = useState('');
  const [imagesDir, setImagesDir] = useState('');
  const [project, setProject] = useState('');
  const job = useJobRun('Opening the work package', (r) => PackageOpenSummary.parse(r));
  if (!show)
    return (
      <button type="button" onClick={() => setShow(true)} data-testid="open-package">
        Open work package…
      </button>
    );
  const start = async () => {
    if (!file.trim()) return job.setError('Choose the work package file.');
    if (!imagesDir.trim()) return job.setError('Choose the folder with the images (or where to write them from the package).');
    if (!project.trim()) return job.setError('Choose where to create the project file, e.g. /path/to/work.loupe.');
    const r = await job.run(() => call('package:open', { file: file.trim(), imagesDir: imagesDir.trim(), project: project.trim() }));
    if (!r) return;
    try {
      const info = await call('app:info', {});
      if (info.project?.file !== r.project) await call('project:open', { file: r.project });
      onOpened();
    } catch (e) {
      job.setError((e as Error).message);
    }
  };
  return (
    <form
      className="form-grid open-package"
      data-testid="open-package-form"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <label htmlFor="op-file">Work package</label>
      <input id="op-file" autoFocus value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/alice.loupepkg" data-testid="open-package-file" />
      <label htmlFor="op-images">Images folder</label>
      <input id="op-images" value={imagesDir} onChange={(e) => setImagesDir(e.target.value)} placeholder="/path/to/images" data-testid="open-package-images" />
      <label htmlFor="op-project">New project file</label>
      <input id="op-project" value={project} onChange={(e) => setProject(e.target.value)} placeholder="/path/to/work.loupe" data-testid="open-package-project" />
      <span />
      <span className="row">
        <button type="submit" className="on" disabled={job.running} data-testid="open-package-start">
          {job.running ? 'Opening…' : 'Create project from package'}
        </button>
        <button type="button" onClick={() => setShow(false)}>
          Cancel
        </button>
        {job.progress && <span className="hint">{job.progress}</span>}
      </span>
      {job.error && (
        <p className="dialog-error" role="alert" data-testid="open-package-error" style={{ gridColumn: '1 / -1' }}>
          {job.error}
        </p>
      )}
    </form>
  );
}
