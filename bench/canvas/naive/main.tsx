/**
 * The benchmark's baseline: the same scene drawn the way a react-konva tutorial
 * does it. One layer; the image as a Konva Image at full resolution; every box a
 * listening <Rect> (draggable when editable) with no culling and no caching; the
 * view (pan by dragging the stage, zoom by the wheel around the pointer) kept in
 * React state, so each change re-renders every box. Exposes the same data-scale,
 * data-x, data-y and data-ready attributes as Loupe's canvas.
 */
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Image as KImage, Layer, Rect, Stage } from 'react-konva';
import type Konva from 'konva';

interface SceneBox {
  i: number;
  x: number;
  y: number;
  w: number;
  h: number;
  cls: number;
}
interface SceneData {
  width: number;
  height: number;
  boxes: SceneBox[];
  colors: string[];
  editable: boolean;
}

function App({ scene, image }: { scene: SceneData; image: HTMLImageElement }) {
  // The stage is as large as Loupe's canvas in the same window (?w=&h=), fitted with the same 16 px margin.
  const q = new URLSearchParams(location.search);
  const W = Number(q.get('w') ?? window.innerWidth);
  const H = Number(q.get('h') ?? window.innerHeight);
  const fit = Math.min((W - 32) / scene.width, (H - 32) / scene.height);
  const [view, setView] = useState({ scale: fit, x: (W - scene.width * fit) / 2, y: (H - scene.height * fit) / 2 });
  const [boxes, setBoxes] = useState(scene.boxes);
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const d = el.current!;
    d.dataset.scale = String(view.scale);
    d.dataset.x = String(view.x);
    d.dataset.y = String(view.y);
  }, [view]);

  const onWheel = (e: Konva.KonvaEventObject<WheelEvent>) => {
    e.evt.preventDefault();
    const stage = e.target.getStage()!;
    const p = stage.getPointerPosition()!;
    const f = Math.exp(-e.evt.deltaY * 0.0015); // Loupe's zoom step
    setView((v) => {
      const scale = v.scale * f;
      return { scale, x: p.x - ((p.x - v.x) / v.scale) * scale, y: p.y - ((p.y - v.y) / v.scale) * scale };
    });
  };

  return (
    <div ref={el} data-testid="canvas" data-ready="true" style={{ width: W, height: H }}>
      <Stage
        width={W}
        height={H}
        x={view.x}
        y={view.y}
        scaleX={view.scale}
        scaleY={view.scale}
        draggable
        onWheel={onWheel}
        onDragMove={(e) => {
          if (e.target === e.target.getStage()) setView((v) => ({ ...v, x: e.target.x(), y: e.target.y() }));
        }}
      >
        <Layer>
          <KImage image={image} width={scene.width} height={scene.height} />
          {boxes.map((b) => (
            <Rect
              key={b.i}
              x={b.x}
              y={b.y}
              width={b.w}
              height={b.h}
              stroke={scene.colors[b.cls]}
              strokeWidth={2 / view.scale}
              fill={scene.colors[b.cls] + '14'}
              draggable={scene.editable}
              onDragEnd={(e) => {
                const x = e.target.x();
                const y = e.target.y();
                setBoxes((all) => all.map((o) => (o.i === b.i ? { ...o, x, y } : o)));
              }}
            />
          ))}
        </Layer>
      </Stage>
    </div>
  );
}

async function main() {
  const editable = new URLSearchParams(location.search).get('editable') !== '0';
  const scene = (await (await fetch('./scene.json')).json()) as SceneData;
  const image = new Image();
  image.src = './scene.jpg';
  await image.decode();
  createRoot(document.getElementById('root')!).render(<App scene={{ ...scene, editable }} image={image} />);
}

void main();
