/**
 * Render the demo detector's training and evaluation sets with the demo generator.
 *
 *   npx tsx models/train/generate-data.ts [outDir]     (default: .train/data)
 *
 * Training sees only the development distribution (day shift, nominal camera,
 * large defects). Each shifted slice changes one condition and keeps the
 * others at development values; "production" is the line's natural mix.
 * A set whose manifest already has the right seed, count and slice is skipped.
 * Writes <outDir>/sets.json, the table below, for models/manifest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateDemo, type DemoOptions } from '../../resources/demo/generate.ts';

const DEV = { shift: 'day', camera: 'nominal', defectSize: 'large' } as const;

/** Every set the recipe uses. */
const SETS: Record<string, Required<Pick<DemoOptions, 'count' | 'seed'>> & { slice?: DemoOptions['slice'] }> = {
  train: { seed: 7001, count: 2000, slice: DEV },
  dev: { seed: 7101, count: 250, slice: DEV },
  night: { seed: 7201, count: 250, slice: { ...DEV, shift: 'night' } },
  remounted: { seed: 7301, count: 250, slice: { ...DEV, camera: 'remounted' } },
  minor: { seed: 7401, count: 250, slice: { ...DEV, defectSize: 'minor' } },
  production: { seed: 7501, count: 300 },
};

const root = path.resolve(process.argv[2] ?? '.train/data');
for (const [name, set] of Object.entries(SETS)) {
  const dir = path.join(root, name);
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const sliceOk = Object.entries(set.slice ?? {}).every(([k, v]) => m.images.every((e: Record<string, string>) => e[k] === v));
    if (m.seed === set.seed && m.count === set.count && sliceOk) {
      console.log(`${name}: up to date (${set.count} images)`);
      continue;
    }
  }
  const t0 = Date.now();
  await generateDemo(dir, { ...set, concurrency: 2 });
  console.log(`${name}: ${set.count} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
fs.writeFileSync(path.join(root, 'sets.json'), `${JSON.stringify(SETS, null, 2)}\n`);
