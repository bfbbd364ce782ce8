// The loopback HTTP bridge of `calltrace serve`: the same UI and the same API contract as
// the Electron window, for any Chromium on this machine (and for the e2e tests).
//
//   POST /api/<method>             JSON argument in, ApiResult JSON out (errors as values, HTTP 200)
//   POST /api/importUpload?name=N  the raw file bytes as the body (streamed to disk, ≤ 4 GiB)
//   GET  /api/events               Server-Sent Events: `data: {"name":…,"payload":…}`
//   GET  /api/download/<id>        an exported file (exportCalls), once, as an attachment
//   GET  /…                        the built renderer (dist/renderer), or a page saying to build it
//
// Security, because any web page the user visits can make the browser send requests to
// 127.0.0.1: the server listens on 127.0.0.1 only; the Host header must name it (or
// localhost) with our port, which defeats DNS rebinding; every request needs the 256-bit
// token — `?token=` on the page load (which also sets an HttpOnly, SameSite=Strict cookie
// scoped by port, so the page's own assets, fetches and EventSource carry it), or the
// `x-calltrace-token` header; a request whose Origin is another site is refused; no CORS
// headers are ever sent, so no other origin can read an answer.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  API_METHODS, BRIDGE_API_PREFIX, BRIDGE_DOWNLOAD_PREFIX, BRIDGE_EVENTS_PATH, BRIDGE_UPLOAD_PATH, ELECTRON_ONLY_METHODS, type ApiHandlers, type ApiResult,
} from '../../../shared/api/contract.ts';
import { invokeHandler, isApiMethod } from './api_error.ts';
import { SECURITY_HEADERS } from './csp.ts';
import { DOWNLOAD_TTL_MS, type DownloadStore } from './download_store.ts';
import type { EventHub } from './event_hub.ts';
import type { UploadStaging } from './handlers.ts';

export const TOKEN_HEADER = 'x-calltrace-token';
export const TOKEN_QUERY = 'token';
/** Cookies are not isolated by port: the name carries it so two bridges never clash. */
export const tokenCookieName = (port: number): string => `calltrace_token_${port}`;

export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;
export const MAX_JSON_BYTES = 1024 * 1024;
const SSE_HEARTBEAT_MS = 15_000;

export interface BridgeOptions {
  handlers: ApiHandlers;
  events: EventHub;
  uploads: UploadStaging;
  /** Exported files waiting for the browser (exportCalls); absent: every download is 404. */
  downloads?: DownloadStore;
  /** 0 or absent: a free port chosen by the system. */
  port?: number;
  /** The built renderer (index.html + assets). */
  staticDir?: string;
  /** Tests may fix it; otherwise 32 random bytes. */
  token?: string;
  maxUploadBytes?: number;
}

export interface Bridge {
  /** The address to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>calltrace</title></head>
<body><h1>calltrace</h1>
<p>The user interface is not built yet: run <code>npm run build</code> in the calltrace checkout, then reload this page.</p>
<p>The API is up: <code>POST /api/&lt;method&gt;</code>, events at <code>GET /api/events</code>.</p>
</body></html>
`;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: ApiResult<unknown>, extra: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', extra);
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The file under `root` a request path names, or null when it would leave root (`..`, an
 * encoded separator, a NUL) — checked on the decoded path, after normalisation.
 */
export function staticFilePath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split(/[/\\]/).includes('..')) return null;
  const rootAbs = resolve(root);
  const full = resolve(rootAbs, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded));
  return full === rootAbs || full.startsWith(rootAbs + sep) ? full : null;
}

export async function startBridge(o: BridgeOptions): Promise<Bridge> {
  const token = o.token ?? randomBytes(32).toString('hex');
  const maxUpload = o.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const staticRoot = o.staticDir && existsSync(join(o.staticDir, 'index.html')) ? resolve(o.staticDir) : null;
  const sockets = new Set<Socket>();
  const streams = new Set<ServerResponse>();
  let port = 0;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) refuse(res, 500, 'internal', `internal error: ${e.message}`);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 1. DNS rebinding: a page of evil.example resolved to 127.0.0.1 still says Host: evil.example.
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return refuse(res, 403, 'forbidden', 'wrong Host header');

    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    // 2. Another site's page may send requests here; it never gets past this.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return refuse(res, 403, 'forbidden', 'cross-origin requests are refused');
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') return refuse(res, 403, 'forbidden', 'cross-site requests are refused');

    // 3. The token.
    const fromQuery = url.searchParams.get(TOKEN_QUERY);
    const header = req.headers[TOKEN_HEADER];
    const given = fromQuery ?? (typeof header === 'string' ? header : null) ?? cookie(req, tokenCookieName(port));
    if (given === null || given === '') return refuse(res, 401, 'unauthorized', 'the calltrace token is missing: open the address `calltrace serve` printed');
    if (!sameToken(given, token)) return refuse(res, 403, 'forbidden', 'wrong calltrace token');
    const setCookie: Record<string, string> =
      fromQuery !== null ? { 'Set-Cookie': `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};

    const path = url.pathname;
    if (path === BRIDGE_EVENTS_PATH) {
      if (req.method !== 'GET') return refuse(res, 405, 'bad_request', 'events are read with GET');
      return events(req, res);
    }
    if (path.startsWith(BRIDGE_DOWNLOAD_PREFIX)) {
      if (req.method !== 'GET') return refuse(res, 405, 'bad_request', 'downloads are fetched with GET');
      return download(res, path.slice(BRIDGE_DOWNLOAD_PREFIX.length));
    }
    if (path.startsWith(BRIDGE_API_PREFIX)) {
      if (req.method !== 'POST') return refuse(res, 405, 'bad_request', 'API methods are called with POST');
      if (path === BRIDGE_UPLOAD_PATH) return upload(req, res, url);
      return api(req, res, path.slice(BRIDGE_API_PREFIX.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'bad_request', 'only GET serves files');
    return serveStatic(req, res, path, setCookie);
  }

  async function api(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (!isApiMethod(method, API_METHODS)) return refuse(res, 404, 'not_found', `no API method ${method}`);
    if (ELECTRON_ONLY_METHODS.includes(method)) return refuse(res, 403, 'forbidden', `${method} is only available in the desktop app`);
    const body = await readBody(req, MAX_JSON_BYTES);
    if (body === null) return refuse(res, 413, 'bad_request', `the request is larger than ${MAX_JSON_BYTES} bytes`);
    let args: unknown;
    try {
      args = body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as unknown);
    } catch {
      return refuse(res, 400, 'bad_request', 'the body is not valid JSON');
    }
    if (method === 'importUpload') return refuse(res, 400, 'bad_request', `upload the file's bytes as the body of POST ${BRIDGE_UPLOAD_PATH}?name=…`);
    sendJson(res, 200, await invokeHandler(o.handlers, method, args));
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.searchParams.get('name');
    if (!name) return refuse(res, 400, 'bad_request', 'the upload needs ?name=<file name>');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxUpload) {
      res.setHeader('Connection', 'close');
      return refuse(res, 413, 'too_large', `${name} is larger than the upload limit (${maxUpload} bytes)`);
    }
    const path = o.uploads.stage(name);
    let size = 0;
    let tooLarge = false;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxUpload) {
          tooLarge = true;
          done(new Error('upload too large'));
        } else done(null, chunk);
      },
    });
    try {
      // Streamed to disk: a capture of gigabytes never sits in memory.
      await pipeline(req, counter, createWriteStream(path));
    } catch (e) {
      rmSync(dirname(path), { recursive: true, force: true });
      if (tooLarge) {
        res.setHeader('Connection', 'close');
        return refuse(res, 413, 'too_large', `${name} is larger than the upload limit (${maxUpload} bytes)`);
      }
      if (!res.writableEnded && !req.destroyed) refuse(res, 400, 'bad_request', `the upload was interrupted (${(e as Error).message})`);
      return;
    }
    sendJson(res, 200, { ok: true, value: o.uploads.commit(path, name) });
  }

  /**
   * An exported file, once: taken off the pending list before the first byte is sent, and
   * deleted when the response ends (completed or aborted) — a second request is a 404.
   */
  function download(res: ServerResponse, id: string): void {
    const taken = o.downloads?.take(id) ?? null;
    if (!taken) return refuse(res, 404, 'not_found', `this download is no longer available (an export is downloaded once and kept at most ${DOWNLOAD_TTL_MS / 60_000} minutes): export again`);
    const d = taken.download;
    res.on('close', taken.done);
    const file = createReadStream(d.path);
    file.on('error', (e) => {
      if (!res.headersSent) refuse(res, 410, 'gone', `the exported file is gone (${(e as NodeJS.ErrnoException).code ?? e.message}): export again`);
      else res.destroy();
    });
    file.once('open', () => {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        // Even an HTML report is saved, never shown on our origin (where it could call the API).
        'Content-Type': d.contentType,
        'Content-Disposition': `attachment; filename="${d.name}"`,
        'Content-Length': String(d.bytes),
        'Cache-Control': 'no-store',
      });
      file.pipe(res);
    });
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 2000\n: connected\n\n');
    streams.add(res);
    const unsubscribe = o.events.subscribe((e) => res.write(`data: ${JSON.stringify(e)}\n\n`));
    // Proxies and sleeping laptops drop idle connections; a comment keeps this one alive.
    const beat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    const done = (): void => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  /**
   * Vite names every built script and style sheet after its content (assets/index-<hash>.js):
   * such a file never changes under its name, so the browser may keep it — and keep the code
   * it compiled from it (Chromium caches compiled code only for cacheable scripts). Each
   * reload of the page then skips ~0.1 s of download and compile. index.html stays no-store:
   * it names the current build's files.
   */
  function immutableAsset(path: string): boolean {
    return /^\/assets\/[\w.-]+-[\w-]{8,}\.(js|css)$/.test(path);
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, path: string, extra: Record<string, string>): void {
    if (!staticRoot) {
      if (path === '/' || path === '/index.html') return send(res, 200, req.method === 'HEAD' ? '' : NOT_BUILT_PAGE, 'text/html; charset=utf-8', extra);
      return refuse(res, 404, 'not_found', 'the user interface is not built (npm run build)');
    }
    let file = staticFilePath(staticRoot, path === '/' ? '/index.html' : path);
    if (file === null) return refuse(res, 403, 'forbidden', 'that path is outside the application');
    let st = statOrNull(file);
    // The UI routes in the page itself: a path without an extension is the app.
    if ((!st || !st.isFile()) && extname(path) === '') {
      file = join(staticRoot, 'index.html');
      st = statOrNull(file);
    }
    if (!st || !st.isFile()) return refuse(res, 404, 'not_found', `no file ${path}`);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'Cache-Control': immutableAsset(path) ? 'private, max-age=31536000, immutable' : 'no-store',
      ...extra,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    // Loopback only, never configurable: the bridge is not a network service.
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string' || addr.address !== '127.0.0.1') throw new Error('the bridge did not bind to 127.0.0.1');
  port = addr.port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?${TOKEN_QUERY}=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const r of streams) r.end();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
