import type { ShownBox } from '../canvas/boxScene.ts';
import { personColor } from '../agreement/scale.ts';

/**
 * Each other person's colour on the open image, for the lead: people in order of annotator
 * id, so a person keeps their colour from image to image as long as the same people labelled it.
 */
export function legendOf(boxes: readonly { annotatorId: number; modelRunId: number | null }[], me: number | null, names: ReadonlyMap<number, string>): Map<number, string> {
  const ids = [...new Set(boxes.filter((b) => b.modelRunId === null && b.annotatorId !== me).map((b) => b.annotatorId))].sort((a, b) => a - b);
  // Colours follow the people's order in the project (their ids), not the image's.
  const all = [...names.keys()].sort((a, b) => a - b);
  return new Map(ids.map((id) => [id, personColor(Math.max(0, all.indexOf(id)))]));
}

/** Other people's boxes drawn in their own colour (when a legend is given); the rest unchanged. */
export function colorOthers(shown: readonly ShownBox[], legend: ReadonlyMap<number, string> | null, boxes: readonly { id: number; annotatorId: number }[]): ShownBox[] {
  if (!legend || legend.size === 0) return shown as ShownBox[];
  const author = new Map(boxes.map((b) => [b.id, b.annotatorId]));
  return shown.map((b) => {
    if (b.kind !== 'other' || b.personColor) return b;
    const color = legend.get(author.get(b.id) ?? -1);
    return color ? { ...b, personColor: color } : b;
  });
}

/** How many images are assigned to this person, from `annotators:list` (0 before the core counts them). */
export function assignedCount(people: readonly { id: number; assigned?: number }[], me: number): number {
  return people.find((p) => p.id === me)?.assigned ?? 0;
}
