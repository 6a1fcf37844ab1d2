import { z } from 'zod';
import { Id, JobInfo } from './schemas.ts';

const Unit = z.number().min(0).max(1);
const Reason = z.string().trim().min(1).max(200);

/** What `flags:start` computes: drift against a reference folder, low confidence and class mix of a run, a monitoring system's flags file. */
export const FlagsStartRequest = z.strictObject({
  /** A folder of reference images (e.g. the training images) for drift. */
  referenceDir: z.string().min(1).optional(),
  /** The run whose class mix the flagged run's images are compared with. */
  referenceRunId: Id.optional(),
  /** The run for low confidence and class mix (default: the latest). */
  runId: Id.optional(),
  /** A flags file (CSV or JSON: file, reason, score[, details]). */
  sidecar: z.string().min(1).optional(),
  driftThreshold: z.number().positive().max(1000).optional(),
  lowConfidence: z.strictObject({ threshold: Unit.optional(), bandLow: Unit.optional(), bandHigh: Unit.optional(), many: z.int().min(1).max(10_000).optional() }).optional(),
  classMix: z.strictObject({ threshold: Unit.optional(), minBoxes: z.int().min(1).max(10_000).optional() }).optional(),
});

/** A flags job's result. */
export const FlagsSummary = z.object({
  stats: z.object({ images: z.int(), computed: z.int(), kept: z.int(), failed: z.array(z.object({ path: z.string(), reason: z.string() })) }),
  reference: z.object({ folder: z.string(), images: z.int(), unreadable: z.int() }).nullable(),
  run: z.object({ id: Id, name: z.string() }).nullable(),
  referenceRun: z.object({ id: Id, name: z.string() }).nullable(),
  flagged: z.record(z.string(), z.int()),
});

/** One flag of an image: why, how strongly, and the evidence. */
export const FlagView = z.object({ reason: z.string(), score: z.number().nullable(), weight: z.number(), details: z.json() });

/** Every reason in the project with its flag count and weight (1 unless set). */
export const FlagWeights = z.object({ reasons: z.array(z.object({ reason: z.string(), count: z.int(), weight: z.number(), set: z.boolean() })) });

/** The flag methods, spread into METHODS. */
export const FLAG_METHODS = {
  /** Compute image statistics where missing, then flags (drift, low-confidence, class-mix, a flags file's reasons), each reason replaced whole in one transaction; the job's result is a FlagsSummary. */
  'flags:start': { request: FlagsStartRequest, reply: JobInfo },
  /** An image's flags, highest score first. */
  'flags:list': { request: z.strictObject({ imageId: Id }), reply: z.array(FlagView) },
  /** The project's flag reasons with their weights; priority = Σ weight(reason) × score. */
  'flags:weights': { request: z.strictObject({}), reply: FlagWeights },
  /** Set a reason's weight (null: back to 1); the queue's priority order follows at once. */
  'flags:setWeight': { request: z.strictObject({ reason: Reason, weight: z.number().min(0).max(1_000_000).nullable() }), reply: FlagWeights },
} as const;
