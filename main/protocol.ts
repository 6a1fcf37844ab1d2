import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../app/domain/errors.ts';
import { parseImageRoute, serveImage } from '../app/services/imageFiles.ts';
import type { Project } from '../app/store/Project.ts';
import { APP_HOST, CSP } from './security.ts';

/** What the loupe: protocol needs from the host. */
export interface ProtocolDeps {
  /** The built renderer (dist/renderer); nothing outside it is ever served under loupe://app. */
  rendererDir: string;
  /** The open project, or null. */
  project: () => Project | null;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function respond(status: number, body: Uint8Array | string | null, headers: Record<string, string> = {}): Response {
  const h = new Headers({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  if (typeof body === 'string' && !h.has('Content-Type')) h.set('Content-Type', 'text/plain; charset=utf-8');
  // Copy into a plain ArrayBuffer-backed view: Buffers may sit on a shared pool.
  const payload = body instanceof Uint8Array ? new Uint8Array(body) : body;
  return new Response(payload, { status, headers: h });
}

/**
 * The handler for `protocol.handle('loupe', …)`: `loupe://app/<file>` serves the
 * built renderer, `loupe://image/<id>` and `loupe://thumb/<id>` serve the open
 * project's images. Every response carries the CSP.
 */
export function createProtocolHandler(deps: ProtocolDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', { Allow: 'GET, HEAD' });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return respond(400, 'Bad URL');
    }
    const host = url.host.toLowerCase();
    const res = host === APP_HOST ? await serveAppFile(deps.rendererDir, url.pathname) : await serveImageUrl(deps, host, url.pathname);
    return request.method === 'HEAD' ? new Response(null, { status: res.status, headers: res.headers }) : res;
  };
}

async function serveImageUrl(deps: ProtocolDeps, host: string, pathname: string): Promise<Response> {
  const route = parseImageRoute(`${host}${pathname}`);
  if (!route) return respond(404, 'Not found');
  const project = deps.project();
  if (!project) return respond(404, 'No project is open');
  try {
    const img = await serveImage(project, route.id, route.kind);
    // Ids are reused across projects, so a cached image could belong to another project.
    return respond(200, img.data, { 'Content-Type': img.mime, 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': `loupe://${APP_HOST}` });
  } catch (err) {
    if (err instanceof LoupeError) {
      if (err.code === 'forbidden') return respond(403, 'Forbidden');
      if (err.code === 'not_found') return respond(404, 'Not found');
    }
    return respond(500, 'Could not read the image');
  }
}

/** The real path of a renderer file, or null for anything outside the folder or not a regular file. */
export async function resolveAppFile(rendererDir: string, pathname: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const segments = rel.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  try {
    const root = await fs.realpath(rendererDir);
    // Symlinks are followed, then the result must still be inside the folder.
    const real = await fs.realpath(path.join(root, ...segments));
    const inside = path.relative(root, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) return null;
    const st = await fs.stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

async function serveAppFile(rendererDir: string, pathname: string): Promise<Response> {
  const file = await resolveAppFile(rendererDir, pathname);
  if (!file) return respond(404, 'Not found');
  try {
    const data = await fs.readFile(file);
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, data, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  } catch {
    return respond(404, 'Not found');
  }
}
