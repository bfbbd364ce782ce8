// CDR import is linear (issue 10, defect 6). A FreeSWITCH export of N rows packed into one
// minute used to take time in N² (2k rows 5 s, 20k rows 119 s): each row's join to captured
// calls walked every call of the ±60 s window — the CDR-only calls the import itself had just
// added included — and every capture import re-joined every CDR-only row of the library.
// No clock here: the work is bounded by counts —
//   - the join's plan uses the partial covering index of captured calls only, so the index
//     entries it can visit for a row do not grow with the rows imported before it;
//   - SQL statements per CDR row are the same for 200 rows and for 800;
//   - with captured calls to join: statements and rows written are exactly one per joined row
//     and two per CDR-only row, plus one read per minute of captured calls and a fixed cost,
//     for 1 000 rows as for 8 000 (the join once ran a query per row);
//   - a capture import looks only at the CDR-only rows that can match its calls, whatever
//     the number of CDR rows in the library.
// Inputs are written by the benchmark's generator (test/bench/cdr_bench.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { CAPTURED_BY_CALL_ID_SQL, CAPTURED_IN_SLOT_SQL, CAPTURED_IN_WINDOW_SQL } from '../../electron/node/store/input_store.ts';
import { capturedFacts, EXTRA_CALL_INDEXES, writeAsteriskCsv, writeFreeswitchCsv } from '../bench/cdr_bench.ts';
import { writeCallCapture } from '../support/call_capture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cdr-scaling-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Counts every statement execution on every connection of this process while `fn` runs. */
async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const names = ['run', 'get', 'all', 'iterate'] as const;
  const saved = names.map((n) => proto[n]);
  let statements = 0;
  names.forEach((n, i) => {
    proto[n] = function (this: unknown, ...a: unknown[]) {
      statements++;
      return saved[i].apply(this, a);
    };
  });
  try {
    return { result: await fn(), statements };
  } finally {
    names.forEach((n, i) => (proto[n] = saved[i]));
  }
}

/**
 * Rows written by the library's derived tables (kept_counts.ts: summary counts, one row per
 * group of the batch, and the trigram text index with its shadow rows), set apart: they are
 * the price of the call list's search and the dashboard (issue 13), and bench:cdr reports it.
 */
function keptRowsWritten(s: IndexStore): number {
  return (s as unknown as { kept: { rowsWritten: number } }).kept.rowsWritten;
}

let store: IndexStore | null = null;
afterEach(() => {
  store?.close();
  store = null;
});

describe('the CDR join is served by an index of captured calls only', () => {
  it('EXPLAIN QUERY PLAN: the window search uses the partial covering index calls_capture_join', () => {
    store = openIndex(':memory:');
    const db = (store as unknown as { db: Database.Database }).db;
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${CAPTURED_IN_WINDOW_SQL}`).all(0, 1) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan).toMatch(/^SEARCH calls USING COVERING INDEX calls_capture_join \(start_us>\? AND start_us<\?\)$/);
  });

  it('…and so do the slot search and the Call-ID search, also beside indexes on (kind, column, id) that sort a large call list', () => {
    store = openIndex(':memory:');
    const db = (store as unknown as { db: Database.Database }).db;
    const plans = (): string[] => [CAPTURED_IN_WINDOW_SQL, CAPTURED_IN_SLOT_SQL, CAPTURED_BY_CALL_ID_SQL].map((sql) => {
      const params = [0, 1, 2].slice(0, (sql.match(/\?/g) ?? []).length);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    });
    const expected = [
      'SEARCH calls USING COVERING INDEX calls_capture_join (start_us>? AND start_us<?)',
      'SEARCH calls USING COVERING INDEX calls_capture_join (start_us>? AND start_us<?)',
      'SEARCH calls USING INDEX calls_call_id (call_id=?)',
    ];
    expect(plans()).toEqual(expected);
    // Without statistics SQLite prefers an index that starts with the equality on kind: the
    // search then read every call of kind 'call', the CDR-only calls being imported included.
    for (const sql of EXTRA_CALL_INDEXES) db.exec(sql);
    expect(plans()).toEqual(expected);
  });

  it('the entries the join can visit in a packed minute do not grow with the CDR rows imported', async () => {
    store = openIndex(':memory:');
    const csv = join(tmp, 'packed_800.csv');
    await writeFreeswitchCsv(csv, 800, 60, 3);
    const out = await importFile(store, csv);
    expect(out.status).toBe('ok');
    expect(store.countCalls()).toBe(800);
    const db = (store as unknown as { db: Database.Database }).db;
    // What the planner's index holds in the minute every row searched: captured calls only (none here).
    const t0 = Date.UTC(2024, 0, 1) * 1000;
    const visible = db.prepare(`SELECT count(*) FROM calls INDEXED BY calls_capture_join WHERE start_us BETWEEN ? AND ? AND origin = 'capture' AND kind = 'call'`).pluck().get(t0 - 60e6, t0 + 120e6);
    expect(visible).toBe(0);
  });
});

describe('work per CDR row is constant', () => {
  it('statements per row: 200 rows and 800 rows packed into one minute cost the same per row', async () => {
    const per: number[] = [];
    for (const n of [200, 800]) {
      store?.close();
      store = openIndex(':memory:');
      const csv = join(tmp, `packed_${n}_a.csv`);
      await writeFreeswitchCsv(csv, n, 60, 7);
      const s = store;
      const { result, statements } = await countStatements(() => importFile(s, csv));
      expect(result.status).toBe('ok');
      per.push(statements / n);
    }
    // The fixed cost (source row, detection, finish) is spread over more rows at 800.
    expect(per[1]).toBeLessThanOrEqual(per[0]);
    expect(per[1]).toBeLessThan(5);
  });

  it('a capture import after N CDR rows runs the same statements whatever N', async () => {
    const counts: number[] = [];
    for (const n of [100, 1000]) {
      store?.close();
      store = openIndex(':memory:');
      const csv = join(tmp, `day_${n}.csv`);
      await writeFreeswitchCsv(csv, n, 86_400, 11);
      expect((await importFile(store, csv)).status).toBe('ok');
      // One captured call a week later: it can match none of the rows.
      const cap = join(tmp, `later_${n}.pcap`);
      writeCallCapture(cap, { callId: `later-${n}@10.1.0.1`, from: '5551234', to: '6001', startUs: Date.UTC(2024, 0, 8) * 1000 });
      const s = store;
      const { result, statements } = await countStatements(() => importFile(s, cap));
      expect(result.status).toBe('ok');
      counts.push(statements);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it('a capture import still joins the CDR-only rows that describe its calls', async () => {
    store = openIndex(':memory:');
    const csv = join(tmp, 'day_join.csv');
    await writeFreeswitchCsv(csv, 1000, 86_400, 11);
    expect((await importFile(store, csv)).status).toBe('ok');
    const row = store.inputs.cdrRecordsOfSource(store.listSources()[0].id)[500];
    expect(row.joinMethod).toBe('cdr_only');
    const cap = join(tmp, 'match.pcap');
    writeCallCapture(cap, { callId: 'match@10.1.0.1', from: row.from, to: row.to, startUs: row.startUs + 2_000_000 });
    expect((await importFile(store, cap)).status).toBe('ok');
    const after = store.inputs.cdrRecordsOfSource(row.sourceId)[500];
    expect(after.joinMethod).toBe('numbers_time');
    expect(store.getCall(after.callRowId!)!.origin).toBe('capture');
    expect(store.countCalls()).toBe(1000);
  });
});

describe('work per CDR row by count, with captured calls to join', () => {
  // The bench's case in small: captured calls spread over the rows' span, so some rows join
  // by numbers and time and every row's window holds captured calls. Two sizes of the same
  // span (8× the rows packed into the same ten minutes). Per CDR row the import runs one
  // INSERT for a joined row and two for a CDR-only one (its call, its row); the join reads
  // the captured calls of each minute once, not once per row. So statements = 2·(CDR-only
  // calls) + (joined rows) + (minutes read) + a fixed cost, and rows written = 2·(CDR-only
  // calls) + (joined rows) + a fixed cost, whatever the size: a per-row query coming back,
  // or any work that grows with the rows already imported, breaks the equalities.
  const SPAN_S = 600;
  for (const [format, write] of [['freeswitch', writeFreeswitchCsv], ['asterisk', writeAsteriskCsv]] as const) {
    it(`${format}: statements and rows written per row are the same for 1 000 and 8 000 rows`, async () => {
      const seen: Array<{ rows: number; statements: number; written: number; calls: number; joined: number }> = [];
      for (const rows of [1000, 8000]) {
        store?.close();
        store = openIndex(':memory:');
        const s = store;
        s.transaction(() => {
          const sid = s.beginSource({ path: '/t/capture.pcap', name: 'capture.pcap', contentHash: 'c'.repeat(64), sizeBytes: 1, format: 'pcap' });
          // 100 captured calls, each the twin of every (rows/100)-th CDR row, 1.5 s later.
          for (let i = 0; i < rows; i += rows / 100) s.insertCall(sid, capturedFacts(i, rows, SPAN_S));
          s.finishSource(sid, { status: 'ok', packets: 0, firstUs: null, lastUs: null, stats: [], error: null });
        });
        const csv = join(tmp, `${format}_${rows}_joined.csv`);
        await write(csv, rows, SPAN_S, 13);
        const db = (s as unknown as { db: Database.Database }).db;
        const changes0 = (db.prepare('SELECT total_changes()').pluck().get() as number) - keptRowsWritten(s);
        const { result, statements } = await countStatements(() => importFile(s, csv));
        const written = (db.prepare('SELECT total_changes()').pluck().get() as number) - keptRowsWritten(s) - changes0;
        expect(result.status).toBe('ok');
        const out = result as { calls: number; joined: number };
        expect(out.joined).toBe(100);
        expect(out.calls + out.joined).toBe(rows);
        seen.push({ rows, statements, written, calls: out.calls, joined: out.joined });
      }
      const [small, large] = seen;
      const perRowWork = (x: typeof small): number => 2 * x.calls + x.joined;
      // Rows written: exactly one per joined row and two per CDR-only row, beyond the same fixed cost.
      expect(large.written - perRowWork(large)).toBe(small.written - perRowWork(small));
      expect(small.written - perRowWork(small)).toBeLessThan(10);
      // Statements: the same, plus one read per minute of captured calls (the span is 10 minutes;
      // a window reaches one minute beyond each end).
      const minutes = SPAN_S / 60 + 2;
      for (const x of seen) {
        expect(x.statements - perRowWork(x)).toBeGreaterThanOrEqual(0);
        // 20 for the import's own fixed work, 12 for the derived tables' upkeep at the commit
        // (kept_counts.ts: one statement per table for the whole batch).
        expect(x.statements - perRowWork(x)).toBeLessThanOrEqual(minutes + 20 + 12);
      }
      expect(large.statements - perRowWork(large)).toBe(small.statements - perRowWork(small));
    });
  }
});

describe('bytes written per CDR-only row', () => {
  it('a CDR-only call stores no facts (rebuilt from its row) and only its own part of the verdict; the index grows by under 2.5 KB a row', async () => {
    store = openIndex(':memory:');
    const csv = join(tmp, 'bytes_2000.csv');
    await writeFreeswitchCsv(csv, 2000, 86_400, 5);
    expect((await importFile(store, csv)).status).toBe('ok');
    const db = (store as unknown as { db: Database.Database }).db;
    const calls = db.prepare("SELECT count(*) AS n, sum(length(facts_json)) AS facts, max(length(verdict_json)) AS verdict, sum(instr(verdict_json, '\"fix\"') > 0) AS withFix FROM calls WHERE origin = 'cdr'").get() as { n: number; facts: number; verdict: number; withFix: number };
    expect(calls.n).toBe(2000);
    expect(calls.facts).toBe(0);
    expect(calls.withFix).toBe(0);
    expect(calls.verdict).toBeLessThan(500);
    // Was 4.7 KB a row (1 KB of facts JSON and 0.9 KB of verdict JSON per call, under six
    // indexes), then under 2 KB; the call list's sort indexes and trigram text index (issue 13,
    // migration 9) add about 0.3 KB (bench:library prints the bytes per call by index).
    const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    expect(bytes / 2000).toBeLessThan(2560);
    // What the UI reads is unchanged: a CDR-only call has its facts and its whole verdict.
    const c = store.getCall(store.listCalls({ limit: 1 })[0].id)!;
    expect(c.facts.origin).toBe('cdr');
    expect((c.verdict as { fix: { title: string } }).fix.title).not.toBe('');
  });
});
