import type { ParsedReq, Res } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import type { ClassRow } from '../store/ClassRepo.ts';
import type { Project } from '../store/Project.ts';

/** Distinct colours for new classes, in order. */
export const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324'];

/** Add a class; the colour defaults to the palette and the hotkey to the next free digit. */
export function createClass(p: Project, req: ParsedReq<'classes:create'>): Res<'classes:create'> {
  return p.db.transaction(() => {
    const existing = p.classes.list();
    if (existing.some((c) => c.name === req.name)) throw new LoupeError('conflict', `A class named "${req.name}" already exists.`);
    const hotkey = req.hotkey === undefined ? nextFreeDigit(existing) : req.hotkey;
    if (hotkey && existing.some((c) => c.hotkey === hotkey)) {
      throw new LoupeError('conflict', `Hotkey ${hotkey} is already used by "${existing.find((c) => c.hotkey === hotkey)!.name}".`);
    }
    const color = req.color ?? PALETTE[existing.length % PALETTE.length];
    const id = p.classes.insert({ name: req.name, color, hotkey });
    return p.classes.get(id)!;
  })();
}

/** Rename, recolour, re-key or move a class. */
export function updateClass(p: Project, req: ParsedReq<'classes:update'>): Res<'classes:update'> {
  return p.db.transaction(() => {
    const cur = p.classes.get(req.id);
    if (!cur) throw new LoupeError('not_found', `Class ${req.id} does not exist.`);
    const next: ClassRow = {
      ...cur,
      name: req.name ?? cur.name,
      color: req.color ?? cur.color,
      hotkey: req.hotkey === undefined ? cur.hotkey : req.hotkey,
      position: req.position ?? cur.position,
    };
    for (const other of p.classes.list()) {
      if (other.id === cur.id) continue;
      if (other.name === next.name) throw new LoupeError('conflict', `A class named "${next.name}" already exists.`);
      if (next.hotkey && other.hotkey === next.hotkey) throw new LoupeError('conflict', `Hotkey ${next.hotkey} is already used by "${other.name}".`);
    }
    p.classes.update(next);
    return next;
  })();
}

/** Delete a class that no box uses. */
export function deleteClass(p: Project, id: number): Res<'classes:delete'> {
  return p.db.transaction(() => {
    if (!p.classes.get(id)) throw new LoupeError('not_found', `Class ${id} does not exist.`);
    const n = p.classes.usage(id);
    if (n > 0) throw new LoupeError('conflict', `Class ${id} is used by ${n} boxes; relabel them first.`);
    p.classes.delete(id);
    return { deleted: true };
  })();
}

function nextFreeDigit(existing: ClassRow[]): string | null {
  const used = new Set(existing.map((c) => c.hotkey));
  for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']) if (!used.has(k)) return k;
  return null;
}
