// Real projects on disk for the host tests: a temporary folder, images made
// with sharp, a Session and its dispatcher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDispatcher, type Dispatch } from '../../app/hosts/dispatcher.ts';
import { Session } from '../../app/services/Session.ts';

/** A project with two imported images, open in its own session. */
export interface TempProject {
  dir: string;
  imagesDir: string;
  file: string;
  session: Session;
  dispatch: Dispatch;
  /** Image ids by file name. */
  ids: Record<string, number>;
  cleanup(): Promise<void>;
}

/** Write a small real image; its colour makes the bytes distinct per file. */
export async function writeImage(file: string, format: 'jpeg' | 'png', width = 64, height = 48, r = 200): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp({ create: { width, height, channels: 3, background: { r, g: 40, b: 90 } } });
  await (format === 'jpeg' ? img.jpeg() : img.png()).toFile(file);
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'loupe-main-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Create a project next to an images folder (a.jpg, b.png) and wait for the import. */
export async function makeTempProject(): Promise<TempProject> {
  const dir = tempDir();
  const imagesDir = path.join(dir, 'images');
  await writeImage(path.join(imagesDir, 'a.jpg'), 'jpeg', 64, 48, 200);
  await writeImage(path.join(imagesDir, 'b.png'), 'png', 32, 32, 10);
  const file = path.join(dir, 'demo.loupe');
  const session = new Session('electron');
  const dispatch = createDispatcher(session);
  const created = await dispatch('project:create', { file, imagesDir });
  if (!created.ok) throw new Error(created.error.message);
  const job = (created.value as { job: { id: string } | null }).job;
  if (job) await session.jobs.wait(job.id);
  const ids: Record<string, number> = {};
  for (const img of session.project.images.page(0, 100)) ids[img.path] = img.id;
  return {
    dir,
    imagesDir,
    file,
    session,
    dispatch,
    ids,
    async cleanup() {
      await session.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
