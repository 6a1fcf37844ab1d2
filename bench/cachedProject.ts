import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Project } from '../app/store/Project.ts';

/** Where benchmarks keep generated inputs between runs (gitignored). */
export const CACHE = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), '.bench');

/**
 * A generated project cached under .bench/, keyed by name and schema version (a
 * stale file would otherwise be migrated inside a timed open). `name` may hold a
 * sub-folder (`canvas-v1/scene`). `fill` runs once, on a new project (annotator
 * `bench`), and may be asynchronous; the file counts as built only after it returns.
 */
export async function cachedProject(name: string, describe: string, fill: (project: Project) => void | Promise<void>): Promise<string> {
  const { SCHEMA_VERSION } = await import('../app/store/migrations.ts');
  const file = path.join(CACHE, `${name}-schema${SCHEMA_VERSION}.loupe`);
  const done = `${file}.complete`;
  if (fs.existsSync(done) && fs.existsSync(file)) return file;
  process.stderr.write(`[bench] building ${describe} at ${file} (cached for later runs)\n`);
  for (const f of [file, `${file}-wal`, `${file}-shm`, done]) fs.rmSync(f, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { Project } = await import('../app/store/Project.ts');
  const project = Project.create(file, { annotator: 'bench' });
  try {
    await fill(project);
    project.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    project.close();
  }
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
  return file;
}
