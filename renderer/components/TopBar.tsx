import type { Res } from '../../app/contract/methods.ts';
import type { Theme } from '../App.tsx';
import { ImportFolder } from './ImportFolder.tsx';

interface Props {
  project: Res<'project:info'>;
  theme: Theme;
  onTheme(t: Theme): void;
  onFailures(): void;
  onDialog(d: 'export' | 'import-labels' | 'shortcuts' | 'settings'): void;
  onError(msg: string): void;
}

/** One fixed-height row: the project, who is working, import and export, theme, shortcuts and settings. */
export function TopBar({ project, theme, onTheme, onFailures, onDialog, onError }: Props) {
  return (
    <header className="topbar">
      <strong className="project-name" data-testid="project-name">
        {project.name}
      </strong>
      <span className="muted counts">
        {project.imageCount} images · {project.boxCount} boxes
      </span>
      <span className="who" data-testid="annotator" title="Every box, edit and done mark is recorded as yours">
        {project.annotator.name}
      </span>
      {project.failedCount > 0 && (
        <button type="button" className="warn" data-testid="failures-badge" onClick={onFailures}>
          {project.failedCount} files not imported
        </button>
      )}
      <span className="spacer" />
      <ImportFolder onError={onError} />
      <button type="button" onClick={() => onDialog('import-labels')} data-testid="import-labels-open">
        Import labels…
      </button>
      <button type="button" onClick={() => onDialog('export')} data-testid="export-open">
        Export…
      </button>
      <button type="button" onClick={() => onTheme(theme === 'dark' ? 'light' : 'dark')} data-testid="theme-toggle" title="Dark or light theme">
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
      <button type="button" onClick={() => onDialog('shortcuts')} data-testid="shortcuts-open" title="Keyboard shortcuts (?)">
        ?
      </button>
      <button type="button" onClick={() => onDialog('settings')} data-testid="settings-open" title="Settings (Ctrl+,)">
        Settings
      </button>
    </header>
  );
}
