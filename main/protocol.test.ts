import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtocolHandler } from './protocol.ts';
import { CSP } from './security.ts';
import { ROUTE_TRICKS, storedTricks, storeImagePath } from '../test/unit/pathTricks.ts';
import { makeTempProject, tempDir, writeImage, type TempProject } from './testing/tempProject.ts';

const EXPECTED_CSP =
  "default-src 'self'; img-src 'self' loupe: data: blob:; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

describe('loupe://image and loupe://thumb', () => {
  let p: TempProject;
  let handle: (r: Request) => Promise<Response>;
  let open = true;
  const get = (url: string) => handle(new Request(url));

  beforeAll(async () => {
    p = await makeTempProject();
    handle = createProtocolHandler({ rendererDir: tempDir(), project: () => (open ? p.session.project : null) });
  });
  afterAll(async () => {
    await p.cleanup();
  });

  it('serves a registered image with its content type and the CSP', async () => {
    const res = await get(`loupe://image/${p.ids['a.jpg']}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('access-control-allow-origin')).toBe('loupe://app');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(fs.readFileSync(path.join(p.imagesDir, 'a.jpg')))).toBe(true);

    const png = await get(`loupe://image/${p.ids['b.png']}`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  it('serves a thumbnail as WebP', async () => {
    const res = await get(`loupe://thumb/${p.ids['a.jpg']}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });

  it('answers 404 for an unknown id, a malformed route, another host, and with no project open', async () => {
    expect((await get('loupe://image/99999')).status).toBe(404);
    expect((await get('loupe://image/abc')).status).toBe(404);
    expect((await get('loupe://image/')).status).toBe(404);
    expect((await get('loupe://other/1')).status).toBe(404);
    open = false;
    try {
      expect((await get(`loupe://image/${p.ids['a.jpg']}`)).status).toBe(404);
    } finally {
      open = true;
    }
  });

  it('refuses traversal in the route itself', async () => {
    for (const url of ['loupe://image/..%2F..%2Fetc%2Fpasswd', 'loupe://image/%2e%2e/%2e%2e/etc/passwd', 'loupe://thumb/1%2F..%2F..%2Fetc%2Fpasswd']) {
      const res = await get(url);
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('root:');
    }
  });

  it('refuses with 403 a stored path that climbs out of the image root', async () => {
    await writeImage(path.join(p.dir, 'outside.jpg'), 'jpeg', 8, 8, 1);
    const id = p.ids['a.jpg'];
    p.session.project.db.prepare('UPDATE images SET path = ? WHERE id = ?').run('../outside.jpg', id);
    try {
      const res = await get(`loupe://image/${id}`);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect((await get(`loupe://thumb/${id}`)).status).toBe(403);
    } finally {
      p.session.project.db.prepare('UPDATE images SET path = ? WHERE id = ?').run('a.jpg', id);
    }
    expect((await get(`loupe://image/${id}`)).status).toBe(200);
  });

  it('refuses with 403 a registered file replaced by a symlink to a file outside the root', async () => {
    const secret = path.join(p.dir, 'secret.png');
    await writeImage(secret, 'png', 8, 8, 2);
    const registered = path.join(p.imagesDir, 'b.png');
    const saved = fs.readFileSync(registered);
    fs.rmSync(registered);
    fs.symlinkSync(secret, registered);
    try {
      expect((await get(`loupe://image/${p.ids['b.png']}`)).status).toBe(403);
    } finally {
      fs.rmSync(registered);
      fs.writeFileSync(registered, saved);
    }
  });

  it('answers 404 when a registered file has gone', async () => {
    const registered = path.join(p.imagesDir, 'a.jpg');
    const saved = fs.readFileSync(registered);
    fs.rmSync(registered);
    try {
      expect((await get(`loupe://image/${p.ids['a.jpg']}`)).status).toBe(404);
    } finally {
      fs.writeFileSync(registered, saved);
    }
  });
});

describe('loupe://app', () => {
  let root: string;
  let dist: string;
  let handle: (r: Request) => Promise<Response>;
  const get = (url: string, method = 'GET') => handle(new Request(url, { method }));

  beforeAll(() => {
    root = tempDir();
    dist = path.join(root, 'renderer');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Loupe</title>');
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dist, 'leak.txt'));
    fs.symlinkSync(path.join(dist, 'assets', 'app.js'), path.join(dist, 'alias.js'));
    handle = createProtocolHandler({ rendererDir: dist, project: () => null });
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html with the strict CSP', async () => {
    const res = await get('loupe://app/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(await res.text()).toContain('<title>Loupe</title>');
    expect((await get('loupe://app/')).status).toBe(200);
  });

  it('serves assets with their types, and symlinks that stay inside the folder', async () => {
    const js = await get('loupe://app/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('loupe://app/alias.js')).status).toBe(200);
  });

  it('refuses traversal, symlinks leading outside, folders and unknown files', async () => {
    const refused = [
      'loupe://app/..%2Fsecret.txt',
      'loupe://app/assets/..%2F..%2Fsecret.txt',
      'loupe://app/%2e%2e%2fsecret.txt',
      'loupe://app/../secret.txt',
      'loupe://app/leak.txt',
      'loupe://app/assets',
      'loupe://app/missing.js',
      'loupe://app/index.html%00.js',
      'loupe://app/%E0%A4%A',
      'loupe://app/..%5Csecret.txt',
    ];
    for (const url of refused) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
      expect(await res.text()).not.toContain('TOP SECRET');
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('loupe://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('loupe://app/index.html', 'POST')).status).toBe(405);
  });
});

describe("loupe://image serves only the open project's registered files", () => {
  let p: TempProject;
  let handle: (r: Request) => Promise<Response>;
  let outside: string;
  let secret: Buffer;

  beforeAll(async () => {
    p = await makeTempProject();
    handle = createProtocolHandler({ rendererDir: tempDir(), project: () => p.session.project });
    outside = path.join(p.dir, 'outside.jpg');
    await writeImage(outside, 'jpeg', 8, 8, 3);
    secret = fs.readFileSync(outside);
  });
  afterAll(async () => {
    await p.cleanup();
  });

  for (const route of ROUTE_TRICKS) {
    it(`refuses the address loupe://${route}`, async () => {
      const res = await handle(new Request(`loupe://${route}`));
      expect([400, 403, 404]).toContain(res.status);
      expect(await res.text()).not.toMatch(/root:|JFIF/);
    });
  }

  it('refuses each stored path trick with 403 or 404, and serves the image again once its path is put back', async () => {
    const id = p.ids['a.jpg'];
    for (const t of storedTricks(p.dir, p.imagesDir, outside)) {
      t.setup?.();
      const restore = storeImagePath(p.session.project, id, t.stored);
      try {
        for (const kind of ['image', 'thumb']) {
          const res = await handle(new Request(`loupe://${kind}/${id}`));
          expect([403, 404], `${t.name} (${kind})`).toContain(res.status);
          expect(Buffer.from(await res.arrayBuffer()).equals(secret), t.name).toBe(false);
        }
      } finally {
        restore();
      }
      expect((await handle(new Request(`loupe://image/${id}`))).status, t.name).toBe(200);
    }
  });
});
