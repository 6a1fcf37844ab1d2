import { useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { ImageList, type QueueQuery } from './ImageList.tsx';

type Item = Res<'images:list'>['items'][number];
type Filter = NonNullable<QueueQuery['filter']>;
type Status = NonNullable<Filter['status']>[number];

interface Props {
  query: QueueQuery;
  onQuery(q: QueueQuery): void;
  classes: { id: number; name: string }[];
  annotators: { id: number; name: string }[];
  version: number;
  selectedId: number | null;
  /** Where the open image sits in this queue: the list keeps that row in view. */
  selectedIndex: number | null;
  onOpen(item: Item, index: number): void;
  itemAtRef: React.RefObject<((index: number) => Promise<Item | null>) | null>;
  patchRef: React.RefObject<((id: number, patch: Partial<Item>) => void) | null>;
  onTotal(total: number): void;
  picked: ReadonlySet<number>;
  onPick(id: number): void;
  /** Images assigned to the current person (their queue shows only those); undefined or 0 when none are. */
  assigned?: number;
}

const STATUS_CHOICES: { label: string; value: Status[] | null }[] = [
  { label: 'any status', value: null },
  { label: 'unreviewed', value: ['todo', 'in_progress'] },
  { label: 'to do', value: ['todo'] },
  { label: 'in progress', value: ['in_progress'] },
  { label: 'done', value: ['done'] },
  { label: 'skipped', value: ['skipped'] },
];

/** The review queue: order, filters (status, class, score, annotator, flag, metadata) and the virtualised list. */
export function QueuePanel(p: Props) {
  const f: Filter = p.query.filter ?? {};
  const [scoreMin, setScoreMin] = useState(f.score ? String(f.score.min) : '');
  const [scoreMax, setScoreMax] = useState(f.score ? String(f.score.max) : '');
  const set = (patch: Partial<Filter>) => {
    const next: Filter = { ...f, ...patch };
    for (const k of Object.keys(next) as (keyof Filter)[]) if (next[k] === undefined) delete next[k];
    p.onQuery({ ...p.query, filter: Object.keys(next).length ? next : undefined });
  };
  const statusIndex = Math.max(0, STATUS_CHOICES.findIndex((c) => JSON.stringify(c.value) === JSON.stringify(f.status ?? null)));
  const applyScore = () => {
    const lo = scoreMin === '' ? null : Number(scoreMin);
    const hi = scoreMax === '' ? null : Number(scoreMax);
    if (lo === null && hi === null) return set({ score: undefined });
    const min = lo ?? 0;
    const max = hi ?? 1;
    if (!(min >= 0 && max <= 1 && min <= max)) return;
    set({ score: { min, max } });
  };
  return (
    <div className="queue">
      <div className="queue-filters" data-testid="queue-filters">
        <select aria-label="Order" data-testid="queue-order" value={p.query.order ?? 'file'} onChange={(e) => p.onQuery({ ...p.query, order: e.target.value as QueueQuery['order'] })}>
          <option value="file">file order</option>
          <option value="score">least sure first</option>
          <option value="priority">flag priority</option>
          <option value="agreement">worst agreement</option>
        </select>
        <select aria-label="Status" data-testid="filter-status" value={statusIndex} onChange={(e) => set({ status: STATUS_CHOICES[Number(e.target.value)].value ?? undefined })}>
          {STATUS_CHOICES.map((c, i) => (
            <option key={c.label} value={i}>
              {c.label}
            </option>
          ))}
        </select>
        <select aria-label="Class present" data-testid="filter-class" value={f.classId ?? ''} onChange={(e) => set({ classId: e.target.value ? Number(e.target.value) : undefined })}>
          <option value="">any class</option>
          {p.classes.map((c) => (
            <option key={c.id} value={c.id}>
              has {c.name}
            </option>
          ))}
        </select>
        <select aria-label="Annotator" data-testid="filter-annotator" value={f.annotatorId ?? ''} onChange={(e) => set({ annotatorId: e.target.value ? Number(e.target.value) : undefined })}>
          <option value="">anyone</option>
          {p.annotators.map((a) => (
            <option key={a.id} value={a.id}>
              by {a.name}
            </option>
          ))}
        </select>
        <span className="score-range" title="Images with a prediction scored in this range">
          score
          <input aria-label="Lowest score" data-testid="filter-score-min" inputMode="decimal" placeholder="0" value={scoreMin} onChange={(e) => setScoreMin(e.target.value)} onBlur={applyScore} onKeyDown={(e) => e.key === 'Enter' && applyScore()} />
          –
          <input aria-label="Highest score" data-testid="filter-score-max" inputMode="decimal" placeholder="1" value={scoreMax} onChange={(e) => setScoreMax(e.target.value)} onBlur={applyScore} onKeyDown={(e) => e.key === 'Enter' && applyScore()} />
        </span>
        <input aria-label="Flag reason" data-testid="filter-flag" placeholder="flag reason" defaultValue={f.flag ?? ''} onKeyDown={(e) => e.key === 'Enter' && set({ flag: (e.target as HTMLInputElement).value.trim() || undefined })} />
        {f.where && (
          <span className="filter-chip" data-testid="list-filter">
            {f.where.key} = {f.where.value}
            <button type="button" onClick={() => set({ where: undefined })} title="Show every image" aria-label="Clear the metadata filter">
              ×
            </button>
          </span>
        )}
      </div>
      {p.assigned ? (
        <div className="queue-assigned muted" data-testid="queue-assigned" title="Your queue shows the images assigned to you">
          {p.assigned} assigned
        </div>
      ) : null}
      <ImageList
        key={JSON.stringify(p.query)}
        query={p.query}
        version={p.version}
        selectedId={p.selectedId}
        selectedIndex={p.selectedIndex}
        onOpen={p.onOpen}
        itemAtRef={p.itemAtRef}
        patchRef={p.patchRef}
        onTotal={p.onTotal}
        picked={p.picked}
        onPick={p.onPick}
      />
    </div>
  );
}
