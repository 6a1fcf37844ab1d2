import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULTS } from '../../app/contract/defaults.ts';
import type { Res } from '../../app/contract/methods.ts';
import { DisagreementPanel, openAgreementDashboard, useReviewMode } from '../agreement/index.ts';
import { openMonitoringDashboard } from '../monitoring/MonitoringEntry.tsx';
import { call, imageUrl } from '../api/client.ts';
import { CanvasView, type CanvasHandle, type CanvasOp, type Tool } from '../canvas/CanvasView.tsx';
import type { Point, View } from '../canvas/coords.ts';
import { BoxList } from '../components/BoxList.tsx';
import { ClassPalette } from '../components/ClassPalette.tsx';
import { EvaluationPanel } from '../components/EvaluationPanel.tsx';
import { Fold } from '../components/Fold.tsx';
import type { QueueQuery } from '../components/ImageList.tsx';
import { Inspector } from '../components/Inspector.tsx';
import { LayersPanel } from '../components/LayersPanel.tsx';
import { ModelsPanel } from '../components/ModelsPanel.tsx';
import { CompareLegend, EvaluationFocusBar, openEvaluationDashboard, useEvaluationFocus } from '../evaluation/index.ts';
import { QueuePanel } from '../components/QueuePanel.tsx';
import { StatusBar } from '../components/StatusBar.tsx';
import { boundsOf, changeOp, shownBoxes } from '../state/reviewOps.ts';
import { useImageBoxes, type BoxOp } from '../state/useImageBoxes.ts';
import { useProjectSetting } from '../state/useProjectSetting.ts';
import { LiveValue } from '../state/viewStore.ts';
import type { Keymap } from '../shortcuts/keymap.ts';
import { Toolbar } from './Toolbar.tsx';
import { editCommands } from './useEditCommands.ts';
import { usePrelabel } from './usePrelabel.ts';
import { useQueueNav } from './useQueueNav.ts';
import { useWorkspaceKeys, type ActionHandlers } from './useWorkspaceKeys.ts';
import { assignedCount, colorOthers, legendOf } from '../people/personLayers.ts';
import type { Role } from '../people/peopleApi.ts';

type ProjectInfo = Res<'project:info'>;
type Job = Res<'jobs:list'>[number];

interface Props {
  project: ProjectInfo;
  jobs: Job[];
  listVersion: number;
  keymap: Keymap;
  /** A dialog is open: it owns the keyboard. */
  suspended: boolean;
  onRefreshProject(): void;
  onDialog(d: 'shortcuts' | 'settings' | 'assign'): void;
  /** The current person's role: the lead sees each person's boxes in their own colour. */
  role?: Role;
  /** Open the top bar's person-and-role menu. */
  onWho?(): void;
  message: string | null;
  onMessage(m: string | null): void;
  /** Set by the workspace: reload the open image's boxes (after an import or a pre-label job). */
  reloadRef: React.RefObject<(() => void) | null>;
  /** The metadata slice to show, chosen in the evaluation panel. */
  where: { key: string; value: string } | null;
  onWhere(w: { key: string; value: string } | null): void;
  picked: ReadonlySet<number>;
  onPick(id: number): void;
}

/** The review workspace: queue, canvas, boxes and classes, toolbar and status bar, driven by the keymap. */
export function Workspace(p: Props) {
  const { project } = p;
  const [selectedIds, setSelectedIds] = useState<number[]>([]);
  const [tool, setTool] = useState<Tool>('select');
  const [activeClassId, setActiveClassId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [panelCompare, setCompare] = useState<{ runId: number; referenceId: number } | null>(null);
  const [threshold, setThreshold] = useProjectSetting<number>('review.threshold', DEFAULTS.reviewThreshold, project.file);
  const [showPredictions, setShowPredictions] = useState(true);
  const [showLabels, setShowLabels] = useState(true);
  const [hiddenAuthors, setHiddenAuthors] = useState<ReadonlySet<number>>(new Set());
  const [highlightId, setHighlightId] = useState<number | null>(null);
  const [annotators, setAnnotators] = useState<Res<'annotators:list'>>([]);
  const [order, setOrder] = useState<QueueQuery['order']>('file');
  const [filter, setFilter] = useState<Omit<NonNullable<QueueQuery['filter']>, 'where'>>({});
  const cursor = useMemo(() => new LiveValue<Point | null>(null), []);
  const view = useMemo(() => new LiveValue<View | null>(null), []);
  const canvas = useRef<CanvasHandle>(null);

  const query: QueueQuery = useMemo(() => {
    const f = { ...filter, ...(p.where ? { where: p.where } : {}) };
    return { order, filter: Object.keys(f).length ? f : undefined };
  }, [order, filter, p.where]);

  const nav = useQueueNav(query, {
    onOpened: () => {
      setSelectedIds([]);
      setHighlightId(null);
    },
    onMessage: p.onMessage,
    onNotice: setNotice,
  });
  const { current } = nav;
  const evalFocus = useEvaluationFocus({ nav, setOrder, setFilter, onWhere: p.onWhere, onMessage: p.onMessage });
  // The images behind a number of the evaluation dashboard are marked against its run and reference.
  const compare = evalFocus.focus ? evalFocus.compare : panelCompare;
  const imageId = current?.item.id ?? null;
  const edits = useImageBoxes(imageId);
  const prelabel = usePrelabel({ isOpen: (id) => nav.currentRef.current?.item.id === id, reload: edits.reload, onNotice: setNotice, onMessage: p.onMessage });

  useEffect(() => {
    call('annotators:list', {}).then(setAnnotators, () => {});
  }, [p.listVersion, project.file]);

  useEffect(() => {
    const first = project.classes[0]?.id ?? null;
    if (activeClassId === null || !project.classes.some((c) => c.id === activeClassId)) setActiveClassId(first);
  }, [project, activeClassId]);

  useEffect(() => {
    p.reloadRef.current = () => void edits.reload();
  });

  // The list row follows the open image's boxes.
  useEffect(() => {
    if (imageId !== null && !edits.loading) nav.patchRow.current?.(imageId, { boxCount: edits.boxes.length });
  }, [imageId, edits.boxes, edits.loading]);

  const me = edits.annotatorId;
  const classMap = useMemo(() => new Map(project.classes.map((c) => [c.id, c])), [project.classes]);
  const authorNames = useMemo(() => new Map(annotators.map((a) => [a.id, a.name])), [annotators]);
  const legend = useMemo(() => (p.role === 'lead' ? legendOf(edits.boxes, me, authorNames) : null), [p.role, edits.boxes, me, authorNames]);
  const shown = useMemo(
    () => colorOthers(shownBoxes(edits.boxes, { me, threshold, showPredictions, hiddenAuthors, authorNames, compare }), legend, edits.boxes),
    [edits.boxes, me, threshold, showPredictions, hiddenAuthors, authorNames, compare, legend],
  );
  const allById = useMemo(() => new Map(edits.boxes.map((b) => [b.id, b])), [edits.boxes]);
  const shownById = useMemo(() => new Map(shown.map((b) => [b.id, b])), [shown]);
  const review = useReviewMode({ project, nav, order, setOrder, setFilter, role: p.role, colors: legend, reload: () => void edits.reload(), onMessage: p.onMessage });
  const drawn = useMemo(() => review.decorate(shown, allById), [review.decorate, shown, allById]);
  const rejectedCount = useMemo(() => edits.boxes.filter((b) => b.rejected).length, [edits.boxes]);
  const otherAuthors = useMemo(() => {
    const ids = new Set(edits.boxes.filter((b) => b.modelRunId === null && b.annotatorId !== me).map((b) => b.annotatorId));
    return [...ids].map((id) => ({ id, name: authorNames.get(id) ?? `#${id}` }));
  }, [edits.boxes, me, authorNames]);

  // A selection keeps only boxes still shown (after a threshold change, an undo, …).
  const liveSelection = useMemo(() => selectedIds.filter((id) => shownById.has(id)), [selectedIds, shownById]);
  const selectedShown = useMemo(() => liveSelection.map((id) => shownById.get(id)!), [liveSelection, shownById]);

  /** Run an op on the open image; the status goes to in progress with the first edit (the core does the same). */
  const apply = useCallback(
    async (op: BoxOp, selectAdded = false) => {
      const forImage = nav.currentRef.current?.item.id;
      const r = await edits.apply(op);
      if (!r || forImage === undefined || nav.currentRef.current?.item.id !== forImage) return r;
      nav.markStarted(forImage);
      if (selectAdded && r.diff.added.length) setSelectedIds(r.diff.added.map((a) => a.id!).filter(Boolean));
      return r;
    },
    [edits, nav.markStarted],
  );

  const onOp = useCallback(
    (op: CanvasOp) => {
      if (op.kind === 'add') void apply({ add: [{ classId: op.classId, rect: op.rect }] }, true);
      else {
        const c = changeOp(edits.boxes, me, op.items);
        void apply(c, c.add!.length > 0 && c.update!.length === 0);
      }
    },
    [apply, edits.boxes, me],
  );

  const commands = editCommands({ edits, nav, shown, selected: selectedShown, setSelectedIds, threshold, apply, onNotice: setNotice, onMessage: p.onMessage });
  const setClass = (classId: number) => {
    setActiveClassId(classId);
    commands.setClass(classId);
  };

  const handlers: ActionHandlers = {
    ...commands.handlers,
    ...review.handlers,
    'image.next': () => current && void nav.openAt(current.index + 1),
    'image.prev': () => current && void nav.openAt(current.index - 1),
    'image.nextUnreviewed': () => void nav.nextUnreviewed(),
    'review.doneNext': () => void nav.decide('done'),
    'review.skip': () => void nav.decide('skipped'),
    'prelabel.image': () => imageId !== null && void prelabel.image(imageId, false),
    'prelabel.again': () => imageId !== null && void prelabel.image(imageId, true),
    'edit.cancel': () => {
      if (!canvas.current?.cancelGesture()) setSelectedIds([]);
    },
    'tool.box': () => setTool('box'),
    'tool.select': () => setTool('select'),
    'view.fit': () => canvas.current?.fit(),
    'view.actualSize': () => canvas.current?.oneToOne(),
    'view.zoomIn': () => canvas.current?.zoom(1.25),
    'view.zoomOut': () => canvas.current?.zoom(0.8),
    'view.zoomSelection': () => {
      const b = boundsOf(selectedShown);
      if (b) canvas.current?.zoomTo(b);
    },
    'view.toggleLabels': () => setShowLabels((s) => !s),
    'view.togglePredictions': () => setShowPredictions((s) => !s),
    'view.shortcuts': () => p.onDialog('shortcuts'),
    'view.settings': () => p.onDialog('settings'),
    'session.switch': () => p.onWho?.(),
    'assign.open': () => p.role === 'lead' && p.onDialog('assign'),
    'agreement.open': () => p.role === 'lead' && openAgreementDashboard(),
    'evaluation.open': () => openEvaluationDashboard(),
    'monitoring.open': () => openMonitoringDashboard(),
    'history.undo': () => void edits.undoEdit(),
    'history.redo': () => void edits.redoEdit(),
  };

  useWorkspaceKeys({
    keymap: p.keymap,
    handlers,
    classHotkeys: project.classes.filter((c) => c.hotkey).map((c) => ({ id: c.id, key: c.hotkey!, name: c.name })),
    onClassKey: setClass,
    boxSelected: liveSelection.length > 0,
    suspended: p.suspended,
  });

  const single = liveSelection.length === 1 ? allById.get(liveSelection[0]) : undefined;
  const singleKind = single ? shownById.get(single.id)?.kind : undefined;

  return (
    <>
      <aside className="left">
        <QueuePanel
          query={query}
          onQuery={(q) => {
            setOrder(q.order ?? 'file');
            const { where, ...rest } = q.filter ?? {};
            setFilter(rest);
            if (!where && p.where) p.onWhere(null);
          }}
          classes={project.classes}
          annotators={annotators.filter((a) => a.kind !== 'model')}
          version={p.listVersion}
          selectedId={imageId}
          selectedIndex={current?.index ?? null}
          onOpen={nav.open}
          itemAtRef={nav.itemAt}
          patchRef={nav.patchRow}
          onTotal={nav.setTotal}
          picked={p.picked}
          onPick={p.onPick}
          assigned={p.role === 'lead' ? undefined : assignedCount(annotators, project.annotator.id)}
        />
      </aside>
      <main className="center">
        <Toolbar
          tool={tool}
          onTool={setTool}
          canvas={canvas}
          undo={edits.undo}
          redo={edits.redo}
          onUndo={() => void edits.undoEdit()}
          onRedo={() => void edits.redoEdit()}
          threshold={threshold}
          onThreshold={setThreshold}
          showPredictions={showPredictions}
          onShowPredictions={setShowPredictions}
          status={current?.item.status ?? null}
          onDone={() => void nav.decide('done')}
          onSkip={() => void nav.decide('skipped')}
          keymap={p.keymap}
        />
        <div className="canvas-wrap">
          {current ? (
            <CanvasView
              imageId={current.item.id}
              imageUrl={imageUrl(current.item.id)}
              width={current.item.width}
              height={current.item.height}
              boxes={drawn}
              classes={project.classes}
              selectedIds={liveSelection}
              onSelect={setSelectedIds}
              tool={tool}
              activeClassId={activeClassId}
              onOp={onOp}
              onCursor={(c) => cursor.set(c)}
              onView={(v) => view.set(v)}
              showLabels={showLabels}
              highlightId={highlightId}
              missedCount={compare ? shown.filter((b) => b.missed).length : undefined}
              falseAlarmCount={compare ? shown.filter((b) => b.falseAlarm).length : undefined}
              handleRef={canvas}
            />
          ) : (
            <div className="empty">{project.imageCount === 0 ? 'No images yet. Import a folder to start.' : 'Pick an image on the left, or press N for the next unreviewed one.'}</div>
          )}
          {current && compare && <CompareLegend missed={shown.filter((b) => b.missed).length} falseAlarms={shown.filter((b) => b.falseAlarm).length} />}
        </div>
      </main>
      <aside className="right">
        <EvaluationFocusBar f={evalFocus} />
        {review.active && (
          <DisagreementPanel d={review.d} target={review.target} position={review.position} keyOf={(id) => (p.keymap[id as keyof Keymap]?.[0] ? ` (${p.keymap[id as keyof Keymap]![0]})` : '')} onPrev={review.prev} onNext={review.next} onLeave={review.leave} />
        )}
        <Inspector box={single} className={single ? classMap.get(single.classId)?.name : undefined} kind={singleKind} author={single ? authorNames.get(single.annotatorId) : undefined} count={liveSelection.length} />
        <LayersPanel
          showLabels={showLabels}
          onShowLabels={setShowLabels}
          otherAuthors={otherAuthors}
          colors={legend}
          hiddenAuthors={hiddenAuthors}
          onHiddenAuthors={setHiddenAuthors}
          labelsKey={p.keymap['view.toggleLabels']?.[0] ? ` (${p.keymap['view.toggleLabels'][0]})` : ''}
        />
        <BoxList shown={shown} all={allById} classes={classMap} selectedIds={liveSelection} onSelect={setSelectedIds} onHover={setHighlightId} rejectedCount={rejectedCount} />
        <ClassPalette classes={project.classes} activeClassId={activeClassId} onPick={setClass} onChanged={p.onRefreshProject} onError={p.onMessage} />
        <Fold id="evaluation" title="Where the model misses" defaultOpen>
          <EvaluationPanel version={p.listVersion} imageCount={project.imageCount} where={p.where} onWhere={p.onWhere} onCompare={setCompare} onError={p.onMessage} />
        </Fold>
        <Fold id="models" title="Models and pre-labels">
          <ModelsPanel
            classes={project.classes}
            version={p.listVersion}
            settings={prelabel.settings}
            onSettings={prelabel.setSettings}
            onPrelabelImage={(force) => imageId !== null && void prelabel.image(imageId, force)}
            onPrelabelAll={(force) => prelabel.start(force)}
            pickedCount={p.picked.size}
            onPrelabelPicked={(force) => prelabel.start(force, [...p.picked])}
            canPrelabelImage={imageId !== null}
            onChanged={p.onRefreshProject}
            onError={p.onMessage}
          />
        </Fold>
      </aside>
      <StatusBar
        position={current ? { index: current.index, total: nav.total } : null}
        path={current?.item.path ?? null}
        size={current ? { w: current.item.width, h: current.item.height } : null}
        cursor={cursor}
        view={view}
        boxCount={edits.boxes.length}
        undo={edits.undo}
        redo={edits.redo}
        jobs={p.jobs}
        notice={notice}
        error={p.message ?? edits.error}
        onDismissError={() => p.onMessage(null)}
      />
    </>
  );
}
