// The handlers of the API contract over a real index: the fixture captures imported through
// the ingest worker, then every query the UI makes.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { CallRow, CallSortKey } from '../../shared/api/contract.ts';
import { API_METHODS } from '../../shared/api/contract.ts';
import { invokeHandler } from '../../electron/node/api/api_error.ts';
import { openBackend } from '../../electron/node/api/backend.ts';
import { createHandlers } from '../../electron/node/api/handlers.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { SORT_COLUMN } from '../../electron/node/store/call_query.ts';
import { join } from 'node:path';
import { hostOf } from '../../shared/diagnosis/cidr.ts';
import { fixtureFiles, startBackend, waitForEvent, type TestBackend } from './support.ts';

let t: TestBackend;
let all: CallRow[];

beforeAll(async () => {
  t = await startBackend({ importFixtures: true });
  all = (await t.backend.handlers.queryCalls({ offset: 0, limit: 10_000 })).rows;
});
afterAll(async () => {
  await t.cleanup();
});

const q = (filter: object, extra: object = {}) => t.backend.handlers.queryCalls({ offset: 0, limit: 10_000, filter, ...extra });

describe('library', () => {
  it('imports every fixture through the worker, one source each, with progress and libraryChanged', async () => {
    const files = fixtureFiles();
    const sources = await t.backend.handlers.listSources();
    expect(sources.length).toBe(files.length);
    expect(sources.every((s) => s.kind === 'capture' && s.calls >= 1 && s.packets > 0)).toBe(true);
    const done = t.events.filter((e) => e.name === 'importProgress' && e.payload.state === 'done');
    expect(done.length).toBe(files.length);
    expect(t.events.some((e) => e.name === 'libraryChanged' && e.payload.reason === 'import')).toBe(true);
    const d = await t.backend.handlers.getSource({ id: sources[0].id });
    expect(Array.isArray(d.stats)).toBe(true);
    expect(d.warnings.every((w) => w.severity !== 'info')).toBe(true);
    expect(Array.isArray(d.problems)).toBe(true);
  });

  it('remembers the files opened by path, newest first, as absolute paths', async () => {
    const recent = await t.backend.handlers.recentFiles();
    expect(recent.length).toBe(10);
    expect(recent.every((p) => p.startsWith('/') && p.includes('test/fixtures/captures/'))).toBe(true);
  });

  it('answers unknown ids and bad arguments with error values', async () => {
    expect(await invokeHandler(t.backend.handlers, 'getCall', { id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await invokeHandler(t.backend.handlers, 'queryCalls', { offset: -1, limit: 10 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await invokeHandler(t.backend.handlers, 'queryCalls', { offset: 0, limit: 10, sort: { key: 'id; DROP TABLE calls' } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await invokeHandler(t.backend.handlers, 'getSource', null)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await invokeHandler(t.backend.handlers, 'setSettings', { successDurationS: 'x' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('has a handler for every method of the contract', () => {
    for (const m of API_METHODS) expect(typeof t.backend.handlers[m]).toBe('function');
  });
});

describe('countCalls', () => {
  // The fixture library is small: the caps are lowered so a text search's page carries a lower
  // bound and the count takes several steps, as a search matching most of a million calls does.
  it('counts a filter exactly, a text search in steps resumed with `more`, equal to the list', async () => {
    const store = openIndex(t.backend.dbPath);
    onTestFinished(() => store.close());
    const h = createHandlers({ store, imports: t.backend.imports, events: t.backend.events });
    store.callQuery.pageCountCap = 2;
    store.callQuery.countChunk = 3;
    // The 3-character text (a trigram search) found in the most calls of the fixtures.
    const seen = new Map<string, Set<number>>();
    for (const r of all) for (const f of [r.from, r.to, r.callId]) for (let i = 0; i + 3 <= f.length; i++) {
      const k = f.slice(i, i + 3).toLowerCase();
      if (/^[a-z0-9.@-]+$/.test(k)) seen.set(k, (seen.get(k) ?? new Set()).add(r.id));
    }
    const text = [...seen].sort((a, b) => b[1].size - a[1].size)[0][0];
    const listed = (await h.queryCalls({ offset: 0, limit: 10_000, filter: { text } })).rows.length;
    expect(listed).toBeGreaterThan(6);
    const first = await h.queryCalls({ offset: 0, limit: 2, filter: { text } });
    expect(first).toMatchObject({ totalExact: false, rows: { length: 2 } });
    expect(first.total).toBeLessThan(listed);
    let steps = 1;
    let c = await h.countCalls({ filter: { text } });
    while (c.more) {
      expect(c.counted).toBeLessThan(listed);
      c = await h.countCalls({ filter: { text }, resume: c.more });
      steps++;
    }
    expect(c.counted).toBe(listed);
    expect(steps).toBeGreaterThan(2);
    // Once counted, the list's pages carry the exact total.
    expect(await h.queryCalls({ offset: 0, limit: 2, filter: { text } })).toMatchObject({ total: listed, totalExact: true });
    // Other filters: one step, the page's own total.
    const buckets = await h.queryCalls({ offset: 0, limit: 1, filter: { buckets: [5] } });
    expect(buckets.totalExact).toBe(true);
    expect(await h.countCalls({ filter: { buckets: [5] } })).toEqual({ counted: buckets.total, more: null });
    expect(await h.countCalls(undefined as never)).toEqual({ counted: all.length, more: null });
  });

  it('refuses bad arguments', async () => {
    const bad = { ok: false, error: { code: 'bad_request' } };
    expect(await invokeHandler(t.backend.handlers, 'countCalls', { filter: { text: 7 } })).toMatchObject(bad);
    expect(await invokeHandler(t.backend.handlers, 'countCalls', { filter: {}, resume: { counted: -1, afterId: 0, version: '' } })).toMatchObject(bad);
    expect(await invokeHandler(t.backend.handlers, 'countCalls', { filter: {}, resume: { counted: 0, afterId: 0 } })).toMatchObject(bad);
  });

  it('answers through the query worker as in-thread', async () => {
    const page = await t.backend.handlers.queryCalls({ offset: 0, limit: 1, filter: { text: '10.0' } });
    expect(page.totalExact).toBe(true);
    expect(await t.backend.handlers.countCalls({ filter: { text: '10.0' } })).toEqual({ counted: page.total, more: null });
  });
});

describe('queryCalls', () => {
  it('lists the INVITE calls with a total, non-calls only on request', async () => {
    expect(all.length).toBeGreaterThanOrEqual(fixtureFiles().length);
    expect(all.every((c) => c.kind === 'call')).toBe(true);
    const withOther = await q({ includeOther: true });
    expect(withOther.total).toBeGreaterThanOrEqual(all.length);
  });

  it('pages by cursor (after / before a row) in the order of the offset pages', async () => {
    const h = t.backend.handlers;
    for (const sort of [{ key: 'startUs' as const }, { key: 'minMos' as const, descending: true }, { key: 'pddMs' as const }]) {
      const whole = (await h.queryCalls({ sort, offset: 0, limit: 1000 })).rows.map((r) => r.id);
      const rows = (await h.queryCalls({ sort, offset: 0, limit: 5 })).rows;
      const cursor = (r: (typeof rows)[number]) => ({ value: (r[sort.key] as number | null) ?? null, id: r.id });
      const next = await h.queryCalls({ sort, offset: 0, limit: 5, after: cursor(rows[4]) });
      expect(next.rows.map((r) => r.id)).toEqual(whole.slice(5, 10));
      expect(next.total).toBe(whole.length);
      const back = await h.queryCalls({ sort, offset: 0, limit: 3, before: cursor(next.rows[0]) });
      expect(back.rows.map((r) => r.id)).toEqual(whole.slice(2, 5));
    }
    expect(await invokeHandler(h, 'queryCalls', { offset: 0, limit: 5, after: { value: 'x', id: 1 } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await invokeHandler(h, 'queryCalls', { offset: 0, limit: 5, after: { value: 1, id: 1 }, before: { value: 1, id: 1 } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('filters by bucket, 0 meaning not classifiable', async () => {
    const b5 = await q({ buckets: [5] });
    expect(b5.total).toBeGreaterThan(0);
    expect(b5.rows.every((r) => r.bucket === 5)).toBe(true);
    const none = await q({ buckets: [0] });
    expect(none.total).toBeGreaterThan(0);
    expect(none.rows.every((r) => r.bucket === null && (r.cause === 'capture_ended' || r.cause === 'in_progress'))).toBe(true);
    const both = await q({ buckets: [0, 5] });
    expect(both.total).toBe(b5.total + none.total);
  });

  it('filters by cause, final status, source, peer, time range and free text', async () => {
    const c486 = await q({ causes: ['sip_486'] });
    expect(c486.total).toBeGreaterThan(0);
    expect(c486.rows.every((r) => r.cause === 'sip_486')).toBe(true);
    const s486 = await q({ finalStatuses: [486, 503] });
    expect(new Set(s486.rows.map((r) => r.finalStatus))).toEqual(new Set([486, 503]));
    const src = all[0].sourceId;
    expect((await q({ sourceIds: [src] })).rows.every((r) => r.sourceId === src)).toBe(true);
    const peer = hostOf(all[3].callerAddr);
    const byPeer = await q({ peer });
    expect(byPeer.total).toBeGreaterThan(0);
    expect(byPeer.rows.every((r) => hostOf(r.callerAddr) === peer)).toBe(true);
    const sorted = [...all].sort((a, b) => a.startUs - b.startUs);
    const mid = sorted[Math.floor(sorted.length / 2)].startUs;
    const early = await q({ toUs: mid });
    const late = await q({ fromUs: mid });
    expect(early.total + late.total).toBe(all.length);
    expect(early.rows.every((r) => r.startUs < mid) && late.rows.every((r) => r.startUs >= mid)).toBe(true);
    const text = await q({ text: 'AGENT_BYE@' });
    expect(text.total).toBeGreaterThan(0);
    expect(text.rows.every((r) => r.callId.toLowerCase().includes('agent_bye@'))).toBe(true);
    // LIKE wildcards in the text match themselves.
    expect((await q({ text: '%' })).total).toBe(0);
    expect((await q({ text: '_' })).rows.every((r) => (r.callId + r.from + r.to).includes('_'))).toBe(true);
    expect((await q({ buckets: [] })).total).toBe(0);
  });

  it('sorts by every key both ways, unknown values last, and pages stably', async () => {
    for (const key of Object.keys(SORT_COLUMN) as CallSortKey[]) {
      for (const descending of [false, true]) {
        const rows = (await q({}, { sort: { key, descending } })).rows;
        expect(rows.length).toBe(all.length);
        const vals = rows.map((r) => r[key as keyof CallRow] as number | null);
        const firstNull = vals.indexOf(null);
        if (firstNull >= 0) expect(vals.slice(firstNull).every((v) => v === null)).toBe(true);
        const known = vals.filter((v): v is number => v !== null);
        for (let i = 1; i < known.length; i++) expect(descending ? known[i - 1] >= known[i] : known[i - 1] <= known[i], `${key} ${descending}`).toBe(true);
        // Pages of 7 put together give the same list.
        const paged: number[] = [];
        for (let off = 0; off < all.length; off += 7) {
          const p = await t.backend.handlers.queryCalls({ offset: off, limit: 7, sort: { key, descending } });
          expect(p.total).toBe(all.length);
          expect(p.offset).toBe(off);
          paged.push(...p.rows.map((r) => r.id));
        }
        expect(paged).toEqual(rows.map((r) => r.id));
      }
    }
  });
});

describe('getCall', () => {
  it('gives the ladder with raw text, streams with bins and gaps, and the verdict', async () => {
    const row = all.find((r) => r.cause === 'rtp_timeout_oneway' || r.cause === 'rtp_timeout_both')!;
    const d = await t.backend.handlers.getCall({ id: row.id });
    expect(d.row).toEqual(row);
    expect(d.sourceName).toMatch(/\.pcapng$/);
    expect(d.messages.length).toBe(row.sipMessages);
    d.messages.forEach((m, i) => {
      expect(m.index).toBe(i);
      expect(typeof m.raw).toBe('string');
      expect(m.raw!.length).toBeGreaterThan(0);
    });
    expect(d.messages[0].label).toMatch(/^INVITE/);
    expect(d.streams.length).toBe(row.streamCount);
    const s = d.streams[0];
    expect(s.bins.length).toBeGreaterThan(0);
    expect(Array.isArray(s.gaps)).toBe(true);
    expect(d.streams.some((x) => x.trailingGap !== null || x.gaps.length > 0)).toBe(true);
    expect(s).not.toHaveProperty('callRowId');
    expect(d.verdict).toMatchObject({ cause: row.cause, bucket: row.bucket });
    expect(d.verdict!.evidence.length).toBeGreaterThan(0);
    expect(d.capture.firstUs).not.toBeNull();
    expect(Array.isArray(d.cdr)).toBe(true);
    // Crosses a structured clone (IPC) and JSON (bridge) intact.
    expect(JSON.parse(JSON.stringify(d)).row).toEqual(row);
  });

  it('summary, decision tree and mermaid', async () => {
    const sum = await t.backend.handlers.getSummary({});
    // Two fixtures are copies of another's calls (in_progress.pcapng holds cancel_487's call,
    // agent_bye_classic.pcap.gz is the .pcap compressed): one attempt each, not two.
    const copies = all.filter((c) => c.callId === '1-cancel_487@127.0.3.1' || c.callId === '1-agent_bye_classic@127.0.29.1');
    expect(copies).toHaveLength(4);
    expect(sum.attempts).toBe(all.length - 2);
    const sum5 = await t.backend.handlers.getSummary({ filter: { buckets: [5] } });
    expect(sum5.attempts).toBe((await q({ buckets: [5] })).total);
    const tree = await t.backend.handlers.getDecisionTree();
    expect(tree.map((r) => r.id)).toContain('R15');
    const m = await t.backend.handlers.getDecisionTreeMermaid({ path: ['R5', 'R6'] });
    expect(m).toContain('flowchart TD');
    expect(await t.backend.handlers.getUnassociatedStreams({})).toBeInstanceOf(Array);
  });
});

describe('the summary across calls', () => {
  it('is kept between requests and dropped when the library changes', async () => {
    // The cache lives in the handlers: asked in-thread (over a connection of this test's own,
    // on the back end's events), a kept summary is the very same object. Through the query
    // worker every answer is a copy, so identity says nothing there.
    const store = openIndex(t.backend.dbPath);
    onTestFinished(() => store.close());
    const h = createHandlers({ store, imports: t.backend.imports, events: t.backend.events });
    const first = await h.getSummary({});
    expect(await h.getSummary({})).toBe(first);
    expect(await h.getSummary({ filter: { buckets: [5] } })).not.toBe(first);
    // A change announced by the back end (here: settings saved → libraryChanged) drops it.
    const n = t.events.length;
    await t.backend.handlers.setSettings(await t.backend.handlers.getSettings());
    await waitForEvent(t.events.slice(n), (e) => e.name === 'libraryChanged' && e.payload.reason === 'settings');
    const after = await h.getSummary({});
    expect(after).not.toBe(first);
    expect(after).toEqual(first);
    // And the worker's answer is the same figures.
    expect(await t.backend.handlers.getSummary({})).toEqual(first);
  });
});

describe('settings', () => {
  it('starts at the documented defaults, saves, re-classifies from stored facts, and persists', async () => {
    const before = await t.backend.handlers.getSettings();
    expect(before).toMatchObject({ successDurationS: 30, rtpTimeoutS: 5, deadAfterS: 5, llmTimeoutS: 8, ownAddresses: [], alertThresholdPct: 0.5 });
    const normal = (await q({ causes: ['normal_clearing'] })).total;
    expect(normal).toBeGreaterThan(0);
    const n = t.events.length;
    const r = await t.backend.handlers.setSettings({ ...before, successDurationS: 100_000, ownAddresses: ['10.255.0.0/16'] });
    expect(r.reclassified).toBeGreaterThanOrEqual(all.length);
    // A call that was long enough for "normal clearing" is now a short hang-up.
    expect((await q({ causes: ['normal_clearing'] })).total).toBe(0);
    expect(t.events.slice(n).some((e) => e.name === 'libraryChanged' && e.payload.reason === 'settings')).toBe(true);
    expect(await invokeHandler(t.backend.handlers, 'setSettings', { ...before, ownAddresses: ['not-a-cidr'] })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // Another back end on the same file (a restart) sees the saved settings.
    const other = openBackend({ dbPath: join(t.dir, 'library.db') });
    try {
      expect((await other.handlers.getSettings()).successDurationS).toBe(100_000);
    } finally {
      await other.close();
    }
    await t.backend.handlers.setSettings(before);
    expect((await q({ causes: ['normal_clearing'] })).total).toBe(normal);
  });
});

describe('removeSource', () => {
  it('removes a source and its calls through the worker', async () => {
    const [first] = await t.backend.handlers.listSources();
    const n = t.events.length;
    expect(await t.backend.handlers.removeSource({ id: first.id })).toEqual({ removed: true });
    expect((await t.backend.handlers.listSources()).some((s) => s.id === first.id)).toBe(false);
    expect((await q({ sourceIds: [first.id] })).total).toBe(0);
    await waitForEvent(t.events.slice(n), (e) => e.name === 'libraryChanged' && e.payload.reason === 'remove');
    expect(await t.backend.handlers.removeSource({ id: first.id })).toEqual({ removed: false });
  });
});
