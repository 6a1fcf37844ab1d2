import { metadataEquals } from './metadataFilter.ts';
import type { Db } from './openDatabase.ts';

/** An image as stored: path is relative to its root folder. */
export interface ImageRow {
  id: number;
  rootId: number;
  path: string;
  width: number;
  height: number;
  orientation: number;
  format: string | null;
  bytes: number;
  contentHash: string | null;
  metadata: string;
  ingestError: string | null;
}

/** A new image found by an import. */
export type NewImage = Omit<ImageRow, 'id'>;

/** A file an import could not take, with the reason. */
export interface FailureRow {
  rootId: number;
  path: string;
  reason: string;
}

const COLS = `id, root_id AS rootId, path, width, height, orientation, format, bytes,
  content_hash AS contentHash, metadata, ingest_error AS ingestError`;

/** Images, their root folders, thumbnails and the files an import refused. */
export class ImageRepo {
  private readonly sInsert;
  private readonly sPage;
  private readonly sCount;
  private readonly sGet;
  private readonly sBoxCount;
  private readonly sPathsInRoot;
  private readonly sByHash;
  private readonly sRootByPath;
  private readonly sRootInsert;
  private readonly sRoots;
  private readonly sRoot;
  private readonly sFailUpsert;
  private readonly sFailClear;
  private readonly sFailures;
  private readonly sFailCount;
  private readonly sThumbGet;
  private readonly sThumbPut;
  private readonly sSetMetadata;
  private readonly sAllIds;
  private readonly sCountWhere;
  private readonly sPageWhere;

  constructor(db: Db) {
    this.sInsert = db.prepare(
      `INSERT INTO images (root_id, path, width, height, orientation, format, bytes, content_hash, metadata, ingest_error, added_at)
       VALUES (@rootId, @path, @width, @height, @orientation, @format, @bytes, @contentHash, @metadata, @ingestError, @addedAt)`,
    );
    // OFFSET is walked on the covering index images_by_path alone; only the page's
    // own rows are then read from the table. Skipping through the table instead
    // costs a row lookup per skipped image (5× slower near the end of 100k images).
    // CROSS JOIN keeps the page as the outer loop, so SQLite cannot choose to scan images.
    this.sPage = db.prepare<[number, number], ImageRow & { boxCount: number }>(
      `SELECT ${COLS.replace(/^id,/, 'images.id AS id,')},
         (SELECT count(*) FROM boxes b WHERE b.image_id = images.id) AS boxCount
       FROM (SELECT id FROM images ORDER BY path, id LIMIT ? OFFSET ?) AS pg
       CROSS JOIN images ON images.id = pg.id
       ORDER BY images.path, images.id`,
    );
    this.sCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM images');
    this.sGet = db.prepare<[number], ImageRow>(`SELECT ${COLS} FROM images WHERE id = ?`);
    this.sBoxCount = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM boxes WHERE image_id = ?');
    this.sPathsInRoot = db.prepare<[number], { path: string }>('SELECT path FROM images WHERE root_id = ?');
    this.sByHash = db.prepare<[string], { id: number; path: string }>(
      'SELECT id, path FROM images WHERE content_hash = ? LIMIT 1',
    );
    this.sRootByPath = db.prepare<[string], { id: number }>('SELECT id FROM roots WHERE path = ?');
    this.sRootInsert = db.prepare('INSERT INTO roots (path) VALUES (?)');
    this.sRoots = db.prepare<[], { id: number; path: string }>('SELECT id, path FROM roots ORDER BY id');
    this.sRoot = db.prepare<[number], { id: number; path: string }>('SELECT id, path FROM roots WHERE id = ?');
    this.sFailUpsert = db.prepare(
      `INSERT INTO import_failures (root_id, path, reason, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (root_id, path) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
    );
    this.sFailClear = db.prepare('DELETE FROM import_failures WHERE root_id = ? AND path = ?');
    this.sFailures = db.prepare<[number, number], FailureRow & { root: string }>(
      `SELECT f.root_id AS rootId, f.path, f.reason, r.path AS root FROM import_failures f JOIN roots r ON r.id = f.root_id
       ORDER BY f.path LIMIT ? OFFSET ?`,
    );
    this.sFailCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM import_failures');
    this.sThumbGet = db.prepare<[number], { mime: string; data: Buffer }>(
      'SELECT mime, data FROM thumbnails WHERE image_id = ?',
    );
    this.sThumbPut = db.prepare('INSERT OR REPLACE INTO thumbnails (image_id, mime, data) VALUES (?, ?, ?)');
    this.sSetMetadata = db.prepare('UPDATE images SET metadata = ? WHERE id = ?');
    this.sAllIds = db.prepare<[], { id: number }>('SELECT id FROM images ORDER BY path, id');
    // The key = value test is the same SQL for every key and value; they are its parameters.
    const where = metadataEquals('images');
    this.sCountWhere = db.prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM images WHERE ${where}`);
    this.sPageWhere = db.prepare<[string, string, number, number], ImageRow & { boxCount: number }>(
      `SELECT ${COLS}, (SELECT count(*) FROM boxes b WHERE b.image_id = images.id) AS boxCount
       FROM images WHERE ${where} ORDER BY path, id LIMIT ? OFFSET ?`,
    );
  }

  insert(img: NewImage, addedAt: string): number {
    return Number(this.sInsert.run({ ...img, addedAt }).lastInsertRowid);
  }
  /** One page of the image list in path order, with each image's box count. */
  page(offset: number, limit: number): (ImageRow & { boxCount: number })[] {
    return this.sPage.all(limit, offset);
  }
  count(): number {
    return this.sCount.get()!.n;
  }
  get(id: number): ImageRow | undefined {
    return this.sGet.get(id);
  }
  boxCount(id: number): number {
    return this.sBoxCount.get(id)!.n;
  }
  pathsInRoot(rootId: number): Set<string> {
    return new Set(this.sPathsInRoot.all(rootId).map((r) => r.path));
  }
  byHash(hash: string): { id: number; path: string } | undefined {
    return this.sByHash.get(hash);
  }
  /** The id of a root folder (stored as given: absolute, or relative to the project file), added on first use. */
  ensureRoot(path: string): number {
    const found = this.sRootByPath.get(path);
    if (found) return found.id;
    return Number(this.sRootInsert.run(path).lastInsertRowid);
  }
  roots(): { id: number; path: string }[] {
    return this.sRoots.all();
  }
  root(id: number): { id: number; path: string } | undefined {
    return this.sRoot.get(id);
  }
  recordFailure(f: FailureRow, at: string): void {
    this.sFailUpsert.run(f.rootId, f.path, f.reason, at);
  }
  clearFailure(rootId: number, path: string): void {
    this.sFailClear.run(rootId, path);
  }
  failures(offset = 0, limit = 1000): (FailureRow & { root: string })[] {
    return this.sFailures.all(limit, offset);
  }
  failureCount(): number {
    return this.sFailCount.get()!.n;
  }
  thumbnail(imageId: number): { mime: string; data: Buffer } | undefined {
    return this.sThumbGet.get(imageId);
  }
  putThumbnail(imageId: number, mime: string, data: Buffer): void {
    this.sThumbPut.run(imageId, mime, data);
  }
  /** Replace an image's metadata (a JSON object such as camera, site, shift); returns rows changed. */
  setMetadata(id: number, json: string): number {
    return this.sSetMetadata.run(json, id).changes;
  }
  /** A page of the images whose metadata `key` is `value`, in list order, and how many there are in all. */
  pageWhere(key: string, value: string, offset: number, limit: number): { total: number; items: (ImageRow & { boxCount: number })[] } {
    return { total: this.sCountWhere.get(key, value)!.n, items: this.sPageWhere.all(key, value, limit, offset) };
  }
  /** Every image id in list order (for jobs over the whole project). */
  allIds(): number[] {
    return this.sAllIds.all().map((r) => r.id);
  }
}
