import { useEffect, useState } from 'react';
import { call } from '../api/client.ts';

/** Import a folder of images into the open project (the desktop app also offers this in its File menu). */
export function ImportFolder({ onError, openSignal = 0 }: { onError(msg: string): void; /** Bumped to open the form (File › Import images…). */ openSignal?: number }) {
  const [open, setOpen] = useState(false);
  const [dir, setDir] = useState('');
  useEffect(() => {
    if (openSignal > 0) setOpen(true);
  }, [openSignal]);
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="import-open">
        Import…
      </button>
    );
  }
  return (
    <form
      className="import-form"
      onSubmit={(e) => {
        e.preventDefault();
        call('images:import', { dir })
          .then(() => {
            setOpen(false);
            setDir('');
          })
          .catch((err: Error) => onError(err.message));
      }}
    >
      <input autoFocus value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/path/to/images" aria-label="Folder to import" />
      <button type="submit" disabled={!dir}>
        Import
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
