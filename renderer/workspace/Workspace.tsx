import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULTS } from '../../app/contract/defaults.ts';
import type { Res } from '../../app/contract/methods.ts';
import { call, imageUrl } from '../api/client.ts';
import type { ShownBox } from '../canvas/boxScene.ts';
import { CanvasView, type CanvasHandle, type CanvasOp, type Tool } from '../canvas/CanvasView.tsx';
import type { Point, View } from '../canvas/coords.ts';
import { prefetchImages } from '../canvas/imageCache.ts';
import { BoxList } from '../components/BoxList.tsx';
import { ClassPalette } from '../components/ClassPalette.tsx';
import { EvaluationPanel } from '../components/EvaluationPanel.tsx';
import type { QueueQuery } from '../components/ImageList.tsx';
import { Inspector } from '../components/Inspector.tsx';
import { LayersPanel } from '../components/LayersPanel.tsx';
import { Fold } from '../components/Fold.tsx';
import { ModelsPanel, type PrelabelSettings } from '../components/ModelsPanel.tsx';
import { QueuePanel } from '../components/QueuePanel.tsx';
import { StatusBar } from '../components/StatusBar.tsx';
import { boundsOf, changeOp, copiesOf, nudgeItems, shownBoxes } from '../state/reviewOps.ts';
import { useImageBoxes, type BoxOp } from '../state/useImageBoxes.ts';
import { LiveValue } from '../state/viewStore.ts';
import type { Keymap } from '../shortcuts/keymap.ts';
import { Toolbar } from './Toolbar.tsx';
import { useWorkspaceKeys, type ActionHandlers } from './useWorkspaceKeys.ts';

type ProjectInfo = Res<'project:info'>;
type Item = Res<'images:list'>['items'][number];
type Job = Res<'jobs:list'>[number];
type Status = Item['status'];

interface Props {
  project: ProjectInfo;
  jobs: Job[];
  listVersion: number;
  keymap: Keymap;
  /** A dialog is open: it owns the keyboard. */
  suspended: boolean;
  onRefreshProject(): void;
  onDialog(d: 'shortcuts' | 'settings'): void;
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

/** Ids of `ids` that are predictions. */
const predictionsOf = (shown: readonly ShownBox[], ids: readonly number[]) => {
  const set = new Set(ids);
  return shown.filter((b) => set.has(b.id) && b.kind === 'prediction');
};

/** The review workspace: queue, canvas, boxes and classes, toolbar and status bar, driven by the keymap. */
export function Workspace(p: Props) {
  const { project } = p;
  const [current, setCurrent] = useState<{ item: Item; index: number } | null>(null);
  const [total, setTotal] = useState(0);
  const [selectedIds, setSelectedIds] = useState<number[]>([]);
  const [tool, setTool] = useState<Tool>('select');
  const [activeClassId, setActiveClassId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [compare, setCompare] = useState<{ runId: number; referenceId: number } | null>(null);
  const [threshold, setThreshold] = useState<number>(DEFAULTS.reviewThreshold);
  const [showPredictions, setShowPredictions] = useState(true);
  const [showLabels, setShowLabels] = useState(true);
  const [hiddenAuthors, setHiddenAuthors] = useState<ReadonlySet<number>>(new Set());
  const [highlightId, setHighlightId] = useState<number | null>(null);
  const [annotators, setAnnotators] = useState<Res<'annotators:list'>>([]);
  const [order, setOrder] = useState<QueueQuery['order']>('file');
  const [filter, setFilter] = useState<Omit<NonNullable<QueueQuery['filter']>, 'where'>>({});
  const [prelabelSettings, setPrelabelSettings] = useState<PrelabelSettings>({ modelId: null, conf: DEFAULTS.conf, iou: DEFAULTS.iou });
  const cursor = useMemo(() => new LiveValue<Point | null>(null), []);
  const view = useMemo(() => new LiveValue<View | null>(null), []);
  const canvas = useRef<CanvasHandle>(null);
  const itemAt = useRef<((index: number) => Promise<Item | null>) | null>(null);
  const patchRow = useRef<((id: number, patch: Partial<Item>) => void) | null>(null);
  const imageId = current?.item.id ?? null;
  const edits = useImageBoxes(imageId);
  const currentRef = useRef(current);
  currentRef.current = current;

  const query: QueueQuery = useMemo(() => {
    const f = { ...filter, ...(p.where ? { where: p.where } : {}) };
    return { order, filter: Object.keys(f).length ? f : undefined };
  }, [order, filter, p.where]);

  // The score threshold is kept per person and project.
  useEffect(() => {
    call('settings:get', { key: 'review.threshold' })
      .then((r) => typeof r.value === 'number' && setThreshold(r.value))
      .catch(() => {});
  }, [project.file]);
  const saveThreshold = useRef<ReturnType<typeof setTimeout> | null>(null);
  const changeThreshold = (t: number) => {
    setThreshold(t);
    if (saveThreshold.current) clearTimeout(saveThreshold.current);
    saveThreshold.current = setTimeout(() => void call('settings:set', { key: 'review.threshold', value: t }).catch(() => {}), 300);
  };

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

  const open = useCallback((item: Item, index: number) => {
    setCurrent({ item, index });
    setSelectedIds([]);
    setHighlightId(null);
  }, []);

  const openAt = useCallback(
    async (index: number) => {
      if (index < 0) return;
      const item = await itemAt.current?.(index);
      if (item) open(item, index);
    },
    [open],
  );

  // Prefetch the neighbours so the next key press shows pixels at once.
  useEffect(() => {
    if (!current) return;
    const i = current.index;
    void Promise.all([itemAt.current?.(i + 1), itemAt.current?.(i - 1), itemAt.current?.(i + 2)]).then((items) =>
      prefetchImages(items.filter((x): x is Item => !!x).map((x) => imageUrl(x.id))),
    );
  }, [current]);

  // The list row follows the open image's boxes.
  useEffect(() => {
    if (imageId !== null && !edits.loading) patchRow.current?.(imageId, { boxCount: edits.boxes.length });
  }, [imageId, edits.boxes, edits.loading]);

  const me = edits.annotatorId;
  const classMap = useMemo(() => new Map(project.classes.map((c) => [c.id, c])), [project.classes]);
  const authorNames = useMemo(() => new Map(annotators.map((a) => [a.id, a.name])), [annotators]);
  const shown = useMemo(
    () => shownBoxes(edits.boxes, { me, threshold, showPredictions, hiddenAuthors, authorNames, compare }),
    [edits.boxes, me, threshold, showPredictions, hiddenAuthors, authorNames, compare],
  );
  const allById = useMemo(() => new Map(edits.boxes.map((b) => [b.id, b])), [edits.boxes]);
  const shownById = useMemo(() => new Map(shown.map((b) => [b.id, b])), [shown]);
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
      const forImage = currentRef.current?.item.id;
      const r = await edits.apply(op);
      if (!r || forImage === undefined || currentRef.current?.item.id !== forImage) return r;
      const cur = currentRef.current;
      if (cur && cur.item.status === 'todo') {
        const item = { ...cur.item, status: 'in_progress' as Status };
        setCurrent({ item, index: cur.index });
        patchRow.current?.(forImage, { status: 'in_progress' });
      }
      if (selectAdded && r.diff.added.length) setSelectedIds(r.diff.added.map((a) => a.id!).filter(Boolean));
      return r;
    },
    [edits],
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

  const setStatus = useCallback(
    async (status: Status): Promise<boolean> => {
      const cur = currentRef.current;
      if (!cur) return false;
      try {
        await call('review:set', { imageId: cur.item.id, status });
        patchRow.current?.(cur.item.id, { status });
        if (currentRef.current?.item.id === cur.item.id) setCurrent({ item: { ...cur.item, status }, index: cur.index });
        return true;
      } catch (e) {
        p.onMessage((e as Error).message);
        return false;
      }
    },
    [p],
  );

  const nextUnreviewed = useCallback(async () => {
    const from = currentRef.current?.index ?? -1;
    try {
      const r = await call('images:next', { from, direction: 1, unreviewed: true, ...query });
      if (r.item && r.index !== null) open(r.item, r.index);
      else setNotice('Every image in this queue is reviewed.');
    } catch (e) {
      p.onMessage((e as Error).message);
    }
  }, [query, open, p]);

  /** Done or skipped: record it, then open the next unreviewed image. */
  const decide = async (status: 'done' | 'skipped') => {
    if (await setStatus(status)) await nextUnreviewed();
  };

  const prelabelImage = useCallback(
    async (force: boolean) => {
      if (imageId === null || prelabelSettings.modelId === null) return;
      const forImage = imageId;
      setNotice('Pre-labelling…');
      try {
        const r = await call('prelabel:image', { imageId: forImage, modelId: prelabelSettings.modelId, conf: prelabelSettings.conf, iou: prelabelSettings.iou, force });
        if (currentRef.current?.item.id !== forImage) return;
        await edits.reload();
        const s = r.summary;
        setNotice(
          s.skipped ? 'Already pre-labelled with these settings (Shift+P runs again).' : s.failed.length ? `Pre-label failed: ${s.failed[0].reason}` : `${s.boxes} predictions in ${(s.seconds * 1000).toFixed(0)} ms`,
        );
      } catch (e) {
        setNotice(null);
        p.onMessage((e as Error).message);
      }
    },
    [imageId, prelabelSettings, edits, p],
  );

  const prelabelAll = useCallback(
    (force: boolean, imageIds?: number[]) => {
      if (prelabelSettings.modelId === null) return;
      call('prelabel:start', { modelId: prelabelSettings.modelId, conf: prelabelSettings.conf, iou: prelabelSettings.iou, force, imageIds }).catch((e: Error) => p.onMessage(e.message));
    },
    [prelabelSettings, p],
  );

  const setClass = useCallback(
    (classId: number) => {
      setActiveClassId(classId);
      const items = selectedShown.filter((b) => b.kind !== 'other' && b.classId !== classId).map((b) => ({ id: b.id, classId }));
      if (items.length) {
        const c = changeOp(edits.boxes, me, items);
        void apply(c, c.update!.length === 0);
      }
    },
    [selectedShown, edits.boxes, me, apply],
  );

  const accept = (boxes: readonly ShownBox[]) => {
    if (boxes.length) void apply({ add: boxes.map((b) => ({ classId: b.classId, rect: { x: b.x, y: b.y, w: b.w, h: b.h }, sourceBoxId: b.id })) }, true);
  };
  const nudge = (dx: number, dy: number) => {
    if (!current) return;
    const items = nudgeItems(selectedShown.filter((b) => b.kind !== 'other'), dx, dy, current.item.width, current.item.height);
    if (items.length) {
      const c = changeOp(edits.boxes, me, items);
      void apply(c, c.update!.length === 0);
    }
  };

  /** Grow or shrink the selection's right or bottom edge by keyboard (a box made by keys alone: duplicate, nudge, resize). */
  const resize = (dw: number, dh: number) => {
    if (!current) return;
    const items = selectedShown
      .filter((b) => b.kind !== 'other')
      .map((b) => ({ id: b.id, rect: { x: b.x, y: b.y, w: Math.min(current.item.width - b.x, Math.max(1, b.w + dw)), h: Math.min(current.item.height - b.y, Math.max(1, b.h + dh)) } }))
      .filter((it, i) => it.rect.w !== selectedShown[i].w || it.rect.h !== selectedShown[i].h);
    if (items.length) {
      const c = changeOp(edits.boxes, me, items);
      void apply(c, c.update!.length === 0);
    }
  };
  /** Walk the shown boxes in reading order (top to bottom, left to right). */
  const stepSelection = (dir: 1 | -1) => {
    if (!shown.length) return;
    const order = [...shown].sort((a, b) => a.y - b.y || a.x - b.x || a.id - b.id);
    const at = liveSelection.length ? order.findIndex((b) => b.id === liveSelection[liveSelection.length - 1]) : -1;
    const next = at < 0 ? (dir === 1 ? 0 : order.length - 1) : (at + dir + order.length) % order.length;
    setSelectedIds([order[next].id]);
  };

  const handlers: ActionHandlers = {
    'image.next': () => current && void openAt(current.index + 1),
    'image.prev': () => current && void openAt(current.index - 1),
    'image.nextUnreviewed': () => void nextUnreviewed(),
    'review.doneNext': () => void decide('done'),
    'review.skip': () => void decide('skipped'),
    'prediction.accept': () => accept(predictionsOf(shown, liveSelection)),
    'prediction.acceptAll': () => accept(shown.filter((b) => b.kind === 'prediction')),
    'prediction.reject': () => {
      const ids = predictionsOf(shown, liveSelection).map((b) => b.id);
      if (ids.length) void apply({ reject: ids }).then(() => setSelectedIds([]));
    },
    'prediction.rejectBelow': () => {
      const taken = new Set(edits.boxes.filter((b) => b.annotatorId === me && b.sourceBoxId !== null).map((b) => b.sourceBoxId));
      const ids = edits.boxes.filter((b) => b.modelRunId !== null && !b.rejected && !taken.has(b.id) && b.score !== null && b.score < threshold).map((b) => b.id);
      if (ids.length) void apply({ reject: ids }).then((r) => r && setNotice(`${ids.length} predictions below ${threshold.toFixed(2)} rejected.`));
    },
    'prelabel.image': () => void prelabelImage(false),
    'prelabel.again': () => void prelabelImage(true),
    'edit.delete': () => {
      const mine = selectedShown.filter((b) => b.kind === 'mine').map((b) => b.id);
      const preds = selectedShown.filter((b) => b.kind === 'prediction').map((b) => b.id);
      if (mine.length || preds.length) void apply({ remove: mine, reject: preds }).then(() => setSelectedIds([]));
    },
    'edit.duplicate': () => current && void apply({ add: copiesOf(selectedShown.filter((b) => b.kind !== 'other'), 10, current.item.width, current.item.height) }, true),
    'edit.copyPrevious': () => void copyPrevious(),
    'edit.selectAll': () => setSelectedIds(shown.filter((b) => b.kind !== 'other').map((b) => b.id)),
    'edit.nudgeLeft': () => nudge(-1, 0),
    'edit.nudgeRight': () => nudge(1, 0),
    'edit.nudgeUp': () => nudge(0, -1),
    'edit.nudgeDown': () => nudge(0, 1),
    'edit.nudgeLeft10': () => nudge(-10, 0),
    'edit.nudgeRight10': () => nudge(10, 0),
    'edit.nudgeUp10': () => nudge(0, -10),
    'edit.nudgeDown10': () => nudge(0, 10),
    'edit.widen': () => resize(1, 0),
    'edit.narrow': () => resize(-1, 0),
    'edit.taller': () => resize(0, 1),
    'edit.shorter': () => resize(0, -1),
    'edit.widen10': () => resize(10, 0),
    'edit.narrow10': () => resize(-10, 0),
    'edit.taller10': () => resize(0, 10),
    'edit.shorter10': () => resize(0, -10),
    'select.nextBox': () => stepSelection(1),
    'select.prevBox': () => stepSelection(-1),
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
    'history.undo': () => void edits.undoEdit(),
    'history.redo': () => void edits.redoEdit(),
  };

  async function copyPrevious() {
    const cur = currentRef.current;
    if (!cur || cur.index === 0) return;
    const prev = await itemAt.current?.(cur.index - 1);
    if (!prev || currentRef.current?.item.id !== cur.item.id) return;
    try {
      const r = await call('boxes:list', { imageId: prev.id });
      if (currentRef.current?.item.id !== cur.item.id) return;
      const theirs = r.boxes.filter((b) => b.annotatorId === r.annotatorId && b.modelRunId === null);
      if (!theirs.length) return setNotice(`${prev.path} has none of your boxes to copy.`);
      const done = await apply({ add: copiesOf(theirs, 0, cur.item.width, cur.item.height) }, true);
      if (done) setNotice(`${done.diff.added.length} boxes copied from ${prev.path}.`);
    } catch (e) {
      p.onMessage((e as Error).message);
    }
  }

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
          onOpen={open}
          itemAtRef={itemAt}
          patchRef={patchRow}
          onTotal={setTotal}
          picked={p.picked}
          onPick={p.onPick}
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
          onThreshold={changeThreshold}
          showPredictions={showPredictions}
          onShowPredictions={setShowPredictions}
          status={current?.item.status ?? null}
          onDone={() => void decide('done')}
          onSkip={() => void decide('skipped')}
          keymap={p.keymap}
        />
        <div className="canvas-wrap">
          {current ? (
            <CanvasView
              imageId={current.item.id}
              imageUrl={imageUrl(current.item.id)}
              width={current.item.width}
              height={current.item.height}
              boxes={shown}
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
              handleRef={canvas}
            />
          ) : (
            <div className="empty">{project.imageCount === 0 ? 'No images yet. Import a folder to start.' : 'Pick an image on the left, or press N for the next unreviewed one.'}</div>
          )}
        </div>
      </main>
      <aside className="right">
        <Inspector box={single} className={single ? classMap.get(single.classId)?.name : undefined} kind={singleKind} author={single ? authorNames.get(single.annotatorId) : undefined} count={liveSelection.length} />
        <LayersPanel
          showLabels={showLabels}
          onShowLabels={setShowLabels}
          otherAuthors={otherAuthors}
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
            settings={prelabelSettings}
            onSettings={setPrelabelSettings}
            onPrelabelImage={(force) => void prelabelImage(force)}
            onPrelabelAll={(force) => prelabelAll(force)}
            pickedCount={p.picked.size}
            onPrelabelPicked={(force) => prelabelAll(force, [...p.picked])}
            canPrelabelImage={imageId !== null}
            onChanged={p.onRefreshProject}
            onError={p.onMessage}
          />
        </Fold>
      </aside>
      <StatusBar
        position={current ? { index: current.index, total } : null}
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
