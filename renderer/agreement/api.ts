import type { MethodName } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

/**
 * The agreement methods of the contract (agreement:start, agreement:image, consensus:resolve).
 * Replies are read by types.ts, so they go through the untyped path of `call`.
 */
function callAny(method: string, req: unknown): Promise<unknown> {
  return call(method as MethodName, req as never) as Promise<unknown>;
}

/** Start the report job; resolves with its id. */
export async function startAgreement(iou: number, quorum: number | null): Promise<string> {
  const job = (await callAny('agreement:start', { iou, ...(quorum ? { quorum } : {}) })) as { id: string };
  return job.id;
}

/** One image's people, marks and consensus. */
export function agreementImage(imageId: number, iou: number, quorum: number | null): Promise<unknown> {
  return callAny('agreement:image', { imageId, iou, ...(quorum ? { quorum } : {}) });
}

/** What the lead takes as the image's final labels. */
export type Take = { annotator: string } | { consensus: { quorum?: number; iou?: number } };

/** Resolve an image: one undoable edit by the current person. */
export function resolveImage(imageId: number, take: Take): Promise<unknown> {
  return callAny('consensus:resolve', { imageId, take });
}
