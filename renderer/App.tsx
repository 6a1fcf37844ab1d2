import { useCallback, useEffect, useRef, useState } from 'react';
import type { Res } from '../app/contract/methods.ts';
import { call, imageUrl, onEvent, type UiEvent } from './api/client.ts';
import { CanvasView, type CanvasHandle, type Tool } from './canvas/CanvasView.tsx';
import type { Point } from './canvas/coords.ts';
import { ClassPalette } from './components/ClassPalette.tsx';
import { EvaluationPanel } from './components/EvaluationPanel.tsx';
import { ExportDialog } from './components/ExportDialog.tsx';
import { FailuresPanel } from './components/FailuresPanel.tsx';
import { ImageList } from './components/ImageList.tsx';
import { Inspector } from './components/Inspector.tsx';
import { ImportFolder } from './components/ImportFolder.tsx';
import { ImportLabelsDialog } from './components/ImportLabelsDialog.tsx';
import { JobBar } from './components/JobBar.tsx';
import { ModelsPanel, type PrelabelSettings } from './components/ModelsPanel.tsx';
import { OpenProject } from './components/OpenProject.tsx';
import { useImageBoxes } from './state/useImageBoxes.ts';

type ProjectInfo = Res<'project:info'>;
type Item = Res<'images:list'>['items'][number];
type Job = Res<'jobs:list'>[number];

/** The main window: image list, canvas, classes and selection. */
export function App() {
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [ready, setReady] = useState(false);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [listVersion, setListVersion] = useState(0);
  const [current, setCurrent] = useState<{ item: Item; index: number } | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [tool, setTool] = useState<Tool>('select');
  const [activeClassId, setActiveClassId] = useState<number | null>(null);
  const [cursor, setCursor] = useState<Point | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [showFailures, setShowFailures] = useState(false);
  const [dialog, setDialog] = useState<'export' | 'import-labels' | null>(null);
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [where, setWhere] = useState<{ key: string; value: string } | null>(null);
  const [compare, setCompare] = useState<{ runId: number; referenceId: number } | null>(null);
  const [scoreThreshold, setScoreThreshold] = useState(0.25);
  const [showPredictions, setShowPredictions] = useState(true);
  const [prelabelSettings, setPrelabelSettings] = useState<PrelabelSettings>({ modelId: null, conf: 0.25, iou: 0.45 });
  const canvas = useRef<CanvasHandle>(null);
  const itemAt = useRef<((index: number) => Promise<Item | null>) | null>(null);
  const imageId = current?.item.id ?? null;
  const edits = useImageBoxes(imageId);

  const refreshProject = useCallback(async () => {
    const info = await call('app:info', {});
    setProject(info.project);
    setReady(true);
  }, []);

  useEffect(() => {
    void refreshProject();
  }, [refreshProject]);

  useEffect(() => {
    const first = project?.classes[0]?.id ?? null;
    if (activeClassId === null || !project?.classes.some((c) => c.id === activeClassId)) setActiveClassId(first);
  }, [project, activeClassId]);

  const handleEvent = useRef<(e: UiEvent) => void>(() => {});
  useEffect(() => onEvent((e) => handleEvent.current(e)), []);

  const openAt = useCallback(async (index: number) => {
    const item = await itemAt.current?.(index);
    if (item) {
      setCurrent({ item, index });
      setSelectedId(null);
    }
  }, []);

  const undo = useCallback(() => void edits.undoEdit(), [edits]);
  const redo = useCallback(() => void edits.redoEdit(), [edits]);
  const classById = new Map(project?.classes.map((c) => [c.id, c]) ?? []);
  const selected = edits.boxes.find((b) => b.id === selectedId);
  const mine = (b: { annotatorId: number } | undefined) => b !== undefined && b.annotatorId === edits.annotatorId;

  handleEvent.current = (e: UiEvent) => {
    if (e.type === 'job') {
      setJobs((js) => [e.job, ...js.filter((j) => j.id !== e.job.id)].slice(0, 5));
      // An evaluation changes nothing stored; every other job may have changed the list.
      if (e.job.state !== 'running' && e.job.kind !== 'evaluation') {
        setListVersion((v) => v + 1);
        void refreshProject();
        if (e.job.kind === 'prelabel') void edits.reload();
        if (e.job.state === 'failed' && e.job.error) setMessage(e.job.error);
      }
    } else if (e.type === 'project') {
      setProject(e.project);
      setCurrent(null);
      setListVersion((v) => v + 1);
    } else if (e.type === 'menu') {
      // The menu's accelerators take Ctrl+Z from text fields too: give it back to them.
      const typing = document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLTextAreaElement;
      if ((e.action === 'undo' || e.action === 'redo') && typing) document.execCommand(e.action);
      else if (e.action === 'undo') undo();
      else if (e.action === 'redo') redo();
      else if (e.action === 'fit') canvas.current?.fit();
      else if (e.action === 'zoom-in') canvas.current?.zoom(1.25);
      else if (e.action === 'zoom-out') canvas.current?.zoom(0.8);
      else if ((e.action === 'export' || e.action === 'import-labels') && project) setDialog(e.action);
    }
  };

  const prelabelImage = useCallback(
    async (force: boolean) => {
      if (imageId === null || prelabelSettings.modelId === null) return;
      const forImage = imageId;
      setNotice('Pre-labelling…');
      try {
        const r = await call('prelabel:image', { imageId: forImage, modelId: prelabelSettings.modelId, conf: prelabelSettings.conf, iou: prelabelSettings.iou, force });
        if (current?.item.id !== forImage) return;
        await edits.reload();
        const s = r.summary;
        setNotice(
          s.skipped ? 'Already pre-labelled with these settings (Shift+P runs again).' : s.failed.length ? `Pre-label failed: ${s.failed[0].reason}` : `${s.boxes} predictions in ${(s.seconds * 1000).toFixed(0)} ms`,
        );
      } catch (e) {
        setNotice(null);
        setMessage((e as Error).message);
      }
    },
    [imageId, prelabelSettings, edits, current],
  );

  const prelabelAll = useCallback((force: boolean, imageIds?: number[]) => {
    if (prelabelSettings.modelId === null) return;
    call('prelabel:start', { modelId: prelabelSettings.modelId, conf: prelabelSettings.conf, iou: prelabelSettings.iou, force, imageIds }).catch((e: Error) =>
      setMessage(e.message),
    );
  }, [prelabelSettings]);

  const setClass = useCallback(
    (classId: number) => {
      setActiveClassId(classId);
      if (selected && mine(selected) && selected.classId !== classId) void edits.apply({ kind: 'update', id: selected.id, classId });
    },
    [selected, edits],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A dialog owns the keyboard while it is open.
      if (dialog) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      const key = e.key.toLowerCase();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
        return;
      }
      if (mod && key === 'y') {
        e.preventDefault();
        redo();
        return;
      }
      if (mod || e.altKey) return;
      if (key === 'escape') {
        if (!canvas.current?.cancelGesture()) setSelectedId(null);
        return;
      }
      if ((key === 'delete' || key === 'backspace') && selected && mine(selected)) {
        e.preventDefault();
        void edits.apply({ kind: 'remove', id: selected.id });
        setSelectedId(null);
        return;
      }
      if (key === 'enter') {
        // Accept the selected prediction, or with Shift every shown prediction not yet accepted.
        const accepted = new Set(edits.boxes.filter((b) => mine(b) && b.sourceBoxId !== null).map((b) => b.sourceBoxId));
        const candidates = e.shiftKey
          ? edits.boxes.filter((b) => !mine(b) && showPredictions && (b.score === null || b.score >= scoreThreshold))
          : selected && !mine(selected)
            ? [selected]
            : [];
        const ids = candidates.filter((b) => !accepted.has(b.id)).map((b) => b.id);
        if (ids.length) {
          e.preventDefault();
          void edits.apply({ kind: 'accept', ids }).then((r) => {
            if (r && !e.shiftKey && r.diff.added[0]?.id) setSelectedId(r.diff.added[0].id);
          });
        }
        return;
      }
      if (key === 'p') return void prelabelImage(e.shiftKey);
      if (key === 'b') return setTool('box');
      if (key === 'v') return setTool('select');
      if (key === 'f') return canvas.current?.fit();
      if (key === '+' || key === '=') return canvas.current?.zoom(1.25);
      if (key === '-') return canvas.current?.zoom(0.8);
      if (key === 'd' && current) return void openAt(current.index + 1);
      if (key === 'a' && current) return void openAt(current.index - 1);
      const cls = project?.classes.find((c) => c.hotkey === key);
      if (cls) setClass(cls.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (!ready) return <div className="loading">Loading…</div>;
  if (!project) return <OpenProject onOpened={() => void refreshProject()} />;

  return (
    <div className="app">
      <header className="topbar">
        <strong className="project-name" data-testid="project-name">
          {project.name}
        </strong>
        <span className="muted">
          {project.imageCount} images · {project.boxCount} boxes · {project.annotator.name}
        </span>
        {project.failedCount > 0 && (
          <button type="button" className="warn" data-testid="failures-badge" onClick={() => setShowFailures((s) => !s)}>
            {project.failedCount} files not imported
          </button>
        )}
        <ImportFolder onError={setMessage} />
        <button type="button" onClick={() => setDialog('import-labels')} data-testid="import-labels-open">
          Import labels…
        </button>
        <button type="button" onClick={() => setDialog('export')} data-testid="export-open">
          Export…
        </button>
        <label className="predictions" title="Show the model's predictions at or above this score">
          <input type="checkbox" checked={showPredictions} onChange={(e) => setShowPredictions(e.target.checked)} data-testid="show-predictions" />
          predictions ≥
          <input
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={scoreThreshold}
            onChange={(e) => setScoreThreshold(Number(e.target.value))}
            data-testid="score-threshold"
          />
          <span className="num">{scoreThreshold.toFixed(2)}</span>
        </label>
        <div className="tools" role="toolbar">
          <button type="button" className={tool === 'select' ? 'on' : ''} onClick={() => setTool('select')} title="Select and move (V)">
            Select
          </button>
          <button type="button" className={tool === 'box' ? 'on' : ''} onClick={() => setTool('box')} title="Draw boxes (B)" data-testid="tool-box">
            Box
          </button>
          <button type="button" onClick={() => canvas.current?.fit()} title="Fit to window (F)">
            Fit
          </button>
          <button type="button" onClick={undo} disabled={edits.undo === 0} title="Undo (Ctrl+Z)" data-testid="undo">
            Undo
          </button>
          <button type="button" onClick={redo} disabled={edits.redo === 0} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
            Redo
          </button>
        </div>
        {/* A finished evaluation shows in its panel; the bar keeps jobs that changed something or failed. */}
        <JobBar jobs={jobs.filter((j) => !(j.kind === 'evaluation' && j.state === 'done'))} />
      </header>
      <aside className="left">
        {where && (
          <div className="filter-chip" data-testid="list-filter">
            <span>
              {where.key} = {where.value}
            </span>
            <button type="button" onClick={() => setWhere(null)} title="Show every image">
              ×
            </button>
          </div>
        )}
        <ImageList key={where ? `${where.key}=${where.value}` : ''} where={where} version={listVersion} selectedId={imageId} onOpen={(item, index) => { setCurrent({ item, index }); setSelectedId(null); }} itemAtRef={itemAt}
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
      </aside>
      <main className="center">
        {showFailures && <FailuresPanel version={listVersion} onClose={() => setShowFailures(false)} />}
        {current ? (
          <CanvasView
            key={current.item.id}
            imageId={current.item.id}
            imageUrl={imageUrl(current.item.id)}
            width={current.item.width}
            height={current.item.height}
            boxes={edits.boxes}
            classes={project.classes}
            editableAuthor={edits.annotatorId}
            selectedId={selectedId}
            onSelect={setSelectedId}
            tool={tool}
            activeClassId={activeClassId}
            onCursor={setCursor}
            scoreThreshold={scoreThreshold}
            showPredictions={showPredictions}
            compare={compare}
            handleRef={canvas}
            onOp={(op) => {
              void edits.apply(op).then((r) => {
                if (r && op.kind === 'add' && r.diff.added[0]?.id) setSelectedId(r.diff.added[0].id);
              });
            }}
          />
        ) : (
          <div className="empty">{project.imageCount === 0 ? 'No images yet. Import a folder to start.' : 'Pick an image on the left.'}</div>
        )}
      </main>
      <aside className="right">
        <ClassPalette
          classes={project.classes}
          activeClassId={activeClassId}
          onPick={setClass}
          onChanged={() => void refreshProject()}
          onError={setMessage}
        />
        <EvaluationPanel version={listVersion} imageCount={project.imageCount} where={where} onWhere={setWhere} onCompare={setCompare} onError={setMessage} />
        <ModelsPanel
          classes={project.classes}
          version={listVersion}
          settings={prelabelSettings}
          onSettings={setPrelabelSettings}
          onPrelabelImage={(force) => void prelabelImage(force)}
          onPrelabelAll={(force) => prelabelAll(force)}
          pickedCount={picked.size}
          onPrelabelPicked={(force) => prelabelAll(force, [...picked])}
          canPrelabelImage={imageId !== null}
          onChanged={() => void refreshProject()}
          onError={setMessage}
        />
        <Inspector box={selected} className={selected ? classById.get(selected.classId)?.name : undefined} editable={mine(selected)} />
      </aside>
      {dialog === 'export' && <ExportDialog onClose={() => setDialog(null)} />}
      {dialog === 'import-labels' && (
        <ImportLabelsDialog
          onClose={() => setDialog(null)}
          onImported={() => {
            setListVersion((v) => v + 1);
            void refreshProject();
            void edits.reload();
          }}
        />
      )}
      <footer className="statusbar" data-testid="status">
        <span>{current ? current.item.path : ''}</span>
        <span>{current ? `${current.item.width}×${current.item.height}` : ''}</span>
        <span>{cursor ? `${cursor.x.toFixed(1)}, ${cursor.y.toFixed(1)}` : ''}</span>
        <span data-testid="box-count">{edits.boxes.length} boxes</span>
        <span>
          undo {edits.undo} · redo {edits.redo}
        </span>
        {notice && (
          <span className="notice" data-testid="notice">
            {notice}
          </span>
        )}
        {(message ?? edits.error) && (
          <span className="error" data-testid="error" onClick={() => setMessage(null)}>
            {message ?? edits.error}
          </span>
        )}
      </footer>
    </div>
  );
}
