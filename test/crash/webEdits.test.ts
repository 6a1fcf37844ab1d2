import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../app/hosts/cli/runLoupe.ts';
import { createDispatcher } from '../../app/hosts/dispatcher.ts';
import { Session } from '../../app/services/Session.ts';
import { Project } from '../../app/store/Project.ts';
import { writeImages } from '../fixtures/prelabel/setup.ts';
import { tempDir } from '../unit/fixtures.ts';
import { boxDump, CLI_PERSON, copyProject, integrity, rows, runLoupe, SEEDS, seeded, Tally } from './harness.ts';

const IMAGES = 8;
/** Operations per image: adds, a move, undo, redo, a removal, in a fixed cycle. */
const OPS = 20;
/** Images edited at once, as several quick gestures in flight; each lane takes its images' operations in turn. */
const LANES = 4;

type Box = { id: number; classId: number; x: number; y: number; w: number; h: number };
type Reply = { boxes: Box[] };
/** One contract call; rejects when the host is gone, throws when it refuses. */
type Call = (method: string, body: unknown) => Promise<Reply>;

let dir: string;
let base: string;
let staticDir: string;
let classId: number;
let ids: number[];
/** Per image, its state in the uninterrupted run after each count of operations (0 to OPS). */
let states: Map<number, string[]>;
let reference: ReturnType<typeof dump>;
const tally = new Tally('browser-host edit burst');

const normal = (diff: string) => diff.replace(/"(id|sourceBoxId)":\d+/g, '"$1":0');
/** The boxes and the history, in each image's order (box ids in diffs differ between runs). */
const dump = (file: string) => ({
  boxes: boxDump(file),
  edits: rows<{ diff: string }>(file, `SELECT image_id, kind, state, diff FROM edits ORDER BY image_id, id`).map((e) => ({ ...e, diff: normal(e.diff) })),
});
/** One image's boxes and history, as a string to compare. */
const imageState = (file: string, imageId: number) =>
  JSON.stringify({
    boxes: boxDump(file, `b.image_id = ${imageId}`),
    edits: rows<{ diff: string }>(file, 'SELECT kind, state, diff FROM edits WHERE image_id = ? ORDER BY id', imageId).map((e) => ({ ...e, diff: normal(e.diff) })),
  });

const state = (b: Box) => ({ id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h });
const newest = (boxes: Box[]) => boxes.reduce((a, b) => (b.id > a.id ? b : a));
const oldest = (boxes: Box[]) => boxes.reduce((a, b) => (b.id < a.id ? b : a));

/** Operation j on an image, worked out from its boxes now, as a person's gestures would be. */
function operation(j: number, imageId: number, boxes: Box[]): [string, unknown] {
  const add = (k: number): [string, unknown] => [
    'boxes:apply',
    { imageId, diff: { added: [{ classId, x: (j * 7 + k) % 150, y: (imageId * 5 + j) % 60, w: 10 + j / 4 + k, h: 12 }], updated: [], removed: [] } },
  ];
  switch (j % 8) {
    case 0:
    case 1:
    case 7:
      return add(j % 8);
    case 2: {
      const b = state(newest(boxes));
      return ['boxes:apply', { imageId, diff: { added: [], updated: [[b, { ...b, x: b.x + 3, w: b.w + 1 }]], removed: [] } }];
    }
    case 3:
    case 6:
      return ['edits:undo', { imageId }];
    case 4:
      return ['edits:redo', { imageId }];
    default:
      return ['boxes:apply', { imageId, diff: { added: [], updated: [], removed: [state(oldest(boxes))] } }];
  }
}

/**
 * Run operations `from[image]`… of every image: LANES lanes at once, each taking
 * its images' next operations in turn; `onAck` after each acknowledged one. A lane
 * stops at its first request that gets no reply (the host is gone).
 */
async function burst(call: Call, from: Map<number, number>, onAck: (imageId: number, done: number) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const mine = ids.filter((_, i) => i % LANES === lane);
      const boxes = new Map<number, Box[]>();
      try {
        for (const id of mine) boxes.set(id, (await call('boxes:list', { imageId: id })).boxes);
        for (let j = 0; j < OPS; j++) {
          for (const id of mine) {
            if (j < from.get(id)!) continue;
            const [method, body] = operation(j, id, boxes.get(id)!);
            boxes.set(id, (await call(method, body)).boxes);
            onAck(id, j + 1);
          }
        }
      } catch (err) {
        if (err instanceof Refused) throw err;
      }
    }),
  );
}

class Refused extends Error {}

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

/** Contract calls over HTTP with the token header, as the browser UI makes them. */
function overHttp(host: { port: number; token: string }): Call {
  return (method, body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        { host: '127.0.0.1', port: host.port, path: `/rpc/${method}`, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': host.token, 'Content-Length': Buffer.byteLength(data) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Refused(`${method}: ${res.statusCode} ${text}`));
            const r = JSON.parse(text) as { ok: boolean; value: Reply; error: unknown };
            if (r.ok) resolve(r.value);
            else reject(new Refused(`${method} refused: ${JSON.stringify(r.error)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

const startAt = (n: (id: number) => number) => new Map(ids.map((id) => [id, n(id)]));

beforeAll(async () => {
  dir = tempDir('loupe-crash-web-');
  staticDir = tempDir('loupe-crash-static-');
  await writeImages(path.join(dir, 'images'), IMAGES, 'png', { w: 200, h: 100 });
  base = path.join(dir, 'base.loupe');
  const p = Project.create(base, { annotator: CLI_PERSON });
  classId = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  p.close();
  await runLoupe(['import', base, '--images', path.join(dir, 'images')]);
  ids = rows<{ id: number }>(base, 'SELECT id FROM images ORDER BY id').map((r) => r.id);
  // The uninterrupted run, through the same contract in this process, each image's state kept after every operation.
  const ref = copyProject(base, path.join(dir, 'reference.loupe'));
  const session = new Session('cli');
  const dispatch = createDispatcher(session);
  const call: Call = async (method, body) => {
    const r = await dispatch(method, body);
    if (!r.ok) throw new Refused(`${method} refused: ${JSON.stringify(r.error)}`);
    return r.value as Reply;
  };
  await call('project:open', { file: ref });
  states = new Map(ids.map((id) => [id, [imageState(ref, id)]]));
  await burst(call, startAt(() => 0), (id) => states.get(id)!.push(imageState(ref, id)));
  await session.close();
  reference = dump(ref);
  for (const s of states.values()) expect(new Set(s).size, 'every operation changes the image').toBe(OPS + 1);
});

afterAll(() => {
  agent.destroy();
  tally.print();
});

describe('kill -9 of the browser host during a burst of edits', () => {
  it.each(SEEDS)('seed %i: every acknowledged operation is there with its history, each image as after some run of its operations; sending the rest after a restart gives the uninterrupted result', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    // The kill comes after a seeded number of acknowledged operations, with others in flight.
    const killAfter = 10 + Math.floor(seeded(seed)() * (IMAGES * OPS - 40));
    const host = await startHost(file);
    const acked = startAt(() => 0);
    let total = 0;
    try {
      await burst(overHttp(host), startAt(() => 0), (id, done) => {
        acked.set(id, done);
        if (++total === killAfter) host.child.kill('SIGKILL');
      });
    } finally {
      // A refused operation ends the burst early: the host must not outlive the test.
      if (!host.child.killed) host.child.kill('SIGKILL');
    }
    const killed = (await host.exited) === 'SIGKILL';
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });

    // Each image is as the uninterrupted run left it after m of its operations: every acknowledged one, and perhaps the one in flight.
    const reached = startAt((id) => states.get(id)!.indexOf(imageState(file, id)));
    for (const id of ids) {
      const m = reached.get(id)!;
      expect(m, `image ${id}: not a state of the uninterrupted run`).toBeGreaterThanOrEqual(0);
      expect(m - acked.get(id)!, `image ${id}: ${acked.get(id)} operations acknowledged, ${m} there`).toBeGreaterThanOrEqual(0);
      expect(m - acked.get(id)!).toBeLessThanOrEqual(1);
    }
    const done = [...reached.values()].reduce((a, b) => a + b, 0);
    tally.add({ killed }, done < IMAGES * OPS);

    const again = await startHost(file);
    try {
      await burst(overHttp(again), reached, () => {});
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
    expect(dump(file)).toEqual(reference);
  });
});
