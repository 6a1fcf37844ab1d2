import type { MethodName, ParsedReq, Res } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import { importFolder } from '../io/importFolder.ts';
import { checkEvaluation, runEvaluation } from './evaluate.ts';
import { measureLatency } from './modelLatency.ts';
import { agreementImage, checkAgreement, runAgreement } from './agreement.ts';
import { checkMerge, mergeAllJob } from './consensusMerge.ts';
import { resolveImage } from './resolve.ts';
import { startExport } from './export.ts';
import { applyEdit, editingAuthor, redoEdit, undoEdit } from './boxEdits.ts';
import { createClass, deleteClass, updateClass } from './classes.ts';
import { importLabels, importPredictions } from './importLabels.ts';
import { addModel, modelPath, pickModel, setClassMap, view as modelView } from './models.ts';
import { annotatorViews, identify, whoami } from './people.ts';
import { runAssign } from './assign.ts';
import { prelabel } from './prelabel.ts';
import { startPackageExport, startPackageImport, startPackageOpen } from './packageJobs.ts';
import { projectInfo } from './projectInfo.ts';
import { FLAG_HANDLERS } from './flagHandlers.ts';
import { getSetting, listQueue, locateInQueue, nextInQueue, queueItem, reviewBoxes, setReviewStatus, setSetting } from './review.ts';
import type { Session } from './Session.ts';
import { importMetadata } from './metadataImport.ts';
import { flagChanges, getTimeline, imagesAfter } from './timeline.ts';

/** The package version, reported by `app:info`. */
export const VERSION = '0.1.0';

type Handler<M extends MethodName> = (s: Session, req: ParsedReq<M>) => Res<M> | Promise<Res<M>>;
type Handlers = { [M in MethodName]: Handler<M> };

/** Start a pre-label job over the given images (all when none are given). */
function startPrelabel(s: Session, req: ParsedReq<'prelabel:start'>) {
  const project = s.project;
  const model = pickModel(project, req.modelId);
  const ids = req.imageIds ?? project.images.allIds();
  const params = { conf: req.conf, iou: req.iou, maxDet: req.maxDet };
  return s.jobs.start('prelabel', `Pre-label ${ids.length} images with ${model.name}`, async (ctx) => {
    const pool = await s.pool(model, modelPath(project, model));
    const summary = await prelabel(project, pool, model, ids, params, { force: req.force, ctx });
    s.emit({ type: 'project', project: projectInfo(project) });
    return summary;
  });
}

function startImport(s: Session, dir: string, pixelLimit?: number, metadataFile?: string) {
  const project = s.project;
  return s.jobs.start('import', `Import ${dir}`, async (ctx) => {
    const summary = await importFolder(project, dir, ctx, { pixelLimit, metadataFile });
    s.emit({ type: 'project', project: projectInfo(project) });
    return summary;
  });
}

/** Import labels or predictions as a job; a dry run checks everything and writes nothing. */
function startLabelsImport(s: Session, kind: 'labels' | 'predictions', req: ParsedReq<'labels:import'> | ParsedReq<'predictions:import'>) {
  const project = s.project;
  const label = `${req.dryRun ? 'Check' : 'Import'} ${kind} ${req.path}`;
  return s.jobs.start(`import-${kind}`, label, async (ctx) => {
    const summary = 'annotator' in req ? await importLabels(project, req, ctx) : await importPredictions(project, req, ctx);
    if (!req.dryRun) s.emit({ type: 'project', project: projectInfo(project) });
    return summary;
  });
}

/** What every contract method does; the dispatcher validates before and after. */
export const HANDLERS: Handlers = {
  'app:info': (s) => ({ version: VERSION, host: s.host, project: s.hasProject ? projectInfo(s.project) : null }),
  'project:create': async (s, req) => {
    const p = await s.open(req.file, true);
    const job = req.imagesDir ? startImport(s, req.imagesDir, undefined, req.metadataFile) : null;
    const info = projectInfo(p);
    s.emit({ type: 'project', project: info });
    return { project: info, job };
  },
  'project:open': async (s, req) => {
    const info = projectInfo(await s.open(req.file));
    s.emit({ type: 'project', project: info });
    return info;
  },
  'project:info': (s) => projectInfo(s.project),
  'project:close': async (s) => {
    const closed = await s.close();
    s.emit({ type: 'project', project: null });
    return { closed };
  },
  'session:identify': (s, req) => {
    const who = identify(s.project, req.name, req.role);
    s.emit({ type: 'project', project: projectInfo(s.project) });
    return who;
  },
  'session:whoami': (s) => whoami(s.project),
  'assign:run': (s, req) => runAssign(s.project, req),
  'images:import': (s, req) => startImport(s, req.dir, req.pixelLimit, req.metadataFile),
  'images:list': (s, req) => listQueue(s.project, req),
  'images:next': (s, req) => nextInQueue(s.project, req),
  'images:locate': (s, req) => locateInQueue(s.project, req),
  'images:get': (s, req) => {
    const p = s.project;
    const r = p.images.get(req.id);
    if (!r) throw new LoupeError('not_found', `Image ${req.id} is not in this project.`);
    return queueItem(p, { ...r, boxCount: p.images.boxCount(r.id) });
  },
  'review:set': (s, req) => setReviewStatus(s.project, req.imageId, req.status),
  'settings:get': (s, req) => getSetting(s.project, req.key),
  'settings:set': (s, req) => setSetting(s.project, req.key, req.value),
  'images:failures': (s, req) => {
    const p = s.project;
    const items = p.images.failures(req.offset, req.limit).map((f) => ({ path: f.path, root: p.rootPath(f.root), reason: f.reason }));
    return { total: p.images.failureCount(), items };
  },
  'classes:list': (s) => s.project.classes.list(),
  'classes:create': (s, req) => createClass(s.project, req),
  'classes:update': (s, req) => updateClass(s.project, req),
  'classes:delete': (s, req) => deleteClass(s.project, req.id),
  'annotators:list': (s) => annotatorViews(s.project),
  'boxes:list': (s, req) => {
    const p = s.project;
    if (!p.images.get(req.imageId)) throw new LoupeError('not_found', `Image ${req.imageId} is not in this project.`);
    const depth = p.edits.depth(req.imageId, p.annotator.id);
    return { boxes: reviewBoxes(p, req.imageId), annotatorId: editingAuthor(p, req.imageId), ...depth };
  },
  'boxes:apply': (s, req) => applyEdit(s.project, req.imageId, req.diff),
  'edits:undo': (s, req) => undoEdit(s.project, req.imageId),
  'edits:redo': (s, req) => redoEdit(s.project, req.imageId),
  'models:add': async (s, req) => {
    const v = await addModel(s.project, req);
    s.emit({ type: 'project', project: projectInfo(s.project) });
    return v;
  },
  'models:list': (s) => s.project.models.list().map((m) => modelView(s.project, m)),
  'models:map': (s, req) => setClassMap(s.project, req.id, req.classMap),
  'models:latency': (s, req) => {
    const project = s.project;
    const model = pickModel(project, req.id);
    return s.jobs.start('latency', `Measure ${model.name}'s latency`, async (ctx) => measureLatency(project, await s.pool(model, modelPath(project, model)), model, { runs: req.runs, warmup: req.warmup, ctx }));
  },
  'prelabel:image': async (s, req) => {
    const p = s.project;
    if (!p.images.get(req.imageId)) throw new LoupeError('not_found', `Image ${req.imageId} is not in this project.`);
    const model = pickModel(p, req.modelId);
    const pool = await s.pool(model, modelPath(p, model));
    const summary = await prelabel(p, pool, model, [req.imageId], { conf: req.conf, iou: req.iou, maxDet: req.maxDet }, { force: req.force });
    return { summary, boxes: reviewBoxes(p, req.imageId) };
  },
  'prelabel:start': (s, req) => startPrelabel(s, req),
  'runs:list': (s) =>
    s.project.models.runs().map((r) => ({
      id: r.id,
      modelId: r.modelId,
      name: r.name,
      parameters: r.parameters,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      ...s.project.models.runStats(r.id),
    })),
  'export:start': (s, req) => startExport(s, req),
  'evaluation:start': (s, req) => {
    const project = s.project;
    const checked = checkEvaluation(project, req);
    return s.jobs.start('evaluation', `Evaluate ${checked.run.name} against ${checked.reference.name}`, (ctx) =>
      runEvaluation(project, checked, ctx, { workerFile: s.inference.evaluateWorkerFile, nativeBinding: s.options.nativeBinding }),
    );
  },
  'labels:import': (s, req) => startLabelsImport(s, 'labels', req),
  'predictions:import': (s, req) => startLabelsImport(s, 'predictions', req),
  'package:export': (s, req) => startPackageExport(s, req),
  'package:import': (s, req) => startPackageImport(s, req),
  'package:open': (s, req) => startPackageOpen(s, req),
  'agreement:start': (s, req) => {
    const project = s.project;
    const { images } = checkAgreement(project, req);
    const ev = s.inference.evaluateWorkerFile;
    return s.jobs.start('agreement', `Agreement on ${images} image${images === 1 ? '' : 's'} at IoU ${req.iou}`, (ctx) =>
      runAgreement(project, req, ctx, { workerFile: ev && new URL('./agreementWorker.mjs', ev), writerFile: ev && new URL('./agreementWriteWorker.mjs', ev), nativeBinding: s.options.nativeBinding }),
    );
  },
  'agreement:image': (s, req) => agreementImage(s.project, req),
  'consensus:resolve': (s, req) => resolveImage(s.project, req),
  'consensus:merge': (s, req) => {
    const project = s.project;
    const { shared } = checkMerge(project, req);
    const ev = s.inference.evaluateWorkerFile;
    return s.jobs.start('consensus', `Consensus of ${shared} image${shared === 1 ? '' : 's'} at IoU ${req.iou}`, (ctx) =>
      mergeAllJob(project, req, ctx, { workerFile: ev && new URL('./mergeWorker.mjs', ev), nativeBinding: s.options.nativeBinding }),
    );
  },
  ...FLAG_HANDLERS,
  'metadata:import': (s, req) => {
    const project = s.project;
    return s.jobs.start('import-metadata', `${req.dryRun ? 'Check' : 'Import'} metadata ${req.path}`, async (ctx) => {
      const summary = await importMetadata(project, req, ctx);
      if (!req.dryRun) s.emit({ type: 'project', project: projectInfo(project) });
      return summary;
    });
  },
  'timeline:get': (s, req) => getTimeline(s.project, req),
  'timeline:flag': (s, req) => flagChanges(s.project, req),
  'timeline:images': (s, req) => imagesAfter(s.project, req),
  'jobs:list': (s) => s.jobs.list(),
  'jobs:cancel': (s, req) => ({ cancelled: s.jobs.cancel(req.id) }),
};
