import { Rect } from 'react-konva';
import { hexAlpha, type ShownBox } from './boxScene.ts';

type RectLike = { x: number; y: number; w: number; h: number };

/**
 * A selected box as a Konva node of the top layer (the rest are painted by one
 * shape): the transformer resizes it, a move shifts it without a React render.
 * Its node id is `box-<id>`.
 */
export function SelectedBoxShape({ box: b, color, onTransformStart, onTransformEnd }: { box: ShownBox; color: string; onTransformStart(start: RectLike): void; onTransformEnd(rect: RectLike): void }) {
  return (
    <Rect
      id={`box-${b.id}`}
      x={b.x}
      y={b.y}
      width={b.w}
      height={b.h}
      stroke={color}
      strokeWidth={3}
      dash={b.kind === 'mine' ? undefined : [6, 4]}
      fill={hexAlpha(color, 0.2)}
      strokeScaleEnabled={false}
      perfectDrawEnabled={false}
      shadowForStrokeEnabled={false}
      listening={false}
      onTransformStart={(e) => {
        const n = e.target;
        onTransformStart({ x: n.x(), y: n.y(), w: n.width(), h: n.height() });
      }}
      onTransformEnd={(e) => {
        const n = e.target;
        const rect = { x: n.x(), y: n.y(), w: n.width() * n.scaleX(), h: n.height() * n.scaleY() };
        n.setAttrs({ scaleX: 1, scaleY: 1, width: rect.w, height: rect.h });
        onTransformEnd(rect);
      }}
    />
  );
}
