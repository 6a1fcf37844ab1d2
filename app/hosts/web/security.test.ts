// The browser host as an attacker on the same machine meets it: requests
// without the token, from a rebinding DNS name or another origin, oversized
// bodies, path tricks on the image route, and malformed contract payloads.
// What server.test.ts covers is not repeated here.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspProblems } from '../../../test/unit/csp.ts';
import { makeImage, newSession, snapshot, tempDir } from '../../../test/unit/fixtures.ts';
import { fixedMalformedJson, malformedJson, prototypeState } from '../../../test/unit/malformed.ts';
import { ROUTE_TRICKS, storedTricks, storeImagePath } from '../../../test/unit/pathTricks.ts';
import type { MethodName } from '../../contract/methods.ts';
import type { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';
import { startWebHost, type WebHost } from './server.ts';

let dir: string;
let images: string;
let session: Session;
let host: WebHost;
let own: string;

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** A raw request, so every header (Host, Origin) is the test's own. */
function request(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

const rpc = (method: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  request({ path: `/rpc/${method}`, method: 'POST', headers: { Host: own, 'X-Loupe-Token': host.token, 'Content-Type': 'application/json', ...headers }, body });

beforeAll(async () => {
  dir = tempDir('loupe-websec-');
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Loupe</title>');
  images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.jpg'), { w: 40, h: 30, format: 'jpeg' });
  session = newSession('attacker-test');
  const created = await createDispatcher(session)('project:create', { file: path.join(dir, 'web.loupe'), imagesDir: images });
  if (!created.ok) throw new Error(created.error.message);
  const job = (created.value as { job: { id: string } | null }).job;
  if (job) await session.jobs.wait(job.id);
  host = await startWebHost({ session, staticDir });
  own = `127.0.0.1:${host.port}`;
});
afterAll(async () => {
  await host.close();
});

describe('browser host: who may ask', () => {
  it('serves its page with a strict CSP: no remote origins, no eval', async () => {
    const page = await request({ path: `/?token=${host.token}`, headers: { Host: own } });
    expect(page.status).toBe(200);
    expect(cspProblems(String(page.headers['content-security-policy']), ['data:', 'blob:'])).toEqual([]);
  });

  it('refuses every foreign Host header (DNS rebinding), on every route, even with the token', async () => {
    const port = host.port;
    const foreign = [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `127.0.0.1:${port}.evil.example`,
      `localhost.evil.example:${port}`,
      `evil.example`,
      '127.0.0.1',
      `127.0.0.1:${port + 1}`,
      `[::1]:${port}`,
      `0.0.0.0:${port}`,
      `127.1:${port}`,
      `user@127.0.0.1:${port}`,
    ];
    const before = snapshot(session.project);
    for (const Host of foreign) {
      expect((await request({ path: `/?token=${host.token}`, headers: { Host } })).status, Host).toBe(403);
      expect((await request({ path: `/image/1?token=${host.token}`, headers: { Host } })).status, Host).toBe(403);
      expect((await request({ path: `/events?token=${host.token}`, headers: { Host } })).status, Host).toBe(403);
      expect((await rpc('classes:create', JSON.stringify({ name: 'rebound' }), { Host })).status, Host).toBe(403);
    }
    expect(snapshot(session.project)).toBe(before);
  });

  it('refuses a request with no Host header at all', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(host.port, '127.0.0.1', () => s.end(`GET /?token=${host.token} HTTP/1.0\r\n\r\n`));
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 403/);
  });

  it('refuses the contract from every other origin, and runs nothing for it', async () => {
    const port = host.port;
    const before = snapshot(session.project);
    for (const Origin of [`http://evil.example:${port}`, `http://127.0.0.1:${port}.evil.example`, `https://127.0.0.1:${port}`, 'http://127.0.0.1', `http://localhost:${port + 1}`, `http://[::1]:${port}`, 'file://', 'null', '']) {
      const r = await rpc('classes:create', JSON.stringify({ name: 'from-elsewhere' }), { Origin });
      expect(r.status, Origin).toBe(403);
    }
    expect(snapshot(session.project)).toBe(before);
  });

  it('refuses near-miss tokens: a prefix, longer, other case, empty, another start’s', async () => {
    const other = await startWebHost({ session, staticDir: path.join(dir, 'static') });
    try {
      const t = host.token;
      const near = [t.slice(0, -1), `${t}x`, t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(), '', ' ', other.token];
      for (const token of near) {
        const r = await request({ path: '/rpc/app:info', method: 'POST', headers: { Host: own, 'X-Loupe-Token': token, 'Content-Type': 'application/json' }, body: '{}' });
        expect(r.status, JSON.stringify(token)).toBe(401);
      }
      for (const token of [...near, `${t}\u0000`, `${t}%00`, encodeURIComponent(t).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)]) {
        expect((await request({ path: `/?token=${encodeURIComponent(token)}`, headers: { Host: own } })).status, JSON.stringify(token)).toBe(401);
      }
    } finally {
      await other.close();
    }
  });

  it('answers 413 to a body over the limit sent without a length (chunked), storing nothing', async () => {
    const before = snapshot(session.project);
    const mb = Buffer.alloc(1 << 20, 0x20);
    const chunks = [Buffer.from('{"name":"'), ...Array.from({ length: 33 }, () => mb), Buffer.from('"}')];
    const r = await request({ path: '/rpc/classes:create', method: 'POST', headers: { Host: own, 'X-Loupe-Token': host.token, 'Content-Type': 'application/json' }, chunks });
    expect(r.status).toBe(413);
    expect(r.body.toString()).toMatch(/over 33554432 bytes/);
    expect(snapshot(session.project)).toBe(before);
    expect((await rpc('app:info', '{}')).status).toBe(200);
  });
});

describe('browser host: the image route serves only registered files', () => {
  for (const route of ROUTE_TRICKS) {
    it(`refuses /${route}`, async () => {
      const r = await request({ path: `/${route}?token=${host.token}`, headers: { Host: own } });
      expect([400, 403, 404]).toContain(r.status);
      expect(r.body.toString('latin1')).not.toMatch(/root:|JFIF/);
    });
  }

  it('refuses each stored path trick with 403 or 404, and serves the image again once its path is put back', async () => {
    const outside = path.join(dir, 'outside.jpg');
    const secret = await makeImage(outside, { w: 8, h: 8, format: 'jpeg' });
    const id = session.project.images.page(0, 1)[0].id;
    const get = (kind: string) => request({ path: `/${kind}/${id}?token=${host.token}`, headers: { Host: own } });
    for (const t of storedTricks(dir, images, outside)) {
      t.setup?.();
      const restore = storeImagePath(session.project, id, t.stored);
      try {
        for (const kind of ['image', 'thumb']) {
          const r = await get(kind);
          expect([403, 404], `${t.name} (${kind})`).toContain(r.status);
          expect(r.body.equals(secret), t.name).toBe(false);
        }
      } finally {
        restore();
      }
      expect((await get('image')).status, t.name).toBe(200);
    }
  });
});

describe('browser host: malformed contract payloads over HTTP', () => {
  /** A sample of the contract: the methods that write files or rows on valid input. */
  const SAMPLE: MethodName[] = ['classes:create', 'boxes:apply', 'settings:set', 'project:open', 'images:import', 'export:start', 'package:open', 'labels:import'];

  it('answers each with the typed error, stores nothing and pollutes nothing', async () => {
    const before = snapshot(session.project);
    const proto = prototypeState();
    for (const method of SAMPLE) {
      for (const text of fixedMalformedJson(method)) {
        const r = await rpc(method, text);
        expect(r.status, text.slice(0, 60)).toBe(200);
        expect(JSON.parse(r.body.toString())).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining(method) } });
      }
      await fc.assert(
        fc.asyncProperty(malformedJson(method), async (text) => {
          const r = await rpc(method, text);
          expect(r.status).toBe(200);
          expect(JSON.parse(r.body.toString())).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining(method) } });
        }),
        { numRuns: 25, seed: 20261207 },
      );
    }
    expect(prototypeState()).toBe(proto);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(snapshot(session.project)).toBe(before);
  });

  it('answers bodies that are not JSON with the typed error', async () => {
    const before = snapshot(session.project);
    for (const body of ['{', 'undefined', '{"name": "x",}', Buffer.from([0xff, 0xfe, 0x00]), '\u0000', '{"__proto__": {"polluted": true}', `${'['.repeat(100_000)}`]) {
      const r = await rpc('classes:create', body);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString())).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/not JSON/) } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(snapshot(session.project)).toBe(before);
  });
});
