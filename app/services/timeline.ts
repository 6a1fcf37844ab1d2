import { dayOf } from '../domain/capturedAt.ts';
import { LoupeError } from '../domain/errors.ts';
import { detectChanges, type Change } from '../metrics/changes.ts';
import { ALL, buildTimeline, STATISTICS, type Series, type Statistic, type TimelineImage } from '../metrics/timeline.ts';
import type { Project } from '../store/Project.ts';
import { timelineReader, type ChangeFlag } from '../store/TimelineReader.ts';

/** What the monitoring timeline is asked for: a slice key (none: "all" alone) and a model run (none: the newest). */
export interface TimelineRequest {
  by?: string;
  runId?: number;
}

/** The timeline with its changes, as `timeline:get` replies. */
export interface TimelineView {
  by: string | null;
  run: { id: number; name: string } | null;
  /** The metadata keys the project's images have (what `by` can be). */
  keys: string[];
  days: string[];
  statistics: Statistic[];
  series: Series[];
  changes: Change[];
  /** Images on the timeline, and those left off it for having no capture time. */
  images: number;
  untimed: number;
}

function resolve(project: Project, req: TimelineRequest) {
  const reader = timelineReader(project.db);
  const keys = reader.keys();
  if (req.by !== undefined && !keys.includes(req.by)) {
    const known = keys.length ? `one of ${keys.join(', ')}` : 'none: no image has metadata yet (import a sidecar with `loupe metadata`)';
    throw new LoupeError('not_found', `No image has the metadata key "${req.by}"; the keys are ${known}.`);
  }
  let run: { id: number; name: string } | null = null;
  if (req.runId !== undefined) {
    const r = project.models.run(req.runId);
    if (!r) throw new LoupeError('not_found', `Model run ${req.runId} is not in this project; \`loupe runs\` lists them.`);
    run = { id: r.id, name: r.name };
  } else run = reader.latestRun() ?? null;
  const images = reader.images(req.by ?? null, run?.id ?? null);
  return { reader, keys, run, images };
}

/** The timeline of a project per day and slice, with the changes the CUSUM rule finds (app/metrics/changes.ts). */
export function getTimeline(project: Project, req: TimelineRequest): TimelineView {
  const { reader, keys, run, images } = resolve(project, req);
  const t = buildTimeline(images);
  const changes = detectChanges(t.days, t.series).filter((c) => run || c.statistic === 'images' || c.statistic === 'meanBrightness');
  return { by: req.by ?? null, run, keys, days: t.days, statistics: [...STATISTICS], series: t.series, changes, images: images.length, untimed: reader.untimed() };
}

/**
 * Flag the images after each change in its slice with reason `change`: one flag
 * per image, scored by its strongest change, its details naming every change
 * it follows (series, statistic, day, direction). Earlier `change` flags are
 * replaced, in one transaction.
 */
export function flagChanges(project: Project, req: TimelineRequest): { changes: number; flagged: number } {
  const view = getTimeline(project, req);
  const { images } = resolve(project, req);
  const byImage = new Map<number, { score: number; changes: object[] }>();
  for (const c of view.changes) {
    for (const img of images) {
      if (dayOf(img.capturedAt) < c.day || !inSlice(img, c.slice)) continue;
      let f = byImage.get(img.id);
      if (!f) byImage.set(img.id, (f = { score: 0, changes: [] }));
      f.score = Math.max(f.score, c.score);
      f.changes.push({ series: view.by ? `${view.by}=${c.slice}` : c.slice, slice: c.slice, statistic: c.statistic, day: c.day, direction: c.direction, before: c.before, after: c.after });
    }
  }
  const flags: ChangeFlag[] = [...byImage].map(([imageId, f]) => ({ imageId, score: f.score, details: JSON.stringify({ by: view.by, run: view.run?.id ?? null, changes: f.changes }) }));
  timelineReader(project.db).replaceChangeFlags(flags);
  return { changes: view.changes.length, flagged: flags.length };
}

function inSlice(img: TimelineImage, slice: string): boolean {
  return slice === ALL || img.slice === slice;
}

/** The most image ids `timeline:images` returns. */
export const IMAGES_LIMIT = 100_000;

/** The images of a slice captured on a change's day or later, in capture order: what the dashboard opens for a change. */
export function imagesAfter(project: Project, req: { by?: string; slice: string; day: string }): { ids: number[]; truncated: boolean } {
  if (req.slice !== ALL && req.by === undefined) throw new LoupeError('bad_request', `Slice "${req.slice}" needs the metadata key it is a value of (by).`);
  const slice = req.slice === ALL ? null : { key: req.by!, value: req.slice };
  const ids = timelineReader(project.db).imagesFrom(req.day, slice, IMAGES_LIMIT + 1);
  return { ids: ids.slice(0, IMAGES_LIMIT), truncated: ids.length > IMAGES_LIMIT };
}
