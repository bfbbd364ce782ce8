// The call list the UI pages through: filters, every sort key of the contract, offset/limit
// and the total, as SQL (the list may hold 100 000 calls; nothing is filtered in JS).
//
// Assumptions: the filter arrives validated in shape (the API layer checks types), values
// only ever travel as bound parameters, and column names come from a fixed map. The peer of
// a call depends on the user's own addresses (a setting), so it is an application-defined
// SQL function fed by the caller rather than a stored column that would go stale on every
// settings change.

import type BetterSqlite3 from 'better-sqlite3';
import type { CallFilter, CallSortKey } from '../../../shared/api/contract.ts';
import { hostOf } from '../../../shared/diagnosis/cidr.ts';
import { CALL_SUMMARY_COLS, toCallSummary, type CallRow, type CallSummary } from './call_summary_row.ts';
import { pushAll } from '../../../shared/util/array_math.ts';
import { listSegments, segmentSql, type ListCursor } from './call_list_query.ts';
import { summaryFromAggregates, type WholeSummaryOptions } from './summary_aggregates.ts';
import type { Summary } from '../../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

/** The peer (far end) of a call from its caller and callee addresses. */
export type PeerFunction = (callerAddr: string, calleeAddr: string) => string;

export const SORT_COLUMN: Readonly<Record<CallSortKey, string>> = {
  startUs: 'start_us',
  durationMs: 'duration_ms',
  pddMs: 'pdd_ms',
  minMos: 'min_mos',
  worstLossPct: 'worst_loss_pct',
  longestGapMs: 'longest_gap_ms',
  finalStatus: 'final_status',
  bucket: 'bucket',
  worstJitterMs: 'worst_jitter_ms',
};

/** `\` escapes LIKE's wildcards so a user's `%` or `_` matches itself. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** WHERE clause and parameters for a filter (exported so tests can check the query plan). */
export function callFilterSql(filter: CallFilter = {}, peerPairs?: ReadonlyArray<readonly [string, string]>): { where: string; params: unknown[]; byText: boolean } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const text = filter.text?.trim();
  // A text search of 3+ characters is answered by the trigram index, and its matches are
  // usually few: the query is driven from them (rowid lookups, then a sort of the matches).
  // A unary + keeps the planner from using an index for the other terms: without statistics
  // it took kind = 'call' on a (kind, …) index and checked every call of the library against
  // the matches (0.3 s for a search that matched nothing, at a million calls).
  const byText = text !== undefined && [...text].length >= 3;
  const c = (col: string): string => (byText ? `+${col}` : col);
  const inList = (col: string, values: readonly unknown[]): void => {
    terms.push(`${col} IN (${values.map(() => '?').join(', ')})`);
    pushAll(params, values);
  };
  if (!filter.includeOther) terms.push(`${c('kind')} = 'call'`);
  if (filter.sourceIds) {
    if (filter.sourceIds.length === 0) terms.push('0');
    else inList(c('source_id'), filter.sourceIds);
  }
  if (filter.buckets) {
    // Bucket 0 is "not classifiable": a verdict with no bucket (capture_ended / in_progress).
    const real = filter.buckets.filter((b) => b !== 0);
    const alt: string[] = [];
    if (real.length > 0) {
      alt.push(`${c('bucket')} IN (${real.map(() => '?').join(', ')})`);
      pushAll(params, real);
    }
    if (filter.buckets.includes(0)) alt.push(`(${c('bucket')} IS NULL AND ${c('cause')} IS NOT NULL)`);
    terms.push(alt.length === 0 ? '0' : alt.length === 1 ? alt[0] : `(${alt.join(' OR ')})`);
  }
  if (filter.causes) {
    if (filter.causes.length === 0) terms.push('0');
    else inList(c('cause'), filter.causes);
  }
  if (filter.finalStatuses) {
    if (filter.finalStatuses.length === 0) terms.push('0');
    else inList(c('final_status'), filter.finalStatuses);
  }
  if (filter.peer !== undefined && filter.peer !== '') {
    if (peerPairs && peerPairs.length === 0) terms.push('0');
    else if (peerPairs) {
      // The address pairs whose peer it is (from the kept summary counts): compared in SQL,
      // instead of calling back into JS for every call of the library.
      terms.push(`(${c('caller_addr')}, ${c('callee_addr')}) IN (VALUES ${peerPairs.map(() => '(?, ?)').join(', ')})`);
      for (const [a, b] of peerPairs) params.push(a, b);
    } else {
      terms.push('ct_peer(caller_addr, callee_addr) = ?');
      params.push(filter.peer);
    }
  }
  // [fromUs, toUs): an hour of the dashboard is [hourStart, hourStart + 1 h).
  if (filter.fromUs !== undefined) {
    terms.push(`${c('start_us')} >= ?`);
    params.push(filter.fromUs);
  }
  if (filter.toUs !== undefined) {
    terms.push(`${c('start_us')} < ?`);
    params.push(filter.toUs);
  }
  // Grouped legs: a leg downstream of a standing link is shown under its end-to-end call's
  // first row, not as a row of its own (leg_links_to makes this one index probe per call).
  if (filter.groupLegs) terms.push('NOT EXISTS (SELECT 1 FROM leg_links l WHERE l.to_row = calls.id AND l.undone_at IS NULL)');
  if (text) {
    if (byText) {
      // The trigram index (migration 9) finds substrings of 3 characters or more without a
      // scan; a phrase in double quotes is matched as a substring, case-insensitively like LIKE.
      terms.push('id IN (SELECT rowid FROM calls_text WHERE calls_text MATCH ?)');
      params.push(`"${text.replace(/"/g, '""')}"`);
    } else {
      const p = likePattern(text);
      // LIKE is case-insensitive for ASCII, which is what numbers and Call-IDs are made of.
      terms.push("(from_user LIKE ? ESCAPE '\\' OR to_user LIKE ? ESCAPE '\\' OR call_id LIKE ? ESCAPE '\\')");
      params.push(p, p, p);
    }
  }
  return { where: terms.length ? `WHERE ${terms.join(' AND ')}` : '', params, byText };
}

export class CallQueryStore {
  private readonly cache = new Map<string, Stmt>();
  private peer: PeerFunction = (caller, callee) => (caller === '' ? callee : hostOf(caller));

  constructor(private readonly db: Db) {
    // Not deterministic: its answer follows the own-addresses setting (setPeerFunction).
    db.function('ct_peer', { deterministic: false }, (caller: unknown, callee: unknown) => this.peer(String(caller ?? ''), String(callee ?? '')));
  }

  /** Sets how a call's peer is computed (it depends on our own addresses). */
  setPeerFunction(fn: PeerFunction): void {
    this.peer = fn;
  }

  /**
   * The count of a filter, kept until the calls can have changed: scrolling asks a page after
   * page with the same filter, and at a million calls the count (an index walk over every
   * match) would cost more than the page. Any commit by another connection (the import
   * worker) moves PRAGMA data_version; one on this connection moves total_changes().
   */
  private readonly totals = new Map<string, number>();
  private totalsStamp = '';
  private total(where: string, params: unknown[]): number {
    const stamp = `${String(this.db.pragma('data_version', { simple: true }))}/${String(this.stmt('SELECT total_changes()').pluck().get())}`;
    if (stamp !== this.totalsStamp || this.totals.size >= 64) {
      this.totals.clear();
      this.totalsStamp = stamp;
    }
    const key = `${where}\u0000${JSON.stringify(params)}`;
    let n = this.totals.get(key);
    if (n === undefined) {
      n = this.stmt(`SELECT count(*) FROM calls ${where}`).pluck().get(...params) as number;
      this.totals.set(key, n);
    }
    return n;
  }

  /**
   * The total of a filter read from the kept summary counts, when they hold it exactly: the
   * whole list of calls, or calls of some buckets (1–7), of some causes, of some sources or
   * of one peer, and nothing else.
   * At a million calls counting such a filter walks up to a million index entries (0.1–0.2 s
   * on a loaded machine); the counts answer with a few rows. Undefined: count the index —
   * so for any other term too, groupLegs included (the counts hold every leg as a call).
   */
  keptTotal(filter: CallFilter = {}): number | undefined {
    const set = Object.entries(filter).filter(([, v]) => v !== undefined && v !== false && v !== '');
    const sum = (sql: string, values: readonly unknown[]): number => this.stmt(sql).pluck().get(...values) as number;
    if (set.length === 0) return sum('SELECT coalesce(sum(calls), 0) FROM summary_hours', []);
    if (set.length !== 1) return undefined;
    const [key, v] = set[0];
    const list = v as readonly unknown[];
    if (key === 'buckets' && list.length > 0 && list.every((b) => typeof b === 'number' && b >= 1 && b <= 7)) {
      return sum(`SELECT coalesce(sum(calls), 0) FROM summary_hours WHERE bucket IN (${list.map(() => '?').join(', ')})`, list);
    }
    // summary_causes holds the non-empty causes of calls.
    if (key === 'causes' && list.length > 0 && list.every((c) => typeof c === 'string' && c !== '')) {
      return sum(`SELECT coalesce(sum(calls), 0) FROM summary_causes WHERE cause IN (${list.map(() => '?').join(', ')})`, list);
    }
    if (key === 'sourceIds' && list.length > 0 && list.every((id) => Number.isInteger(id))) {
      return sum(`SELECT coalesce(sum(calls), 0) FROM summary_sources WHERE kind = 'call' AND source_id IN (${list.map(() => '?').join(', ')})`, list);
    }
    // summary_pairs holds every call of kind 'call' per (caller, callee) address pair: the
    // pairs whose peer it is add up to the peer's total. Counting the matches instead reads
    // the calls themselves (no index has the pair): 3 s for a peer of a million calls.
    if (key === 'peer' && typeof v === 'string') {
      const pairs = this.stmt('SELECT caller_addr, callee_addr, sum(calls) AS n FROM summary_pairs GROUP BY caller_addr, callee_addr').all() as Array<{ caller_addr: string; callee_addr: string; n: number }>;
      return pairs.reduce((total, p) => (this.peer(p.caller_addr, p.callee_addr) === v ? total + p.n : total), 0);
    }
    return undefined;
  }

  /**
   * The (caller, callee) address pairs whose peer is the filter's, from summary_pairs (which
   * holds every pair of the calls of kind 'call'), or undefined when the filter has no peer or
   * includes non-call dialogs (their pairs are not kept there: the peer is computed per row).
   * Up to 500 pairs; beyond, the per-row function (a bound on the statement's size).
   */
  private peerPairs(filter: CallFilter | undefined): Array<[string, string]> | undefined {
    if (!filter?.peer || filter.includeOther) return undefined;
    const pairs = (this.stmt('SELECT DISTINCT caller_addr, callee_addr FROM summary_pairs WHERE calls > 0').all() as Array<{ caller_addr: string; callee_addr: string }>)
      .filter((p) => this.peer(p.caller_addr, p.callee_addr) === filter.peer)
      .map((p): [string, string] => [p.caller_addr, p.callee_addr]);
    return pairs.length <= 500 ? pairs : undefined;
  }

  private stmt(sql: string): Stmt {
    let s = this.cache.get(sql);
    if (!s) {
      // Filters combine freely; keep the cache bounded rather than one statement per combination ever seen.
      if (this.cache.size >= 256) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /**
   * A page of the list: after/before a cursor (keyset: constant-time at any depth), or at an
   * offset (jumps; an index walk to the target). The total is a count over the filter's index.
   */
  page(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean; offset?: number; limit: number; after?: ListCursor; before?: ListCursor }): { total: number; rows: CallSummary[] } {
    const { where, params, byText } = callFilterSql(q.filter, this.peerPairs(q.filter));
    const total = this.keptTotal(q.filter) ?? this.total(where, params);
    const col = SORT_COLUMN[q.sort ?? 'startUs'];
    if (!col) throw new Error(`unknown sort key ${String(q.sort)}`);
    const { segments, reversed } = listSegments(col, q.descending === true, { after: q.after, before: q.before }, byText);
    const rows: CallRow[] = [];
    let skip = q.after || q.before ? 0 : Math.max(0, q.offset ?? 0);
    for (const seg of segments) {
      const need = q.limit - rows.length;
      if (need <= 0) break;
      const got = this.stmt(segmentSql(CALL_SUMMARY_COLS, where, seg)).all(...params, ...seg.params, need, skip) as CallRow[];
      pushAll(rows, got);
      if (got.length > 0) skip = 0;
      // The jump passed this whole segment: what is left of the offset falls in the next one.
      else if (skip > 0) skip -= this.stmt(`SELECT count(*) FROM calls ${where ? `${where} AND ` : 'WHERE '}${seg.cond}`).pluck().get(...params, ...seg.params) as number;
    }
    if (reversed) rows.reverse();
    return { total, rows: rows.map(toCallSummary) };
  }

  /** The summary of every call (the unfiltered dashboard) from the counts kept in the index. */
  summary(settings: Pick<DiagnosisSettings, 'alertThresholdPct'>, opts: WholeSummaryOptions = {}): Summary {
    return summaryFromAggregates(this.db, this.peer, settings, opts);
  }

  /** Every call matching the filter (for the summary across calls), in time order. */
  all(filter?: CallFilter): CallSummary[] {
    const { where, params } = callFilterSql(filter, this.peerPairs(filter));
    return (this.stmt(`SELECT ${CALL_SUMMARY_COLS} FROM calls ${where} ORDER BY start_us, id`).all(...params) as CallRow[]).map(toCallSummary);
  }

  /** The calls of these row ids (of kind 'call' unless includeOther), in list order: rowid look-ups. */
  byIds(ids: readonly number[], includeOther = false): CallSummary[] {
    if (ids.length === 0) return [];
    const kind = includeOther ? '' : " AND kind = 'call'";
    return (this.stmt(`SELECT ${CALL_SUMMARY_COLS} FROM calls WHERE id IN (SELECT value FROM json_each(?))${kind} ORDER BY start_us, id`).all(JSON.stringify(ids)) as CallRow[]).map(toCallSummary);
  }

  /** EXPLAIN QUERY PLAN of every query of a page (count, then each segment), for tests that pin the indexes. */
  explainPage(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean; after?: ListCursor; before?: ListCursor }): string[] {
    const { where, params, byText } = callFilterSql(q.filter, this.peerPairs(q.filter));
    const plan = (sql: string, p: unknown[]): string[] => (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p) as Array<{ detail: string }>).map((r) => r.detail);
    const out = plan(`SELECT count(*) FROM calls ${where}`, params);
    const { segments } = listSegments(SORT_COLUMN[q.sort ?? 'startUs'], q.descending === true, { after: q.after, before: q.before }, byText);
    for (const seg of segments) pushAll(out, plan(segmentSql(CALL_SUMMARY_COLS, where, seg), [...params, ...seg.params, 100, 0]));
    return out;
  }
}
