/**
 * Local timing of the agreement core (not a test): 10,000 images × 3 people × 20 boxes,
 * the full report and the consensus merge of every image.
 * Run: flock /tmp/bench.lock npx tsx app/metrics/agreement/timing.ts
 */
import { AgreementAccumulator, consensusMerge, defaultQuorum, type ABox } from './index.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const IMAGES = 10_000;
const PEOPLE = 3;
const BOXES = 20;
const rnd = lcg(1);
const images: Map<number, ABox[]>[] = [];
for (let i = 0; i < IMAGES; i++) {
  const base = Array.from({ length: BOXES }, () => ({ c: Math.floor(rnd() * 5), x: rnd() * 1200, y: rnd() * 800, w: 20 + rnd() * 150, h: 20 + rnd() * 150 }));
  const m = new Map<number, ABox[]>();
  for (let p = 1; p <= PEOPLE; p++) {
    m.set(
      p,
      base
        .filter(() => rnd() > 0.05)
        .map((b, id) => ({
          id,
          classId: rnd() < 0.05 ? Math.floor(rnd() * 5) : b.c,
          x: b.x + (rnd() - 0.5) * 0.1 * b.w,
          y: b.y + (rnd() - 0.5) * 0.1 * b.h,
          w: b.w * (0.95 + rnd() * 0.1),
          h: b.h * (0.95 + rnd() * 0.1),
        })),
    );
  }
  images.push(m);
}

for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  const acc = new AgreementAccumulator(0.5);
  images.forEach((m, i) => acc.addImage(i + 1, m));
  const r = acc.report();
  const tReport = performance.now() - t0;
  t0 = performance.now();
  let n = 0;
  for (const m of images) n += consensusMerge(m, 0.5, defaultQuorum(PEOPLE)).length;
  const tMerge = performance.now() - t0;
  console.log(
    `round ${round}: report ${tReport.toFixed(0)} ms (mean agreement ${r.meanAgreement?.toFixed(3)}, alpha ${r.alpha?.toFixed(3)}), consensus merge ${tMerge.toFixed(0)} ms (${n} boxes)`,
  );
}
