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
    const pathname = decodedPath(url);
    if (pathname === null) return send(res, 400, 'text/plain; charset=utf-8', 'Bad percent-encoding in the address');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden host');
    }
    const isRpc = url.pathname.startsWith('/rpc/');
    // The contract takes the token only from its header: a cookie or an address is
    // sent by the browser on another page's behalf too; the header never is.
    const given = isRpc ? headerToken(req) : (url.searchParams.get('token') ?? headerToken(req) ?? cookieToken(req));
    if (!given || !safeEqual(given, token)) return send(res, 401, 'text/plain; charset=utf-8', 'Missing or wrong token');
    const foreign = foreignRequest(req, port);
    if (foreign) return send(res, 403, 'text/plain; charset=utf-8', foreign);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');

    if (url.pathname.startsWith('/rpc/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'Use POST');
      // A cross-origin page cannot send this type without a preflight, which is never answered.
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
        return send(res, 415, 'text/plain; charset=utf-8', 'Content-Type must be application/json');
      }
      const method = pathname.slice('/rpc/'.length);
      let payload: unknown;
      try {
        const body = await readBody(req);
        if (body === null) {
          res.setHeader('Connection', 'close');
          return send(res, 413, 'text/plain; charset=utf-8', `Request body over ${MAX_BODY} bytes`);
        }
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
    const route = parseImageRoute(pathname);
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
    return serveStatic(pathname, res);
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The browser's keep-alive connections (and a request still in flight) would hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The address's path, percent-decoded; null when its encoding is broken. */
function decodedPath(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

/**
 * Why a request comes from another site, or null when it is the host's own page
 * (or not from a page at all, as a script's request is). A page on another
 * port of 127.0.0.1 is another origin: its requests name it in `Origin`, and
 * browsers mark them `Sec-Fetch-Site: same-site` or `cross-site`.
 */
function foreignRequest(req: http.IncomingMessage, port: number): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return `Forbidden origin ${origin}`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Forbidden ${site} request`;
  return null;
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

/** The request body, or null when it is over MAX_BODY (the rest is read and dropped, so the answer reaches the client). */
function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      req.resume();
      return resolve(null);
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
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
