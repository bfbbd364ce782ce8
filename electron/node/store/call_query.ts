// The call list the UI pages through: filters, every sort key of the contract, offset/limit
// and the total, as SQL (the list may hold 100 000 calls; nothing is filtered in JS).
//
// Assumptions: the filter arrives validated in shape (the API layer checks types), values
// only ever travel as bound parameters, and column names come from a fixed map. The peer of
// a call depends on the user's own addresses (a setting), so it is an application-defined
// SQL function fed by the caller rather than a stored column that would go stale on every
// settings change.

import type BetterSqlite3 from 'better-sqlite3';
import type { CallCountResume, CallFilter, CallSortKey } from '../../../shared/api/contract.ts';
import { hostOf } from '../../../shared/diagnosis/cidr.ts';
import { CALL_SUMMARY_COLS, toCallSummary, type CallRow, type CallSummary } from './call_summary_row.ts';
import { pushAll } from '../../../shared/util/array_math.ts';
import { and, listSegments, segmentSql, type ListCursor } from './call_list_query.ts';
import { COUNT_CHUNK, PAGE_COUNT_CAP, WALK_BUDGET, countMatches, countSql, exactGlob, ftsPhrase, walkPageIds, walkSql } from './text_search.ts';
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

/**
 * How a text search of 3+ characters enters the WHERE clause: 'in' — as `id IN (trigram
 * matches)`, the other terms kept off the indexes; 'apart' — left out, the other terms kept off
 * the indexes too (the caller joins the matches: countMatches); 'walk' — left out, the other
 * terms as for a list without text (the caller tests each row: walkPageIds).
 */
export type TextTerm = 'in' | 'apart' | 'walk';

/** WHERE clause and parameters for a filter (exported so tests can check the query plan). */
export function callFilterSql(filter: CallFilter = {}, peerPairs?: ReadonlyArray<readonly [string, string]>, textTerm: TextTerm = 'in'): { where: string; params: unknown[]; byText: boolean } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const text = filter.text?.trim();
  // A text search of 3+ characters is answered by the trigram index, and its matches are
  // usually few: the query is driven from them (rowid lookups, then a sort of the matches).
  // A unary + keeps the planner from using an index for the other terms: without statistics
  // it took kind = 'call' on a (kind, …) index and checked every call of the library against
  // the matches (0.3 s for a search that matched nothing, at a million calls).
  const byText = text !== undefined && [...text].length >= 3;
  const c = (col: string): string => (byText && textTerm !== 'walk' ? `+${col}` : col);
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
      // FTS5's query syntax cannot hold a NUL (it ends the query: "unterminated string"), and
      // no number or Call-ID holds one: such a text matches nothing.
      if (text.includes('\u0000')) terms.push('0');
      else if (textTerm === 'in') {
        terms.push('id IN (SELECT rowid FROM calls_text WHERE calls_text MATCH ?)');
        params.push(ftsPhrase(text));
      }
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
  /** Keys (and cap) of the kept totals of text searches with fewer than pageCountCap trigram matches. */
  private readonly fewMatches = new Set<string>();
  private totalsStamp = '';
  /** The data's version: moves on any commit (see totals). */
  private stamp(): string {
    return `${String(this.db.pragma('data_version', { simple: true }))}/${String(this.stmt('SELECT total_changes()').pluck().get())}`;
  }
  /** The kept totals, emptied when the data moved since they were counted. */
  private keptTotals(): Map<string, number> {
    const stamp = this.stamp();
    if (stamp !== this.totalsStamp || this.totals.size >= 64) {
      this.totals.clear();
      this.fewMatches.clear();
      this.totalsStamp = stamp;
    }
    return this.totals;
  }
  private total(where: string, params: unknown[]): number {
    const totals = this.keptTotals();
    const key = `${where}\u0000${JSON.stringify(params)}`;
    let n = totals.get(key);
    if (n === undefined) {
      n = this.stmt(`SELECT count(*) FROM calls ${where}`).pluck().get(...params) as number;
      totals.set(key, n);
    }
    return n;
  }

  /** Rows a text search's list walk may read for one page (tests lower it to reach the other plan). */
  walkBudget = WALK_BUDGET;
  /**
   * Trigram matches a page's total is counted over (fewer: the trigram plan answers the page),
   * and a countStep counts; tests lower them.
   */
  pageCountCap = PAGE_COUNT_CAP;
  countChunk = COUNT_CHUNK;

  /**
   * A text search's total for a page: the kept exact count if one was counted (countStep),
   * else counted over the first PAGE_COUNT_CAP trigram matches — exact when there are no more,
   * a lower bound otherwise (counting a million matches takes seconds: text_search.ts).
   */
  private textTotal(filter: CallFilter | undefined, pairs: Array<[string, string]> | undefined, where: string, params: unknown[]): { total: number; exact: boolean; fewMatches: boolean } {
    const totals = this.keptTotals();
    const key = `${where}\u0000${JSON.stringify(params)}`;
    if (filter?.text?.includes('\u0000')) return { total: 0, exact: true, fewMatches: true };
    const known = totals.get(key);
    // (A count kept by countStep says nothing of the matches' number, only of the calls among them.)
    if (known !== undefined) return { total: known, exact: true, fewMatches: known === 0 || this.fewMatches.has(`${key}\u0000${this.pageCountCap}`) };
    const apart = callFilterSql(filter, pairs, 'apart');
    const first = countMatches((sql) => this.stmt(sql), apart.where, apart.params, ftsPhrase(filter?.text?.trim() ?? ''), 0, this.pageCountCap);
    if (first.afterId !== null) return { total: first.counted, exact: false, fewMatches: false };
    totals.set(key, first.counted);
    this.fewMatches.add(`${key}\u0000${this.pageCountCap}`);
    return { total: first.counted, exact: true, fewMatches: true };
  }

  /**
   * One step of a filter's exact count. Most filters are counted in one step (the kept counts,
   * or one count over the filter's index, ≤ 0.12 s at a million calls). A text search is
   * counted COUNT_CHUNK trigram matches per step, so that pages asked for meanwhile wait at
   * most one step in the query worker: `more` says where to go on (null: `counted` is the
   * total). A step after the library changed starts again from the first match.
   */
  countStep(filter: CallFilter = {}, from?: CallCountResume): { counted: number; more: CallCountResume | null } {
    const kept = this.keptTotal(filter);
    if (kept !== undefined) return { counted: kept, more: null };
    const pairs = this.peerPairs(filter);
    const { where, params, byText } = callFilterSql(filter, pairs);
    if (!byText || filter.text?.includes('\u0000')) return { counted: this.total(where, params), more: null };
    const totals = this.keptTotals();
    const key = `${where}\u0000${JSON.stringify(params)}`;
    const known = totals.get(key);
    if (known !== undefined) return { counted: known, more: null };
    const resume = from && from.version === this.totalsStamp ? from : { counted: 0, afterId: 0, version: this.totalsStamp };
    const apart = callFilterSql(filter, pairs, 'apart');
    const step = countMatches((sql) => this.stmt(sql), apart.where, apart.params, ftsPhrase(filter.text?.trim() ?? ''), resume.afterId, this.countChunk);
    const counted = resume.counted + step.counted;
    if (step.afterId === null) {
      totals.set(key, counted);
      return { counted, more: null };
    }
    return { counted, more: { counted, afterId: step.afterId, version: this.totalsStamp } };
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
   * offset (jumps; an index walk to the target). The total is a count over the filter's index;
   * a text search's may be a lower bound (totalExact false: textTotal, countStep).
   */
  page(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean; offset?: number; limit: number; after?: ListCursor; before?: ListCursor }): { total: number; totalExact: boolean; rows: CallSummary[] } {
    const pairs = this.peerPairs(q.filter);
    const { where, params, byText } = callFilterSql(q.filter, pairs);
    const col = SORT_COLUMN[q.sort ?? 'startUs'];
    if (!col) throw new Error(`unknown sort key ${String(q.sort)}`);
    if (!byText) return { total: this.keptTotal(q.filter) ?? this.total(where, params), totalExact: true, rows: this.segmentRows(q, col, where, params, false).map(toCallSummary) };
    // The total first: it reads up to PAGE_COUNT_CAP matches, and fewer say the trigram plan
    // is cheap (at most that many matches to sort), so the walk is not tried at all — it would
    // read its whole budget for a rare text (35 ms at a million calls) before giving up.
    const t = this.textTotal(q.filter, pairs, where, params);
    const fromCursor = q.after !== undefined || q.before !== undefined;
    // A jump (an offset) is walked too: dense matches put row 5 000 within the budget; a jump
    // further, or into rarer matches, ends the walk and the trigram plan answers.
    const walked = !t.fewMatches ? this.walkRows({ ...q, offset: fromCursor ? 0 : Math.max(0, q.offset ?? 0) }, col, pairs) : undefined;
    const rows = walked ?? this.segmentRows(q, col, where, params, true);
    // A lower bound is at least the rows of the first page.
    const total = t.exact || fromCursor ? t.total : Math.max(t.total, Math.max(0, q.offset ?? 0) + rows.length);
    return { total, totalExact: t.exact, rows: rows.map(toCallSummary) };
  }

  /** A page through the filter's WHERE clause, segment after segment (a text search: driven from its matches). */
  private segmentRows(q: { descending?: boolean; offset?: number; limit: number; after?: ListCursor; before?: ListCursor }, col: string, where: string, params: unknown[], byText: boolean): CallRow[] {
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
    return rows;
  }

  /** A text search's page by the list walk (text_search.ts), or undefined when the walk cannot give it exactly. */
  private walkRows(q: { filter?: CallFilter; descending?: boolean; offset: number; limit: number; after?: ListCursor; before?: ListCursor }, col: string, pairs: Array<[string, string]> | undefined): CallRow[] | undefined {
    const glob = exactGlob(q.filter?.text?.trim() ?? '');
    if (glob === undefined) return undefined;
    const { where, params } = callFilterSql(q.filter, pairs, 'walk');
    const { segments, reversed } = listSegments(col, q.descending === true, { after: q.after, before: q.before });
    const ids = walkPageIds((sql) => this.stmt(sql), { where, params, segments, glob, limit: q.limit, offset: q.offset, budget: this.walkBudget });
    if (!ids) return undefined;
    const byId = new Map((this.stmt(`SELECT ${CALL_SUMMARY_COLS} FROM calls WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as CallRow[]).map((r) => [r.id, r]));
    const rows = ids.map((id) => byId.get(id)!);
    if (reversed) rows.reverse();
    return rows;
  }

  /** EXPLAIN QUERY PLAN of a text search's list walk (each segment's walk), for tests that pin its index. */
  explainWalk(q: { filter: CallFilter; sort?: CallSortKey; descending?: boolean; after?: ListCursor; before?: ListCursor }): string[] {
    const { where, params } = callFilterSql(q.filter, this.peerPairs(q.filter), 'walk');
    const glob = exactGlob(q.filter.text?.trim() ?? '') ?? '*';
    const { segments } = listSegments(SORT_COLUMN[q.sort ?? 'startUs'], q.descending === true, { after: q.after, before: q.before });
    const out: string[] = [];
    for (const seg of segments) {
      pushAll(out, (this.db.prepare(`EXPLAIN QUERY PLAN ${walkSql(and(where, seg.cond), seg.order)}`).all(...params, ...seg.params, 100, glob, glob, glob, 100, 0) as Array<{ detail: string }>).map((r) => r.detail));
    }
    return out;
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

  /** EXPLAIN QUERY PLAN of every query of a page (count, then each segment; a text search: its trigram plan), for tests that pin the indexes. */
  explainPage(q: { filter?: CallFilter; sort?: CallSortKey; descending?: boolean; after?: ListCursor; before?: ListCursor }): string[] {
    const { where, params, byText } = callFilterSql(q.filter, this.peerPairs(q.filter));
    const plan = (sql: string, p: unknown[]): string[] => (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...p) as Array<{ detail: string }>).map((r) => r.detail);
    // A text search's total is counted over its matches (textTotal), joined in their order.
    const apart = byText ? callFilterSql(q.filter, this.peerPairs(q.filter), 'apart') : undefined;
    const out = apart ? plan(countSql(apart.where), ['"x"', 0, 100, ...apart.params]) : plan(`SELECT count(*) FROM calls ${where}`, params);
    const { segments } = listSegments(SORT_COLUMN[q.sort ?? 'startUs'], q.descending === true, { after: q.after, before: q.before }, byText);
    for (const seg of segments) pushAll(out, plan(segmentSql(CALL_SUMMARY_COLS, where, seg), [...params, ...seg.params, 100, 0]));
    return out;
  }
}
