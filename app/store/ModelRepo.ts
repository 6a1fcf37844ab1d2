import type { Db } from './openDatabase.ts';

/** A detection model registered in a project. */
export interface ModelRow {
  id: number;
  name: string;
  /** As stored: relative to the project's folder when inside it, else absolute. */
  path: string;
  sha256: string;
  /** JSON of the loader's model info (input size, layout, dtype, classes). */
  info: string;
  /** JSON array: project class id (or null) for each model class index. */
  classMap: string;
  /** JSON {p50Ms, p95Ms, runs} measured when the model was added. */
  latency: string | null;
  addedAt: string;
}

/** A model run: one model with one set of parameters, resumable. */
export interface RunRow {
  id: number;
  modelId: number | null;
  annotatorId: number;
  modelHash: string;
  name: string;
  parameters: string;
  startedAt: string;
  finishedAt: string | null;
}

const MODEL_COLS = 'id, name, path, sha256, info, class_map AS classMap, latency, added_at AS addedAt';
const RUN_COLS =
  'id, model_id AS modelId, annotator_id AS annotatorId, model_hash AS modelHash, name, parameters, started_at AS startedAt, finished_at AS finishedAt';

/** Models, their runs, and which images each run has done. */
export class ModelRepo {
  private readonly sInsert;
  private readonly sList;
  private readonly sGet;
  private readonly sBySha;
  private readonly sByName;
  private readonly sSetMap;
  private readonly sSetPath;
  private readonly sSetLatency;
  private readonly sRunFind;
  private readonly sRunInsert;
  private readonly sRunGet;
  private readonly sRunFinish;
  private readonly sRuns;
  private readonly sDoneIds;
  private readonly sMark;
  private readonly sClearPreds;
  private readonly sRunStats;
  private readonly sImportedRun;

  constructor(db: Db) {
    this.sInsert = db.prepare(
      'INSERT INTO models (name, path, sha256, info, class_map, latency, added_at) VALUES (@name, @path, @sha256, @info, @classMap, @latency, @addedAt)',
    );
    this.sList = db.prepare<[], ModelRow>(`SELECT ${MODEL_COLS} FROM models ORDER BY id`);
    this.sGet = db.prepare<[number], ModelRow>(`SELECT ${MODEL_COLS} FROM models WHERE id = ?`);
    this.sBySha = db.prepare<[string], ModelRow>(`SELECT ${MODEL_COLS} FROM models WHERE sha256 = ?`);
    this.sByName = db.prepare<[string], ModelRow>(`SELECT ${MODEL_COLS} FROM models WHERE name = ?`);
    this.sSetMap = db.prepare('UPDATE models SET class_map = ? WHERE id = ?');
    this.sSetPath = db.prepare('UPDATE models SET path = ? WHERE id = ?');
    this.sSetLatency = db.prepare('UPDATE models SET latency = ? WHERE id = ?');
    this.sRunFind = db.prepare<[number, string], RunRow>(
      `SELECT ${RUN_COLS} FROM model_runs WHERE model_id = ? AND parameters = ? ORDER BY id DESC LIMIT 1`,
    );
    this.sRunInsert = db.prepare(
      `INSERT INTO model_runs (model_id, annotator_id, model_hash, name, parameters, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.sRunGet = db.prepare<[number], RunRow>(`SELECT ${RUN_COLS} FROM model_runs WHERE id = ?`);
    this.sRunFinish = db.prepare('UPDATE model_runs SET finished_at = ?, latency = ? WHERE id = ?');
    this.sRuns = db.prepare<[], RunRow>(`SELECT ${RUN_COLS} FROM model_runs ORDER BY id`);
    this.sDoneIds = db.prepare<[number], { image_id: number }>("SELECT image_id FROM run_images WHERE model_run_id = ? AND status = 'done'");
    this.sMark = db.prepare(
      `INSERT INTO run_images (model_run_id, image_id, status, error, boxes, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_run_id, image_id) DO UPDATE SET status = excluded.status, error = excluded.error, boxes = excluded.boxes, at = excluded.at`,
    );
    this.sClearPreds = db.prepare('DELETE FROM boxes WHERE model_run_id = ? AND image_id = ?');
    this.sRunStats = db.prepare<[number], { done: number; failed: number; boxes: number }>(
      `SELECT coalesce(sum(status = 'done'), 0) AS done, coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(boxes), 0) AS boxes
       FROM run_images WHERE model_run_id = ?`,
    );
    this.sImportedRun = db.prepare<[string, string], RunRow>(
      `SELECT ${RUN_COLS} FROM model_runs WHERE model_id IS NULL AND model_hash = ? AND name = ? ORDER BY id DESC LIMIT 1`,
    );
  }

  insert(m: Omit<ModelRow, 'id'>): number {
    return Number(this.sInsert.run(m).lastInsertRowid);
  }
  list(): ModelRow[] {
    return this.sList.all();
  }
  get(id: number): ModelRow | undefined {
    return this.sGet.get(id);
  }
  bySha(sha: string): ModelRow | undefined {
    return this.sBySha.get(sha);
  }
  byName(name: string): ModelRow | undefined {
    return this.sByName.get(name);
  }
  /** Point a model at its file's new place (stored like image roots). */
  setPath(id: number, path: string): void {
    this.sSetPath.run(path, id);
  }
  setClassMap(id: number, classMap: (number | null)[]): void {
    this.sSetMap.run(JSON.stringify(classMap), id);
  }
  /** Store a model's latency as measured on this machine (JSON {p50Ms, p95Ms, runs, measuredAt}). */
  setLatency(id: number, latency: string): void {
    this.sSetLatency.run(latency, id);
  }
  /** The latest run of this model with exactly these parameters (canonical JSON). */
  findRun(modelId: number, parameters: string): RunRow | undefined {
    return this.sRunFind.get(modelId, parameters);
  }
  insertRun(modelId: number | null, annotatorId: number, modelHash: string, name: string, parameters: string, at: string): number {
    return Number(this.sRunInsert.run(modelId, annotatorId, modelHash, name, parameters, at).lastInsertRowid);
  }
  run(id: number): RunRow | undefined {
    return this.sRunGet.get(id);
  }
  runs(): RunRow[] {
    return this.sRuns.all();
  }
  finishRun(id: number, at: string, latency: string | null): void {
    this.sRunFinish.run(at, latency, id);
  }
  /**
   * Images this run has done. Failed ones are not included: a file that was
   * missing or damaged is tried again once it is back.
   */
  doneImages(runId: number): Set<number> {
    return new Set(this.sDoneIds.all(runId).map((r) => r.image_id));
  }
  markImage(runId: number, imageId: number, status: 'done' | 'failed', error: string | null, boxes: number, at: string): void {
    this.sMark.run(runId, imageId, status, error, boxes, at);
  }
  /** Remove this run's predictions on an image (before a forced re-run). */
  clearPredictions(runId: number, imageId: number): void {
    this.sClearPreds.run(runId, imageId);
  }
  /** The run made by importing predictions with this hash under this name (no model registered). */
  findImportedRun(modelHash: string, name: string): RunRow | undefined {
    return this.sImportedRun.get(modelHash, name);
  }
  runStats(runId: number): { done: number; failed: number; boxes: number } {
    return this.sRunStats.get(runId)!;
  }
}
