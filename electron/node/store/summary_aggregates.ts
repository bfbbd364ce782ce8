// The dashboard summary of the whole library from counts kept in the index (issue 13): at a
// million calls, summarize() over every call took seconds; these tables hold what it adds up,
// so the unfiltered summary is a read of a few hundred rows plus four index seeks.
//
// How the counts stay right: kept_counts.ts adds a batch of calls once it is written (one
// GROUP BY upsert per table over the batch's rows), takes a source's calls away before they
// are removed, and takes away / adds back the calls whose verdict a re-classification rewrites
// — inside the writer's own transaction, so a rollback takes the counts back too.
//
// Exactness (tested against summarize() on fixtures and a generated library):
// - the peer of a call depends on the own-addresses setting, so the counts are kept per
//   (caller address, callee address) and the peer is worked out when read;
// - ACD sums whole microseconds (an integer sum is the same in any order; summarize() does the same);
// - PDD percentiles are nearest-rank over every value: read from the (kind, pdd_ms) index at
//   the rank (from the nearer end), not from a histogram, so they are exact;
// - a call captured at two points is one attempt (oncePerCallId): the counts hold every row,
//   summary_twins the (Call-ID, From, To) keys that have rows in two sources, and the rows
//   of those keys that the caller's dedupe drops are taken away when read;
// - an end-to-end call of several legs (B2BUA) is one attempt: the caller reads the standing
//   leg links (few) and says which counted legs count no more and what counts instead, one
//   input per end-to-end call (WholeSummaryOptions.endToEnd), applied when read.
// Only calls of kind 'call' count, as in summarize(). Rows that fall to zero stay and are skipped.
//
// The SQL below is part of migration 9: change it only with a new migration.

import type BetterSqlite3 from 'better-sqlite3';
import { durationUs, hourStartOf, pddPercentiles, summaryFromParts, type BucketCounts, type Summary, type SummaryInput, type SummaryParts } from '../../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';

type Db = BetterSqlite3.Database;

export const SUMMARY_AGGREGATES_SQL = `
    CREATE TABLE summary_hours (hour_us REAL NOT NULL, bucket INTEGER NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (hour_us, bucket)) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_pairs (caller_addr TEXT NOT NULL, callee_addr TEXT NOT NULL, bucket INTEGER NOT NULL, answered INTEGER NOT NULL, calls INTEGER NOT NULL,
      PRIMARY KEY (caller_addr, callee_addr, bucket, answered)) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_causes (cause TEXT PRIMARY KEY, calls INTEGER NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE summary_q850 (code INTEGER PRIMARY KEY, calls INTEGER NOT NULL) STRICT;
    CREATE TABLE summary_totals (id INTEGER PRIMARY KEY CHECK (id = 1), answered_us INTEGER NOT NULL, pdd_count INTEGER NOT NULL) STRICT;
    INSERT INTO summary_totals VALUES (1, 0, 0);
    CREATE TABLE summary_twins (call_id TEXT NOT NULL, from_user TEXT NOT NULL, to_user TEXT NOT NULL, PRIMARY KEY (call_id, from_user, to_user)) STRICT, WITHOUT ROWID;
`;

/** A row of a key in summary_twins: what summarize() reads of it, and what oncePerCallId compares. */
export interface TwinRow {
  id: number;
  callId: string;
  sourceId: number;
  fromUser: string;
  toUser: string;
  startUs: number;
  kind: string;
  bucket: number | null;
  cause: string | null;
  q850Cause: number | null;
  answered: boolean;
  durationMs: number;
  pddMs: number | null;
  callerAddr: string;
  calleeAddr: string;
}

export interface WholeSummaryOptions {
  /** The list's includeOther: non-call dialogs take part in the dedupe (never in the counts). */
  includeOther?: boolean;
  /** Which of the rows (in list order: start, id) count — oncePerCallId; all when absent. */
  keep?: (rows: TwinRow[]) => TwinRow[];
  /** End-to-end calls counted once (see EndToEndCounting); every row counts when absent. */
  endToEnd?: EndToEndCounting;
}

/**
 * How the legs of end-to-end calls are counted once. `adjust` is given the ids of the rows
 * `keep` left out (they are taken away already: a leg among them must not be taken away
 * twice) and answers the inputs of the counted legs to take away and of the end-to-end calls
 * to add. The counts cannot hold a PDD value the index does not: each added PDD must cancel
 * one taken away; if one does not, `recount` answers instead (slow, never wrong).
 */
export interface EndToEndCounting {
  adjust: (dropped: ReadonlySet<number>) => { remove: readonly SummaryInput[]; add: readonly SummaryInput[] };
  recount: () => Summary;
}

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
export function summaryFromAggregates(db: Db, peer: (callerAddr: string, calleeAddr: string) => string, settings: Pick<DiagnosisSettings, 'alertThresholdPct'>, opts: WholeSummaryOptions = {}): Summary {
  const parts: SummaryParts = { hours: new Map(), peers: new Map(), causes: new Map(), q850: new Map(), attempts: 0, answered: 0, answeredUs: 0, pddMs: pddPercentiles([]) };
  for (const h of db.prepare('SELECT hour_us, bucket, calls FROM summary_hours WHERE calls > 0').all() as Array<{ hour_us: number; bucket: number; calls: number }>) {
    // hour_us is the value summarize() computes (same double arithmetic); hourStartOf is idempotent on it.
    const k = hourStartOf(h.hour_us);
    let b = parts.hours.get(k);
    if (!b) parts.hours.set(k, (b = emptyBuckets()));
    b[bucketKey(h.bucket)] += h.calls;
    parts.attempts += h.calls;
  }
  const peerOf = (name: string): { buckets: BucketCounts; answered: number } => {
    let g = parts.peers.get(name);
    if (!g) parts.peers.set(name, (g = { buckets: emptyBuckets(), answered: 0 }));
    return g;
  };
  for (const p of db.prepare('SELECT caller_addr, callee_addr, bucket, answered, calls FROM summary_pairs WHERE calls > 0').all() as Array<{ caller_addr: string; callee_addr: string; bucket: number; answered: number; calls: number }>) {
    const g = peerOf(peer(p.caller_addr, p.callee_addr));
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

  // The second sightings of calls captured at two points: counted above, taken away here.
  const { rows: dropped, ids: droppedIds } = droppedTwins(db, opts);
  const droppedPdds: number[] = [];
  const count = (i: SummaryInput, by: 1 | -1): void => {
    const key: keyof BucketCounts = i.bucket === null ? 'none' : bucketKey(i.bucket);
    const k = hourStartOf(i.startUs);
    let h = parts.hours.get(k);
    if (!h) parts.hours.set(k, (h = emptyBuckets()));
    h[key] += by;
    const g = peerOf(i.peer);
    g.buckets[key] += by;
    parts.attempts += by;
    if (i.cause) parts.causes.set(i.cause, (parts.causes.get(i.cause) ?? 0) + by);
    if (i.q850Cause !== null) parts.q850.set(i.q850Cause, (parts.q850.get(i.q850Cause) ?? 0) + by);
    if (i.answered) {
      g.answered += by;
      parts.answered += by;
      parts.answeredUs += by * durationUs(i.durationMs);
    }
  };
  const hasPdd = (v: number | null): v is number => v !== null && Number.isFinite(v);
  for (const r of dropped) {
    count({ startUs: r.startUs, bucket: r.bucket === null || r.bucket === 0 ? null : (r.bucket as SummaryInput['bucket']), cause: r.cause, q850Cause: r.q850Cause, finalStatus: null,
      answered: r.answered, durationMs: r.durationMs, pddMs: r.pddMs, peer: peer(r.callerAddr, r.calleeAddr) }, -1);
    if (hasPdd(r.pddMs)) droppedPdds.push(r.pddMs);
  }
  if (opts.endToEnd) {
    const { remove, add } = opts.endToEnd.adjust(droppedIds);
    for (const i of remove) {
      if (i.kind === 'other') continue;
      count(i, -1);
      if (hasPdd(i.pddMs)) droppedPdds.push(i.pddMs);
    }
    // An end-to-end call carries one of its legs' PDD, taken away above: the two cancel.
    const left = new Map<number, number>();
    for (const v of droppedPdds) left.set(v, (left.get(v) ?? 0) + 1);
    for (const i of add) {
      count(i, 1);
      if (!hasPdd(i.pddMs)) continue;
      const n = left.get(i.pddMs) ?? 0;
      if (n === 0) return opts.endToEnd.recount();
      left.set(i.pddMs, n - 1);
    }
    droppedPdds.length = 0;
    for (const [v, n] of left) for (let j = 0; j < n; j++) droppedPdds.push(v);
  }
  droppedPdds.sort((a, b) => a - b);
  parts.pddMs = keptPercentiles(db, totals?.pdd_count ?? 0, droppedPdds);
  return summaryFromParts(parts, settings);
}

/** The rows of twin keys that `keep` leaves out: those of kind 'call' (counted), and the ids of all. */
function droppedTwins(db: Db, opts: WholeSummaryOptions): { rows: TwinRow[]; ids: Set<number> } {
  if (!opts.keep) return { rows: [], ids: new Set() };
  // Driven by the (few) twin keys, each a seek in calls_call_id: CROSS JOIN keeps that order
  // (an IN over the keys let the planner walk every call instead: seconds at a million).
  const rows = (db.prepare(`SELECT c.id, c.call_id, c.source_id, c.from_user, c.to_user, c.start_us, c.kind, c.bucket, c.cause, c.q850_cause, c.answered,
      c.duration_ms, c.pdd_ms, c.caller_addr, c.callee_addr
    FROM summary_twins t CROSS JOIN calls c ON c.call_id = t.call_id AND c.from_user = t.from_user AND c.to_user = t.to_user
    ${opts.includeOther ? '' : "WHERE c.kind = 'call'"} ORDER BY c.start_us, c.id`).all() as Array<Record<string, unknown>>).map((r): TwinRow => ({
    id: r.id as number, callId: r.call_id as string, sourceId: r.source_id as number, fromUser: r.from_user as string, toUser: r.to_user as string,
    startUs: r.start_us as number, kind: r.kind as string, bucket: r.bucket as number | null, cause: r.cause as string | null, q850Cause: r.q850_cause as number | null,
    answered: r.answered === 1, durationMs: r.duration_ms as number, pddMs: r.pdd_ms as number | null, callerAddr: r.caller_addr as string, calleeAddr: r.callee_addr as string,
  }));
  if (rows.length === 0) return { rows: [], ids: new Set() };
  const kept = new Set(opts.keep(rows).map((r) => r.id));
  const out = rows.filter((r) => !kept.has(r.id));
  return { rows: out.filter((r) => r.kind === 'call'), ids: new Set(out.map((r) => r.id)) };
}

/** Index of the first value of `sorted` above `v` (or, with `orEqual`, at or above). */
function countBelow(sorted: readonly number[], v: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v || (orEqual && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Nearest-rank PDD percentiles of the calls counted, read from the (kind, pdd_ms) index: the
 * index holds `all` values, of which `dropped` (sorted) are not counted. Rank r of the counted
 * values is found from the nearer end of the index: start at offset r-1, and move past as many
 * dropped values as lie at or before the value found, until that stops moving (the least fixed
 * point is the r-th counted value; at most one more read per dropped value, usually none).
 */
function keptPercentiles(db: Db, all: number, dropped: readonly number[]): SummaryParts['pddMs'] {
  const n = all - dropped.length;
  const up = db.prepare("SELECT pdd_ms FROM calls WHERE kind = 'call' AND pdd_ms IS NOT NULL ORDER BY pdd_ms LIMIT 1 OFFSET ?").pluck();
  const down = db.prepare("SELECT pdd_ms FROM calls WHERE kind = 'call' AND pdd_ms IS NOT NULL ORDER BY pdd_ms DESC LIMIT 1 OFFSET ?").pluck();
  const walk = (fromTop: boolean, rank: number): number => {
    let o = rank - 1;
    for (;;) {
      const v = (fromTop ? down : up).get(o) as number;
      // Dropped values at or before v in this walk's direction.
      const passed = fromTop ? dropped.length - countBelow(dropped, v, false) : countBelow(dropped, v, true);
      if (rank - 1 + passed === o) return v;
      o = rank - 1 + passed;
    }
  };
  const at = (p: number): number | null => {
    if (n <= 0) return null;
    const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
    return rank - 1 <= n - rank ? walk(false, rank) : walk(true, n - rank + 1);
  };
  return { count: Math.max(0, n), p50: at(50), p90: at(90), p95: at(95), p99: at(99) };
}
