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
import { CALL_SUMMARY_COLS, toCallSummary, type CallRow, type CallSummary } from './index_store.ts';
import { pushAll } from '../../../shared/util/array_math.ts';

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
export function callFilterSql(filter: CallFilter = {}): { where: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const inList = (col: string, values: readonly unknown[]): void => {
    terms.push(`${col} IN (${values.map(() => '?').join(', ')})`);
    pushAll(params, values);
  };
  if (!filter.includeOther) terms.push("kind = 'call'");
  if (filter.sourceIds) {
    if (filter.sourceIds.length === 0) terms.push('0');
    else inList('source_id', filter.sourceIds);
  }
  if (filter.buckets) {
    // Bucket 0 is "not classifiable": a verdict with no bucket (capture_ended / in_progress).
    const real = filter.buckets.filter((b) => b !== 0);
    const alt: string[] = [];
    if (real.length > 0) {
      alt.push(`bucket IN (${real.map(() => '?').join(', ')})`);
      pushAll(params, real);
    }
    if (filter.buckets.includes(0)) alt.push('(bucket IS NULL AND cause IS NOT NULL)');
    terms.push(alt.length === 0 ? '0' : alt.length === 1 ? alt[0] : `(${alt.join(' OR ')})`);
  }
  if (filter.causes) {
    if (filter.causes.length === 0) terms.push('0');
    else inList('cause', filter.causes);
  }
  if (filter.finalStatuses) {
    if (filter.finalStatuses.length === 0) terms.push('0');
    else inList('final_status', filter.finalStatuses);
  }
  if (filter.peer !== undefined && filter.peer !== '') {
    terms.push('ct_peer(caller_addr, callee_addr) = ?');
    params.push(filter.peer);
  }
  // [fromUs, toUs): an hour of the dashboard is [hourStart, hourStart + 1 h).
  if (filter.fromUs !== undefined) {
    terms.push('start_us >= ?');
    params.push(filter.fromUs);
  }
  if (filter.toUs !== undefined) {
    terms.push('start_us < ?');
    params.push(filter.toUs);
  }
  // Grouped legs: a leg downstream of a standing link is shown under its end-to-end call's
  // first row, not as a row of its own (leg_links_to makes this one index probe per call).
  if (filter.groupLegs) terms.push('NOT EXISTS (SELECT 1 FROM leg_links l WHERE l.to_row = calls.id AND l.undone_at IS NULL)');
  const text = filter.text?.trim();
  if (text) {
    const p = likePattern(text);
    // LIKE is case-insensitive for ASCII, which is what numbers and Call-IDs are made of.
    terms.push("(from_user LIKE ? ESCAPE '\\' OR to_user LIKE ? ESCAPE '\\' OR call_id LIKE ? ESCAPE '\\')");
    params.push(p, p, p);
  }
  return { where: terms.length ? `WHERE ${terms.join(' AND ')}` : '', params };
}

/** The page query (exported for the plan test). Parameters: the filter's, then limit, offset. */
export function callPageSql(where: string, sort: CallSortKey = 'startUs', descending = false): string {
  const col = SORT_COLUMN[sort];
  if (!col) throw new Error(`unknown sort key ${String(sort)}`);
  const dir = descending ? 'DESC' : 'ASC';
  // Unknown values (no stream → no MOS) sort last either way; the id keeps pages stable.
  const nulls = col === 'start_us' ? '' : ' NULLS LAST';
  return `SELECT ${CALL_SUMMARY_COLS} FROM calls ${where} ORDER BY ${col} ${dir}${nulls}, id ${dir} LIMIT ? OFFSET ?`;
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

  page(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean; offset: number; limit: number }): { total: number; rows: CallSummary[] } {
    const { where, params } = callFilterSql(q.filter);
    const total = this.stmt(`SELECT count(*) FROM calls ${where}`).pluck().get(...params) as number;
    const rows = this.stmt(callPageSql(where, q.sort, q.descending)).all(...params, q.limit, q.offset) as CallRow[];
    return { total, rows: rows.map(toCallSummary) };
  }

  /** Every call matching the filter (for the summary across calls), in time order. */
  all(filter?: CallFilter): CallSummary[] {
    const { where, params } = callFilterSql(filter);
    return (this.stmt(`SELECT ${CALL_SUMMARY_COLS} FROM calls ${where} ORDER BY start_us, id`).all(...params) as CallRow[]).map(toCallSummary);
  }

  /** EXPLAIN QUERY PLAN of the page query, for tests that pin the indexes. */
  explainPage(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean }): string[] {
    const { where, params } = callFilterSql(q.filter);
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${callPageSql(where, q.sort, q.descending)}`).all(...params, 100, 0) as Array<{ detail: string }>;
    return rows.map((r) => r.detail);
  }
}
