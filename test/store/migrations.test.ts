import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APPLICATION_ID,
  IndexTooNewError,
  LATEST_VERSION,
  LEG_LINKS_MIGRATION, SOURCE_COUNTS_MIGRATION,
  MIGRATIONS,
  configureConnection,
  migrate,
  NotAnIndexError,
  type Migration,
} from '../../electron/node/store/migrations.ts';
import { CALL_ID_LOOKUP_SQL, callListSql, openIndex, openIndexReader } from '../../electron/node/store/index_store.ts';
import { decodeBins } from '../../electron/node/store/bin_codec.ts';
import { hash, makeCall, tempDir } from './fixtures.ts';
import { cdrToFacts } from '../../shared/engine/calls/cdr_facts.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import type { CdrRecord } from '../../shared/model/cdr.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';

let tmp: ReturnType<typeof tempDir>;
let file: string;
beforeEach(() => {
  tmp = tempDir();
  file = join(tmp.dir, 'index.sqlite');
});
afterEach(() => tmp.cleanup());

function raw(path = file): Database.Database {
  return new Database(path);
}

describe('migrations', () => {
  it('creates a WAL, foreign-keyed, STRICT database at the latest version', () => {
    const store = openIndex(file);
    store.close();
    const db = raw();
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // calls_text (migration 9) is an FTS5 table: virtual, with its own shadow tables.
    const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'calls_text%' ORDER BY name").all();
    expect(tables).toEqual(
      ['agent_events', 'calls', 'cdr_records', 'gaps', 'leg_link_undo', 'leg_links', 'rtcp_reports', 'settings', 'sip_messages', 'source_row_problems', 'source_stats', 'sources', 'streams', 'summary_causes', 'summary_hours', 'summary_pairs', 'summary_q850', 'summary_sources', 'summary_totals', 'summary_twins'].map((name) => ({ name, strict: 1 })),
    );
    db.close();
  });

  it('turns foreign keys on for the store connection', () => {
    const store = openIndex(file);
    store.close();
    // A call pointing at a missing source must be refused through the store's own settings.
    const s2 = openIndex(file);
    expect(() => s2.insertCall(999, makeCall().facts)).toThrow(/FOREIGN KEY/);
    s2.close();
  });

  it('reopening is idempotent and keeps the data', () => {
    const s1 = openIndex(file);
    const id = s1.beginSource({ path: '/x.pcap', name: 'x.pcap', contentHash: hash(1), sizeBytes: 10, format: 'pcap' });
    s1.close();
    const s2 = openIndex(file);
    expect(s2.getSource(id)?.name).toBe('x.pcap');
    s2.close();
    const db = raw();
    expect(migrate(db)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION, applied: [] });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    db.close();
  });

  it('refuses a database written by a newer version, with a clear message, and leaves it alone', () => {
    openIndex(file).close();
    const db = raw();
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openIndex(file)).toThrow(IndexTooNewError);
    expect(() => openIndex(file)).toThrow(`schema version ${LATEST_VERSION + 1}, but this calltrace only knows versions up to ${LATEST_VERSION}`);
    expect(() => openIndexReader(file)).toThrow(IndexTooNewError);
    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 1);
    after.close();
  });

  it('rolls a failing migration back entirely, keeping the previous version', () => {
    const db = raw();
    const failing: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up(d) {
        d.exec('CREATE TABLE half_done (x INTEGER) STRICT');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, file, [...MIGRATIONS, failing])).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'calls'").pluck().get()).toBe(1);
    db.close();
  });

  it('refuses an SQLite file that is not a calltrace index', () => {
    const db = raw();
    db.exec('CREATE TABLE contacts (name TEXT)');
    db.close();
    expect(() => openIndex(file)).toThrow(NotAnIndexError);
  });

  it('opens read-only for query workers, and refuses writes there', () => {
    const s = openIndex(file);
    const sid = s.beginSource({ path: '/a', name: 'a', contentHash: hash(7), sizeBytes: 1, format: 'pcapng' });
    s.insertCall(sid, makeCall().facts);
    s.close();
    const r = openIndexReader(file);
    expect(r.countCalls()).toBe(1);
    expect(r.listCalls()[0].callId).toBe(makeCall().facts.callId);
    r.close();
    const ro = new Database(file, { readonly: true });
    expect(() => ro.exec("DELETE FROM calls")).toThrow(/readonly/);
    ro.close();
  });

  it('STRICT tables refuse a value of the wrong type', () => {
    const s = openIndex(file);
    const sid = s.beginSource({ path: '/a', name: 'a', contentHash: hash(8), sizeBytes: 1, format: 'pcap' });
    s.close();
    const db = raw();
    const insert = (startUs: unknown): unknown =>
      db
        .prepare(`INSERT INTO calls (source_id, call_id, kind, from_user, to_user, from_uri, to_uri, caller_addr, callee_addr,
          start_us, end_us, answered, final_reason, end_method, duration_ms, sip_messages, sip_retransmissions, stream_count,
          facts_json) VALUES (?, 'c', 'call', '', '', '', '', '', '', ?, 0, 0, '', 'none', 0, 0, 0, 0, '{}')`)
        .run(sid, startUs);
    expect(() => insert('yesterday')).toThrow(/cannot store TEXT value in REAL column calls.start_us/);
    expect(() => db.prepare("UPDATE sources SET packets = 'many'").run()).toThrow(/cannot store TEXT value in INTEGER column sources.packets/);
    expect(() => db.prepare('UPDATE sources SET packets = 1.5').run()).toThrow(/cannot store REAL value in INTEGER column/);
    expect(() => insert(5)).not.toThrow(); // an integer is losslessly a REAL
    db.close();
  });
});

describe('query plans use the intended indexes', () => {
  let db: Database.Database;
  beforeEach(() => {
    const s = openIndex(file);
    const sid = s.beginSource({ path: '/a', name: 'a', contentHash: hash(9), sizeBytes: 1, format: 'pcap' });
    s.transaction(() => {
      for (let i = 0; i < 50; i++) s.insertCall(sid, makeCall(`c${i}@x`).facts);
    });
    s.close();
    db = raw();
    db.exec('ANALYZE');
  });
  afterEach(() => db.close());

  function plan(sql: string, ...params: unknown[]): string {
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
  }

  it('call list by start time walks calls_start without sorting', () => {
    for (const desc of [false, true]) {
      const p = plan(callListSql('startUs', desc), 100, 0);
      expect(p).toMatch(/SCAN calls USING INDEX calls_start/);
      expect(p).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('call list of one source uses calls_source without sorting', () => {
    const p = plan(callListSql('startUs', false, true), 1, 100, 0);
    expect(p).toMatch(/SEARCH calls USING INDEX calls_source \(source_id=\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE/);
  });

  it('Call-ID lookup searches calls_call_id', () => {
    expect(plan(CALL_ID_LOOKUP_SQL, 'c1@x')).toMatch(/SEARCH calls USING INDEX calls_call_id \(call_id=\?\)/);
  });

  it("a call's messages and streams are found by index", () => {
    expect(plan('SELECT * FROM sip_messages WHERE call_row_id = ? ORDER BY id', 1)).toMatch(/USING INDEX sip_messages_call/);
    expect(plan('SELECT * FROM streams WHERE call_row_id = ?', 1)).toMatch(/USING INDEX streams_call/);
  });
});

/**
 * An index at an older schema version with one source, for a migration test to fill with rows
 * of that version (written through SQL: the store only writes the latest schema).
 */
function indexAtVersion(version: number): Database.Database {
  const db = raw();
  configureConnection(db);
  migrate(db, file, MIGRATIONS.slice(0, version));
  db.prepare(`INSERT INTO sources (path, name, content_hash, size_bytes, format, imported_at, status) VALUES ('a', 'a', ?, 1, 'pcap', 0, 'ok')`).run('a'.repeat(64));
  return db;
}

/** Inserts a row with every NOT NULL column filled: `fixed` where given, else '' or 0 (which the CHECKs accept). */
function insertFilled(db: Database.Database, table: string, fixed: Record<string, unknown>): void {
  const cols = db.prepare('SELECT name, type, "notnull" AS nn, dflt_value AS d FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string; nn: number; d: unknown }>;
  const needed = cols.filter((c) => c.nn === 1 && c.d === null && c.name !== 'id');
  db.prepare(`INSERT INTO ${table} (${needed.map((c) => c.name).join(', ')}) VALUES (${needed.map(() => '?').join(', ')})`).run(
    needed.map((c) => (c.name in fixed ? fixed[c.name] : c.type === 'TEXT' ? '' : 0)),
  );
}

describe('migration 2 on an index written at version 1', () => {
  it('adds the input tables and keeps existing calls, marked as captured', () => {
    const db = indexAtVersion(1);
    insertFilled(db, 'calls', { source_id: 1, call_id: 'x@v1', kind: 'call', end_method: 'BYE', answered: 1, facts_json: '{}' });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();

    const store = openIndex(file);
    expect(store.countCalls()).toBe(1);
    expect(store.listCalls()[0].origin).toBe('capture');
    expect(store.inputs.cdrOnlyRecords()).toEqual([]);
    store.close();
  });
});

describe('migration 5 on an index written at version 4', () => {
  it('gives every capture source its packet span as window, and says nothing of signalling-only', () => {
    const db = indexAtVersion(4);
    db.prepare('UPDATE sources SET first_us = 1000, last_us = 5000 WHERE id = 1').run();
    db.prepare(`INSERT INTO sources (path, name, content_hash, size_bytes, format, imported_at, status) VALUES ('b', 'b', ?, 1, 'pcapng', 0, 'failed')`).run('b'.repeat(64));
    db.close();

    const store = openIndex(file);
    const [withPackets, without] = store.listSources();
    expect(withPackets.coverage).toEqual({ window: { startUs: 1000, endUs: 5000, from: 'packets' }, filter: null, signallingOnly: false, signallingOnlyWhy: null });
    expect(without.coverage).toEqual({ window: null, filter: null, signallingOnly: false, signallingOnlyWhy: null });
    store.close();
  });
});

describe('migration 4 on an index written at version 3', () => {
  it('packs each stream\'s per-second rows into its BLOB, in order, and drops the table', () => {
    const db = indexAtVersion(3);
    for (let i = 0; i < 3; i++) insertFilled(db, 'streams', { source_id: 1, payload_types: '[]' });
    const bin = db.prepare('INSERT INTO stream_bins (stream_id, second, packets, lost, max_jitter_ms, max_delta_ms) VALUES (?, ?, ?, ?, ?, ?)');
    // Inserted out of order; stream 2 has none; a NULL jitter (a non-finite value) reads back as NaN, as before.
    bin.run(3, 1_700_000_001, 50, 0, 1.5, 20.25);
    bin.run(1, 1_700_000_002, 49, 1, null, 21);
    bin.run(1, 1_700_000_001, 50, 0, 0.125, 20);
    bin.run(3, 1_700_000_000, 10, 2, 3, 40);
    db.close();

    openIndex(file).close();
    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(after.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'stream_bins'").pluck().get()).toBe(0);
    const blobs = after.prepare('SELECT id, bins FROM streams ORDER BY id').all() as Array<{ id: number; bins: Uint8Array | null }>;
    after.close();
    expect(blobs.map((r) => [r.id, decodeBins(r.bins)])).toEqual([
      [1, [{ second: 1_700_000_001, packets: 50, lost: 0, maxJitterMs: 0.125, maxDeltaMs: 20 }, { second: 1_700_000_002, packets: 49, lost: 1, maxJitterMs: NaN, maxDeltaMs: 21 }]],
      [2, []],
      [3, [{ second: 1_700_000_000, packets: 10, lost: 2, maxJitterMs: 3, maxDeltaMs: 40 }, { second: 1_700_000_001, packets: 50, lost: 0, maxJitterMs: 1.5, maxDeltaMs: 20.25 }]],
    ]);
  });
});

describe('migration 6 on an index written at version 5', () => {
  it('adds sip_messages.quoted, 0 for every message already indexed (all were seen on the wire), and checks it is 0 or 1', () => {
    const db = indexAtVersion(5);
    insertFilled(db, 'calls', { source_id: 1, call_id: 'x@v5', kind: 'call', end_method: 'BYE', answered: 1, facts_json: '{"callId":"x@v5"}' });
    for (const label of ['INVITE', '200 OK']) insertFilled(db, 'sip_messages', { call_row_id: 1, label, cseq: 1, cseq_method: 'INVITE' });
    expect(db.prepare("SELECT count(*) FROM pragma_table_info('sip_messages') WHERE name = 'quoted'").pluck().get()).toBe(0);
    db.close();

    const store = openIndex(file);
    const call = store.getCall(1)!;
    expect(call.messages.map((m) => [m.label, m.quoted === true])).toEqual([['INVITE', false], ['200 OK', false]]);
    expect(call.facts.icmpErrors).toEqual([]);
    store.close();

    const after = raw();
    expect(after.prepare('SELECT quoted FROM sip_messages ORDER BY id').pluck().all()).toEqual([0, 0]);
    expect(() => after.prepare('UPDATE sip_messages SET quoted = 2 WHERE id = 1').run()).toThrow(/CHECK constraint failed/);
    expect(MIGRATIONS.find((m) => m.up.name === 'm006SipMessagesQuoted')?.name).toBe('sip_messages_quoted');
    after.close();
  });
});

describe('migration 8 on an index written at version 7', () => {
  it('reads a CDR-only call written whole (facts and full verdict JSON) as it was, and keeps Call-ID-less CDR rows out of the Call-ID index', () => {
    const db = indexAtVersion(7);
    const rec: CdrRecord = {
      format: 'freeswitch_csv', line: 1, callId: null, vendorId: 'uuid-1', from: '+15550000001', to: '1800000001', startUs: 1.7e15, answerUs: 1.7e15 + 2e6,
      endUs: 1.7e15 + 20e6, durationS: 20, billsecS: 18, answered: true, disposition: 'NORMAL_CLEARING', q850Cause: 16, sipCode: null, endedBy: null, peer: 'default', raw: { uuid: 'uuid-1' },
    };
    const facts = cdrToFacts(rec, 'Master.csv');
    const verdict = classify(facts);
    const { messages: _m, streams: _s, ...rest } = facts;
    insertFilled(db, 'calls', { source_id: 1, call_id: facts.callId, kind: 'call', end_method: facts.endMethod, answered: 1, origin: 'cdr', facts_json: JSON.stringify(rest) });
    db.prepare('UPDATE calls SET bucket = ?, cause = ?, confidence = ?, verdict_json = ? WHERE id = 1').run(verdict.bucket, verdict.cause, verdict.confidence, JSON.stringify(verdict));
    insertFilled(db, 'cdr_records', { source_id: 1, line: 1, format: rec.format, start_us: rec.startUs, disposition: rec.disposition, raw_json: '{}' });
    db.prepare("UPDATE cdr_records SET call_row_id = 1, join_method = 'cdr_only' WHERE id = 1").run();
    db.close();

    const store = openIndex(file);
    const call = store.getCall(1)!;
    expect(call.facts).toEqual(facts);
    expect(call.verdict).toEqual(verdict);
    store.close();

    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(after.prepare("SELECT sql FROM sqlite_master WHERE name = 'cdr_records_call_id'").pluck().get()).toMatch(/WHERE call_id IS NOT NULL$/);
    const plan = (after.prepare("EXPLAIN QUERY PLAN SELECT r.id FROM calls c JOIN cdr_records r ON r.call_id = c.call_id WHERE c.source_id = ? AND r.join_method = 'cdr_only'").all(1) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan).toMatch(/cdr_records_call_id/);
    after.close();
  });
});

describe('migrations 9 (the library) and 10 (leg links) on an index written at version 8', () => {
  it('run in that order: the numbers are contiguous, 9 is the library\'s (no placeholder), the leg links 10, the calls per source the last', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(MIGRATIONS[8].up.name).toBe('m009CallListIndexes');
    expect(MIGRATIONS.some((m) => /reserved|placeholder/i.test(m.name))).toBe(false);
    expect(LEG_LINKS_MIGRATION).toBe(10);
    expect(SOURCE_COUNTS_MIGRATION).toBe(11);
    expect(LATEST_VERSION).toBe(SOURCE_COUNTS_MIGRATION);
  });

  it('counts the calls already indexed (9), indexes their text (9), and leaves their linking to the worker (10)', () => {
    const db = indexAtVersion(8);
    insertFilled(db, 'calls', { source_id: 1, call_id: 'x@v8', kind: 'call', from_user: 'alice', to_user: 'bob', start_us: 1.7e15, end_method: 'BYE', answered: 1, facts_json: '{}' });
    db.prepare("UPDATE calls SET bucket = 1, cause = 'normal_clearing' WHERE id = 1").run();
    db.close();

    const store = openIndex(file);
    expect(store.callQuery.summary(DEFAULT_SETTINGS).attempts).toBe(1);
    expect(store.callQuery.page({ filter: { text: 'alice' }, limit: 10 }).rows.map((r) => r.callId)).toEqual(['x@v8']);
    expect(store.legLinks.count()).toBe(0);
    store.close();

    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(after.prepare("SELECT value_json FROM settings WHERE key = 'legLinksPending'").pluck().get()).toBe('true');
    expect(after.prepare('SELECT bucket, calls FROM summary_hours').all()).toEqual([{ bucket: 1, calls: 1 }]);
    // Migration 11: the calls per source, which the library panel shows.
    expect(after.prepare('SELECT source_id, kind, calls FROM summary_sources').all()).toEqual([{ source_id: 1, kind: 'call', calls: 1 }]);
    after.close();
  });
});
