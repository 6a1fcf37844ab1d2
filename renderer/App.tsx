import { useCallback, useEffect, useRef, useState } from 'react';
import type { Res } from '../app/contract/methods.ts';
import { call, onEvent, type UiEvent } from './api/client.ts';
import { ExportDialog } from './components/ExportDialog.tsx';
import { FailuresPanel } from './components/FailuresPanel.tsx';
import { ImportLabelsDialog } from './components/ImportLabelsDialog.tsx';
import { OpenProject } from './components/OpenProject.tsx';
import { SettingsDialog } from './components/SettingsDialog.tsx';
import { ShortcutsSheet } from './components/ShortcutsSheet.tsx';
import { TopBar } from './components/TopBar.tsx';
import { AssignDialog } from './people/AssignDialog.tsx';
import { IdentifyDialog } from './people/IdentifyDialog.tsx';
import { ExportPackageDialog, ImportPackageDialog } from './people/PackageDialogs.tsx';
import { lastIdentity, listPeople, roleOf, type Identity, type Role } from './people/peopleApi.ts';
import { formatChords, detectPlatform } from './shortcuts/keymap.ts';
import { loadKeymap, saveKeymap, type Keymap } from './shortcuts/keymap.ts';
import { Workspace } from './workspace/Workspace.tsx';

type ProjectInfo = Res<'project:info'>;
type Job = Res<'jobs:list'>[number];
type Dialog = 'export' | 'import-labels' | 'shortcuts' | 'settings' | 'assign' | 'package-export' | 'package-import' | 'identify';
export type Theme = 'dark' | 'light';

const storage = typeof localStorage !== 'undefined' ? localStorage : null;

/** The window: a project to open, or the review workspace with its top bar and dialogs. */
export function App() {
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [ready, setReady] = useState(false);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [listVersion, setListVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const [showFailures, setShowFailures] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [where, setWhere] = useState<{ key: string; value: string } | null>(null);
  const [theme, setTheme] = useState<Theme>(() => (storage?.getItem('loupe.theme') === 'light' ? 'light' : 'dark'));
  const [keymap, setKeymap] = useState<Keymap | null>(null);
  const reloadBoxes = useRef<(() => void) | null>(null);
  const [role, setRole] = useState<Role>('annotator');
  const [whoOpen, setWhoOpen] = useState(false);
  const [fileOpen, setFileOpen] = useState(false);
  const [importSignal, setImportSignal] = useState(0);
  const [preselect, setPreselect] = useState<string | null>(null);
  /** The project file whose opening has been dealt with (asked who is working, or not needed). */
  const asked = useRef<string | null>(null);
  /** Set when the project was opened from this window: then the identify dialog is always shown. */
  const openedHere = useRef(false);

  const refreshProject = useCallback(async () => {
    const info = await call('app:info', {});
    setProject(info.project);
    setReady(true);
  }, []);
  useEffect(() => {
    void refreshProject();
  }, [refreshProject]);

  // The role the core reports, whenever the project info is read again.
  useEffect(() => {
    if (project) setRole(roleOf(project));
  }, [project]);

  // Opening a project asks who is working: always when it was opened here; at launch, when the
  // project is shared (someone identified before, or images are assigned to people).
  useEffect(() => {
    if (!project || asked.current === project.file) return;
    asked.current = project.file;
    const here = openedHere.current;
    openedHere.current = false;
    void (async () => {
      const last = await lastIdentity();
      const shared = last !== null || (await listPeople().catch(() => [])).some((p) => (p.assigned ?? 0) > 0);
      if (!here && !shared) return;
      setPreselect(last?.name ?? project.annotator.name);
      if (last?.role) setRole(last.role);
      setDialog('identify');
    })();
  }, [project]);

  const onIdentified = useCallback(
    (id: Identity) => {
      setRole(id.role);
      setDialog((d) => (d === 'identify' ? null : d));
      setListVersion((v) => v + 1);
      void refreshProject();
    },
    [refreshProject],
  );

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    storage?.setItem('loupe.theme', theme);
  }, [theme]);

  // Shortcuts are the person's own, kept on this machine under their name.
  const user = project?.annotator.name ?? '';
  useEffect(() => {
    if (!user) return;
    const r = loadKeymap(storage, user);
    setKeymap(r.keymap);
    if (r.problems.length) setMessage(`Your saved shortcuts could not all be read (${r.problems[0]}); the defaults stand in.`);
  }, [user]);

  const handleEvent = useRef<(e: UiEvent) => void>(() => {});
  useEffect(() => onEvent((e) => handleEvent.current(e)), []);
  handleEvent.current = (e: UiEvent) => {
    if (e.type === 'job') {
      setJobs((js) => [e.job, ...js.filter((j) => j.id !== e.job.id)].slice(0, 5));
      // An evaluation changes nothing stored; every other job may have changed the list.
      if (e.job.state !== 'running' && e.job.kind !== 'evaluation') {
        setListVersion((v) => v + 1);
        void refreshProject();
        if (e.job.kind === 'prelabel') reloadBoxes.current?.();
        if (e.job.state === 'failed' && e.job.error) setMessage(e.job.error);
      }
    } else if (e.type === 'project') {
      setProject(e.project);
      setListVersion((v) => v + 1);
    } else if (e.type === 'menu') {
      // The menu's accelerators reach here from the desktop shell; replay them as the keys they stand for.
      const keys: Record<string, string> = { undo: 'z', redo: 'Z', fit: 'f', 'zoom-in': '+', 'zoom-out': '-' };
      const typing = document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLTextAreaElement;
      if ((e.action === 'undo' || e.action === 'redo') && typing) document.execCommand(e.action);
      else if (e.action in keys) {
        const k = keys[e.action];
        const mod = e.action === 'undo' || e.action === 'redo';
        window.dispatchEvent(new KeyboardEvent('keydown', { key: k, ctrlKey: mod, shiftKey: e.action === 'redo' }));
      } else if ((e.action === 'export' || e.action === 'import-labels' || e.action === 'package-export' || e.action === 'package-import') && project) setDialog(e.action);
    }
  };

  if (!ready) return <div className="loading">Loading…</div>;
  if (!project)
    return (
      <OpenProject
        onOpened={() => {
          openedHere.current = true;
          asked.current = null;
          void refreshProject();
        }}
      />
    );
  const whoShortcut = keymap ? (formatChords(keymap['session.switch'] ?? [], detectPlatform())[0] ?? '') : '';

  return (
    <div className="app">
      <TopBar
        project={project}
        role={role}
        whoOpen={whoOpen}
        onWhoOpen={setWhoOpen}
        whoShortcut={whoShortcut}
        onSwitched={onIdentified}
        onSomeoneElse={() => {
          setPreselect(null);
          setDialog('identify');
        }}
        fileOpen={fileOpen}
        onFileOpen={setFileOpen}
        importSignal={importSignal}
        onImportImages={() => setImportSignal((n) => n + 1)}
        theme={theme}
        onTheme={setTheme}
        onFailures={() => setShowFailures((s) => !s)}
        onDialog={setDialog}
        onError={setMessage}
      />
      {showFailures && <FailuresPanel version={listVersion} onClose={() => setShowFailures(false)} />}
      {keymap && (
        <Workspace
          // Switching person or role reloads everything on screen for them: queue, boxes, statuses.
          key={`${project.annotator.id}:${role}`}
          role={role}
          onWho={() => setWhoOpen(true)}
          project={project}
          jobs={jobs.filter((j) => !(j.kind === 'evaluation' && j.state === 'done'))}
          listVersion={listVersion}
          keymap={keymap}
          suspended={dialog !== null || whoOpen || fileOpen}
          onRefreshProject={() => void refreshProject()}
          onDialog={setDialog}
          message={message}
          onMessage={setMessage}
          reloadRef={reloadBoxes}
          where={where}
          onWhere={setWhere}
          picked={picked}
          onPick={(id) =>
            setPicked((s) => {
              const n = new Set(s);
              if (n.has(id)) n.delete(id);
              else n.add(id);
              return n;
            })
          }
        />
      )}
      {dialog === 'export' && <ExportDialog onClose={() => setDialog(null)} />}
      {dialog === 'identify' && <IdentifyDialog preselect={preselect} role={role} onIdentified={onIdentified} onClose={() => setDialog(null)} />}
      {dialog === 'assign' && role === 'lead' && (
        <AssignDialog
          onClose={() => setDialog(null)}
          onAssigned={() => {
            setListVersion((v) => v + 1);
            void refreshProject();
          }}
        />
      )}
      {dialog === 'package-export' && <ExportPackageDialog current={project.annotator.name} onClose={() => setDialog(null)} />}
      {dialog === 'package-import' && (
        <ImportPackageDialog
          onClose={() => setDialog(null)}
          onImported={() => {
            setListVersion((v) => v + 1);
            void refreshProject();
            reloadBoxes.current?.();
          }}
        />
      )}
      {dialog === 'import-labels' && (
        <ImportLabelsDialog
          onClose={() => setDialog(null)}
          onImported={() => {
            setListVersion((v) => v + 1);
            void refreshProject();
            reloadBoxes.current?.();
          }}
        />
      )}
      {dialog === 'shortcuts' && keymap && (
        <ShortcutsSheet
          keymap={keymap}
          classHotkeys={project.classes.filter((c) => c.hotkey).map((c) => ({ key: c.hotkey!, name: c.name }))}
          onClose={() => setDialog(null)}
          onCustomize={() => setDialog('settings')}
        />
      )}
      {dialog === 'settings' && keymap && (
        <SettingsDialog
          keymap={keymap}
          classHotkeys={project.classes.filter((c) => c.hotkey).map((c) => ({ key: c.hotkey!, name: c.name }))}
          onChange={(k) => {
            setKeymap(k);
            if (storage) {
              const r = saveKeymap(storage, user, k);
              if (!r.ok) setMessage(r.error);
            }
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
