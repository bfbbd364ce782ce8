// The query worker: every API call of the app and of `serve` is answered off the main thread,
// on the worker's own SQLite connection (query_client.ts, query_host.ts). Over a real library
// file with the fixture captures imported through the ingest worker:
//   - the main thread holds no index connection once the back end has started;
//   - while the worker is busy with a query, the main thread keeps turning (counted turns);
//   - answers through the worker equal the handlers' own, errors keep their code and text;
//   - a killed worker is said to be dead, its calls fail clearly, and a new one answers;
//   - settings saved through the worker reach the main thread's upload staging.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { API_METHODS, type ApiHandlers, type ApiMethod } from '../../shared/api/contract.ts';
import { invokeHandler } from '../../electron/node/api/api_error.ts';
import { openBackend, type Backend } from '../../electron/node/api/backend.ts';
import { DownloadStore } from '../../electron/node/api/download_store.ts';
import { createHandlers } from '../../electron/node/api/handlers.ts';
import { WORKER_FAILED } from '../../electron/node/api/query_client.ts';
import { openConnections } from '../../electron/node/store/connection_count.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import type { ExportTarget } from '../../electron/node/export/export_target.ts';
import { CAPTURES, startBackend, tempDir, type TestBackend } from './support.ts';

const GATED = new URL('../support/gated_query_worker.ts', import.meta.url);
const BROKEN = new URL('../support/broken_query_worker.ts', import.meta.url);

/** One turn of the event loop (setImmediate runs after I/O callbacks). */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Turns until `done()` holds; fails after `max` turns instead of hanging. */
async function turnsUntil(done: () => boolean, max = 2_000_000): Promise<number> {
  for (let n = 0; n < max; n++) {
    if (done()) return n;
    await turn();
  }
  throw new Error(`still not done after ${max} event-loop turns`);
}

let t: TestBackend;
let store: IndexStore;
let direct: ApiHandlers;
let baseline: number;

beforeAll(async () => {
  baseline = openConnections();
  t = await startBackend({ importFixtures: true });
  // The handlers in-thread over a connection of the test's own: the reference.
  store = openIndex(t.backend.dbPath);
  direct = createHandlers({ store, imports: t.backend.imports, events: t.backend.events });
});
afterAll(async () => {
  store.close();
  await t.cleanup();
});

describe('the main thread', () => {
  it('holds no index connection once the back end has started, nor while it answers', async () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const before = openConnections();
    const b = openBackend({ dbPath: join(dir, 'library.db'), tempDir: dir });
    // Opening migrated the new file here, and closed that connection again.
    expect(openConnections()).toBe(before);
    try {
      expect(await b.handlers.listSources()).toEqual([]);
      expect((await b.handlers.queryCalls({ offset: 0, limit: 10 })).total).toBe(0);
      expect(openConnections()).toBe(before);
    } finally {
      await b.close();
    }
    // The shared back end, after importing every fixture and answering queries: none either
    // (the one open here is this test file's reference connection).
    await t.backend.handlers.getSummary({});
    expect(openConnections()).toBe(baseline + 1);
  });

  it('keeps turning while the worker is busy with a query', async () => {
    const b = openBackend({ dbPath: t.backend.dbPath, tempDir: t.dir, queryWorkerUrl: GATED });
    onTestFinished(() => b.close());
    const gate = new SharedArrayBuffer(8);
    const flag = new Int32Array(gate);
    let answered = false;
    const pending = b.handlers.getDecisionTree({ gate } as never).then((v) => {
      answered = true;
      return v;
    });
    // The worker has started the query (and is now blocked in it)…
    await turnsUntil(() => Atomics.load(flag, 1) === 1);
    // …and the main thread completes 200 turns, delivers events and stages an upload meanwhile.
    const seen: string[] = [];
    const off = b.events.subscribe((e) => seen.push(e.name));
    let turns = 0;
    for (; turns < 200 && !answered; turns++) {
      if (turns === 10) b.events.emit('libraryChanged', { reason: 'import' });
      await turn();
    }
    off();
    const staged = b.uploads.stage('during-the-query.pcap');
    expect(turns).toBe(200);
    expect(answered).toBe(false);
    expect(seen).toEqual(['libraryChanged']);
    expect(staged.endsWith('during-the-query.pcap')).toBe(true);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    expect(await pending).toEqual(await direct.getDecisionTree());
    expect(openConnections()).toBe(baseline + 1);
  });
});

describe('answers through the worker', () => {
  it('equal the handlers in-thread over the fixture library', async () => {
    const w = t.backend.handlers;
    const sources = await direct.listSources();
    expect(sources.length).toBeGreaterThan(5);
    expect(await w.listSources()).toEqual(sources);
    for (const s of sources) expect(await w.getSource({ id: s.id })).toEqual(await direct.getSource({ id: s.id }));
    expect(await w.recentFiles()).toEqual(await direct.recentFiles());

    const page = { offset: 0, limit: 10_000, filter: { includeOther: true } };
    const all = await direct.queryCalls(page);
    expect(all.rows.length).toBeGreaterThan(20);
    expect(await w.queryCalls(page)).toEqual(all);
    expect(await w.queryCalls({ ...page, sort: { key: 'durationMs', descending: true } })).toEqual(await direct.queryCalls({ ...page, sort: { key: 'durationMs', descending: true } }));
    expect(await w.queryCalls({ offset: 3, limit: 7, filter: { buckets: [5] } })).toEqual(await direct.queryCalls({ offset: 3, limit: 7, filter: { buckets: [5] } }));
    // Every call's detail: ladder, raw text, streams with bins, verdict.
    for (const r of all.rows) expect(await w.getCall({ id: r.id })).toEqual(await direct.getCall({ id: r.id }));

    expect(await w.getSummary({})).toEqual(await direct.getSummary({}));
    expect(await w.getSummary({ filter: { buckets: [5] } })).toEqual(await direct.getSummary({ filter: { buckets: [5] } }));
    expect(await w.getDecisionTree()).toEqual(await direct.getDecisionTree());
    expect(await w.getDecisionTreeMermaid({ path: ['R1'] })).toEqual(await direct.getDecisionTreeMermaid({ path: ['R1'] }));
    expect(await w.getSettings()).toEqual(await direct.getSettings());
    expect(await w.getUnassociatedStreams({})).toEqual(await direct.getUnassociatedStreams({}));
  });

  it('keep each error its code and its words', async () => {
    const cases: Array<[ApiMethod, unknown]> = [
      ['getCall', { id: 999_999 }],
      ['getSource', { id: 999_999 }],
      ['getSource', null],
      ['queryCalls', { offset: -1, limit: 10 }],
      ['queryCalls', { offset: 0, limit: 10, sort: { key: 'id; DROP TABLE calls' } }],
      ['setSettings', { successDurationS: 'x' }],
      ['exportCalls', { ids: [], outputs: ['html'], redact: false }],
      ['importPaths', { paths: [] }],
    ];
    for (const [method, args] of cases) {
      const viaWorker = await invokeHandler(t.backend.handlers, method, args);
      expect(viaWorker.ok).toBe(false);
      expect(viaWorker).toEqual(await invokeHandler(direct, method, args));
    }
    // Exports: the in-thread reference has no target, the back end's is serve's downloads.
    expect(await invokeHandler(direct, 'exportCalls', { ids: [1], outputs: ['html'], redact: false })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('cover every method of the contract', () => {
    for (const m of API_METHODS) expect(typeof t.backend.handlers[m]).toBe('function');
  });
});

describe('a worker that dies', () => {
  let b: Backend;
  const log: string[] = [];
  beforeAll(() => {
    b = openBackend({ dbPath: t.backend.dbPath, tempDir: t.dir, queryWorkerUrl: GATED, log: (l) => log.push(l) });
  });
  afterAll(async () => {
    await b.close();
  });

  it('killed in the middle of a query: the call fails saying so, and a new worker answers', async () => {
    expect(await b.handlers.listSources()).toEqual(await direct.listSources());
    const first = b.queries.worker!;
    const gate = new SharedArrayBuffer(8);
    const flag = new Int32Array(gate);
    const pending = invokeHandler(b.handlers, 'getDecisionTree', { gate });
    await turnsUntil(() => Atomics.load(flag, 1) === 1);
    expect(b.queries.inFlight).toBe(1);
    // A real kill of the thread, blocked in its query as it is.
    await first.terminate();
    const r = await pending;
    expect(r).toMatchObject({ ok: false, error: { code: WORKER_FAILED } });
    if (!r.ok) expect(r.error.message).toMatch(/^getDecisionTree failed: the query worker stopped answering \(it stopped with exit code \d+\); a new one was started; try again$/);
    expect(b.queries.failures).toBe(1);
    expect(log).toHaveLength(1);
    expect(log[0]).toContain('the query worker stopped answering');
    // A fresh thread, answering as before.
    expect(b.queries.worker).not.toBe(first);
    expect(await b.handlers.listSources()).toEqual(await direct.listSources());
    expect(await b.handlers.getCall({ id: (await direct.queryCalls({ offset: 0, limit: 1 })).rows[0].id })).toEqual(
      await direct.getCall({ id: (await direct.queryCalls({ offset: 0, limit: 1 })).rows[0].id }),
    );
  });

  it('crashed by an uncaught error: reported, and a new worker answers', async () => {
    const before = b.queries.failures;
    const crashing = invokeHandler(b.handlers, 'getDecisionTree', { crash: true });
    const r = await crashing;
    // The crash comes after the answer (setImmediate): the answer may or may not have left.
    if (!r.ok) expect(r.error.code).toBe(WORKER_FAILED);
    await turnsUntil(() => b.queries.failures === before + 1);
    expect(log.at(-1)).toContain('the gated worker was told to crash');
    expect(await b.handlers.getSettings()).toEqual(await direct.getSettings());
  });

  it('that cannot start is reported, and not restarted in a loop', async () => {
    const lines: string[] = [];
    const broken = openBackend({ dbPath: t.backend.dbPath, tempDir: t.dir, queryWorkerUrl: BROKEN, log: (l) => lines.push(l) });
    try {
      const r = await invokeHandler(broken.handlers, 'listSources', undefined);
      expect(r).toMatchObject({ ok: false, error: { code: WORKER_FAILED } });
      if (!r.ok) expect(r.error.message).toContain('this query worker cannot start');
      // Dead before it was ready: nothing restarts until the next call.
      for (let i = 0; i < 100; i++) await turn();
      expect(broken.queries.failures).toBe(1);
      expect(broken.queries.worker).toBeNull();
      expect(lines).toEqual([expect.stringContaining('it will be started again on the next call')]);
      expect(await invokeHandler(broken.handlers, 'getSettings', undefined)).toMatchObject({ ok: false, error: { code: WORKER_FAILED } });
      expect(broken.queries.failures).toBe(2);
    } finally {
      await broken.close();
    }
  });
});

describe('an export whose worker dies while the main thread chooses where it goes', () => {
  it('gives its place back: what was reserved for it is released', async () => {
    // serve's downloads, room for two files; the choice held back until the test says so
    // (as a save dialog left open would).
    const downloads = new DownloadStore({ parent: t.dir, maxPending: 2 });
    onTestFinished(() => downloads.close());
    let release: () => void = () => undefined;
    let asked = 0;
    const target: ExportTarget = {
      async choose(names) {
        asked++;
        if (asked === 1) await new Promise<void>((r) => (release = r));
        return downloads.choose(names);
      },
    };
    const b = openBackend({ dbPath: t.backend.dbPath, tempDir: t.dir, exportTarget: target, log: () => undefined });
    onTestFinished(() => b.close());
    const id = (await direct.queryCalls({ offset: 0, limit: 1 })).rows[0].id;
    const args = { ids: [id], outputs: ['html', 'pcapng'], redact: false };
    const first = invokeHandler(b.handlers, 'exportCalls', args);
    await turnsUntil(() => asked === 1);
    await b.queries.worker!.terminate();
    expect(await first).toMatchObject({ ok: false, error: { code: WORKER_FAILED } });
    // The choice comes after the worker is gone: the two places it took are handed back…
    release();
    expect(downloads.size).toBe(0);
    // …so a new export of two files fits (it would be refused as busy otherwise).
    const second = await invokeHandler(b.handlers, 'exportCalls', args);
    if (!second.ok) throw new Error(second.error.message);
    expect(downloads.size).toBe(2);
  });
});

describe('settings saved through the worker', () => {
  it('reach the main thread: an upload is classified with them', async () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const b = openBackend({ dbPath: join(dir, 'library.db'), tempDir: dir });
    onTestFinished(() => b.close());
    const defaults = await b.handlers.getSettings();
    // Nothing lasts long enough for "normal clearing" any more.
    await b.handlers.setSettings({ ...defaults, successDurationS: 100_000 });
    const path = b.uploads.stage('normal_clearing.pcapng');
    copyFileSync(join(CAPTURES, 'normal_clearing.pcapng'), path);
    b.uploads.commit(path, 'normal_clearing.pcapng');
    await b.imports.idle();
    const calls = await b.handlers.queryCalls({ offset: 0, limit: 1000 });
    expect(calls.total).toBeGreaterThan(0);
    expect((await b.handlers.queryCalls({ offset: 0, limit: 1000, filter: { causes: ['normal_clearing'] } })).total).toBe(0);
    // The same capture under the defaults does have normal clearings (so the check can fail).
    expect((await direct.queryCalls({ offset: 0, limit: 1000, filter: { causes: ['normal_clearing'], sourceIds: (await direct.listSources()).filter((s) => s.name === 'normal_clearing.pcapng').map((s) => s.id) } })).total).toBeGreaterThan(0);
  });
});
