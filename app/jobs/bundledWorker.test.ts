import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledWorker } from './bundledWorker.ts';
import { runInWorker } from './runInWorker.ts';

describe('bundledWorker', () => {
  it('bundles a TypeScript worker once into a plain module that runs as the worker', async () => {
    const source = new URL('../metrics/agreementWorker.ts', import.meta.url);
    const url = await bundledWorker(source);
    expect(url).not.toBeNull();
    expect(url!.pathname).toMatch(/node_modules\/\.cache\/loupe-workers\/agreementWorker-[0-9a-f]{16}\.mjs$/);
    expect(fs.readFileSync(fileURLToPath(url!), 'utf8')).toContain('readOnlyWorker');
    expect(await bundledWorker(source)).toBe(url);
    // it starts as a worker: a missing project is refused by the worker body itself
    await expect(runInWorker('Agreement report', url!, { file: '/no/such/project.loupe', iou: 0.5 })).rejects.toThrow(/Agreement report failed: .*(directory|exist|open)/i);
  });

  it('gives null for a module that does not build, so the caller starts the TypeScript file', async () => {
    expect(await bundledWorker(new URL('./noSuchWorker.ts', import.meta.url))).toBeNull();
  });
});
