/** The one home of each default a person sees or a request falls back to. */
export const DEFAULTS = {
  /** Pre-label confidence: boxes below it are not stored. */
  conf: 0.25,
  /** Class-aware NMS IoU. */
  iou: 0.45,
  maxDet: 300,
  /** The review's prediction score threshold until a person moves the slider. */
  reviewThreshold: 0.25,
  /** IoU at which two boxes count as the same object. */
  matchIou: 0.5,
} as const;
