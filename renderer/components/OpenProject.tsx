import { useState } from 'react';
import { call } from '../api/client.ts';
import { OpenPackage } from '../people/OpenPackage.tsx';

/** Shown when no project is open: open a project file, create one from a folder of images, or from a work package. */
export function OpenProject({ onOpened }: { onOpened(): void }) {
  const [file, setFile] = useState('');
  const [dir, setDir] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      onOpened();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="open-project">
      <h1>Loupe</h1>
      <p>Review and correct a detector's boxes on flagged production images.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => call('project:open', { file }));
        }}
      >
        <label>
          Project file
          <input value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/project.loupe" />
        </label>
        <button type="submit" disabled={!file}>
          Open
        </button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => call('project:create', { file, imagesDir: dir || undefined }));
        }}
      >
        <label>
          Images folder
          <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/path/to/images" />
        </label>
        <button type="submit" disabled={!file}>
          Create project from folder
        </button>
      </form>
      <OpenPackage onOpened={onOpened} />
      {error && <p className="error">{error}</p>}
    </div>
  );
}
