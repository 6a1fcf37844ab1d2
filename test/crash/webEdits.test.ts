import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../app/hosts/cli/runLoupe.ts';
import { applyEdit } from '../../app/services/boxEdits.ts';
import { Project } from '../../app/store/Project.ts';
import { writeImages } from '../fixtures/prelabel/setup.ts';
import { tempDir } from '../unit/fixtures.ts';
import { boxDump, CLI_PERSON, copyProject, integrity, rows, runLoupe, SEEDS, seeded, Tally } from './harness.ts';

const IMAGES = 8;
const EDITS = 160;
/** Images edited at once, as several quick gestures in flight; each image's edits go one after another. */
const LANES = 4;

interface Edit {
  n: number;
  imageId: number;
  box: { classId: number; x: number; y: number; w: number; h: number };
}

let dir: string;
let base: string;
let staticDir: string;
let plan: Edit[];
let reference: ReturnType<typeof dump>;
const tally = new Tally('browser-host edit burst');

/** The boxes and the history, in each image's order (box ids in diffs differ between runs). */
const dump = (file: string) => ({
  boxes: boxDump(file),
  edits: rows<{ diff: string }>(file, `SELECT image_id, kind, state, diff FROM edits ORDER BY image_id, id`).map((e) => ({ ...e, diff: e.diff.replace(/"(id|sourceBoxId)":\d+/g, '"$1":0') })),
});

/** The browser host on a project, as `npm run web` starts it; resolves once it prints its address. */
async function startHost(file: string): Promise<{ child: ChildProcess; port: number; token: string; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/hosts/web/main.ts'), '--project', file, '--static', staticDir], {
    cwd: ROOT,
    env: { ...process.env, LOUPE_ANNOTATOR: CLI_PERSON },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, signal) => resolve(signal)));
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const found = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out);
      if (found) resolve(found);
    });
    void exited.then(() => reject(new Error(`web host ended: ${out}`)));
  });
  return { child, port: Number(m[1]), token: m[2], exited };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: LANES });

/** POST one contract call with the token header; resolves with the reply, rejects when the connection dies. */
function rpc(host: { port: number; token: string }, method: string, body: unknown): Promise<{ ok: boolean; value?: unknown; error?: unknown }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: `/rpc/${method}`, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': host.token, 'Content-Length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const apply = (e: Edit) => ({ imageId: e.imageId, diff: { added: [e.box], updated: [], removed: [] } });

/**
 * Send the edits lane by lane (a lane's images one edit after another), calling
 * `onAck` after each acknowledged one; stops a lane at its first failed request.
 */
async function burst(host: { port: number; token: string }, edits: Edit[], onAck: (e: Edit) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (const e of edits.filter((x) => x.imageId % LANES === lane)) {
        let r;
        try {
          r = await rpc(host, 'boxes:apply', apply(e));
        } catch {
          return;
        }
        if (!r.ok) throw new Error(`edit ${e.n} refused: ${JSON.stringify(r.error)}`);
        onAck(e);
      }
    }),
  );
}

/** The edits whose box is in the file (each edit adds a box of its own size). */
function present(file: string): Set<number> {
  const sizes = new Set(rows<{ image_id: number; w: number }>(file, 'SELECT image_id, w FROM boxes').map((r) => `${r.image_id}:${r.w}`));
  return new Set(plan.filter((e) => sizes.has(`${e.imageId}:${e.box.w}`)).map((e) => e.n));
}

beforeAll(async () => {
  dir = tempDir('loupe-crash-web-');
  staticDir = tempDir('loupe-crash-static-');
  await writeImages(path.join(dir, 'images'), IMAGES, 'png', { w: 200, h: 100 });
  base = path.join(dir, 'base.loupe');
  const p = Project.create(base, { annotator: CLI_PERSON });
  const classId = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  p.close();
  await runLoupe(['import', base, '--images', path.join(dir, 'images')]);
  const ids = rows<{ id: number }>(base, 'SELECT id FROM images ORDER BY id').map((r) => r.id);
  plan = Array.from({ length: EDITS }, (_, n) => ({ n, imageId: ids[n % IMAGES], box: { classId, x: (n * 7) % 150, y: (n * 3) % 60, w: 10 + n / 64, h: 12 } }));
  // The uninterrupted result: every edit applied in its image's order.
  const ref = Project.open(copyProject(base, path.join(dir, 'reference.loupe')), { annotator: CLI_PERSON });
  for (const e of plan) applyEdit(ref, e.imageId, apply(e).diff);
  ref.close();
  reference = dump(ref.file);
});

afterAll(() => {
  agent.destroy();
  tally.print();
});

describe('kill -9 of the browser host during a burst of edits', () => {
  it.each(SEEDS)('seed %i: every acknowledged edit is there with its history entry; sending the rest after a restart gives the uninterrupted result', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    // The kill comes after a seeded number of acknowledged edits, with others in flight.
    const killAfter = 10 + Math.floor(seeded(seed)() * (EDITS - 40));
    const host = await startHost(file);
    const acked = new Set<number>();
    await burst(host, plan, (e) => {
      acked.add(e.n);
      if (acked.size === killAfter) host.child.kill('SIGKILL');
    });
    const killed = (await host.exited) === 'SIGKILL';
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });

    const stored = present(file);
    for (const n of acked) expect(stored.has(n), `acknowledged edit ${n} lost`).toBe(true);
    // Each image holds a prefix of its edits, each with its one history entry.
    const after = dump(file);
    const boxes = rows<{ image_id: number; n: number }>(file, 'SELECT image_id, count(*) AS n FROM boxes GROUP BY image_id');
    const entries = rows<{ image_id: number; n: number }>(file, `SELECT image_id, count(*) AS n FROM edits WHERE state = 'applied' GROUP BY image_id`);
    expect(entries).toEqual(boxes);
    for (const { image_id: id, n } of boxes) expect([...stored].filter((k) => plan[k].imageId === id).sort((a, b) => a - b)).toEqual(plan.filter((e) => e.imageId === id).slice(0, n).map((e) => e.n));
    expect(after.edits.length).toBe(stored.size);
    tally.add({ killed }, stored.size < EDITS);

    const again = await startHost(file);
    try {
      await burst(again, plan.filter((e) => !stored.has(e.n)), () => {});
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
    expect(dump(file)).toEqual(reference);
  });
});
