import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, twoImageYoloDataset as dataset } from '../../../test/unit/fixtures.ts';
import { loupe } from './runLoupe.ts';

describe('loupe annotators', () => {
  it('lists each annotator with images marked done and boxes, as a table and as JSON', async () => {
    const project = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', project])).code).toBe(0);
    const imported = await loupe(['import', project, '--annotations', await dataset(), '--format', 'yolo', '--annotator', 'alice']);
    expect(imported.code, imported.stderr).toBe(0);

    const json = await loupe(['annotators', project, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      annotators: [
        { id: 1, name: 'cli-user', kind: 'human', imagesDone: 0, boxes: 0, assigned: 0 },
        { id: 2, name: 'alice', kind: 'human', imagesDone: 2, boxes: 3, assigned: 0 },
      ],
    });

    const text = await loupe(['annotators', project]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'ID  NAME      KIND   IMAGES DONE  BOXES',
      '1   cli-user  human  0            0',
      '2   alice     human  2            3',
      '',
    ]);
  });

  it('fails with one line when the project is missing, and shows its usage', async () => {
    const missing = path.join(tempDir(), 'none.loupe');
    const r = await loupe(['annotators', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^loupe: .*${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\n$`));
    const help = await loupe(['annotators', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: loupe annotators PROJECT [--json]');
  });
});
