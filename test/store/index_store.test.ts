import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateSourceError, openIndex, type IndexStore, type NewSource } from '../../electron/node/store/index_store.ts';
import type { Stat } from '../../shared/model/stats.ts';
import { hash, looseStream, makeCall, rtcpReport, T0, tempDir } from './fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
let store: IndexStore;
beforeEach(() => {
  tmp = tempDir();
  store = openIndex(join(tmp.dir, 'index.sqlite'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

function source(n: number, over: Partial<NewSource> = {}): NewSource {
  return { path: `/captures/trace${n}.pcapng`, name: `trace${n}.pcapng`, contentHash: hash(n), sizeBytes: 1000 + n, format: 'pcapng', importedAt: 1_700_000_000_000 + n, ...over };
}

const stats: Stat[] = [
  { key: 'udp_truncated', severity: 'warning', description: 'UDP datagram cut by the snaplen', count: 3, firstFrame: 17 },
  { key: 'sip_unparsable', severity: 'error', description: 'SIP message could not be parsed', count: 1, firstFrame: 40 },
  { key: 'non_ip', severity: 'info', description: 'Non-IP frames skipped', count: 12 },
];

const TABLES = ['sources', 'source_stats', 'calls', 'sip_messages', 'streams', 'gaps', 'rtcp_reports'];

/**
 * Row counts as another connection sees them: what is committed on disk, not the writer's view.
 * `stream_bins` counts the per-second bins held in the streams' BLOBs (40 bytes each).
 */
function tableCounts(): Record<string, number> {
  const db = new Database(store.path, { readonly: true });
  try {
    return {
      ...Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number])),
      stream_bins: db.prepare('SELECT coalesce(sum(length(bins)), 0) / 40 FROM streams').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

function countOnDisk(table: string): number {
  return tableCounts()[table];
}

const coverage = { window: { startUs: T0 - 2_000_000.5, endUs: T0 + 73_000_000, from: 'isb' as const }, filter: 'udp port 5060 | tcp port 5060', signallingOnly: true, signallingOnlyWhy: 'filter' as const };

/** A complete import of one file, the way the ingest does it. */
function importOne(n: number, calls = 1): { sourceId: number; callRowIds: number[] } {
  return store.transaction(() => {
    const sourceId = store.beginSource(source(n));
    const callRowIds: number[] = [];
    for (let i = 0; i < calls; i++) {
      const { facts, details } = makeCall(`call-${n}-${i}@example.com`, T0 + i * 60_000_000);
      const rowId = store.insertCall(sourceId, facts, (_, idx) => details[idx]);
      store.insertRtcp(sourceId, [rtcpReport(100 + i), rtcpReport(200 + i)], rowId);
      callRowIds.push(rowId);
    }
    store.insertUnassociatedStream(sourceId, looseStream());
    store.finishSource(sourceId, { status: 'partial', packets: 5000, firstUs: T0, lastUs: T0 + 60_000_000.25, stats, error: null, linkTypes: [1, 113], captureDrops: 4, coverage });
    return { sourceId, callRowIds };
  });
}

describe('round trip', () => {
  it('reads back a call exactly as inserted: facts, ladder with raw text, streams with gaps and bins', () => {
    const { facts, details } = makeCall();
    const sourceId = store.beginSource(source(1));
    const rowId = store.insertCall(sourceId, facts, (_, i) => details[i]);

    const call = store.getCall(rowId)!;
    expect(call).not.toBeNull();
    // The classifier's input survives the index unchanged (fractional µs, trailing gaps, nulls).
    expect(call.facts).toEqual(facts);

    expect(call.messages.map((m) => m.raw)).toEqual(details.map((d) => d.raw));
    expect(call.messages[1]).toMatchObject({ label: 'INVITE', method: 'INVITE', statusCode: null, retransmission: true, transport: 'udp' });
    expect(call.messages[3]).toMatchObject({ label: '180 Ringing', method: null, statusCode: 180, cseqMethod: 'INVITE' });
    expect(call.messages[3].raw).toContain('SIP/2.0 180 Ringing\r\n');

    expect(call.streams).toHaveLength(2);
    const [a, b] = call.streams;
    expect(a).toMatchObject({ direction: 'caller', sourceId, callRowId: rowId, ssrc: 0xdeadbeef, payloadTypes: [8, 101] });
    expect(b.gaps).toEqual(facts.streams[1].gaps);
    expect(b.trailingGap).toEqual({ startUs: T0 + 20_000_000, durationMs: 12000, trailing: true });
    expect(a.bins).toHaveLength(30);
    expect(a.bins[3]).toEqual({ second: 1_700_000_004, packets: 50, lost: 1, maxJitterMs: 1.75, maxDeltaMs: 20 });

    // Denormalised list columns, computed from the facts.
    expect(call).toMatchObject({
      callId: facts.callId,
      kind: 'call',
      fromUser: 'alice',
      toUser: 'bob',
      answered: true,
      pddMs: 700,
      finalStatus: 200,
      endMethod: 'BYE',
      endedBy: 'caller',
      q850Cause: 16,
      durationMs: 30_900,
      sipMessages: 8,
      sipRetransmissions: 1,
      streamCount: 2,
      worstLossPct: 6, // 60 / 1000
      worstJitterMs: 4.5,
      minMos: 3.4,
      longestGapMs: 12000,
      bucket: null,
      cause: null,
      confidence: null,
      verdict: null,
    });
    expect(store.listCalls()).toEqual([expect.objectContaining({ id: rowId, startUs: facts.startUs, worstLossPct: 6 })]);
  });

  it('keeps a message quoted in an ICMP error as quoted, and the icmpErrors fact', () => {
    const { facts, details } = makeCall();
    // The BYE bounced: an ICMP port unreachable quoting it follows it (message 7 → 8).
    const bye = facts.messages[6];
    const quotedRef = { ...bye, frame: bye.frame + 1, tsUs: bye.tsUs + 300, quoted: true };
    const withQuote = {
      ...facts,
      messages: [...facts.messages.slice(0, 7), quotedRef, facts.messages[7]],
      sipMessages: facts.sipMessages + 1,
      icmpErrors: [{
        tsUs: quotedRef.tsUs, frame: quotedRef.frame, from: '10.0.0.2', type: 3, code: 3, portUnreachable: true,
        quotedLabel: 'BYE', quotedCseq: 2, quotedCseqMethod: 'BYE', messageIndex: 7,
      }],
    };
    const quotedDetails = [...details.slice(0, 7), { ...details[6], raw: details[6].raw.slice(0, 120) }, details[7]];
    const rowId = store.insertCall(store.beginSource(source(1)), withQuote, (_, i) => quotedDetails[i]);
    const call = store.getCall(rowId)!;
    expect(call.facts).toEqual(withQuote);
    expect(call.messages.map((m) => m.quoted === true)).toEqual([false, false, false, false, false, false, false, true, false]);
    expect(call.messages[7]).toMatchObject({ label: 'BYE', method: 'BYE', retransmission: false, raw: details[6].raw.slice(0, 120) });
    // Messages seen on the wire carry no `quoted` key at all, as the engine writes them.
    expect('quoted' in call.facts.messages[6]).toBe(false);
    const db = new Database(store.path, { readonly: true });
    expect(db.prepare('SELECT quoted FROM sip_messages ORDER BY id').pluck().all()).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0]);
    db.close();
  });

  it('reads icmpErrors of a call stored without the field (indexed before ICMP decoding) as none', () => {
    const { facts } = makeCall();
    const rowId = store.insertCall(store.beginSource(source(1)), facts);
    const db = new Database(store.path);
    db.prepare("UPDATE calls SET facts_json = json_remove(facts_json, '$.icmpErrors') WHERE id = ?").run(rowId);
    db.close();
    expect(store.getCall(rowId)!.facts.icmpErrors).toEqual([]);
  });

  it('works without SIP details: raw is null, method and status come from the label', () => {
    const { facts } = makeCall();
    const rowId = store.insertCall(store.beginSource(source(1)), facts);
    const call = store.getCall(rowId)!;
    expect(call.messages.every((m) => m.raw === null && m.transport === null)).toBe(true);
    expect(call.messages.map((m) => [m.method, m.statusCode])).toEqual([
      ['INVITE', null], ['INVITE', null], [null, 100], [null, 180], [null, 200], ['ACK', null], ['BYE', null], [null, 200],
    ]);
  });

  it('stores an unassociated stream, RTCP reports and source statistics', () => {
    const { sourceId, callRowIds } = importOne(1);
    const loose = store.listUnassociatedStreams(sourceId);
    const { id, sourceId: sid, ...rest } = loose[0];
    expect(loose).toHaveLength(1);
    expect(sid).toBe(sourceId);
    expect(id).toBeGreaterThan(0);
    expect(rest).toEqual(looseStream());
    expect(store.listUnassociatedStreams()).toHaveLength(1);
    expect(store.listUnassociatedStreams(sourceId + 1)).toEqual([]);

    expect(store.getCall(callRowIds[0])!.rtcp.map(({ id: _i, sourceId: _s, callRowId: _c, ...r }) => r)).toEqual([rtcpReport(100), rtcpReport(200)]);
    expect(store.listRtcp({ sourceId })).toHaveLength(2);

    // Errors first, then warnings, then info.
    expect(store.sourceStats(sourceId)).toEqual([stats[1], stats[0], stats[2]]);
    expect(store.listSources()).toEqual([
      {
        id: sourceId, path: '/captures/trace1.pcapng', name: 'trace1.pcapng', contentHash: hash(1), sizeBytes: 1001, format: 'pcapng',
        linkTypes: [1, 113], packets: 5000, firstUs: T0, lastUs: T0 + 60_000_000.25, importedAt: 1_700_000_000_001,
        status: 'partial', error: null, captureDrops: 4, calls: 1, coverage,
      },
    ]);
  });

  it('keeps NaN metrics (one-packet stream) instead of failing the import', () => {
    const { facts } = makeCall();
    facts.streams[0] = { ...facts.streams[0], packets: 1, meanDeltaMs: NaN, minDeltaMs: NaN, maxDeltaMs: NaN, mos: null };
    const rowId = store.insertCall(store.beginSource(source(1)), facts);
    const s = store.getCall(rowId)!.streams[0];
    expect(s.meanDeltaMs).toBeNaN();
    expect(s.mos).toBeNull();
  });

  it('splits large child sets across multi-row statements without losing or reordering rows', () => {
    const { facts } = makeCall();
    const many = Array.from({ length: 157 }, (_, i) => ({ ...facts.messages[0], frame: 1000 + i, tsUs: T0 + i, label: i % 2 ? '200 OK' : 'OPTIONS' }));
    const bins = Array.from({ length: 1001 }, (_, i) => ({ second: 1_700_000_000 + i, packets: 50, lost: i % 5, maxJitterMs: i / 8, maxDeltaMs: 20 }));
    const big = { ...facts, messages: many, streams: [{ ...facts.streams[0], bins }] };
    const rowId = store.insertCall(store.beginSource(source(1)), big, (ref) => ({ raw: `frame ${ref.frame}` }));
    const call = store.getCall(rowId)!;
    expect(call.facts).toEqual(big);
    expect(call.messages.map((m) => m.raw)).toEqual(many.map((m) => `frame ${m.frame}`));
  });

  it('finishing a source twice replaces its statistics rather than adding them up', () => {
    const sid = store.beginSource(source(1));
    const result = { status: 'ok' as const, packets: 1, firstUs: null, lastUs: null, stats, error: null };
    store.finishSource(sid, result);
    store.finishSource(sid, result);
    expect(store.sourceStats(sid).map((s) => s.count).sort()).toEqual([1, 12, 3]);
    expect(store.getSource(sid)).toMatchObject({ status: 'ok', error: null, linkTypes: [], captureDrops: null, firstUs: null });
  });

  it('a source begun but never finished reads as failed', () => {
    const sid = store.beginSource(source(1));
    expect(store.getSource(sid)).toMatchObject({ status: 'failed', error: 'import did not finish' });
  });
});

describe('call list', () => {
  it('pages and orders by start time, minMos with unknowns last, and filters by source', () => {
    const { sourceId, callRowIds } = importOne(1, 5);
    const other = importOne(2, 2);
    const noMedia = makeCall('no-media@x', T0 - 1_000_000).facts;
    noMedia.streams = [];
    const noMediaId = store.insertCall(other.sourceId, noMedia);

    expect(store.countCalls()).toBe(8);
    expect(store.countCalls({ sourceId })).toBe(5);
    const all = store.listCalls({ limit: 100 });
    expect(all.map((c) => c.startUs)).toEqual([...all.map((c) => c.startUs)].sort((x, y) => x - y));
    expect(all[0].id).toBe(noMediaId);
    expect(all[0]).toMatchObject({ streamCount: 0, worstLossPct: null, minMos: null, longestGapMs: null });

    const page = store.listCalls({ sourceId, limit: 2, offset: 2 });
    expect(page.map((c) => c.id)).toEqual(callRowIds.slice(2, 4));
    expect(store.listCalls({ sourceId, descending: true, limit: 1 })[0].id).toBe(callRowIds[4]);
    expect(store.listCalls({ orderBy: 'minMos', limit: 100 }).at(-1)!.id).toBe(noMediaId);
    expect(store.listCalls({ limit: 0 })).toEqual([]);

    expect(store.findCallsByCallId('call-2-1@example.com').map((c) => c.id)).toEqual([other.callRowIds[1]]);
    expect(store.getCall(123456)).toBeNull();
  });
});

describe('content hash', () => {
  it('recognises a re-import of the same bytes', () => {
    const { sourceId } = importOne(1);
    expect(store.findSourceByHash(hash(1))?.id).toBe(sourceId);
    expect(store.findSourceByHash(hash(1).toUpperCase())?.id).toBe(sourceId);
    expect(store.findSourceByHash(hash(2))).toBeNull();
    // Same bytes under another name is still the same capture.
    let err: unknown;
    try {
      store.beginSource(source(1, { path: '/elsewhere/copy.pcapng', name: 'copy.pcapng' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DuplicateSourceError);
    expect((err as DuplicateSourceError).existing.id).toBe(sourceId);
    expect(store.listSources()).toHaveLength(1);
  });

  it('takes the real hash at finish, and refuses one another source already has', () => {
    const { sourceId } = importOne(1);
    // Begun under a provisional hash (the importer hashes while decoding) …
    const late = store.beginSource(source(3, { name: 'late.pcapng' }));
    const done = { status: 'ok' as const, packets: 1, firstUs: null, lastUs: null, stats: [], error: null };
    store.finishSource(late, { ...done, contentHash: hash(4) });
    expect(store.findSourceByHash(hash(4))?.id).toBe(late);
    expect(store.findSourceByHash(hash(3))).toBeNull();
    // … and when its bytes turn out to be indexed already, it says which source has them.
    const dup = store.beginSource(source(5, { name: 'dup.pcapng' }));
    let err: unknown;
    try {
      store.finishSource(dup, { ...done, contentHash: hash(1) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DuplicateSourceError);
    expect((err as DuplicateSourceError).existing.id).toBe(sourceId);
    expect(store.getSource(dup)?.contentHash).toBe(hash(5));
  });

  it('refuses a malformed hash', () => {
    expect(() => store.beginSource(source(1, { contentHash: 'abc' }))).toThrow(/CHECK constraint/);
    expect(() => store.beginSource(source(1, { contentHash: 'z'.repeat(64) }))).toThrow(/CHECK constraint/);
  });
});

describe('transactions', () => {
  it('a failed import leaves the index as it was', () => {
    importOne(1, 2);
    const before = tableCounts();
    expect(before).toMatchObject({ sources: 1, calls: 2, sip_messages: 16, streams: 5, stream_bins: 2 * (30 + 19) + 10 });

    expect(() =>
      store.transaction(() => {
        const sid = store.beginSource(source(2));
        store.insertCall(sid, makeCall('doomed@x').facts, () => ({ raw: 'INVITE …' }));
        store.insertUnassociatedStream(sid, looseStream());
        store.insertRtcp(sid, [rtcpReport(1)]);
        throw new Error('decoder exploded');
      }),
    ).toThrow('decoder exploded');

    expect(tableCounts()).toEqual(before);
    expect(store.findSourceByHash(hash(2))).toBeNull();
    expect(store.findCallsByCallId('doomed@x')).toEqual([]);
  });

  it('an async import that fails after awaiting is rolled back too; a good one commits', async () => {
    const before = tableCounts();
    await expect(
      store.transactionAsync(async () => {
        const sid = store.beginSource(source(3));
        store.insertCall(sid, makeCall('async@x').facts);
        await new Promise((r) => setTimeout(r, 5));
        expect(countOnDisk('calls')).toBe(0); // not visible to other connections mid-import
        throw new Error('read error');
      }),
    ).rejects.toThrow('read error');
    expect(tableCounts()).toEqual(before);

    // The connection is usable again, and refuses a nested async import.
    const done = await store.transactionAsync(async () => {
      const sid = store.beginSource(source(3));
      await expect(store.transactionAsync(async () => 0)).rejects.toThrow(/already open/);
      await Promise.resolve();
      store.insertCall(sid, makeCall('async@x').facts);
      store.finishSource(sid, { status: 'ok', packets: 10, firstUs: T0, lastUs: T0, stats: [], error: null });
      return sid;
    });
    expect(store.getSource(done)?.status).toBe('ok');
    expect(countOnDisk('calls')).toBe(1);
  });

  it('deleting a source removes everything derived from it', () => {
    const keep = importOne(1);
    const drop = importOne(2, 3);
    store.deleteSource(drop.sourceId);
    expect(store.listSources().map((s) => s.id)).toEqual([keep.sourceId]);
    expect(store.countCalls()).toBe(1);
    expect(store.getCall(drop.callRowIds[0])).toBeNull();
    expect(tableCounts()).toMatchObject({ calls: 1, sip_messages: 8, streams: 3, rtcp_reports: 2, source_stats: 3, stream_bins: 30 + 19 + 10 });
    // The same bytes can now be imported again.
    expect(() => store.beginSource(source(2))).not.toThrow();
  });
});
