import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Res } from '../../contract/methods.ts';
import type { PrelabelSummary } from '../../services/prelabel.ts';
import { call, CliError, openProject, printJson, println, type CliContext, type CliStreams } from './context.ts';
import { FAILURES_LISTED } from './format.ts';
import { waitForPrelabel } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { assertFile, DETECT_FLAGS, detectFlags } from './values.ts';

type ModelView = Res<'models:add'>;

/** One model class and the project class its predictions get. */
interface ClassMapping {
  index: number;
  name: string;
  classId: number | null;
  className: string | null;
}

const CLASSES_FLAG = { kind: 'string', value: 'FILE', help: "Class names (one per line, or a data.yaml); for models without a 'names' entry" } as const;
const CREATE_FLAG = { kind: 'boolean', help: 'Create project classes for model classes that match none by name' } as const;

/**
 * The model registered for this file: found by sha256 when the project has it,
 * else added (loaded, checked and timed). With `createClasses`, model classes
 * still unmapped get project classes of their name.
 */
async function ensureModel(
  ctx: CliContext,
  file: string,
  opts: { classesFile?: string; name?: string; createClasses: boolean },
): Promise<{ model: ModelView; added: boolean }> {
  const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const known = (await call(ctx, 'models:list', {})).find((m) => m.sha256 === sha256);
  let model = known ?? (await call(ctx, 'models:add', { file, classesFile: opts.classesFile, name: opts.name, createClasses: opts.createClasses }));
  if (known && opts.createClasses && model.classMap.includes(null)) {
    const byName = new Map((await call(ctx, 'classes:list', {})).map((c) => [c.name, c.id]));
    const classMap: number[] = [];
    for (const [i, name] of model.classes.entries()) {
      const mapped = model.classMap[i] ?? byName.get(name) ?? (await call(ctx, 'classes:create', { name })).id;
      byName.set(name, mapped);
      classMap.push(mapped);
    }
    model = await call(ctx, 'models:map', { id: model.id, classMap });
  }
  return { model, added: !known };
}

async function mappings(ctx: CliContext, model: ModelView): Promise<ClassMapping[]> {
  const names = new Map((await call(ctx, 'classes:list', {})).map((c) => [c.id, c.name]));
  return model.classes.map((name, index) => {
    const classId = model.classMap[index] ?? null;
    return { index, name, classId, className: classId === null ? null : (names.get(classId) ?? null) };
  });
}

function printModel(out: CliStreams, m: ModelView, added: boolean, map: ClassMapping[]): void {
  println(out, added ? `Added model ${m.name} (id ${m.id}) from ${m.file}` : `Model ${m.name} (id ${m.id}) is already in this project (same sha256): ${m.file}`);
  println(out, `  sha256   ${m.sha256}`);
  println(out, `  input    ${m.inputSize.w}×${m.inputSize.h} RGB, NCHW, ${m.dtype}`);
  println(out, `  output   ${LAYOUTS[m.layout]}`);
  if (m.latency) println(out, `  latency  p50 ${ms(m.latency.p50Ms)}, p95 ${ms(m.latency.p95Ms)} (session.run over ${m.latency.runs} runs)`);
  const unmapped = map.filter((c) => c.classId === null);
  println(out, `Classes (${map.length}${unmapped.length ? `, ${unmapped.length} unmapped` : ''}):`);
  const width = Math.max(...map.map((c) => c.name.length));
  for (const c of map) {
    const target = c.classId === null ? 'unmapped: its predictions are dropped' : `${c.className} (class ${c.classId})`;
    println(out, `  ${String(c.index).padStart(3)}  ${c.name.padEnd(width)}  → ${target}`);
  }
  if (unmapped.length) println(out, `Map them by creating classes of the same name (--create-classes, or loupe classes PROJECT --add NAME…).`);
}

const LAYOUTS: Record<ModelView['layout'], string> = {
  v8: 'v8 layout [1, 4+nc, N] (YOLOv8/11), NMS applied',
  v5: 'v5 layout [1, N, 5+nc] (YOLOv5), NMS applied',
  e2e: 'end-to-end layout [1, K, 6] (NMS inside the model)',
};

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

function printPrelabel(out: CliStreams, s: PrelabelSummary, params: { conf: number; iou: number; maxDet: number }, unmappedNames: string[]): void {
  println(out, `Pre-labelled with ${s.model} (run ${s.runId}; conf ${params.conf}, iou ${params.iou}, max-det ${params.maxDet}), ${s.requested} images:`);
  println(out, `  ${s.done} done, ${s.skipped} skipped (done before), ${s.failed.length} failed, in ${s.seconds.toFixed(1)} s`);
  println(out, `  ${s.boxes} boxes stored`);
  if (s.unmappedDropped) println(out, `  ${s.unmappedDropped} predictions of unmapped classes dropped (${unmappedNames.join(', ')})`);
  if (!s.failed.length) return;
  println(out, `Failed images (${s.failed.length}):`);
  for (const f of s.failed.slice(0, FAILURES_LISTED)) println(out, `  ${f.path}: ${f.reason}`);
  if (s.failed.length > FAILURES_LISTED) println(out, `  … and ${s.failed.length - FAILURES_LISTED} more (--json lists them all)`);
}

/** `model add`, `models` and `prelabel`. */
export const MODEL_COMMANDS: Command[] = [
  {
    name: 'model add',
    summary: 'Add an ONNX detection model to a project and show how its classes map',
    usage: 'loupe model add PROJECT MODEL.onnx [--classes FILE] [--name NAME] [--create-classes] [--json]',
    details:
      "Loads an Ultralytics YOLO export (v5, v8/11 or end-to-end layout), checks it, and times session.run over 20 runs. Model classes map to project classes of the same name; the others are unmapped and their predictions dropped. A file already in the project (same sha256) is not added twice.",
    positionals: [...PROJECT, { name: 'MODEL', required: true }],
    flags: { classes: CLASSES_FLAG, name: { kind: 'string', value: 'NAME', help: 'Name to show (default: the file name)' }, 'create-classes': CREATE_FLAG, json: JSON_FLAG },
    async run(ctx, a) {
      const file = assertFile(a.positionals.MODEL!, 'model file');
      const classesFile = a.flags.classes === undefined ? undefined : assertFile(a.flags.classes as string, 'classes file');
      await openProject(ctx, a.positionals.PROJECT!);
      const { model, added } = await ensureModel(ctx, file, { classesFile, name: a.flags.name as string | undefined, createClasses: Boolean(a.flags['create-classes']) });
      const map = await mappings(ctx, model);
      if (a.flags.json) printJson(ctx, { added, model, classes: map, unmapped: map.filter((c) => c.classId === null).map((c) => c.name) });
      else printModel(ctx, model, added, map);
    },
  },
  {
    name: 'models',
    summary: 'List the models of a project with their runs',
    usage: 'loupe models PROJECT [--json]',
    details: 'Each model with its input size, layout, classes mapped, latency and file, and the pre-label runs made with it (parameters, images done and failed, boxes).',
    positionals: PROJECT,
    flags: { json: JSON_FLAG },
    async run(ctx, a) {
      await openProject(ctx, a.positionals.PROJECT!);
      const runs = await call(ctx, 'runs:list', {});
      const models = (await call(ctx, 'models:list', {})).map((m) => ({ ...m, runs: runs.filter((r) => r.modelId === m.id) }));
      if (a.flags.json) {
        printJson(ctx, { models });
        return;
      }
      if (!models.length) {
        println(ctx, 'No models yet (add one with loupe model add PROJECT MODEL.onnx).');
        return;
      }
      for (const m of models) {
        const mapped = m.classMap.filter((c) => c !== null).length;
        println(ctx, `${m.id}  ${m.name}  ${m.inputSize.w}×${m.inputSize.h} ${m.dtype} ${m.layout}  ${mapped}/${m.classes.length} classes mapped${m.latency ? `  p50 ${ms(m.latency.p50Ms)}` : ''}`);
        println(ctx, `   ${m.file}`);
        for (const r of m.runs) {
          println(ctx, `   run ${r.id} ${r.parameters}: ${r.done} done, ${r.failed} failed, ${r.boxes} boxes${r.finishedAt ? '' : ' (not finished)'}`);
        }
      }
    },
  },
  {
    name: 'prelabel',
    summary: 'Pre-label every image of a project with a model',
    usage: 'loupe prelabel PROJECT --model MODEL.onnx [--conf C] [--iou I] [--max-det N] [--force] [--create-classes] [--json]',
    details:
      "Adds the model when the project does not have it yet (same sha256: reused), then stores its predictions on every image as the model's boxes; people's boxes are never touched. Images this model already did with the same parameters are skipped unless --force. Progress goes to stderr. Ctrl+C lets the images in flight finish; every finished image is kept and a re-run does the rest.",
    positionals: PROJECT,
    flags: {
      model: { kind: 'string', value: 'MODEL.onnx', help: 'The ONNX detection model', required: true },
      ...DETECT_FLAGS,
      force: { kind: 'boolean', help: 'Run again on images already done with these parameters (their predictions are replaced)' },
      'create-classes': CREATE_FLAG,
      classes: CLASSES_FLAG,
      json: JSON_FLAG,
    },
    async run(ctx, a) {
      const params = detectFlags(a.flags);
      const file = assertFile(a.flags.model as string, 'model file');
      const classesFile = a.flags.classes === undefined ? undefined : assertFile(a.flags.classes as string, 'classes file');
      const info = await openProject(ctx, a.positionals.PROJECT!);
      const { model, added } = await ensureModel(ctx, file, { classesFile, createClasses: Boolean(a.flags['create-classes']) });
      const unmapped = model.classes.filter((_, i) => model.classMap[i] === null);
      if (unmapped.length === model.classes.length) {
        throw new CliError(
          `none of the model's classes (${preview(model.classes)}) has a project class of the same name, so every prediction would be dropped; add --create-classes, or map them in the app`,
        );
      }
      const job = await call(ctx, 'prelabel:start', { modelId: model.id, ...params, force: Boolean(a.flags.force) });
      const summary = await waitForPrelabel(ctx, job);
      if (a.flags.json) {
        const { id, name, sha256 } = model;
        printJson(ctx, { project: info.file, ...summary, model: { id, name, sha256, file: model.file, added }, parameters: params, unmappedClasses: unmapped });
      } else printPrelabel(ctx, summary, params, unmapped);
    },
  },
];

function preview(names: string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')}, … ${names.length - 6} more` : names.join(', ');
}
