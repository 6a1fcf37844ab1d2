import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import type { ShownBox } from '../canvas/boxScene.ts';
import { changeOp, copiesOf, nudgeItems } from '../state/reviewOps.ts';
import type { BoxOp, ImageBoxes } from '../state/useImageBoxes.ts';
import type { QueueNav } from './useQueueNav.ts';
import type { ActionHandlers } from './useWorkspaceKeys.ts';

interface Context {
  edits: ImageBoxes;
  nav: QueueNav;
  /** The boxes on screen (after threshold, layers and rejections) and the selected ones among them. */
  shown: readonly ShownBox[];
  selected: readonly ShownBox[];
  setSelectedIds(ids: number[]): void;
  threshold: number;
  /** Run an op on the open image (selecting what it added when asked). */
  apply(op: BoxOp, selectAdded?: boolean): Promise<Res<'boxes:apply'> | null>;
  onNotice(m: string): void;
  onMessage(m: string): void;
}

const editable = (boxes: readonly ShownBox[]) => boxes.filter((b) => b.kind !== 'other');
const predictions = (boxes: readonly ShownBox[]) => boxes.filter((b) => b.kind === 'prediction');

/**
 * What the keys and the palette do to the open image's boxes: accept, reject,
 * reclassify, nudge, resize, duplicate, copy the previous image's, delete, select.
 * Each is one op, hence one undo entry.
 */
export function editCommands(c: Context): { handlers: ActionHandlers; setClass(classId: number): void } {
  const { edits, nav, shown, selected, apply } = c;
  const me = edits.annotatorId;
  const size = () => (nav.current ? { w: nav.current.item.width, h: nav.current.item.height } : null);

  /** Change boxes; a change to a prediction adds the person's box, which is then selected. */
  const change = (items: { id: number; rect?: { x: number; y: number; w: number; h: number }; classId?: number }[]) => {
    if (!items.length) return;
    const op = changeOp(edits.boxes, me, items);
    void apply(op, op.update!.length === 0);
  };

  const accept = (boxes: readonly ShownBox[]) => {
    if (boxes.length) void apply({ add: boxes.map((b) => ({ classId: b.classId, rect: { x: b.x, y: b.y, w: b.w, h: b.h }, sourceBoxId: b.id })) }, true);
  };

  const nudge = (dx: number, dy: number) => {
    const s = size();
    if (s) change(nudgeItems(editable(selected), dx, dy, s.w, s.h));
  };

  /** Grow or shrink the selection's right or bottom edge (a box made by keys alone: duplicate, nudge, resize). */
  const resize = (dw: number, dh: number) => {
    const s = size();
    if (!s) return;
    const boxes = editable(selected);
    change(
      boxes
        .map((b) => ({ id: b.id, rect: { x: b.x, y: b.y, w: Math.min(s.w - b.x, Math.max(1, b.w + dw)), h: Math.min(s.h - b.y, Math.max(1, b.h + dh)) } }))
        .filter((it, i) => it.rect.w !== boxes[i].w || it.rect.h !== boxes[i].h),
    );
  };

  /** Walk the shown boxes in reading order (top to bottom, left to right). */
  const step = (dir: 1 | -1) => {
    if (!shown.length) return;
    const order = [...shown].sort((a, b) => a.y - b.y || a.x - b.x || a.id - b.id);
    const last = selected.at(-1);
    const at = last ? order.findIndex((b) => b.id === last.id) : -1;
    const next = at < 0 ? (dir === 1 ? 0 : order.length - 1) : (at + dir + order.length) % order.length;
    c.setSelectedIds([order[next].id]);
  };

  const reject = (ids: number[], then?: () => void) => {
    if (ids.length) void apply({ reject: ids }).then((r) => r && then?.());
  };

  async function copyPrevious() {
    const cur = nav.currentRef.current;
    if (!cur || cur.index === 0) return;
    const prev = await nav.itemAt.current?.(cur.index - 1);
    const stillOpen = () => nav.currentRef.current?.item.id === cur.item.id;
    if (!prev || !stillOpen()) return;
    try {
      const r = await call('boxes:list', { imageId: prev.id });
      if (!stillOpen()) return;
      const theirs = r.boxes.filter((b) => b.annotatorId === r.annotatorId && b.modelRunId === null);
      if (!theirs.length) return c.onNotice(`${prev.path} has none of your boxes to copy.`);
      const done = await apply({ add: copiesOf(theirs, 0, cur.item.width, cur.item.height) }, true);
      if (done) c.onNotice(`${done.diff.added.length} boxes copied from ${prev.path}.`);
    } catch (e) {
      c.onMessage((e as Error).message);
    }
  }

  const handlers: ActionHandlers = {
    'prediction.accept': () => accept(predictions(selected)),
    'prediction.acceptAll': () => accept(predictions(shown)),
    'prediction.reject': () => reject(predictions(selected).map((b) => b.id), () => c.setSelectedIds([])),
    'prediction.rejectBelow': () => {
      const taken = new Set(edits.boxes.filter((b) => b.annotatorId === me && b.sourceBoxId !== null).map((b) => b.sourceBoxId));
      const ids = edits.boxes.filter((b) => b.modelRunId !== null && !b.rejected && !taken.has(b.id) && b.score !== null && b.score < c.threshold).map((b) => b.id);
      reject(ids, () => c.onNotice(`${ids.length} predictions below ${c.threshold.toFixed(2)} rejected.`));
    },
    'edit.delete': () => {
      const mine = selected.filter((b) => b.kind === 'mine').map((b) => b.id);
      const preds = predictions(selected).map((b) => b.id);
      if (mine.length || preds.length) void apply({ remove: mine, reject: preds }).then(() => c.setSelectedIds([]));
    },
    'edit.duplicate': () => {
      const s = size();
      if (s) void apply({ add: copiesOf(editable(selected), 10, s.w, s.h) }, true);
    },
    'edit.copyPrevious': () => void copyPrevious(),
    'edit.selectAll': () => c.setSelectedIds(editable(shown).map((b) => b.id)),
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
    'select.nextBox': () => step(1),
    'select.prevBox': () => step(-1),
  };

  /** A digit or a palette click: the class of new boxes, and of the whole editable selection. */
  const setClass = (classId: number) => change(editable(selected).filter((b) => b.classId !== classId).map((b) => ({ id: b.id, classId })));

  return { handlers, setClass };
}
