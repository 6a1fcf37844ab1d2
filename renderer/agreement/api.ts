import type { Req, Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

/** Start the report job; resolves with its id. */
export async function startAgreement(iou: number, quorum: number | null): Promise<string> {
  const job = await call('agreement:start', { iou, ...(quorum ? { quorum } : {}) });
  return job.id;
}

/** One image's people, marks and consensus. */
export function agreementImage(imageId: number, iou: number, quorum: number | null): Promise<Res<'agreement:image'>> {
  return call('agreement:image', { imageId, iou, ...(quorum ? { quorum } : {}) });
}

/** What the lead takes as the image's final labels. */
export type Take = Req<'consensus:resolve'>['take'];

/** Resolve an image: one undoable edit by the current person. */
export function resolveImage(imageId: number, take: Take): Promise<Res<'consensus:resolve'>> {
  return call('consensus:resolve', { imageId, take });
}
