import { ESLint } from 'eslint';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('static checks', () => {
  it('type-checks app/, main/ (against Electron typings), renderer/ and the tests', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', ROOT], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('lints clean', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const results = await eslint.lintFiles(['app', 'main', 'renderer']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(errors).toEqual([]);
  });

  it('refuses electron, react and konva imports inside app/', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const bad = [
      "import { ipcMain } from 'electron';",
      "import React from 'react';",
      "import Konva from 'konva';",
      "import { Stage } from 'react-konva';",
      "import { createRoot } from 'react-dom/client';",
    ];
    for (const code of bad) {
      const [r] = await eslint.lintText(`${code}\nexport const x = 1;\n`, { filePath: path.join(ROOT, 'app/domain/probe.ts') });
      expect(r.messages.map((m) => m.ruleId), code).toContain('@typescript-eslint/no-restricted-imports');
    }
    const [ok] = await eslint.lintText("import { ipcMain } from 'electron';\nexport const x = ipcMain;\n", {
      filePath: path.join(ROOT, 'main/probe.ts'),
    });
    expect(ok.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')).toEqual([]);
  });

  it('refuses renderer imports from app/ other than app/contract/', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const [bad] = await eslint.lintText("import { clampRect } from '../../app/domain/box.ts';\nexport const x = clampRect;\n", {
      filePath: path.join(ROOT, 'renderer/canvas/probe.ts'),
    });
    expect(bad.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-restricted-imports');
    const [ok] = await eslint.lintText("import { clampRect } from '../../app/contract/geometry.ts';\nexport const x = clampRect;\n", {
      filePath: path.join(ROOT, 'renderer/canvas/probe.ts'),
    });
    expect(ok.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')).toEqual([]);
  });
});
