// The dashboard summary of the whole library from counts kept in the index (issue 13): at a
// million calls, summarize() over every call took seconds; these tables hold what it adds up,
// so the unfiltered summary is a read of a few hundred rows plus four index seeks.
//
// How the counts stay right: triggers on calls (created by migration 11 from the SQL below)
// add a call's contribution when it is inserted, take it away when it is deleted (a source
// removed: the cascade fires them) and do both when a counted column changes (re-classification
// writes bucket and cause). They run inside the statement that changed the call, so in the
// import's or the re-classification's own transaction: a rollback takes the counts back too.
//
// Exactness (tested against summarize() on fixtures and a generated library):
// - the peer of a call depends on the own-addresses setting, so the counts are kept per
//   (caller address, callee address) and the peer is worked out when read;
// - ACD sums whole microseconds (an integer sum is the same in any order; summarize() does the same);
// - PDD percentiles are nearest-rank over every value: read from the (kind, pdd_ms) index at
//   the rank (from the nearer end), not from a histogram, so they are exact.
// Only calls of kind 'call' count, as in summarize(). Rows that fall to zero stay and are skipped.
//
// The SQL below is part of migration 11: change it only with a new migration.

import type BetterSqlite3 from 'better-sqlite3';
import { hourStartOf, pddPercentiles, summaryFromParts, type BucketCounts, type Summary, type SummaryParts } from '../../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';

type Db = BetterSqlite3.Database;

const HOUR = 'floor(R.start_us / 3600000000.0) * 3600000000.0';
const US = 'CAST(round(R.duration_ms * 1000) AS INTEGER)';

/** Add (+1) or take away (-1) the counts of the row R ('new' or 'old') when it is a call. */
function contribution(row: 'new' | 'old', sign: 1 | -1): string {
  const r = (sql: string): string => sql.replace(/R\./g, `${row}.`);
  const isCall = `${row}.kind = 'call'`;
  const up = (table: string, cols: string, values: string, target: string, cond = ''): string =>
    sign === 1
      ? `INSERT INTO ${table} (${cols}, calls) SELECT ${values}, 1 WHERE ${isCall}${cond} ON CONFLICT (${target}) DO UPDATE SET calls = calls + 1;`
      : `UPDATE ${table} SET calls = calls - 1 WHERE ${isCall}${cond} AND (${target}) = (${values});`;
  return [
    up('summary_hours', 'hour_us, bucket', r(`${HOUR}, coalesce(R.bucket, 0)`), 'hour_us, bucket'),
    up('summary_pairs', 'caller_addr, callee_addr, bucket, answered', r('R.caller_addr, R.callee_addr, coalesce(R.bucket, 0), R.answered'), 'caller_addr, callee_addr, bucket, answered'),
    up('summary_causes', 'cause', r('R.cause'), 'cause', r(" AND R.cause <> ''")),
    up('summary_q850', 'code', r('R.q850_cause'), 'code', r(' AND R.q850_cause IS NOT NULL')),
    r(`UPDATE summary_totals SET answered_us = answered_us ${sign === 1 ? '+' : '-'} (CASE WHEN R.answered THEN ${US} ELSE 0 END),
      pdd_count = pdd_count ${sign === 1 ? '+' : '-'} (R.pdd_ms IS NOT NULL) WHERE ${isCall};`),
  ].join('\n      ');
}

const COUNTED = 'kind, start_us, bucket, cause, q850_cause, answered, duration_ms, pdd_ms, caller_addr, callee_addr';

export const SUMMARY_AGGREGATES_SQL = `
    CREATE TABLE summary_hours (hour_us REAL NOT NULL, bucket INTEGER NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (hour_us, bucket)) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_pairs (caller_addr TEXT NOT NULL, callee_addr TEXT NOT NULL, bucket INTEGER NOT NULL, answered INTEGER NOT NULL, calls INTEGER NOT NULL,
      PRIMARY KEY (caller_addr, callee_addr, bucket, answered)) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_causes (cause TEXT PRIMARY KEY, calls INTEGER NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_q850 (code INTEGER PRIMARY KEY, calls INTEGER NOT NULL) STRICT;
    CREATE TABLE summary_totals (id INTEGER PRIMARY KEY CHECK (id = 1), answered_us INTEGER NOT NULL, pdd_count INTEGER NOT NULL) STRICT;
    INSERT INTO summary_hours SELECT ${HOUR.replace(/R\./g, '')}, coalesce(bucket, 0), count(*) FROM calls WHERE kind = 'call' GROUP BY 1, 2;
    INSERT INTO summary_pairs SELECT caller_addr, callee_addr, coalesce(bucket, 0), answered, count(*) FROM calls WHERE kind = 'call' GROUP BY 1, 2, 3, 4;
    INSERT INTO summary_causes SELECT cause, count(*) FROM calls WHERE kind = 'call' AND cause <> '' GROUP BY 1;
    INSERT INTO summary_q850 SELECT q850_cause, count(*) FROM calls WHERE kind = 'call' AND q850_cause IS NOT NULL GROUP BY 1;
    INSERT INTO summary_totals SELECT 1, coalesce(sum(CASE WHEN answered THEN ${US.replace(/R\./g, '')} ELSE 0 END), 0), count(pdd_ms) FROM calls WHERE kind = 'call';
    CREATE TRIGGER summary_insert AFTER INSERT ON calls BEGIN
      ${contribution('new', 1)}
    END;
    CREATE TRIGGER summary_delete AFTER DELETE ON calls BEGIN
      ${contribution('old', -1)}
    END;
    CREATE TRIGGER summary_update AFTER UPDATE OF ${COUNTED} ON calls BEGIN
      ${contribution('old', -1)}
      ${contribution('new', 1)}
    END;
`;

function emptyBuckets(): BucketCounts {
  return { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, none: 0 };
}

function bucketKey(b: number): keyof BucketCounts {
  return b === 0 ? 'none' : (String(b) as keyof BucketCounts);
}

/**
 * The summary of every call in the library (the dashboard without a filter), from the kept
 * counts. `peer` is the same function the call list's peer filter uses (own addresses).
 */
export function summaryFromAggregates(db: Db, peer: (callerAddr: string, calleeAddr: string) => string, settings: Pick<DiagnosisSettings, 'alertThresholdPct'>): Summary {
  const parts: SummaryParts = { hours: new Map(), peers: new Map(), causes: new Map(), q850: new Map(), attempts: 0, answered: 0, answeredUs: 0, pddMs: pddPercentiles([]) };
  for (const h of db.prepare('SELECT hour_us, bucket, calls FROM summary_hours WHERE calls > 0').all() as Array<{ hour_us: number; bucket: number; calls: number }>) {
    // hour_us is the value summarize() computes (same double arithmetic); hourStartOf is idempotent on it.
    const k = hourStartOf(h.hour_us);
    let b = parts.hours.get(k);
    if (!b) parts.hours.set(k, (b = emptyBuckets()));
    b[bucketKey(h.bucket)] += h.calls;
    parts.attempts += h.calls;
  }
  for (const p of db.prepare('SELECT caller_addr, callee_addr, bucket, answered, calls FROM summary_pairs WHERE calls > 0').all() as Array<{ caller_addr: string; callee_addr: string; bucket: number; answered: number; calls: number }>) {
    const name = peer(p.caller_addr, p.callee_addr);
    let g = parts.peers.get(name);
    if (!g) parts.peers.set(name, (g = { buckets: emptyBuckets(), answered: 0 }));
    g.buckets[bucketKey(p.bucket)] += p.calls;
    if (p.answered) {
      g.answered += p.calls;
      parts.answered += p.calls;
    }
  }
  for (const c of db.prepare('SELECT cause, calls FROM summary_causes WHERE calls > 0').all() as Array<{ cause: string; calls: number }>) parts.causes.set(c.cause, c.calls);
  for (const c of db.prepare('SELECT code, calls FROM summary_q850 WHERE calls > 0').all() as Array<{ code: number; calls: number }>) parts.q850.set(c.code, c.calls);
  const totals = db.prepare('SELECT answered_us, pdd_count FROM summary_totals').get() as { answered_us: number; pdd_count: number } | undefined;
  parts.answeredUs = totals?.answered_us ?? 0;
  const n = totals?.pdd_count ?? 0;
  // Nearest rank r of n values: the (r-1)th from the bottom, or the (n-r)th from the top,
  // whichever walk of the (kind, pdd_ms) index is shorter.
  const up = db.prepare("SELECT pdd_ms FROM calls WHERE kind = 'call' AND pdd_ms IS NOT NULL ORDER BY pdd_ms LIMIT 1 OFFSET ?").pluck();
  const down = db.prepare("SELECT pdd_ms FROM calls WHERE kind = 'call' AND pdd_ms IS NOT NULL ORDER BY pdd_ms DESC LIMIT 1 OFFSET ?").pluck();
  const at = (p: number): number | null => {
    if (n === 0) return null;
    const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
    return (rank - 1 <= n - rank ? up.get(rank - 1) : down.get(n - rank)) as number;
  };
  parts.pddMs = { count: n, p50: at(50), p90: at(90), p95: at(95), p99: at(99) };
  return summaryFromParts(parts, settings);
}
