import type { Res } from '../contract/methods.ts';
import type { Project } from '../store/Project.ts';
import { lastIdentity } from './people.ts';
import { Session } from './Session.ts';

/** The project summary shown in the UI and printed by `loupe info`. */
export function projectInfo(p: Project): Res<'project:info'> {
  const counts = p.boxes.countByClass();
  let boxCount = 0;
  for (const n of counts.values()) boxCount += n;
  return {
    file: p.file,
    name: Session.nameOf(p.file),
    annotator: { id: p.annotator.id, name: p.annotator.name },
    imageCount: p.images.count(),
    failedCount: p.images.failureCount(),
    classes: p.classes.list().map((c) => ({ ...c, boxCount: counts.get(c.id) ?? 0 })),
    boxCount,
    roots: p.images.roots().map((r) => p.rootPath(r.path)),
    role: p.role,
    lastIdentity: lastIdentity(p),
  };
}
