import type { ParsedReq, Res } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import { flagRepo } from '../store/FlagRepo.ts';
import type { Project } from '../store/Project.ts';
import { checkFlags, runFlags } from './flags.ts';
import { projectInfo } from './projectInfo.ts';
import type { Session } from './Session.ts';

/** Every reason with its count and weight. */
export function flagWeights(p: Project): Res<'flags:weights'> {
  const repo = flagRepo(p.db);
  const set = new Map(repo.weights().map((w) => [w.reason, w.weight]));
  const counts = new Map(repo.counts().map((c) => [c.reason, c.count]));
  const reasons = [...new Set([...counts.keys(), ...set.keys()])].sort();
  return { reasons: reasons.map((reason) => ({ reason, count: counts.get(reason) ?? 0, weight: set.get(reason) ?? 1, set: set.has(reason) })) };
}

/** Start the flags job (checked first: a wrong run, folder or flags file is refused before anything runs). */
export function startFlags(s: Session, req: ParsedReq<'flags:start'>): Res<'flags:start'> {
  const project = s.project;
  const checked = checkFlags(project, req);
  const what = [checked.referenceDir && 'drift', checked.run && 'low confidence', checked.referenceRun && 'class mix', checked.sidecar && 'flags file'].filter(Boolean);
  const ev = s.inference.evaluateWorkerFile;
  return s.jobs.start('flags', `Compute flags${what.length ? ` (${what.join(', ')})` : ''}`, async (ctx) => {
    const summary = await runFlags(project, checked, ctx, { workerFile: ev && new URL('./statsWorker.mjs', ev) });
    s.emit({ type: 'project', project: projectInfo(project) });
    return summary;
  });
}

/** The contract's flag methods. */
export const FLAG_HANDLERS = {
  'flags:start': (s: Session, req: ParsedReq<'flags:start'>) => startFlags(s, req),
  'flags:list': (s: Session, req: ParsedReq<'flags:list'>): Res<'flags:list'> => {
    const p = s.project;
    if (!p.images.get(req.imageId)) throw new LoupeError('not_found', `Image ${req.imageId} is not in this project.`);
    const weights = new Map(flagRepo(p.db).weights().map((w) => [w.reason, w.weight]));
    return flagRepo(p.db)
      .forImage(req.imageId)
      .map((f) => ({ reason: f.reason, score: f.score, weight: weights.get(f.reason) ?? 1, details: JSON.parse(f.details) }));
  },
  'flags:weights': (s: Session): Res<'flags:weights'> => flagWeights(s.project),
  'flags:setWeight': (s: Session, req: ParsedReq<'flags:setWeight'>): Res<'flags:weights'> => {
    const p = s.project;
    p.db.transaction(() => flagRepo(p.db).setWeight(req.reason, req.weight))();
    // The priority order changed: lists reload.
    s.emit({ type: 'project', project: projectInfo(p) });
    return flagWeights(p);
  },
};
