import type { Db } from './openDatabase.ts';

/** What a person decided about predictions (rejected: hidden from their review) and their own settings. */
export class ReviewRepo {
  private readonly sReject;
  private readonly sRestore;
  private readonly sRejectedOn;
  private readonly sIsRejected;
  private readonly sSettingGet;
  private readonly sSettingSet;

  constructor(db: Db) {
    this.sReject = db.prepare('INSERT INTO rejections (box_id, annotator_id) VALUES (?, ?)');
    this.sRestore = db.prepare('DELETE FROM rejections WHERE box_id = ? AND annotator_id = ?');
    this.sRejectedOn = db.prepare<[number, number], number>(
      'SELECT r.box_id FROM rejections r JOIN boxes b ON b.id = r.box_id WHERE b.image_id = ? AND r.annotator_id = ?',
    );
    this.sIsRejected = db.prepare<[number, number], number>('SELECT 1 FROM rejections WHERE box_id = ? AND annotator_id = ?');
    this.sSettingGet = db.prepare<[number, string], string>('SELECT value FROM settings WHERE annotator_id = ? AND key = ?');
    this.sSettingSet = db.prepare(
      'INSERT INTO settings (annotator_id, key, value) VALUES (?, ?, ?) ON CONFLICT (annotator_id, key) DO UPDATE SET value = excluded.value',
    );
  }

  reject(boxId: number, annotatorId: number): void {
    this.sReject.run(boxId, annotatorId);
  }
  /** Bring a rejected prediction back; the number of rows removed (0 when it was not rejected). */
  restore(boxId: number, annotatorId: number): number {
    return this.sRestore.run(boxId, annotatorId).changes;
  }
  isRejected(boxId: number, annotatorId: number): boolean {
    return this.sIsRejected.pluck().get(boxId, annotatorId) !== undefined;
  }
  /** Ids of the predictions on an image this person rejected. */
  rejectedOn(imageId: number, annotatorId: number): Set<number> {
    return new Set(this.sRejectedOn.pluck().all(imageId, annotatorId));
  }
  /** A person's setting as stored JSON text, or undefined. */
  setting(annotatorId: number, key: string): string | undefined {
    return this.sSettingGet.pluck().get(annotatorId, key);
  }
  setSetting(annotatorId: number, key: string, json: string): void {
    this.sSettingSet.run(annotatorId, key, json);
  }
}
