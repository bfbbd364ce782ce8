// The loopback bridge for real: node:http requests against startBridge on port 0, over a
// real back end. Security first (token, Host, Origin, static paths, Electron-only methods),
// then uploads with progress over SSE, cancel, and queries answered during a large import.

import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ImportJob, ImportProgress } from '../../shared/api/contract.ts';
import { startBridge, tokenCookieName, type Bridge } from '../../electron/node/api/http_bridge.ts';
import { generateCapture } from '../bench/capture_generator.ts';
import { CAPTURES, startBackend, waitForEvent, type TestBackend } from './support.ts';

let t: TestBackend;
let bridge: Bridge;
let staticDir: string;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function http(path: string, o: { method?: string; headers?: Record<string, string>; body?: Buffer | string; token?: string | null; host?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { host: o.host ?? `127.0.0.1:${bridge.port}`, ...(o.headers ?? {}) };
  if (o.token !== null) headers['x-calltrace-token'] = o.token ?? bridge.token;
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: o.method ?? 'GET', headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', rej);
    req.end(o.body);
  });
}

const api = async <T>(method: string, args?: unknown): Promise<{ ok: boolean; value?: T; error?: { code: string; message: string } }> => {
  const r = await http(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: args === undefined ? '' : JSON.stringify(args) });
  return JSON.parse(r.body) as { ok: boolean; value?: T };
};

/** A Server-Sent Events reader collecting every ApiEvent. */
function sse(): { events: ApiEvent[]; close(): void; opened: Promise<void> } {
  const events: ApiEvent[] = [];
  let close = (): void => undefined;
  const opened = new Promise<void>((res, rej) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path: '/api/events', headers: { host: `127.0.0.1:${bridge.port}`, 'x-calltrace-token': bridge.token } }, (r) => {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
      let buf = '';
      r.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as ApiEvent);
        }
      });
      res();
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : rej(e)));
    req.end();
    close = () => req.destroy();
  });
  return { events, close: () => close(), opened };
}

const progressOf = (events: ApiEvent[], jobId: string, state: ImportProgress['state']) => (e: ApiEvent) => e.name === 'importProgress' && e.payload.jobId === jobId && e.payload.state === state;

beforeAll(async () => {
  t = await startBackend();
  staticDir = join(t.dir, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  // A built asset, named after its content as Vite names them.
  writeFileSync(join(staticDir, 'assets', 'index-8xu6eQUR.js'), 'console.log("built")');
  writeFileSync(join(t.dir, 'secret.txt'), 'TOP SECRET');
  bridge = await startBridge({ handlers: t.backend.handlers, events: t.backend.events, uploads: t.backend.uploads, port: 0, staticDir });
});
afterAll(async () => {
  await bridge.close();
  await t.cleanup();
});

describe('bridge security', () => {
  it('listens on 127.0.0.1 only and prints the URL with a 256-bit token', () => {
    expect(bridge.origin).toBe(`http://127.0.0.1:${bridge.port}`);
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/);
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
  });

  it('refuses requests without the token (401) or with a wrong one (403)', async () => {
    expect((await http('/', { token: null })).status).toBe(401);
    expect((await http('/api/listSources', { method: 'POST', token: null })).status).toBe(401);
    expect((await http('/api/events', { token: null })).status).toBe(401);
    expect((await http('/api/listSources', { method: 'POST', token: 'f'.repeat(64) })).status).toBe(403);
    expect((await http(`/?token=${'0'.repeat(64)}`, { token: null })).status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const r = await http('/api/listSources', { method: 'POST', host: `evil.example:${bridge.port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await http('/api/listSources', { method: 'POST', host: '127.0.0.1:1' })).status).toBe(403);
    expect((await http('/api/listSources', { method: 'POST', host: `localhost:${bridge.port}` })).status).toBe(200);
  });

  it('refuses cross-origin requests and never sends CORS headers', async () => {
    const r = await http('/api/listSources', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    const ok = await http('/api/listSources', { method: 'POST', headers: { origin: bridge.origin } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    expect((await http('/api/listSources', { method: 'OPTIONS' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the page with a strict CSP and sets the token cookie on the page load', async () => {
    const r = await http(`/?token=${bridge.token}`, { token: null });
    expect(r.status).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`${tokenCookieName(bridge.port)}=${bridge.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The page's assets and API calls then authenticate with the cookie alone.
    const js = await http('/assets/app.js', { token: null, headers: { cookie: `${tokenCookieName(bridge.port)}=${bridge.token}` } });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['content-security-policy']).toBeDefined();
    const viaCookie = await http('/api/listSources', { method: 'POST', token: null, headers: { cookie: `${tokenCookieName(bridge.port)}=${bridge.token}` } });
    expect(viaCookie.status).toBe(200);
  });

  it('lets the browser keep the built assets named after their content, never the page or an answer', async () => {
    const auth = { token: null, headers: { cookie: `${tokenCookieName(bridge.port)}=${bridge.token}` } };
    const built = await http('/assets/index-8xu6eQUR.js', auth);
    expect(built.status).toBe(200);
    expect(built.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    // The page names the current build's files; a file without a content hash may change.
    expect((await http('/', auth)).headers['cache-control']).toBe('no-store');
    expect((await http('/assets/app.js', auth)).headers['cache-control']).toBe('no-store');
    expect((await http('/api/listSources', { ...auth, method: 'POST' })).headers['cache-control']).toBe('no-store');
  });

  it('refuses static paths that leave the renderer directory', async () => {
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c%2e%2e%5csecret.txt', '/%00index.html', '/..%5c..%5csecret.txt']) {
      const r = await http(p);
      expect(r.body, p).not.toContain('TOP SECRET');
      expect([400, 403, 404], p).toContain(r.status);
    }
    expect((await http('/nope.js')).status).toBe(404);
    // Paths without an extension are routes of the page itself.
    expect((await http('/calls/12')).body).toContain('assets/app.js');
  });

  it('refuses Electron-only methods, unknown methods and bad JSON', async () => {
    const r = await http('/api/importPaths', { method: 'POST', body: JSON.stringify({ paths: ['/etc/passwd'] }) });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await http('/api/constructor', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await http('/api/listSources', { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await http('/api/listSources')).status).toBe(405);
  });

  it('says to build the UI when dist/renderer is absent', async () => {
    const b = await startBridge({ handlers: t.backend.handlers, events: t.backend.events, uploads: t.backend.uploads, staticDir: join(t.dir, 'absent') });
    try {
      const r = await new Promise<string>((res) => {
        request({ host: '127.0.0.1', port: b.port, path: `/?token=${b.token}`, headers: { host: `127.0.0.1:${b.port}` } }, (x) => {
          let s = '';
          x.on('data', (c: Buffer) => (s += c.toString()));
          x.on('end', () => res(s));
        }).end();
      });
      expect(r).toContain('npm run build');
    } finally {
      await b.close();
    }
  });
});

describe('bridge API', () => {
  it('answers queries as result values', async () => {
    const r = await api<{ total: number }>('queryCalls', { offset: 0, limit: 5 });
    expect(r).toMatchObject({ ok: true, value: { total: 0, totalExact: true, offset: 0, rows: [] } });
    expect(await api('countCalls', { filter: { text: 'abc' } })).toMatchObject({ ok: true, value: { counted: 0, more: null } });
    expect(await api('getCall', { id: 42 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await api('getSettings')).toMatchObject({ ok: true, value: { successDurationS: 30 } });
  });

  it('imports an upload with progress and libraryChanged over SSE', async () => {
    const events = sse();
    await events.opened;
    const bytes = readFileSync(join(CAPTURES, 'agent_bye.pcapng'));
    const r = await http('/api/importUpload?name=' + encodeURIComponent('my capture.pcapng'), { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(r.status).toBe(200);
    const job = (JSON.parse(r.body) as { ok: true; value: ImportJob }).value;
    expect(job.files).toEqual(['my capture.pcapng']);
    const done = await waitForEvent(events.events, progressOf(events.events, job.jobId, 'done'));
    expect(done.payload).toMatchObject({ file: 'my capture.pcapng', callsFound: 1, bytesRead: bytes.length, totalBytes: bytes.length });
    await waitForEvent(events.events, (e) => e.name === 'libraryChanged');
    events.close();
    const sources = (await api<Array<{ name: string; calls: number }>>('listSources')).value!;
    expect(sources.map((s) => s.name)).toContain('my capture.pcapng');
    // The same bytes again: recognised, not re-read.
    const again = JSON.parse((await http('/api/importUpload?name=again.pcapng', { method: 'POST', body: bytes })).body) as { value: ImportJob };
    await waitForEvent(t.events, progressOf(t.events, again.value.jobId, 'duplicate'));
    expect(await api('importUpload', { name: 'x', data: [1, 2] })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await http('/api/importUpload', { method: 'POST', body: bytes })).status).toBe(400);
  });

  it('refuses an upload over the size limit without keeping it', async () => {
    const b = await startBridge({ handlers: t.backend.handlers, events: t.backend.events, uploads: t.backend.uploads, maxUploadBytes: 1000 });
    try {
      const r = await new Promise<number>((res) => {
        const req = request({ host: '127.0.0.1', port: b.port, method: 'POST', path: '/api/importUpload?name=big.pcap', headers: { host: `127.0.0.1:${b.port}`, 'x-calltrace-token': b.token } }, (x) => {
          x.resume();
          res(x.statusCode ?? 0);
        });
        req.on('error', () => res(-1));
        req.end(Buffer.alloc(5000));
      });
      expect(r).toBe(413);
    } finally {
      await b.close();
    }
  });
});

describe('imports in the worker', () => {
  let big: string;
  beforeAll(() => {
    big = join(t.dir, 'big.pcap');
    generateCapture({ out: big, targetBytes: 40e6, format: 'pcap', seed: 11, concurrentCalls: 40 });
  });

  it('cancels a running import and keeps nothing of it', async () => {
    const before = (await api<unknown[]>('listSources')).value!.length;
    // Held at its first commit by another connection's write lock, the import is certainly
    // still running when the cancel arrives (it would otherwise finish in a fraction of a second).
    const lock = new Database(join(t.dir, 'library.db'));
    lock.exec('BEGIN IMMEDIATE');
    let jobId: string;
    try {
      const r = JSON.parse((await http('/api/importUpload?name=cancel-me.pcap', { method: 'POST', body: readFileSync(big) })).body) as { value: ImportJob };
      jobId = r.value.jobId;
      await waitForEvent(t.events, (e) => e.name === 'importProgress' && e.payload.jobId === jobId && e.payload.state === 'running');
      expect(await api('cancelImport', { jobId })).toMatchObject({ ok: true, value: { cancelled: true } });
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    await waitForEvent(t.events, progressOf(t.events, jobId, 'cancelled'));
    await t.backend.imports.idle();
    expect((await api<unknown[]>('listSources')).value!.length).toBe(before);
    expect(await api('cancelImport', { jobId })).toMatchObject({ ok: true, value: { cancelled: false } });
  });

  it('answers queries while a large import runs, with throttled progress', async () => {
    // Imports are fast enough to finish before a query round trip, so the test makes "while
    // it runs" certain instead of hoping: another connection holds the index's write lock, so
    // the worker's first commit waits (within its busy timeout) while the bridge is queried.
    const lock = new Database(join(t.dir, 'library.db'));
    lock.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    let locked = true;
    try {
      const r = JSON.parse((await http('/api/importUpload?name=big.pcap', { method: 'POST', body: readFileSync(big) })).body) as { value: ImportJob };
      const jobId = r.value.jobId;
      // The job has started; it cannot finish while the lock is held (its commits need it).
      await waitForEvent(t.events, (e) => e.name === 'importProgress' && e.payload.jobId === jobId && e.payload.state === 'running');
      for (let i = 0; i < 5; i++) {
        const page = await api<{ total: number }>('queryCalls', { offset: 0, limit: 50 });
        expect(page.ok).toBe(true);
      }
      // The main thread never waited for the import: it is still running (held at its commit).
      expect(t.events.some(progressOf(t.events, jobId, 'done'))).toBe(false);
      lock.exec('ROLLBACK');
      locked = false;
      await waitForEvent(t.events, progressOf(t.events, jobId, 'done'));
      const progress = t.events.filter((e): e is Extract<ApiEvent, { name: 'importProgress' }> => e.name === 'importProgress' && e.payload.jobId === jobId);
      const running = progress.filter((e) => e.payload.state === 'running');
      expect(running.length).toBeGreaterThan(0);
      // At most ~10 per second (plus the first one of the file).
      expect(running.length).toBeLessThanOrEqual((performance.now() - started) / 100 + 2);
      const done = progress.at(-1)!.payload;
      expect(done).toMatchObject({ state: 'done', totalBytes: done.bytesRead });
      expect(done.packets).toBeGreaterThan(100_000);
      expect(done.callsFound).toBeGreaterThan(10);
    } finally {
      if (locked) lock.exec('ROLLBACK');
      lock.close();
    }
  });
});
