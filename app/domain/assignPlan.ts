import { mulberry32 } from './random.ts';

/** A person's existing row on an image, as the planner weighs it. */
export interface ExistingRow {
  imageId: number;
  /** Index into the plan's people. */
  person: number;
  /** Started, done, skipped or made by work or an import: kept whatever the plan says. */
  locked: boolean;
}

/** What the planner is asked. */
export interface PlanInput {
  /** The images to assign, in any order (the plan shuffles them). */
  imageIds: readonly number[];
  /** How many people there are (indices 0..people-1). */
  people: number;
  /** How many people each image of the overlap share gets. */
  overlap: number;
  /** The share of the images that get `overlap` people; the rest get one. 1 when not given. */
  fraction?: number;
  seed: number;
  /** The listed people's rows on these images. */
  existing?: readonly ExistingRow[];
}

/** Which people each image goes to. */
export interface Plan {
  /** Image id → the people (indices) it is assigned to, locked rows included. */
  byImage: Map<number, number[]>;
  /** The images that got `overlap` people (the rest got one). */
  overlapImages: number;
}

/** Fisher–Yates shuffle with the seeded PRNG, so a seed gives the same order on every machine. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rnd = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Plan an assignment. The images are shuffled by the seed (sorted by id first, so the
 * input order does not matter); the first round(fraction·N) get `overlap` people, the
 * rest one. Each image's people are those with a locked row on it (kept even beyond
 * the number asked for), then whoever has the fewest images in this plan so far, ties
 * going to the one least recently given an image, then to a seeded order of the
 * people. With no locked rows that is a round robin: every person's count, over the
 * overlap share and over all the images, is within one of everyone else's. Locked
 * rows count towards a person's load, so the plan evens out around them as far as
 * they allow. Untouched earlier rows (not locked) carry no weight: the plan is made
 * afresh, and with the same seed and images it chooses them again.
 */
export function planAssignment(input: PlanInput): Plan {
  const { people, overlap } = input;
  if (!Number.isInteger(people) || people < 1) throw new RangeError(`people must be a positive integer, not ${people}`);
  if (!Number.isInteger(overlap) || overlap < 1 || overlap > people) throw new RangeError(`overlap must be 1–${people}, not ${overlap}`);
  const fraction = input.fraction ?? 1;
  const images = shuffled([...input.imageIds].sort((a, b) => a - b), input.seed);
  const overlapImages = Math.round(fraction * images.length);

  const locked = new Map<number, number[]>();
  const load = new Array<number>(people).fill(0);
  for (const r of input.existing ?? []) {
    if (!r.locked) continue;
    let list = locked.get(r.imageId);
    if (!list) locked.set(r.imageId, (list = []));
    if (!list.includes(r.person)) {
      list.push(r.person);
      load[r.person]++;
    }
  }
  // A seeded order of the people breaks the first ties, so who gets the extra image varies with the seed.
  const rank = new Array<number>(people);
  shuffled(
    Array.from({ length: people }, (_, i) => i),
    input.seed ^ 0x9e3779b9,
  ).forEach((person, i) => (rank[person] = i));
  const lastUsed = new Array<number>(people).fill(-1);
  let tick = 0;

  const byImage = new Map<number, number[]>();
  images.forEach((imageId, i) => {
    const want = i < overlapImages ? overlap : 1;
    const chosen = [...(locked.get(imageId) ?? [])];
    if (chosen.length < want) {
      const free = Array.from({ length: people }, (_, p) => p).filter((p) => !chosen.includes(p));
      free.sort((a, b) => load[a] - load[b] || lastUsed[a] - lastUsed[b] || rank[a] - rank[b]);
      for (const p of free.slice(0, want - chosen.length)) {
        chosen.push(p);
        load[p]++;
        lastUsed[p] = tick++;
      }
    }
    byImage.set(imageId, chosen.sort((a, b) => a - b));
  });
  return { byImage, overlapImages };
}
