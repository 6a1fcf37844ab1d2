import type Konva from 'konva';
import { memo, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { Layer, Line, Rect, Shape, Stage, Transformer } from 'react-konva';
import { BoxIndex, drawBoxes, markColor, viewportRect, type ClassStyle, type ShownBox } from './boxScene.ts';
import { clampToImage, fitView, screenToImage, zoomAt, type Point, type View } from './coords.ts';
import { drawImageView } from './imageScene.ts';
import { QuickScene } from './quickScene.ts';
import { SelectedBoxShape } from './SelectedBoxShape.tsx';
import { useLoadedImage } from './useLoadedImage.ts';
import { cancel, down, move, up, type Effect, type GestureState, type Tool } from './tools/gestures.ts';

export type { Tool };

/** What the parent can ask of the canvas (menu and keyboard commands). */
export interface CanvasHandle {
  fit(): void;
  zoom(factor: number): void;
  /** One image pixel per screen pixel, centred on the view's centre. */
  oneToOne(): void;
  /** Fit a rectangle of image pixels (the selection) into view. */
  zoomTo(r: { x: number; y: number; w: number; h: number }): void;
  /** Abort the gesture in progress; false when there was none. */
  cancelGesture(): boolean;
}

type RectLike = { x: number; y: number; w: number; h: number };

/** What a gesture asks the parent to store. */
export type CanvasOp =
  | { kind: 'add'; classId: number; rect: RectLike }
  /** Boxes moved or resized (the person's own, or predictions, which become the person's). */
  | { kind: 'move'; items: { id: number; rect: RectLike }[] };

interface Props {
  imageId: number;
  imageUrl: string;
  width: number;
  height: number;
  /** The boxes to draw, already filtered (threshold, hidden layers, rejected). */
  boxes: readonly ShownBox[];
  classes: readonly ClassStyle[];
  selectedIds: readonly number[];
  onSelect(ids: number[]): void;
  tool: Tool;
  activeClassId: number | null;
  onOp(op: CanvasOp): void;
  onCursor?(p: Point | null): void;
  onView?(v: View): void;
  showLabels: boolean;
  /** A box to outline (hovered in the box list). */
  highlightId: number | null;
  /** Reference boxes the compared run misses, when a run is compared (shown as data-missed). */
  missedCount?: number;
  /** Detections of the compared run that found no reference box (shown as data-false-alarms). */
  falseAlarmCount?: number;
  handleRef?: Ref<CanvasHandle>;
}

const MIN_DRAW_SCREEN_PX = 3;
const HIT_SLOP_PX = 3;
const movable = (b: ShownBox) => b.kind !== 'other';
const NONE: ReadonlySet<number> = new Set();

/**
 * The annotation canvas. Everything that follows the pointer (pan, zoom, moving a
 * box) changes Konva nodes directly and never re-renders React; the boxes are
 * drawn by one shape from an R-tree of what is in view, and only the selection
 * lives as Konva nodes on its own layer.
 */
export const CanvasView = memo(function CanvasView(p: Props) {
  const container = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const boxLayer = useRef<Konva.Layer>(null);
  const topLayer = useRef<Konva.Layer>(null);
  const trRef = useRef<Konva.Transformer>(null);
  const draftRef = useRef<Konva.Rect>(null);
  const crossH = useRef<Konva.Line>(null);
  const crossV = useRef<Konva.Line>(null);
  const [size, setSize] = useState({ w: 800, h: 600 });
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const viewRef = useRef<View>({ scale: 1, x: 0, y: 0 });
  const fitted = useRef(true);
  const gesture = useRef<GestureState>({ kind: 'idle' });
  const transformStart = useRef<{ id: number; attrs: RectLike } | null>(null);
  const spaceDown = useRef(false);
  /** A move or resize is in progress: the selection's labels stay hidden until it ends. */
  const reshaping = useRef(false);
  const setReshaping = (on: boolean) => {
    if (reshaping.current === on) return;
    reshaping.current = on;
    boxLayer.current?.batchDraw();
  };
  const propsRef = useRef(p);
  propsRef.current = p;
  /** A moving view with many boxes in view draws them from a snapshot. */
  const quick = useRef(new QuickScene()).current;
  const wheelIdle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const startQuick = () => {
    quick.start();
  };
  const stopQuick = () => {
    if (quick.stop()) boxLayer.current?.batchDraw();
  };
  const img = useLoadedImage(p.imageUrl);
  const imgRef = useRef(img);
  imgRef.current = img;

  const classMap = useMemo(() => new Map(p.classes.map((c) => [c.id, c])), [p.classes]);
  const index = useMemo(() => new BoxIndex(p.boxes), [p.boxes]);
  const indexRef = useRef(index);
  indexRef.current = index;
  const selectedSet = useMemo(() => new Set(p.selectedIds), [p.selectedIds]);
  const selectedBoxes = useMemo(() => p.selectedIds.map((id) => index.byId.get(id)).filter((b): b is ShownBox => !!b), [p.selectedIds, index]);

  /** Show a view: the stage moves at once; React hears of it only through onView. */
  const applyView = useCallback((v: View) => {
    viewRef.current = v;
    const stage = stageRef.current;
    if (stage) {
      stage.position({ x: v.x, y: v.y });
      stage.scale({ x: v.scale, y: v.scale });
      stage.batchDraw();
    }
    const el = container.current;
    if (el) {
      el.dataset.scale = String(v.scale);
      el.dataset.x = String(v.x);
      el.dataset.y = String(v.y);
    }
    propsRef.current.onView?.(v);
  }, []);

  const fit = useCallback(() => {
    fitted.current = true;
    applyView(fitView(propsRef.current.width, propsRef.current.height, sizeRef.current.w, sizeRef.current.h));
  }, [applyView]);

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

  // A new image, or a resized canvas while the view is still the fitted one: fit again.
  useEffect(() => {
    gesture.current = { kind: 'idle' };
    quick.stop();
    fit();
  }, [p.imageId, fit]);
  useEffect(() => {
    if (fitted.current) fit();
  }, [size.w, size.h, fit]);

  useEffect(() => {
    const downK = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !(e.target instanceof HTMLInputElement)) spaceDown.current = true;
    };
    const upK = (e: KeyboardEvent) => {
      if (e.code === 'Space') spaceDown.current = false;
    };
    const blur = () => (spaceDown.current = false);
    window.addEventListener('keydown', downK);
    window.addEventListener('keyup', upK);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', downK);
      window.removeEventListener('keyup', upK);
      window.removeEventListener('blur', blur);
    };
  }, []);

  // Redraw when what the shapes read from refs changes (a snapshot of the old scene no longer serves).
  useEffect(() => {
    quick.invalidate();
    stageRef.current?.batchDraw();
  }, [img, index, selectedSet, p.showLabels, p.highlightId, classMap]);

  /** The selection's nodes on the top layer, by box id. */
  const nodeOf = (id: number) => stageRef.current?.findOne<Konva.Rect>(`#box-${id}`);

  /** Clamp a move so every moved box stays whole inside the image. */
  const clampDelta = (d: Point, boxes: ShownBox[]): Point => {
    const { width: W, height: H } = propsRef.current;
    let { x, y } = d;
    for (const b of boxes) {
      x = Math.min(Math.max(x, -b.x), W - b.x - b.w);
      y = Math.min(Math.max(y, -b.y), H - b.y - b.h);
    }
    return { x, y };
  };
  const moving = () => selectedBoxesRef.current.filter(movable);
  const selectedBoxesRef = useRef(selectedBoxes);
  selectedBoxesRef.current = selectedBoxes;

  const showDraft = (r: RectLike | null, band: boolean) => {
    const n = draftRef.current;
    if (!n) return;
    if (!r) n.visible(false);
    else {
      const color = band ? '#ffffff' : (classMap.get(propsRef.current.activeClassId ?? -1)?.color ?? '#ffffff');
      n.setAttrs({ ...{ x: r.x, y: r.y, width: r.w, height: r.h }, visible: true, stroke: color, fill: band ? 'rgba(255,255,255,0.08)' : undefined });
    }
    n.getLayer()?.batchDraw();
  };

  const run = (effects: Effect[]) => {
    const q = propsRef.current;
    for (const e of effects) {
      if (e.kind === 'select') q.onSelect(e.ids);
      else if (e.kind === 'view') {
        fitted.current = false;
        if (gesture.current.kind === 'panning') startQuick();
        applyView(e.view);
      } else if (e.kind === 'preview-move' || e.kind === 'revert-move') {
        setReshaping(e.kind === 'preview-move');
        const boxes = moving();
        const d = e.kind === 'revert-move' ? { x: 0, y: 0 } : clampDelta(e.delta, boxes);
        for (const b of boxes) nodeOf(b.id)?.position({ x: b.x + d.x, y: b.y + d.y });
        if (trRef.current?.nodes().length) trRef.current.forceUpdate();
        topLayer.current?.batchDraw();
      } else if (e.kind === 'commit-move') {
        setReshaping(false);
        const boxes = moving();
        const d = clampDelta(e.delta, boxes);
        if (boxes.length && (d.x !== 0 || d.y !== 0)) q.onOp({ kind: 'move', items: boxes.map((b) => ({ id: b.id, rect: { x: b.x + d.x, y: b.y + d.y, w: b.w, h: b.h } })) });
      } else if (e.kind === 'band' || e.kind === 'draw') showDraft(e.rect, e.kind === 'band');
      else if (e.kind === 'band-select') {
        const inside = indexRef.current.search(e.rect).filter((b) => b.x >= e.rect.x && b.y >= e.rect.y && b.x + b.w <= e.rect.x + e.rect.w && b.y + b.h <= e.rect.y + e.rect.h);
        const ids = new Set(e.additive ? q.selectedIds : []);
        for (const b of inside) ids.add(b.id);
        q.onSelect([...ids]);
      } else if (e.kind === 'add') {
        const v = viewRef.current;
        const r = clampToImage(e.rect, q.width, q.height);
        if (!r || r.w * v.scale < MIN_DRAW_SCREEN_PX || r.h * v.scale < MIN_DRAW_SCREEN_PX || q.activeClassId === null) continue;
        q.onOp({ kind: 'add', classId: q.activeClassId, rect: r });
      }
    }
  };

  const cancelGesture = useCallback((): boolean => {
    if (transformStart.current) {
      const { id, attrs } = transformStart.current;
      transformStart.current = null;
      trRef.current?.stopTransform();
      nodeOf(id)?.setAttrs({ x: attrs.x, y: attrs.y, width: attrs.w, height: attrs.h, scaleX: 1, scaleY: 1 });
      setReshaping(false);
      topLayer.current?.batchDraw();
      return true;
    }
    const r = cancel(gesture.current);
    gesture.current = r.state;
    run(r.effects);
    stopQuick();
    return r.cancelled;
    // run reads only refs
  }, []);

  const local = (e: MouseEvent): Point => {
    const r = container.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  useEffect(() => {
    const el = container.current!;
    const onDown = (e: MouseEvent) => {
      // The transformer's handles took this press (Konva saw it first).
      if (trRef.current?.isTransforming() || transformStart.current) return;
      const q = propsRef.current;
      // A press on the picture takes the keys back from a slider or field the person used before.
      el.focus({ preventScroll: true });
      const screen = local(e);
      const v = viewRef.current;
      const image = screenToImage(screen, v);
      const hitBox = q.tool === 'select' ? indexRef.current.hit(image, HIT_SLOP_PX / v.scale) : null;
      const r = down(gesture.current, {
        screen,
        image,
        button: e.button,
        shift: e.shiftKey,
        space: spaceDown.current,
        tool: q.tool,
        view: v,
        hit: hitBox ? { id: hitBox.id, movable: movable(hitBox) } : null,
        selection: q.selectedIds,
      });
      gesture.current = r.state;
      if (r.state.kind !== 'idle') e.preventDefault();
      run(r.effects);
      updateCursor();
    };
    const onMove = (e: MouseEvent) => {
      const screen = local(e);
      const image = screenToImage(screen, viewRef.current);
      const g = gesture.current;
      if (g.kind !== 'idle') {
        const r = move(g, { screen, image });
        gesture.current = r.state;
        run(r.effects);
      }
      if (e.target instanceof Node && el.contains(e.target)) {
        propsRef.current.onCursor?.(image);
        moveCrosshair(screen);
        if (g.kind === 'idle') updateCursor(image);
      }
    };
    const onUp = (e: MouseEvent) => {
      const g = gesture.current;
      if (g.kind === 'idle') return;
      const screen = local(e);
      const r = up(g, { screen, image: screenToImage(screen, viewRef.current) });
      gesture.current = r.state;
      run(r.effects);
      stopQuick();
      updateCursor();
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      fitted.current = false;
      // A run of wheel steps is one motion: crisp again once the wheel rests.
      startQuick();
      if (wheelIdle.current) clearTimeout(wheelIdle.current);
      wheelIdle.current = setTimeout(stopQuick, 150);
      applyView(zoomAt(viewRef.current, local(e), Math.exp(-e.deltaY * 0.0015)));
    };
    const onLeave = () => {
      propsRef.current.onCursor?.(null);
      moveCrosshair(null);
    };
    el.addEventListener('mousedown', onDown);
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp);
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('mouseleave', onLeave);
    return () => {
      el.removeEventListener('mousedown', onDown);
      window.removeEventListener('mousemove', onMove);
      window.removeEventListener('mouseup', onUp);
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('mouseleave', onLeave);
    };
    // Handlers read props and state through refs.
  }, []);

  function updateCursor(image?: Point) {
    const el = container.current;
    if (!el) return;
    const q = propsRef.current;
    const g = gesture.current;
    let c = q.tool === 'box' ? 'crosshair' : 'default';
    if (g.kind === 'panning') c = 'grabbing';
    else if (g.kind === 'moving') c = 'move';
    else if (image && q.tool === 'select') {
      const h = indexRef.current.hit(image, HIT_SLOP_PX / viewRef.current.scale);
      if (h) c = movable(h) ? 'move' : 'pointer';
      else if (spaceDown.current) c = 'grab';
    }
    if (el.style.cursor !== c) el.style.cursor = c;
  }

  function moveCrosshair(s: Point | null) {
    const h = crossH.current;
    const v = crossV.current;
    if (!h || !v) return;
    const show = s !== null && propsRef.current.tool === 'box';
    if (show) {
      const view = viewRef.current;
      const ip = screenToImage(s, view);
      const tl = screenToImage({ x: 0, y: 0 }, view);
      const br = screenToImage({ x: sizeRef.current.w, y: sizeRef.current.h }, view);
      h.points([tl.x, ip.y, br.x, ip.y]);
      v.points([ip.x, tl.y, ip.x, br.y]);
    }
    if (h.visible() !== show) {
      h.visible(show);
      v.visible(show);
    }
    if (show || h.visible() !== show) topLayer.current?.batchDraw();
  }

  useImperativeHandle(
    p.handleRef,
    () => ({
      fit,
      zoom: (factor: number) => {
        fitted.current = false;
        applyView(zoomAt(viewRef.current, { x: sizeRef.current.w / 2, y: sizeRef.current.h / 2 }, factor));
      },
      oneToOne: () => {
        fitted.current = false;
        applyView(zoomAt(viewRef.current, { x: sizeRef.current.w / 2, y: sizeRef.current.h / 2 }, 1 / viewRef.current.scale));
      },
      zoomTo: (r) => {
        fitted.current = false;
        const pad = Math.max(r.w, r.h) * 0.15 + 8;
        const v = fitView(r.w + 2 * pad, r.h + 2 * pad, sizeRef.current.w, sizeRef.current.h, 0);
        applyView({ scale: v.scale, x: v.x - (r.x - pad) * v.scale, y: v.y - (r.y - pad) * v.scale });
      },
      cancelGesture,
    }),
    [fit, applyView, cancelGesture],
  );

  // The transformer holds the single selected box the person may reshape.
  const single = selectedBoxes.length === 1 && movable(selectedBoxes[0]) && p.tool === 'select' ? selectedBoxes[0] : null;
  useEffect(() => {
    const tr = trRef.current;
    if (!tr) return;
    const node = single ? nodeOf(single.id) : undefined;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [single]);

  const pr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;

  return (
    <div
      ref={container}
      className="canvas"
      data-testid="canvas"
      data-image-id={p.imageId}
      data-ready={img ? 'true' : 'false'}
      data-boxes={p.boxes.length}
      data-selected={p.selectedIds.join(',')}
      data-missed={p.missedCount}
      data-false-alarms={p.falseAlarmCount}
      tabIndex={0}
      aria-label="Image canvas"
      onContextMenu={(e) => e.preventDefault()}
    >
      <Stage ref={stageRef} width={size.w} height={size.h}>
        <Layer listening={false}>
          <Shape
            sceneFunc={(kctx) => {
              const im = imgRef.current;
              if (im) drawImageView(kctx._context, im, viewRef.current, { w: propsRef.current.width, h: propsRef.current.height }, sizeRef.current, pr);
            }}
          />
        </Layer>
        <Layer ref={boxLayer} listening={false}>
          <Shape
            sceneFunc={(kctx) => {
              const q = propsRef.current;
              const render = (ctx: CanvasRenderingContext2D, view: View, width: number, height: number, labels = q.showLabels) =>
                drawBoxes(ctx, {
                  index: indexRef.current,
                  view,
                  width,
                  height,
                  pixelRatio: pr,
                  classes: classMap,
                  skip: selectedSet,
                  skipLabels: reshaping.current ? selectedSet : NONE,
                  showLabels: labels,
                  highlightId: q.highlightId,
                });
              const { w, h } = sizeRef.current;
              const v = viewRef.current;
              const served =
                quick.active &&
                quick.draw(kctx._context, v, w, h, { w: q.width, h: q.height }, pr, indexRef.current.count(viewportRect(v, w, h)), (c, at, sw, sh) => render(c, at, sw, sh, false));
              if (!served) render(kctx._context, v, w, h);
            }}
          />
        </Layer>
        <Layer ref={topLayer}>
          {selectedBoxes.map((b) => (
            <SelectedBoxShape
              key={b.id}
              box={b}
              color={markColor(b) ?? classMap.get(b.classId)?.color ?? '#ffffff'}
              onTransformStart={(attrs) => {
                transformStart.current = { id: b.id, attrs };
                setReshaping(true);
              }}
              onTransformEnd={(rect) => {
                setReshaping(false);
                if (!transformStart.current) return; // cancelled with Escape
                transformStart.current = null;
                const q = propsRef.current;
                const r = clampToImage(rect, q.width, q.height);
                if (r) q.onOp({ kind: 'move', items: [{ id: b.id, rect: r }] });
              }}
            />
          ))}
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
          <Rect ref={draftRef} visible={false} strokeWidth={1.5} dash={[4, 3]} strokeScaleEnabled={false} perfectDrawEnabled={false} listening={false} />
          <Line ref={crossH} visible={false} stroke="rgba(255,255,255,0.55)" strokeWidth={1} strokeScaleEnabled={false} listening={false} dash={[4, 4]} />
          <Line ref={crossV} visible={false} stroke="rgba(255,255,255,0.55)" strokeWidth={1} strokeScaleEnabled={false} listening={false} dash={[4, 4]} />
        </Layer>
      </Stage>
    </div>
  );
});
