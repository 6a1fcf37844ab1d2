import fs from 'node:fs';
import path from 'node:path';
import type { Res } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import { loadModel, type Latency, type ModelInfo } from '../inference/index.ts';
import type { ModelRow } from '../store/ModelRepo.ts';
import type { Project } from '../store/Project.ts';
import { PALETTE } from './classes.ts';

export type ModelView = Res<'models:list'>[number];

/** Options for registering a model in a project. */
export interface AddModelOptions {
  file: string;
  classesFile?: string;
  name?: string;
  /** Create project classes for model classes that have none of the same name. */
  createClasses?: boolean;
}

/**
 * A manifest.json beside a model lists the sha256 it was published with; a file
 * that no longer matches it was altered or damaged, and is refused.
 */
export function checkManifest(file: string, sha256: string): void {
  const manifest = path.join(path.dirname(file), 'manifest.json');
  if (!fs.existsSync(manifest)) return;
  let entries: { file?: string; sha256?: string }[] = [];
  try {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { models?: unknown; files?: unknown };
    const list = (Array.isArray(m.models) ? m.models : Array.isArray(m.files) ? m.files : Array.isArray(m) ? m : []) as typeof entries;
    entries = list.filter((e) => e && typeof e === 'object');
  } catch {
    return; // not our manifest format: nothing to check against
  }
  const entry = entries.find((e) => e.file && path.basename(e.file) === path.basename(file));
  if (entry?.sha256 && entry.sha256 !== sha256) {
    throw new LoupeError('bad_model', `${file}: sha256 ${sha256.slice(0, 12)}… does not match ${manifest} (${entry.sha256.slice(0, 12)}…); the file was changed or damaged.`);
  }
}

/** Load, validate and measure a model, then register it with a class mapping by name. */
export async function addModel(project: Project, opts: AddModelOptions): Promise<ModelView> {
  const file = path.resolve(opts.file);
  const model = await loadModel(file, { classesFile: opts.classesFile });
  let latency: Latency;
  try {
    checkManifest(file, model.info.sha256);
    latency = await model.latency(20, 3);
  } finally {
    await model.release();
  }
  const info = model.info;
  return project.db.transaction(() => {
    const existing = project.models.bySha(info.sha256);
    if (existing) {
      // The same model found at a new place: follow it when the old file is gone.
      const stored = project.storedRootPath(file);
      if (existing.path !== stored && !fs.existsSync(modelPath(project, existing))) project.models.setPath(existing.id, stored);
      return view(project, project.models.get(existing.id)!);
    }
    let name = opts.name ?? path.basename(file).replace(/\.onnx$/i, '');
    if (project.models.byName(name)) name = `${name}-${info.sha256.slice(0, 8)}`;
    const classMap = mapClassesByName(project, info.classes, opts.createClasses ?? false);
    const id = project.models.insert({
      name,
      path: project.storedRootPath(file),
      sha256: info.sha256,
      info: JSON.stringify(infoToStore(info)),
      classMap: JSON.stringify(classMap),
      latency: JSON.stringify(latency),
      addedAt: new Date().toISOString(),
    });
    return view(project, project.models.get(id)!);
  })();
}

/** Model class index → project class id by exact name; missing ones created on request, else null. */
function mapClassesByName(project: Project, classes: string[], create: boolean): (number | null)[] {
  return classes.map((name) => {
    const found = project.classes.byName(name);
    if (found) return found.id;
    if (!create) return null;
    const n = project.classes.list().length;
    return project.classes.insert({ name, color: PALETTE[n % PALETTE.length], hotkey: null });
  });
}

/** Replace a model's class mapping (one entry per model class; null drops that class's predictions). */
export function setClassMap(project: Project, id: number, classMap: (number | null)[]): ModelView {
  return project.db.transaction(() => {
    const m = project.models.get(id);
    if (!m) throw new LoupeError('not_found', `Model ${id} is not in this project.`);
    const classes = (JSON.parse(m.info) as StoredInfo).classes;
    if (classMap.length !== classes.length) {
      throw new LoupeError('bad_request', `The mapping has ${classMap.length} entries; model ${m.name} has ${classes.length} classes.`);
    }
    for (const c of classMap) if (c !== null && !project.classes.get(c)) throw new LoupeError('not_found', `Class ${c} does not exist.`);
    project.models.setClassMap(id, classMap);
    return view(project, project.models.get(id)!);
  })();
}

/** The model a request names, or the most recently added one. */
export function pickModel(project: Project, modelId?: number): ModelRow {
  if (modelId !== undefined) {
    const m = project.models.get(modelId);
    if (!m) throw new LoupeError('not_found', `Model ${modelId} is not in this project.`);
    return m;
  }
  const all = project.models.list();
  if (!all.length) throw new LoupeError('not_found', 'This project has no model yet. Add an ONNX detection model first.');
  return all[all.length - 1];
}

/** Absolute path of a registered model file. */
export function modelPath(project: Project, m: ModelRow): string {
  return project.rootPath(m.path);
}

type StoredInfo = Pick<ModelInfo, 'inputSize' | 'dynamic' | 'dtype' | 'layout' | 'classes' | 'classesSource' | 'outputShape'>;

function infoToStore(i: ModelInfo): StoredInfo {
  return {
    inputSize: i.inputSize,
    dynamic: i.dynamic,
    dtype: i.dtype,
    layout: i.layout,
    classes: i.classes,
    classesSource: i.classesSource,
    outputShape: i.outputShape,
  };
}

/** What the contract returns for a model. */
export function view(project: Project, m: ModelRow): ModelView {
  const info = JSON.parse(m.info) as StoredInfo;
  return {
    id: m.id,
    name: m.name,
    file: modelPath(project, m),
    sha256: m.sha256,
    inputSize: info.inputSize,
    layout: info.layout,
    dtype: info.dtype,
    classes: info.classes,
    classMap: JSON.parse(m.classMap) as (number | null)[],
    latency: m.latency ? (JSON.parse(m.latency) as Latency) : null,
    addedAt: m.addedAt,
  };
}
