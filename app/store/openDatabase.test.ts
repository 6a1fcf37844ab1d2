import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { addImageRow, tempDir } from '../../test/unit/fixtures.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { migrate, openDatabase } from './openDatabase.ts';
import { Project } from './Project.ts';

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    const db = fn() as { close?: () => void } | undefined;
    db?.close?.();
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return { code: (err as LoupeError).code, message: (err as LoupeError).message };
  }
  throw new Error('expected the call to throw');
}

/** A real project file with some content, closed (checkpointed) so the main file holds everything. */
function realProjectFile(dir: string): string {
  const file = path.join(dir, 'real.loupe');
  const p = Project.create(file, { annotator: 'a' });
  for (let i = 0; i < 200; i++) addImageRow(p, 100, 100, `pic-${i}-${'x'.repeat(200)}.png`);
  p.close();
  return file;
}

describe('openDatabase', () => {
  it('creates a new file at the current schema with WAL, foreign keys and STRICT tables', () => {
    const file = path.join(tempDir(), 'new.loupe');
    const db = openDatabase(file, { create: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .all() as { name: string; sql: string }[];
      expect(tables.map((t) => t.name).sort()).toEqual(
        ['annotators', 'assignments', 'boxes', 'classes', 'edits', 'flag_weights', 'flags', 'image_agreement', 'image_rank', 'image_tags', 'images', 'import_failures', 'meta', 'model_runs', 'models', 'rejections', 'roots', 'run_images', 'settings', 'thumbnails'],
      );
      for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT\s*$/);
      // foreign keys are really enforced
      expect(() => db.prepare(`INSERT INTO images (root_id, path, added_at) VALUES (999, 'x', 'now')`).run()).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('reopening is idempotent: same version, same schema, data kept', () => {
    const file = path.join(tempDir(), 'p.loupe');
    const p = Project.create(file, { annotator: 'a' });
    addImageRow(p);
    const schema = p.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    p.close();
    for (let i = 0; i < 2; i++) {
      const again = Project.open(file, { annotator: 'a' });
      expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(again.db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
      expect(again.images.count()).toBe(1);
      expect(again.annotators.list()).toHaveLength(1);
      again.close();
    }
  });

  it('refuses a file from a newer schema, naming both versions, without changing it', () => {
    const dir = tempDir();
    const file = realProjectFile(dir);
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = sha(file);
    const err = codeOf(() => openDatabase(file));
    expect(err.code).toBe('newer_schema');
    expect(err.message).toContain(`schema ${SCHEMA_VERSION + 1}`);
    expect(err.message).toContain(`up to ${SCHEMA_VERSION}`);
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(codeOf(() => Project.open(file)).code).toBe('newer_schema');
    expect(sha(file)).toBe(before);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('refuses random bytes as corrupt_project and writes nothing', () => {
    const file = path.join(tempDir(), 'random.loupe');
    fs.writeFileSync(file, crypto.randomBytes(8192));
    const before = sha(file);
    const err = codeOf(() => openDatabase(file));
    expect(err.code).toBe('corrupt_project');
    expect(err.message).toMatch(/not an SQLite database/);
    expect(sha(file)).toBe(before);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['random.loupe']);
  });

  it('refuses a truncated real project file as corrupt_project and writes nothing', () => {
    const dir = tempDir();
    const file = realProjectFile(dir);
    const full = fs.readFileSync(file);
    expect(full.length).toBeGreaterThan(8 * 4096);
    for (const keep of [4096 * 3, 4096 * 2 + 100, 50]) {
      fs.writeFileSync(file, full.subarray(0, keep));
      const before = sha(file);
      const err = codeOf(() => openDatabase(file));
      expect(err.code, `kept ${keep} bytes`).toBe('corrupt_project');
      // Caught from the header's page count, without reading every page.
      if (keep >= 100) expect(err.message).toMatch(/truncated/);
      expect(sha(file)).toBe(before);
      expect(fs.readdirSync(dir)).toEqual(['real.loupe']);
    }
  });

  it('refuses an SQLite database that is not a Loupe project', () => {
    const dir = tempDir();
    const plain = path.join(dir, 'other.db');
    const raw = new Database(plain);
    raw.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    raw.prepare('INSERT INTO notes (body) VALUES (?)').run('hello');
    raw.close();
    const before = sha(plain);
    const err = codeOf(() => openDatabase(plain));
    expect(err.code).toBe('corrupt_project');
    expect(err.message).toMatch(/not a Loupe project/);
    expect(sha(plain)).toBe(before);

    // same with a user_version set by some other application
    const versioned = path.join(dir, 'versioned.db');
    const raw2 = new Database(versioned);
    raw2.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
    raw2.pragma('user_version = 1');
    raw2.close();
    const before2 = sha(versioned);
    expect(codeOf(() => openDatabase(versioned)).code).toBe('corrupt_project');
    expect(sha(versioned)).toBe(before2);
  });

  it('refuses an existing empty file without create instead of turning it into a project', () => {
    const dir = tempDir();
    const file = path.join(dir, 'empty.loupe');
    fs.writeFileSync(file, '');
    const err = codeOf(() => openDatabase(file));
    expect(err.code).toBe('corrupt_project');
    expect(err.message).toMatch(/empty/);
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['empty.loupe']);
    // with create (a placeholder file made for us) it becomes a project
    const db = openDatabase(file, { create: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('reports a missing file without create as not_found and creates nothing', () => {
    const dir = tempDir();
    const file = path.join(dir, 'missing.loupe');
    const err = codeOf(() => openDatabase(file));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(file);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('Project.create refuses to overwrite an existing file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'taken.loupe');
    fs.writeFileSync(file, 'mine');
    expect(codeOf(() => Project.create(file)).code).toBe('conflict');
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('a failed migration rolls back entirely', () => {
    const file = path.join(tempDir(), 'conflicting.db');
    const db = new Database(file);
    try {
      // `boxes` is created late in migration 1; everything before it must be undone too.
      db.exec('CREATE TABLE boxes (whatever TEXT)');
      expect(() => migrate(db, 0)).toThrow(/already exists/);
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(['boxes']);
    } finally {
      db.close();
    }
  });

  it('migrate is a no-op at the current version and the table is append-only in shape', () => {
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    const file = path.join(tempDir(), 'cur.loupe');
    const db = openDatabase(file, { create: true });
    try {
      const before = db.prepare('SELECT sql FROM sqlite_master').all();
      migrate(db, SCHEMA_VERSION);
      expect(db.prepare('SELECT sql FROM sqlite_master').all()).toEqual(before);
    } finally {
      db.close();
    }
  });
});

describe('upgrading an older project', () => {
  it('migrates a version-1 file to the current schema and keeps its rows', async () => {
    const file = path.join(tempDir(), 'v1.loupe');
    const raw = new Database(file);
    raw.exec(MIGRATIONS[0]);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO classes (name, color, hotkey, position) VALUES ('scratch', '#ff0000', '1', 0)").run();
    raw.close();
    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT name FROM classes').all()).toEqual([{ name: 'scratch' }]);
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'run_images'").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});
