/** Error codes a host can show or act on; every failure crossing the contract carries one. */
export type ErrorCode =
  | 'bad_request'
  | 'unknown_method'
  | 'not_found'
  | 'no_project'
  | 'conflict'
  | 'invalid_box'
  | 'newer_schema'
  | 'corrupt_project'
  | 'io'
  | 'cancelled'
  | 'forbidden'
  | 'bad_model'
  | 'bad_image'
  | 'internal';

/** An error meant for a person: a code and a message saying what to do. */
export class LoupeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LoupeError';
  }
}

/** Narrow an unknown throw to a message, for logs and error replies. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
