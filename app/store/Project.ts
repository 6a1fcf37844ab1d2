import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { AnnotatorRepo, type AnnotatorRow } from './AnnotatorRepo.ts';
import { AssignmentRepo } from './AssignmentRepo.ts';
import { BoxRepo } from './BoxRepo.ts';
import { ClassRepo } from './ClassRepo.ts';
import { EditRepo } from './EditRepo.ts';
import { ImageRepo } from './ImageRepo.ts';
import { ModelRepo } from './ModelRepo.ts';
import { QueueRepo } from './QueueRepo.ts';
import { ReviewRepo } from './ReviewRepo.ts';
import { openDatabase, type Db, type OpenOptions } from './openDatabase.ts';

/** What a person may see and do: an annotator labels blind on assigned images; the QA lead sees everyone's work and assigns. */
export type Role = 'annotator' | 'lead';

export interface ProjectOptions extends OpenOptions {
  /** The person editing; defaults to $LOUPE_ANNOTATOR or the OS user name. */
  annotator?: string;
}

/** The default author name for edits made on this machine. */
export function defaultAnnotatorName(): string {
  const fromEnv = process.env.LOUPE_ANNOTATOR?.trim();
  if (fromEnv) return fromEnv;
  try {
    return os.userInfo().username || 'annotator';
  } catch {
    return 'annotator';
  }
}

/** An open project file: the database, its repositories and who is editing. */
export class Project {
  readonly classes: ClassRepo;
  readonly images: ImageRepo;
  readonly boxes: BoxRepo;
  readonly edits: EditRepo;
  readonly annotators: AnnotatorRepo;
  readonly models: ModelRepo;
  readonly assignments: AssignmentRepo;
  readonly review: ReviewRepo;
  readonly queue: QueueRepo;
  /** The person the project was opened as (from the options, $LOUPE_ANNOTATOR or the OS user). */
  readonly defaultAnnotator: AnnotatorRow;
  private current: AnnotatorRow;
  private currentRole: Role = 'annotator';

  private constructor(
    readonly file: string,
    readonly db: Db,
    annotatorName: string,
  ) {
    this.classes = new ClassRepo(db);
    this.images = new ImageRepo(db);
    this.boxes = new BoxRepo(db);
    this.edits = new EditRepo(db);
    this.annotators = new AnnotatorRepo(db);
    this.models = new ModelRepo(db);
    this.assignments = new AssignmentRepo(db);
    this.review = new ReviewRepo(db);
    this.queue = new QueueRepo(db);
    this.defaultAnnotator = db.transaction(() => this.annotators.ensure(annotatorName, 'human'))();
    this.current = this.defaultAnnotator;
  }

  /** The person editing now: every box, edit, done mark and setting is recorded as theirs. */
  get annotator(): AnnotatorRow {
    return this.current;
  }

  /** The current person's role; an annotator until someone identifies as the lead. */
  get role(): Role {
    return this.currentRole;
  }

  /** Switch who is editing (and in which role, unchanged when not given); only a person (a human annotator row) can edit. */
  setAnnotator(row: AnnotatorRow, role: Role = this.currentRole): void {
    if (row.kind !== 'human') throw new LoupeError('bad_request', `"${row.name}" is a ${row.kind} author, not a person; choose a person's name.`);
    this.current = row;
    this.currentRole = role;
  }

  /** Open an existing project file (or create it with `create`). */
  static open(file: string, opts: ProjectOptions = {}): Project {
    const abs = path.resolve(file);
    const db = openDatabase(abs, opts);
    try {
      return new Project(abs, db, opts.annotator ?? defaultAnnotatorName());
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Create a new project file; refuses to touch an existing one. */
  static create(file: string, opts: ProjectOptions = {}): Project {
    const abs = path.resolve(file);
    if (fs.existsSync(abs)) throw new LoupeError('conflict', `A file already exists at ${abs}; choose another name.`);
    return Project.open(abs, { ...opts, create: true });
  }

  /** The folder relative image roots are resolved against. */
  get dir(): string {
    return path.dirname(this.file);
  }

  /** Absolute path of a stored root. */
  rootPath(stored: string): string {
    return path.resolve(this.dir, stored);
  }

  /** How a root folder is stored: relative when inside the project's folder, so a project moves with its images. */
  storedRootPath(absDir: string): string {
    const rel = path.relative(this.dir, absDir);
    if (rel === '') return '.';
    return rel.startsWith('..') || path.isAbsolute(rel) ? absDir : rel;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

