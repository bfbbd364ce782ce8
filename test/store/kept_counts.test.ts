// Issue 13: the library's derived tables — the dashboard counts (summary_*) and the trigram
// text index (calls_text) — are kept set by set at transaction boundaries (kept_counts.ts), not
// by per-row triggers. Kept = recount on every path that writes `calls`, through the real
// importers on a real index file: capture import (in slices of a few calls), CDR import (CDR
// first: rows stand alone; then the capture, which deletes the CDR-only calls it joins; then a
// CDR file joined onto captured calls), agent events (re-classifies the calls they name), a
// source re-classified on its own, every call re-classified with other settings, a source
// removed, and an import killed half-way (removed when the index is opened again). A call
// captured at two points counts once in the summary, as summarize(oncePerCallId(...)) has it.
// The check itself is shown to fail on a count or a text entry that is off.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../shared/model/verdict.ts';
import { oncePerCallId, reclassifyAll, reclassifySource } from '../../electron/node/ingest/diagnose.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { removeSource } from '../../electron/node/ingest/cdr_orphans.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { callById, callsAfter, callsByIds, callsOfSource, flushSql, TWINS_ADD } from '../../electron/node/store/kept_counts.ts';
import { buildCallCapture } from '../support/call_capture.ts';
import { secondCapturePoint } from '../support/second_capture_point.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { expectKeptEqualsRecount } from '../support/kept_check.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-kept-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DB = join(tmp, 'library.sqlite');
const CAPS = join(REPO_ROOT, 'test/fixtures/captures');
const T0 = Date.UTC(2024, 4, 2, 10, 0, 0) * 1000;

let store: IndexStore;
beforeAll(() => {
  store = openIndex(DB);
});
afterAll(() => store.close());

/** Kept = recount (test/support/kept_check.ts) on this test's index. */
const expectKept = (settings: DiagnosisSettings = DEFAULT_SETTINGS): void => expectKeptEqualsRecount(store, DB, settings);

function cdrCsv(name: string, rows: Array<{ from: string; to: string; startUs: number; uuid: string }>): string {
  const stamp = (us: number): string => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19);
  const path = join(tmp, name);
  writeFileSync(
    path,
    rows.map((r) => `"Alice","${r.from}","${r.to}","default","${stamp(r.startUs)}","${stamp(r.startUs + 1e6)}","${stamp(r.startUs + 5e6)}","5","4","NORMAL_CLEARING","${r.uuid}","","","PCMU","PCMU"\n`).join(''),
  );
  return path;
}

const uuid = (i: number): string => `d80e22e0-4c15-11ea-97a0-${String(i).padStart(12, '0')}`;

describe('kept counts and text index = recount, on every path that writes calls', () => {
  const ids: Record<string, number> = {};

  it('capture imports, committed a few calls per slice', async () => {
    expectKept();
    for (const f of readdirSync(CAPS).filter((n) => /\.(pcapng|pcap)$/.test(n)).sort().slice(0, 12)) {
      const out = await importFile(store, join(CAPS, f), { sliceCalls: 1 });
      expect(out.status, f).not.toBe('failed');
    }
    expect(store.callQuery.all({}).length).toBeGreaterThan(10);
    expectKept();
  });

  it('a CDR import whose rows stand alone, then the capture that deletes the CDR-only calls it joins', async () => {
    const csv = cdrCsv('alone.csv', [
      ...[0, 1, 2].map((i) => ({ from: `55512${i}`, to: '6001', startUs: T0 + i * 60e6, uuid: uuid(i) })),
      { from: '5559999', to: '6002', startUs: T0 + 3 * 60e6, uuid: uuid(3) },
    ]);
    const cdr = await importFile(store, csv);
    expect(cdr.status).toBe('ok');
    expect((cdr as { calls: number }).calls).toBe(4);
    ids.cdr = cdr.sourceId!;
    expectKept();
    const before = store.callQuery.all({}).length;
    const cap = join(tmp, 'joins.pcap');
    writeFileSync(cap, buildCallCapture({ callId: 'joins-1@10.1.0.1', from: '555121', to: '6001', startUs: T0 + 60e6 }));
    const out = await importFile(store, cap);
    expect(out.status).toBe('ok');
    ids.joined = out.sourceId!;
    // The captured call came in, the CDR-only call it joined went: the same number of calls.
    expect(store.callQuery.all({}).length).toBe(before);
    expectKept();
  });

  it('a CDR import joined onto captured calls', async () => {
    const csv = cdrCsv('joined.csv', [
      { from: '555121', to: '6001', startUs: T0 + 60e6, uuid: uuid(10) },
      { from: '5558888', to: '6003', startUs: T0 + 9 * 60e6, uuid: uuid(11) },
    ]);
    const out = (await importFile(store, csv)) as { status: string; joined: number; calls: number };
    expect(out.status).toBe('ok');
    expect([out.joined, out.calls]).toEqual([1, 1]);
    expectKept();
  });

  it('a call captured at two points counts once', async () => {
    const a = buildCallCapture({ callId: 'two-points@10.1.0.1', from: '5551234', to: '6009', startUs: T0 + 20 * 60e6, talkS: 2 });
    const before = store.callQuery.summary(DEFAULT_SETTINGS, { keep: oncePerCallId }).attempts;
    const rowsBefore = store.callQuery.summary(DEFAULT_SETTINGS).attempts;
    writeFileSync(join(tmp, 'probe.pcap'), a);
    writeFileSync(join(tmp, 'phone.pcap'), secondCapturePoint(a, { offsetUs: 250_000, transitUs: 1_000, towardsSecond: '10.1.0.1' }));
    expect((await importFile(store, join(tmp, 'probe.pcap'))).status).toBe('ok');
    const phone = await importFile(store, join(tmp, 'phone.pcap'));
    expect(phone.status).toBe('ok');
    ids.phone = phone.sourceId!;
    expect(store.callQuery.summary(DEFAULT_SETTINGS, { keep: oncePerCallId }).attempts).toBe(before + 1);
    // Without the dedupe, the kept counts hold both rows.
    expect(store.callQuery.summary(DEFAULT_SETTINGS).attempts).toBe(rowsBefore + 2);
    expectKept();
  });

  it('agent events re-classify the calls they name', async () => {
    const out = await importFile(store, join(REPO_ROOT, 'test/fixtures/cdr/agent_events.csv'));
    expect(out.status).not.toBe('failed');
    expect((out as { joined: number }).joined).toBeGreaterThan(0);
    expectKept();
  });

  it('one source re-classified, then every call with other settings (own addresses move the peers)', () => {
    const other: DiagnosisSettings = { ...DEFAULT_SETTINGS, successDurationS: 100_000, alertThresholdPct: 0.1, ownAddresses: ['10.1.0.0/16', '127.0.0.0/8'] };
    store.transaction(() => reclassifySource(store, ids.joined, other));
    expectKept(DEFAULT_SETTINGS);
    // Outside any transaction: the re-classification is its own.
    reclassifySource(store, ids.phone, other);
    expectKept(DEFAULT_SETTINGS);
    expect(reclassifyAll(store, other)).toBeGreaterThan(10);
    expectKept(other);
  });

  it('a source removed, alone and inside a transaction', () => {
    store.deleteSource(ids.cdr);
    expectKept();
    store.transaction(() => store.deleteSource(ids.phone));
    expectKept();
  });

  it('the newest capture removed: the CDR row that had joined its call stands alone again (on a reused row id)', async () => {
    const cap = join(tmp, 'newest.pcap');
    writeFileSync(cap, buildCallCapture({ callId: 'newest@10.1.0.1', from: '5554444', to: '6011', startUs: T0 + 30 * 60e6 }));
    const out = await importFile(store, cap);
    expect(out.status).toBe('ok');
    const newest = Math.max(...store.callQuery.all({ includeOther: true }).map((c) => c.id));
    const joined = (await importFile(store, cdrCsv('newest.csv', [{ from: '5554444', to: '6011', startUs: T0 + 30 * 60e6, uuid: uuid(20) }]))) as { joined: number };
    expect(joined.joined).toBe(1);
    expectKept();
    // Its call held the highest row id: the row standing alone takes that id again.
    expect(removeSource(store, out.sourceId!, DEFAULT_SETTINGS)).toEqual({ rejoined: 0, standing: 1 });
    expect(store.callQuery.all({}).find((c) => c.fromUser === '5554444')?.id).toBe(newest);
    expectKept();
  });

  it('an import killed half-way is removed when the index is opened again', async () => {
    const cap = join(tmp, 'killed.pcap');
    writeFileSync(cap, buildCallCapture({ callId: 'killed@10.1.0.1', from: '5557777', to: '6010', startUs: T0 + 40 * 60e6 }));
    const out = await importFile(store, cap);
    expect(out.status).toBe('ok');
    store.close();
    // Make its source look like an import that died half-way (an older build's owner: pid 0).
    const raw = new Database(DB);
    raw.prepare("UPDATE sources SET import_pid = 0, status = 'failed', error = 'import did not finish' WHERE id = ?").run(out.sourceId);
    raw.close();
    store = openIndex(DB);
    expect(store.recovered.map((r) => r.id)).toEqual([out.sourceId]);
    expect(store.callQuery.all({}).some((c) => c.callId === 'killed@10.1.0.1')).toBe(false);
    expectKept();
  });

  it('a rolled-back import leaves the counts as they were', () => {
    const before = store.callQuery.summary(DEFAULT_SETTINGS);
    const sid = store.listSources()[0].id;
    const c = store.getCall(store.callQuery.all({})[0].id)!;
    expect(() =>
      store.transaction(() => {
        store.insertCall(sid, { ...c.facts, callId: 'rolled-back@x' });
        store.inputs.deleteCall(store.callQuery.all({})[1].id);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.callQuery.summary(DEFAULT_SETTINGS)).toEqual(before);
    expectKept();
  });

  it('the check fails on a count or a text entry that is off', () => {
    const db = new Database(DB);
    db.prepare('UPDATE summary_causes SET calls = calls + 1 WHERE cause = (SELECT min(cause) FROM summary_causes WHERE calls > 0)').run();
    db.close();
    expect(() => expectKept()).toThrow();
    const db2 = new Database(DB);
    db2.prepare('UPDATE summary_causes SET calls = calls - 1 WHERE cause = (SELECT min(cause) FROM summary_causes WHERE calls > 0)').run();
    db2.close();
    expectKept();
    const db3 = new Database(DB);
    const one = db3.prepare('SELECT id, from_user, to_user, call_id FROM calls LIMIT 1').get() as { id: number; from_user: string; to_user: string; call_id: string };
    db3.prepare("INSERT INTO calls_text (calls_text, rowid, from_user, to_user, call_id) VALUES ('delete', ?, ?, ?, ?)").run(one.id, one.from_user, one.to_user, one.call_id);
    db3.close();
    expect(() => expectKept()).toThrow();
  });
});

describe('the upkeep statements', () => {
  it('are driven by their set of calls (EXPLAIN QUERY PLAN): a batch costs its rows, not the library', () => {
    const db = new Database(DB, { readonly: true });
    try {
      const sets = [
        [callsAfter(5), /SEARCH calls USING INTEGER PRIMARY KEY \(rowid>\?\)/],
        [callsOfSource(1), /SEARCH calls USING INDEX calls_source \(source_id=\?\)/],
        [callById(5), /SEARCH calls USING INTEGER PRIMARY KEY \(rowid=\?\)/],
        [callsByIds([5, 6]), /SEARCH calls USING INTEGER PRIMARY KEY \(rowid=\?\)/],
      ] as const;
      for (const [set, driven] of sets) {
        const f = flushSql(set.where);
        for (const sql of [...f.counts, f.text]) {
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...set.params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
          expect(plan, sql).toMatch(driven);
          // Never a walk of every call of a kind.
          expect(plan, sql).not.toMatch(/\(kind=\?\)/);
        }
      }
    } finally {
      db.close();
    }
  });
});

describe('the twin search of an import', () => {
  it('is two seeks per new call in calls_call_id (EXPLAIN QUERY PLAN), however many rows share its key', () => {
    const db = new Database(DB, { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${TWINS_ADD('id > ?')}`).all(0) as Array<{ detail: string }>).map((r) => r.detail);
      const probes = plan.filter((d) => /^SEARCH o USING COVERING INDEX calls_call_id \(call_id=\? AND from_user=\? AND to_user=\? AND source_id[<>]\?\)$/.test(d));
      expect(probes, plan.join(' | ')).toHaveLength(2);
      expect(plan.join(' | ')).toMatch(/SEARCH n USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    } finally {
      db.close();
    }
  });
});
