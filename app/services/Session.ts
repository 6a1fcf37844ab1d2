import path from 'node:path';
import type { LoupeEvent } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import { JobRunner } from '../jobs/JobRunner.ts';
import { Project, type ProjectOptions } from '../store/Project.ts';

export type EventListener = (e: LoupeEvent) => void;

/** What one host serves: at most one open project, its jobs, and event listeners. */
export class Session {
  private current: Project | null = null;
  private readonly listeners = new Set<EventListener>();
  readonly jobs = new JobRunner();

  constructor(
    readonly host: string,
    readonly options: ProjectOptions = {},
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

  async close(): Promise<boolean> {
    if (!this.current) return false;
    await this.jobs.cancelAll();
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
