import type Konva from 'konva';
import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { Image as KImage, Layer, Rect, Stage, Text, Transformer } from 'react-konva';
import { matchGreedy } from '../../app/domain/box.ts';
import type { Box, BoxOp } from '../state/useImageBoxes.ts';
import { clampToImage, fitView, intersectsViewport, rectFromPoints, screenToImage, zoomAt, type Point, type View } from './coords.ts';
import { useHtmlImage } from './useHtmlImage.ts';

export type Tool = 'select' | 'box';

export interface ClassStyle {
  id: number;
  name: string;
  color: string;
}

/** What the parent can ask of the canvas (menu and keyboard commands). */
export interface CanvasHandle {
  fit(): void;
  zoom(factor: number): void;
  /** Abort the gesture in progress; false when there was none. */
  cancelGesture(): boolean;
}

interface Props {
  imageId: number;
  imageUrl: string;
  width: number;
  height: number;
  boxes: Box[];
  classes: ClassStyle[];
  /** Boxes of this author are editable; others are shown dashed. */
  editableAuthor: number | null;
  selectedId: number | null;
  onSelect(id: number | null): void;
  tool: Tool;
  activeClassId: number | null;
  onOp(op: BoxOp): void;
  onCursor?(p: Point | null): void;
  /** Predictions (boxes with a score) below this are hidden. */
  scoreThreshold: number;
  /** Show other authors' boxes (predictions) at all. */
  showPredictions: boolean;
  /** A run compared with a reference annotator: the reference's boxes no shown prediction finds are marked missed. */
  compare?: { runId: number; referenceId: number } | null;
  handleRef?: Ref<CanvasHandle>;
}

type Gesture =
  | { kind: 'idle' }
  | { kind: 'panning'; start: Point; view: View }
  | { kind: 'drawing'; start: Point; end: Point }
  | { kind: 'dragging'; id: number; start: { x: number; y: number } }
  | { kind: 'transforming'; id: number; start: { x: number; y: number; width: number; height: number } };

const MIN_DRAW_SCREEN_PX = 3;
const MISSED_COLOR = '#ff3b30';

/** Ids of the reference's boxes that no shown prediction of the compared run finds (same class, IoU ≥ 0.5, greedy by score). */
function missedReference(p: Props, shown: Box[]): Set<number> {
  if (!p.compare) return new Set();
  const { runId, referenceId } = p.compare;
  const reference = shown.filter((b) => b.annotatorId === referenceId && b.modelRunId === null);
  const detections = shown.filter((b) => b.modelRunId === runId);
  const foundBy = matchGreedy(reference, detections);
  return new Set(reference.filter((_, i) => foundBy[i] < 0).map((b) => b.id));
}

/** The annotation canvas: image, boxes, drawing, selection, move, resize, zoom and pan. */
export function CanvasView(p: Props) {
  const container = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const trRef = useRef<Konva.Transformer>(null);
  const [size, setSize] = useState({ w: 800, h: 600 });
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const [gesture, setGesture] = useState<Gesture>({ kind: 'idle' });
  const gestureRef = useRef<Gesture>(gesture);
  gestureRef.current = gesture;
  const spaceDown = useRef(false);
  const viewRef = useRef(view);
  viewRef.current = view;
  const propsRef = useRef(p);
  propsRef.current = p;
  const img = useHtmlImage(p.imageUrl);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      const r = entry.contentRect;
      setSize({ w: Math.max(1, Math.floor(r.width)), h: Math.max(1, Math.floor(r.height)) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const fit = useCallback(() => setView(fitView(p.width, p.height, size.w, size.h)), [p.width, p.height, size.w, size.h]);
  // Fit when the image or the canvas size changes.
  useEffect(fit, [p.imageId, fit]);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space') spaceDown.current = true;
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') spaceDown.current = false;
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  const colorOf = useMemo(() => new Map(p.classes.map((c) => [c.id, c])), [p.classes]);

  const cancelGesture = useCallback((): boolean => {
    const g = gestureRef.current;
    const stage = stageRef.current;
    if (g.kind === 'idle') return false;
    // Go idle first: stopDrag and stopTransform fire their end events synchronously,
    // and those handlers must see the gesture as cancelled, not commit it.
    gestureRef.current = { kind: 'idle' };
    if (g.kind === 'dragging' && stage) {
      const node = stage.findOne<Konva.Rect>(`#box-${g.id}`);
      if (node) {
        node.stopDrag();
        node.position(g.start);
      }
    }
    if (g.kind === 'transforming' && stage) {
      const node = stage.findOne<Konva.Rect>(`#box-${g.id}`);
      trRef.current?.stopTransform();
      if (node) node.setAttrs({ ...g.start, scaleX: 1, scaleY: 1 });
    }
    if (g.kind === 'panning') setView(g.view);
    setGesture({ kind: 'idle' });
    stage?.batchDraw();
    return true;
  }, []);

  useImperativeHandle(
    p.handleRef,
    () => ({
      fit,
      zoom: (factor: number) => setView((v) => zoomAt(v, { x: size.w / 2, y: size.h / 2 }, factor)),
      cancelGesture,
    }),
    [fit, size.w, size.h, cancelGesture],
  );

  // Attach the transformer to the selected, editable box.
  const selected = p.boxes.find((b) => b.id === p.selectedId);
  const selectedEditable = selected && selected.annotatorId === p.editableAuthor ? selected : undefined;
  useEffect(() => {
    const tr = trRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const node = selectedEditable && p.tool === 'select' ? stage.findOne(`#box-${selectedEditable.id}`) : undefined;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [selectedEditable, p.tool, p.boxes]);

  const pointer = (): Point | null => stageRef.current?.getPointerPosition() ?? null;

  function onMouseDown(e: Konva.KonvaEventObject<MouseEvent>) {
    const s = pointer();
    if (!s) return;
    const onBackground = e.target === e.target.getStage() || e.target.name() === 'image';
    if (e.evt.button === 1 || spaceDown.current || (p.tool === 'select' && onBackground && e.evt.button === 0)) {
      if (p.tool === 'select' && onBackground && !spaceDown.current && e.evt.button === 0) p.onSelect(null);
      setGesture({ kind: 'panning', start: s, view });
      e.evt.preventDefault();
      return;
    }
    if (p.tool === 'box' && e.evt.button === 0) {
      const ip = screenToImage(s, view);
      setGesture({ kind: 'drawing', start: ip, end: ip });
    }
  }

  /** Container-relative point of a window mouse event: drawing and panning continue outside the canvas. */
  const containerPoint = (e: MouseEvent): Point | null => {
    const r = container.current?.getBoundingClientRect();
    return r ? { x: e.clientX - r.left, y: e.clientY - r.top } : null;
  };

  useEffect(() => {
    const move = (e: MouseEvent) => {
      const g = gestureRef.current;
      const s = containerPoint(e);
      if (!s) return;
      if (g.kind === 'panning') setView({ ...g.view, x: g.view.x + s.x - g.start.x, y: g.view.y + s.y - g.start.y });
      else if (g.kind === 'drawing') setGesture({ ...g, end: screenToImage(s, viewRef.current) });
    };
    const up = (e: MouseEvent) => {
      const g = gestureRef.current;
      if (g.kind === 'panning') setGesture({ kind: 'idle' });
      if (g.kind !== 'drawing') return;
      setGesture({ kind: 'idle' });
      const s = containerPoint(e);
      const v = viewRef.current;
      const end = s ? screenToImage(s, v) : g.end;
      const r = clampToImage(rectFromPoints(g.start, end), propsRef.current.width, propsRef.current.height);
      if (!r || r.w * v.scale < MIN_DRAW_SCREEN_PX || r.h * v.scale < MIN_DRAW_SCREEN_PX) return;
      const cls = propsRef.current.activeClassId;
      if (cls !== null) propsRef.current.onOp({ kind: 'add', classId: cls, rect: r });
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    return () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
  }, []);

  function onWheel(e: Konva.KonvaEventObject<WheelEvent>) {
    e.evt.preventDefault();
    const s = pointer();
    if (!s) return;
    const factor = Math.exp(-e.evt.deltaY * 0.0015);
    setView((v) => zoomAt(v, s, factor));
  }

  const shown = p.boxes.filter(
    (b) => b.annotatorId === p.editableAuthor || (p.showPredictions && (b.score === null || b.score >= p.scoreThreshold)),
  );
  const visible = shown.filter((b) => b.id === p.selectedId || intersectsViewport(b, view, size.w, size.h));
  const missed = missedReference(p, shown);
  const drawing = gesture.kind === 'drawing' ? rectFromPoints(gesture.start, gesture.end) : null;
  const activeColor = p.activeClassId !== null ? (colorOf.get(p.activeClassId)?.color ?? '#fff') : '#fff';
  const cursor = gesture.kind === 'panning' ? 'grabbing' : p.tool === 'box' ? 'crosshair' : 'default';

  return (
    <div
      ref={container}
      className="canvas"
      data-testid="canvas"
      data-scale={view.scale}
      data-x={view.x}
      data-y={view.y}
      data-image-id={p.imageId}
      data-ready={img ? 'true' : 'false'}
      data-missed={p.compare ? missed.size : undefined}
      style={{ cursor }}
      onContextMenu={(e) => e.preventDefault()}
    >
      <Stage
        ref={stageRef}
        width={size.w}
        height={size.h}
        x={view.x}
        y={view.y}
        scaleX={view.scale}
        scaleY={view.scale}
        onMouseDown={onMouseDown}
        onMouseMove={() => {
          const sp = pointer();
          p.onCursor?.(sp ? screenToImage(sp, view) : null);
        }}
        onMouseLeave={() => p.onCursor?.(null)}
        onWheel={onWheel}
      >
        <Layer listening={false}>
          {img && <KImage image={img} width={p.width} height={p.height} name="image" />}
        </Layer>
        <Layer>
          {visible.map((b) => {
            const c = colorOf.get(b.classId);
            const editable = b.annotatorId === p.editableAuthor;
            const isSel = b.id === p.selectedId;
            return (
              <Rect
                key={b.id}
                id={`box-${b.id}`}
                x={b.x}
                y={b.y}
                width={b.w}
                height={b.h}
                stroke={missed.has(b.id) ? MISSED_COLOR : (c?.color ?? '#ffffff')}
                strokeWidth={isSel || missed.has(b.id) ? 3 : 2}
                dash={editable ? undefined : b.score === null ? [2, 3] : [6, 4]}
                fill={isSel ? hexAlpha(c?.color ?? '#ffffff', 0.18) : hexAlpha(c?.color ?? '#ffffff', 0.06)}
                strokeScaleEnabled={false}
                perfectDrawEnabled={false}
                shadowForStrokeEnabled={false}
                listening={p.tool === 'select'}
                draggable={editable && p.tool === 'select'}
                onMouseDown={(e) => {
                  if (e.evt.button !== 0 || spaceDown.current) return;
                  e.cancelBubble = true;
                  p.onSelect(b.id);
                }}
                onDragStart={(e) => {
                  p.onSelect(b.id);
                  setGesture({ kind: 'dragging', id: b.id, start: { x: e.target.x(), y: e.target.y() } });
                }}
                dragBoundFunc={function (this: Konva.Node, pos) {
                  // Keep the box whole inside the image while moving: pos is absolute (screen) position.
                  const ip = screenToImage(pos, view);
                  const x = Math.min(Math.max(ip.x, 0), p.width - b.w);
                  const y = Math.min(Math.max(ip.y, 0), p.height - b.h);
                  return { x: x * view.scale + view.x, y: y * view.scale + view.y };
                }}
                onDragEnd={(e) => {
                  if (gestureRef.current.kind !== 'dragging') return; // cancelled with Escape
                  setGesture({ kind: 'idle' });
                  const n = e.target;
                  if (n.x() === b.x && n.y() === b.y) return;
                  p.onOp({ kind: 'update', id: b.id, rect: { x: n.x(), y: n.y(), w: b.w, h: b.h } });
                }}
                onTransformStart={(e) => {
                  const n = e.target;
                  setGesture({ kind: 'transforming', id: b.id, start: { x: n.x(), y: n.y(), width: n.width(), height: n.height() } });
                }}
                onTransformEnd={(e) => {
                  const n = e.target;
                  const rect = { x: n.x(), y: n.y(), w: n.width() * n.scaleX(), h: n.height() * n.scaleY() };
                  n.setAttrs({ scaleX: 1, scaleY: 1 });
                  if (gestureRef.current.kind !== 'transforming') return;
                  setGesture({ kind: 'idle' });
                  const r = clampToImage(rect, p.width, p.height);
                  if (r) p.onOp({ kind: 'update', id: b.id, rect: r });
                }}
              />
            );
          })}
          <Transformer
            ref={trRef}
            rotateEnabled={false}
            keepRatio={false}
            ignoreStroke
            flipEnabled={false}
            anchorSize={9}
            borderStroke="#ffffff"
            anchorStroke="#1f6feb"
            boundBoxFunc={(oldBox, newBox) => (newBox.width < 2 || newBox.height < 2 ? oldBox : newBox)}
          />
        </Layer>
        <Layer listening={false}>
          {visible
            .filter((b) => b.w * view.scale > 24)
            .map((b) => (
              <Text
                key={b.id}
                x={b.x}
                y={b.y - 16 / view.scale}
                text={`${missed.has(b.id) ? 'missed ' : ''}${colorOf.get(b.classId)?.name ?? '?'}${b.score !== null ? ` ${b.score.toFixed(2)}` : ''}`}
                fontSize={12 / view.scale}
                fill={missed.has(b.id) ? MISSED_COLOR : (colorOf.get(b.classId)?.color ?? '#fff')}
                perfectDrawEnabled={false}
              />
            ))}
          {drawing && (
            <Rect
              x={drawing.x}
              y={drawing.y}
              width={drawing.w}
              height={drawing.h}
              stroke={activeColor}
              strokeWidth={2}
              dash={[4, 3]}
              strokeScaleEnabled={false}
              perfectDrawEnabled={false}
            />
          )}
        </Layer>
      </Stage>
    </div>
  );
}

function hexAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
