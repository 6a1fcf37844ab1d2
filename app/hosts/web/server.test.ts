import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeImage, newSession, tempDir } from '../../../test/unit/fixtures.ts';
import { startWebHost, type WebHost } from './server.ts';

const hosts: WebHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A raw request, so the Host header and cookies are under the test's control. */
function request(port: number, opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function setup() {
  const dir = tempDir();
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Loupe</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
  const images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.jpg'), { w: 40, h: 30, format: 'jpeg' });
  const session = newSession();
  const host = await startWebHost({ session, staticDir });
  hosts.push(host);
  const rpc = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    request(host.port, {
      path: `/rpc/${method}`,
      method: 'POST',
      headers: { Host: `127.0.0.1:${host.port}`, 'X-Loupe-Token': host.token, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return { dir, images, session, host, rpc };
}

describe('browser host', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', async () => {
    const { host } = await setup();
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    const { host } = await setup();
    const Host = `127.0.0.1:${host.port}`;
    expect((await request(host.port, { path: '/', headers: { Host } })).status).toBe(401);
    expect((await request(host.port, { path: '/?token=wrong', headers: { Host } })).status).toBe(401);
    const rpc = await request(host.port, { path: '/rpc/app:info', method: 'POST', headers: { Host, 'X-Loupe-Token': 'x' }, body: '{}' });
    expect(rpc.status).toBe(401);
    expect((await request(host.port, { path: '/events', headers: { Host } })).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const { host } = await setup();
    const r = await request(host.port, { path: `/?token=${host.token}`, headers: { Host: `evil.example:${host.port}` } });
    expect(r.status).toBe(403);
  });

  it('serves the UI with a CSP and a same-site cookie that authorises later requests', async () => {
    const { host } = await setup();
    const Host = `127.0.0.1:${host.port}`;
    const page = await request(host.port, { path: `/?token=${host.token}`, headers: { Host } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    expect(cookie).toBe(`loupe_token=${host.token}`);
    expect(String(page.headers['set-cookie'])).toContain('SameSite=Strict');
    const again = await request(host.port, { path: '/index.html', headers: { Host, Cookie: cookie } });
    expect(again.status).toBe(200);
  });

  it('never serves files outside the UI folder', async () => {
    const { host } = await setup();
    const headers = { Host: `127.0.0.1:${host.port}`, 'X-Loupe-Token': host.token };
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/missing.js']) {
      const r = await request(host.port, { path: p, headers });
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('outside');
    }
  });

  it('runs the contract through the shared dispatcher, with typed errors', async () => {
    const { rpc, dir, images } = await setup();
    const created = JSON.parse((await rpc('project:create', { file: path.join(dir, 'p.loupe'), imagesDir: images })).body.toString());
    expect(created.ok).toBe(true);
    const bad = JSON.parse((await rpc('images:list', { offset: -1 })).body.toString());
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const unknown = JSON.parse((await rpc('images:explode', {})).body.toString());
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    const notJson = await rpc('app:info', undefined, {});
    expect(JSON.parse(notJson.body.toString()).ok).toBe(true); // an empty body is an empty request
  });

  it('serves registered images and thumbnails, 404 for unknown ids', async () => {
    const { rpc, dir, images, session, host } = await setup();
    await rpc('project:create', { file: path.join(dir, 'p.loupe'), imagesDir: images });
    const jobs = session.jobs.list();
    await session.jobs.wait(jobs[0].id);
    const headers = { Host: `127.0.0.1:${host.port}`, 'X-Loupe-Token': host.token };
    const full = await request(host.port, { path: '/image/1', headers });
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('image/jpeg');
    const thumb = await request(host.port, { path: '/thumb/1', headers });
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await request(host.port, { path: '/image/99', headers })).status).toBe(404);
  });

  it('pushes job events over server-sent events', async () => {
    const { rpc, dir, images, host } = await setup();
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: host.port, path: '/events', headers: { Host: `127.0.0.1:${host.port}`, 'X-Loupe-Token': host.token } },
        (res) => {
          res.on('data', (c: Buffer) => {
            events.push(c.toString());
            if (events.join('').includes('"state":"done"')) {
              req.destroy();
              resolve();
            }
          });
        },
      );
    });
    await new Promise((r) => setTimeout(r, 50));
    await rpc('project:create', { file: path.join(dir, 'p.loupe'), imagesDir: images });
    await done;
    expect(events.join('')).toContain('"type":"job"');
  });

  it('takes the contract only from its own page: token in the header, JSON, same origin', async () => {
    const { host, rpc } = await setup();
    const Host = `127.0.0.1:${host.port}`;
    const body = JSON.stringify({});
    // The cookie or the address would be sent by the browser on another page's behalf too.
    const byCookie = await request(host.port, { path: '/rpc/app:info', method: 'POST', headers: { Host, Cookie: `loupe_token=${host.token}`, 'Content-Type': 'application/json' }, body });
    expect(byCookie.status).toBe(401);
    const byQuery = await request(host.port, { path: `/rpc/app:info?token=${host.token}`, method: 'POST', headers: { Host, 'Content-Type': 'application/json' }, body });
    expect(byQuery.status).toBe(401);
    // A type a cross-origin page may send without asking first.
    const plain = await rpc('app:info', {}, { 'Content-Type': 'text/plain' });
    expect(plain.status).toBe(415);
    const none = await request(host.port, { path: '/rpc/app:info', method: 'POST', headers: { Host, 'X-Loupe-Token': host.token }, body });
    expect(none.status).toBe(415);
    expect((await rpc('app:info', {}, { Origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await rpc('app:info', {}, { Origin: 'null' })).status).toBe(403);
    expect((await rpc('app:info', {}, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await rpc('app:info', {}, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    // The host's own page.
    const own = await rpc('app:info', {}, { Origin: `http://127.0.0.1:${host.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body.toString()).ok).toBe(true);
    // A foreign origin is refused for images and the page too, token or not.
    const img = await request(host.port, { path: `/image/1?token=${host.token}`, headers: { Host, Origin: 'http://127.0.0.1:1' } });
    expect(img.status).toBe(403);
  });

  it('answers a broken percent-encoding with 400 and a body over the limit with 413', async () => {
    const { host, rpc } = await setup();
    const headers = { Host: `127.0.0.1:${host.port}`, 'X-Loupe-Token': host.token };
    for (const p of ['/%E0%A4%A', '/%zz', '/image/%ff']) {
      const r = await request(host.port, { path: p, headers });
      expect(r.status, p).toBe(400);
      expect(r.body.toString()).toMatch(/percent-encoding/);
    }
    const big = await rpc('app:info', { pad: 'x'.repeat(33 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.toString()).toMatch(/over 33554432 bytes/);
    // The host is still there.
    expect((await rpc('app:info', {})).status).toBe(200);
  });
});
