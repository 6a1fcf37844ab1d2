import path from 'node:path';
import type { ParsedReq } from '../contract/methods.ts';
import { exportPackage } from './packageExport.ts';
import { importPackage } from './packageImport.ts';
import { openPackage } from './packageOpen.ts';
import { projectInfo } from './projectInfo.ts';
import type { Session } from './Session.ts';

/** `package:export` as a job over the open project. */
export function startPackageExport(s: Session, req: ParsedReq<'package:export'>) {
  const project = s.project;
  return s.jobs.start('package-export', `Export the work package of ${req.annotator} to ${req.out}`, (ctx) => exportPackage(project, req, ctx));
}

/** `package:import` as a job over the open project; one transaction at its end. */
export function startPackageImport(s: Session, req: ParsedReq<'package:import'>) {
  const project = s.project;
  return s.jobs.start('package-import', `Import the work package ${path.basename(req.file)}`, async (ctx) => {
    const summary = await importPackage(project, req.file, ctx);
    s.emit({ type: 'project', project: projectInfo(project) });
    return summary;
  });
}

/** `package:open` as a job: creates a new project file; the open project, if any, stays open. */
export function startPackageOpen(s: Session, req: ParsedReq<'package:open'>) {
  return s.jobs.start('package-open', `Open the work package ${path.basename(req.file)} as ${req.project}`, (ctx) =>
    openPackage(req, { nativeBinding: s.options.nativeBinding }, ctx),
  );
}
