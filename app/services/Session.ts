import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoupeEvent } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import type { DetectorPool } from '../inference/DetectorPool.ts';
import { JobRunner } from '../jobs/JobRunner.ts';
import type { ModelRow } from '../store/ModelRepo.ts';
import { Project, type ProjectOptions } from '../store/Project.ts';

export type EventListener = (e: LoupeEvent) => void;

/**
 * A model added with a classes file may have no names of its own, and the
 * file may be gone by now: the workers get the names stored with the model,
 * written to a temporary data.yaml (JSON-quoted, so any name survives).
 */
function classesFileFor(model: ModelRow): { file: string; remove(): void } | null {
  const info = JSON.parse(model.info) as { classes?: string[]; classesSource?: string };
  if (info.classesSource !== 'file' || !info.classes?.length) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-classes-'));
  const file = path.join(dir, 'data.yaml');
  fs.writeFileSync(file, `names:\n${info.classes.map((c, i) => `  ${i}: ${JSON.stringify(c)}`).join('\n')}\n`);
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** What one host serves: at most one open project, its jobs, and event listeners. */
export class Session {
  private current: Project | null = null;
  private readonly listeners = new Set<EventListener>();
  private readonly pools = new Map<string, Promise<DetectorPool>>();
  readonly jobs = new JobRunner();

  constructor(
    readonly host: string,
    readonly options: ProjectOptions = {},
    /** Where the detector and evaluation workers live when this host runs bundled code (Electron); the TypeScript sources otherwise. */
    readonly inference: { workerFile?: URL; evaluateWorkerFile?: URL } = {},
  ) {
    this.jobs.on((job) => this.emit({ type: 'job', job }));
  }

  /** The open project, or a `no_project` error a person can act on. */
  get project(): Project {
    if (!this.current) throw new LoupeError('no_project', 'No project is open. Open or create one first.');
    return this.current;
  }

  get hasProject(): boolean {
    return this.current !== null;
  }

  async open(file: string, create = false): Promise<Project> {
    const next = create ? Project.create(file, this.options) : Project.open(file, this.options);
    await this.close();
    this.current = next;
    return next;
  }

  /**
   * The worker pool for a model, started on first use and kept while the project
   * is open. A file whose hash no longer matches the registered model is refused.
   */
  pool(model: ModelRow, file: string): Promise<DetectorPool> {
    let p = this.pools.get(model.sha256);
    if (!p) {
      p = (async () => {
        const { DetectorPool } = await import('../inference/DetectorPool.ts');
        const classes = classesFileFor(model);
        let pool: DetectorPool;
        try {
          pool = await DetectorPool.create(file, { classesFile: classes?.file, workerFile: this.inference.workerFile });
        } finally {
          classes?.remove();
        }
        if (pool.info.sha256 !== model.sha256) {
          await pool.close();
          throw new LoupeError('bad_model', `${file} changed since model "${model.name}" was added (sha256 differs); add it again.`);
        }
        return pool;
      })();
      this.pools.set(model.sha256, p);
      p.catch(() => this.pools.delete(model.sha256));
    }
    return p;
  }

  private async closePools(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.then((pool) => pool.close()).catch(() => undefined)));
  }

  async close(): Promise<boolean> {
    if (!this.current) return false;
    await this.jobs.cancelAll();
    await this.closePools();
    this.current.close();
    this.current = null;
    return true;
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LoupeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a broken listener must not stop the others */
      }
    }
  }

  /** Display name of the open project. */
  static nameOf(file: string): string {
    return path.basename(file).replace(/\.loupe$/, '');
  }
}
