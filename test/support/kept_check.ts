// Kept = recount for an index file: the library's derived tables (the dashboard counts, the
// trigram text index, the twin keys) against what a recount from the calls gives, and the
// kept summary against summarize(oncePerCallId(...)). Shared by the kept-counts test (every
// write path of the store) and the copied bench library's test (rows copied in SQL).

import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { summarize } from '../../shared/diagnosis/call_summary.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../shared/model/verdict.ts';
import { oncePerCallId, peerOf, summaryInput } from '../../electron/node/ingest/diagnose.ts';
import type { IndexStore } from '../../electron/node/store/index_store.ts';

/** The summary tables recounted from the calls, in the shape they are kept (rows at zero left out). */
const RECOUNT: Record<string, [kept: string, recount: string]> = {
  hours: [
    'SELECT hour_us, bucket, calls FROM summary_hours WHERE calls <> 0 ORDER BY 1, 2',
    "SELECT floor(start_us / 3600000000.0) * 3600000000.0, coalesce(bucket, 0), count(*) FROM calls WHERE kind = 'call' GROUP BY 1, 2 ORDER BY 1, 2",
  ],
  pairs: [
    'SELECT caller_addr, callee_addr, bucket, answered, calls FROM summary_pairs WHERE calls <> 0 ORDER BY 1, 2, 3, 4',
    "SELECT caller_addr, callee_addr, coalesce(bucket, 0), answered, count(*) FROM calls WHERE kind = 'call' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
  ],
  causes: ['SELECT cause, calls FROM summary_causes WHERE calls <> 0 ORDER BY 1', "SELECT cause, count(*) FROM calls WHERE kind = 'call' AND cause <> '' GROUP BY 1 ORDER BY 1"],
  sources: ['SELECT source_id, kind, calls FROM summary_sources WHERE calls <> 0 ORDER BY 1, 2', 'SELECT source_id, kind, count(*) FROM calls GROUP BY 1, 2 ORDER BY 1, 2'],
  q850: ['SELECT code, calls FROM summary_q850 WHERE calls <> 0 ORDER BY 1', "SELECT q850_cause, count(*) FROM calls WHERE kind = 'call' AND q850_cause IS NOT NULL GROUP BY 1 ORDER BY 1"],
  totals: [
    'SELECT answered_us, pdd_count FROM summary_totals',
    "SELECT coalesce(sum(CASE WHEN answered THEN CAST(round(duration_ms * 1000) AS INTEGER) ELSE 0 END), 0), count(pdd_ms) FROM calls WHERE kind = 'call'",
  ],
};

/** Kept = recount: every summary table, calls_text against its content, the twin keys, the summary. */
export function expectKeptEqualsRecount(store: IndexStore, path: string, settings: DiagnosisSettings = DEFAULT_SETTINGS): void {
  const db = new Database(path);
  try {
    for (const [name, [kept, recount]] of Object.entries(RECOUNT)) {
      expect(db.prepare(kept).raw().all(), name).toEqual(db.prepare(recount).raw().all());
    }
    // FTS5's integrity-check with rank 1 also compares the index with the content table (calls).
    db.prepare("INSERT INTO calls_text (calls_text, rank) VALUES ('integrity-check', 1)").run();
    expect(db.prepare('SELECT count(*) FROM calls_text').pluck().get()).toBe(db.prepare('SELECT count(*) FROM calls').pluck().get());
    // Every key with rows in two sources within 10 minutes is a candidate twin.
    const missing = db.prepare(`SELECT DISTINCT a.call_id, a.from_user, a.to_user FROM calls a JOIN calls b ON b.call_id = a.call_id AND b.from_user = a.from_user
      AND b.to_user = a.to_user AND b.source_id <> a.source_id AND abs(b.start_us - a.start_us) <= 600000000
      EXCEPT SELECT call_id, from_user, to_user FROM summary_twins`).all();
    expect(missing).toEqual([]);
  } finally {
    db.close();
  }
  // The calls per source the library panel shows, and the list totals the kept counts serve, equal a count of the calls.
  for (const src of store.listSources()) expect(src.calls, src.name).toBe(store.countCalls({ sourceId: src.id }));
  const causes = [...new Set(store.callQuery.all({}).map((c) => c.cause).filter((c): c is string => !!c))];
  const peer = (c: { callerAddr: string; calleeAddr: string }): string => peerOf(c, settings);
  store.callQuery.setPeerFunction((callerAddr, calleeAddr) => peer({ callerAddr, calleeAddr }));
  const peers = [...new Set(store.callQuery.all({}).map(peer))];
  for (const filter of [{}, { buckets: [1, 2, 3] }, { buckets: [4, 5, 6, 7] }, { causes: [...causes.slice(0, 2), 'no such cause'] }, ...peers.map((p) => ({ peer: p })), { peer: 'no such peer' },
    ...store.listSources().map((src) => ({ sourceIds: [src.id] })), { sourceIds: store.listSources().map((src) => src.id).concat(1e9) }]) {
    const kept = store.callQuery.keptTotal(filter);
    expect(kept, JSON.stringify(filter)).toBeDefined();
    expect(kept, JSON.stringify(filter)).toBe(store.callQuery.all(filter).length);
  }
  const recounted = summarize(oncePerCallId(store.callQuery.all({})).map((c) => summaryInput(c, settings)), settings);
  expect(store.callQuery.summary(settings, { keep: oncePerCallId })).toEqual(recounted);
}
