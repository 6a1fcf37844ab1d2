import type { Res } from '../../app/contract/methods.ts';
import type { Theme } from '../App.tsx';
import { AgreementEntry } from '../agreement/index.ts';
import { MonitoringEntry } from '../monitoring/MonitoringEntry.tsx';
import { EvaluationEntry } from '../evaluation/index.ts';
import { FlagsEntry } from '../flags/FlagsEntry.tsx';
import { FileMenu, type FileAction } from '../people/FileMenu.tsx';
import type { Role } from '../people/peopleApi.ts';
import { WhoMenu } from '../people/WhoMenu.tsx';
import type { Identity } from '../people/peopleApi.ts';
import { ImportFolder } from './ImportFolder.tsx';

interface Props {
  project: Res<'project:info'>;
  role: Role;
  theme: Theme;
  onTheme(t: Theme): void;
  onFailures(): void;
  onDialog(d: 'export' | 'import-labels' | 'shortcuts' | 'settings' | 'assign' | 'package-export' | 'package-import'): void;
  onError(msg: string): void;
  /** The person-and-role menu, opened by click or by its shortcut. */
  whoOpen: boolean;
  onWhoOpen(open: boolean): void;
  whoShortcut: string;
  onSwitched(id: Identity): void;
  onSomeoneElse(): void;
  fileOpen: boolean;
  onFileOpen(open: boolean): void;
  /** Bumped to open the image-folder import from the File menu. */
  importSignal: number;
  onImportImages(): void;
}

/** One fixed-height row: the project, who is working and in which role, the File menu and imports, the lead's tools, theme, shortcuts and settings. */
export function TopBar(p: Props) {
  const { project, theme } = p;
  const onFile = (a: FileAction) => {
    if (a === 'import-images') p.onImportImages();
    else p.onDialog(a);
  };
  return (
    <header className="topbar">
      <FileMenu open={p.fileOpen} onOpen={p.onFileOpen} onAction={onFile} />
      <strong className="project-name" data-testid="project-name">
        {project.name}
      </strong>
      <span className="muted counts">
        {project.imageCount} images · {project.boxCount} boxes
      </span>
      <WhoMenu
        name={project.annotator.name}
        role={p.role}
        open={p.whoOpen}
        onOpen={p.onWhoOpen}
        onSwitched={p.onSwitched}
        onSomeoneElse={p.onSomeoneElse}
        onError={p.onError}
        shortcut={p.whoShortcut}
      />
      {project.failedCount > 0 && (
        <button type="button" className="warn" data-testid="failures-badge" onClick={p.onFailures}>
          {project.failedCount} files not imported
        </button>
      )}
      <span className="spacer" />
      {p.role === 'lead' && (
        <>
          <button type="button" onClick={() => p.onDialog('assign')} data-testid="assign-open" title="Assign images to people (lead)">
            Assign…
          </button>
          {/* The agreement dashboard's entry (lead only). */}
          <AgreementEntry project={{ ...project, role: p.role }} />
        </>
      )}
      {/* The evaluation dashboard's entry. */}
      <EvaluationEntry project={project} />
      <MonitoringEntry project={project} />
      <FlagsEntry />
      <ImportFolder onError={p.onError} openSignal={p.importSignal} />
      <button type="button" onClick={() => p.onDialog('import-labels')} data-testid="import-labels-open">
        Import labels…
      </button>
      <button type="button" onClick={() => p.onDialog('export')} data-testid="export-open">
        Export…
      </button>
      <button type="button" onClick={() => p.onTheme(theme === 'dark' ? 'light' : 'dark')} data-testid="theme-toggle" title="Dark or light theme">
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
      <button type="button" onClick={() => p.onDialog('shortcuts')} data-testid="shortcuts-open" title="Keyboard shortcuts (?)">
        ?
      </button>
      <button type="button" onClick={() => p.onDialog('settings')} data-testid="settings-open" title="Settings (Ctrl+,)">
        Settings
      </button>
    </header>
  );
}
