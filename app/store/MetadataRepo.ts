import type { Db } from './openDatabase.ts';
import { perConnection } from './perConnection.ts';

/** An image as a metadata import sees it. */
export interface MetadataTarget {
  id: number;
  rootId: number;
  path: string;
  metadata: string;
  capturedAt: string | null;
}

/** Images' capture times and metadata objects, as imports and sidecars write them. */
export class MetadataRepo {
  private readonly sAll;
  private readonly sSet;
  private readonly sCaptured;
  private readonly sInRoot;

  constructor(db: Db) {
    this.sAll = db.prepare<[], MetadataTarget>('SELECT id, root_id AS rootId, path, metadata, captured_at AS capturedAt FROM images ORDER BY path, id');
    this.sInRoot = db.prepare<[number, string], MetadataTarget>(
      'SELECT id, root_id AS rootId, path, metadata, captured_at AS capturedAt FROM images WHERE root_id = ? AND path = ?',
    );
    this.sSet = db.prepare<[string, string | null, number]>('UPDATE images SET metadata = ?, captured_at = ? WHERE id = ?');
    this.sCaptured = db.prepare<[string | null, number]>('UPDATE images SET captured_at = ? WHERE id = ?');
  }

  /** Every image with its metadata and capture time, in path order. */
  all(): MetadataTarget[] {
    return this.sAll.all();
  }
  /** The image at `path` below root `rootId`. */
  inRoot(rootId: number, path: string): MetadataTarget | undefined {
    return this.sInRoot.get(rootId, path);
  }
  /** Replace an image's metadata object and capture time. */
  set(id: number, metadata: string, capturedAt: string | null): void {
    this.sSet.run(metadata, capturedAt, id);
  }
  /** Set an image's capture time alone. */
  setCapturedAt(id: number, capturedAt: string | null): void {
    this.sCaptured.run(capturedAt, id);
  }
}

/** The metadata repository of a connection, made on first use. */
export const metadataRepo = perConnection((db: Db) => new MetadataRepo(db));
