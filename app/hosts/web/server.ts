import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { LoupeError, messageOf } from '../../domain/errors.ts';
import { parseImageRoute, serveImage } from '../../services/imageFiles.ts';
import type { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';

export interface WebHostOptions {
  session: Session;
  /** Folder of the built renderer (index.html and assets/). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token for tests; a random one per start otherwise. */
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;
const COOKIE = 'loupe_token';
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serve the UI and the contract on 127.0.0.1 only. Every request must carry the
 * per-start token (query `token`, header `X-Loupe-Token`, or the cookie set on the
 * first authorised page load) and a loopback Host header (against DNS rebinding).
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const dispatch = createDispatcher(opts.session);
  const staticRoot = fs.realpathSync(opts.staticDir);
  const streams = new Set<http.ServerResponse>();
  let port = 0;

  const unsubscribe = opts.session.on((e) => {
    const frame = `data: ${JSON.stringify(e)}\n\n`;
    for (const res of streams) res.write(frame);
  });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `Internal error: ${messageOf(err)}`);
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden host');
    }
    const given = url.searchParams.get('token') ?? headerToken(req) ?? cookieToken(req);
    if (!given || !safeEqual(given, token)) return send(res, 401, 'text/plain; charset=utf-8', 'Missing or wrong token');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');

    if (url.pathname.startsWith('/rpc/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'Use POST');
      const method = decodeURIComponent(url.pathname.slice('/rpc/'.length));
      let payload: unknown;
      try {
        const body = await readBody(req);
        payload = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch (err) {
        return json(res, { ok: false, error: { code: 'bad_request', message: `Request body is not JSON: ${messageOf(err)}` } });
      }
      return json(res, await dispatch(method, payload));
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const route = parseImageRoute(url.pathname);
    if (route) {
      try {
        const img = await serveImage(opts.session.project, route.id, route.kind);
        res.setHeader('Cache-Control', 'private, max-age=3600');
        return send(res, 200, img.mime, img.data);
      } catch (err) {
        const code = err instanceof LoupeError ? err.code : 'internal';
        const status = code === 'forbidden' ? 403 : code === 'not_found' || code === 'no_project' ? 404 : 500;
        return send(res, status, 'text/plain; charset=utf-8', messageOf(err));
      }
    }
    return serveStatic(url, res);
  }

  function serveStatic(url: URL, res: http.ServerResponse): void {
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, rel);
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    }
    if (!real.startsWith(staticRoot + path.sep) || !fs.statSync(real).isFile()) {
      return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    }
    const type = TYPES[path.extname(real)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    send(res, 200, type, fs.readFileSync(real));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const s of streams) s.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function headerToken(req: http.IncomingMessage): string | undefined {
  const h = req.headers['x-loupe-token'];
  return typeof h === 'string' ? h : undefined;
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)loupe_token=([^;]+)/.exec(req.headers.cookie ?? '');
  return m?.[1];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}
