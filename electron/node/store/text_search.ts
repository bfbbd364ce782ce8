// A text search at a million calls (issue 13: "any filter or search" in < 150 ms), where the
// matches can be one call or every call of the library.
//
// Rows. Two plans, each fast for one end:
// - driven from the trigram index's matches (call_query.ts): row-id lookups of every match,
//   then a sort of them — cheap for few matches, seconds for a million;
// - the list walk (here): the list's own sort index read in list order, each row tested with
//   a pattern, stopping at the page's last match — cheap when matches are dense, a walk of the
//   whole library when there are few.
// The walk is tried first, over at most `budget` rows: if it fills the page, those rows ARE the
// page (the first `limit` matches in list order, as the other plan would sort them). If not,
// the matches are rare (fewer than a page per `budget` rows) and the trigram plan is cheap.
// Fewer matches than a page's count reads (PAGE_COUNT_CAP) skip the walk: the trigram plan is
// cheap then, and a rare text would read the whole budget for nothing. A jump (an offset) is
// walked too when its page lies in the first segment within the budget.
//
// Total. Counting a million matches takes seconds (every match's row read to apply the other
// terms), so a page carries a count bounded to the first PAGE_COUNT_CAP trigram matches: exact
// when there are fewer, a lower bound otherwise. The exact count is asked for separately
// (countCalls), in chunks of COUNT_CHUNK matches so that pages asked for meanwhile wait at
// most one chunk in the query worker.

import type BetterSqlite3 from 'better-sqlite3';
import { and, type Segment } from './call_list_query.ts';

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;
export type StmtOf = (sql: string) => Stmt;

/** Rows of the list one page's walk may read before giving up on the walk (all segments together). */
export const WALK_BUDGET = 20_000;
/** The trigram matches a page's total is counted over (beyond: a lower bound). */
export const PAGE_COUNT_CAP = 10_000;
/** The trigram matches one countCalls step counts (about 0.1 s at a million calls). */
export const COUNT_CHUNK = 50_000;

/**
 * The document characters FTS5's trigram tokenizer (case_sensitive 0) folds to an ASCII
 * character other than themselves: U+212A KELVIN SIGN -> k, U+017F LATIN SMALL LETTER LONG S -> s.
 * Found by indexing every code point U+0080..U+10FFFF (tripled) in a trigram table and
 * searching every printable ASCII trigram (SQLite 3.53.2); test/store/text_search.test.ts
 * checks the Basic Multilingual Plane again on every run, so a SQLite upgrade that folds more
 * fails there. (U+0130, whose Unicode lowercase is i, is not folded by FTS5.)
 */
export const FOLDED_TO_ASCII: Readonly<Record<string, string>> = { k: '\u212a', s: '\u017f' };

/**
 * A GLOB pattern that matches exactly the texts the trigram index matches for this search
 * text, or undefined when the text is not printable ASCII (then only the trigram plan is exact).
 *
 * Why GLOB and not LIKE: LIKE folds ASCII case only, so a Call-ID holding a KELVIN SIGN would
 * match a search for "k" in the trigram index and not with LIKE. GLOB is case-sensitive, so
 * each letter becomes a class of every character the tokenizer folds to it: [kK\u212A]. The
 * tokenizer folds nothing to a digit or punctuation; those stay literal (GLOB's own `*`, `?`
 * and `[` as one-character classes). Non-ASCII search text is left to the trigram plan rather
 * than reproducing Unicode case folding here.
 */
export function exactGlob(text: string): string | undefined {
  if (!/^[\x20-\x7e]+$/.test(text)) return undefined;
  let p = '*';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    if (lower !== ch.toUpperCase()) p += `[${lower}${ch.toUpperCase()}${FOLDED_TO_ASCII[lower] ?? ''}]`;
    else if (ch === '*' || ch === '?' || ch === '[') p += `[${ch}]`;
    else p += ch;
  }
  return `${p}*`;
}

/** The FTS5 query of a search text: a phrase, matched as a substring. */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** One segment's walk: parameters are the WHERE clause's, the rows to read, the pattern three times, the rows to return and to skip. */
export function walkSql(where: string, order: string): string {
  return `SELECT id FROM (SELECT id, from_user, to_user, call_id FROM calls ${where} ORDER BY ${order} LIMIT ?) WHERE from_user GLOB ? OR to_user GLOB ? OR call_id GLOB ? LIMIT ? OFFSET ?`;
}

export interface WalkArgs {
  /** The filter's terms without the text, indexable (callFilterSql's 'walk' form). */
  where: string;
  params: unknown[];
  /** The list's segments from the top or from a cursor, in reading order (listSegments). */
  segments: Segment[];
  glob: string;
  limit: number;
  /** Matches to skip first (a jump); 0 after a cursor. */
  offset: number;
  budget: number;
}

/**
 * The ids of the page by the list walk, in reading order, or undefined when the walk read
 * `budget` rows without filling the page (the caller then takes the trigram plan).
 *
 * Each segment's rows come from a sub-select in list order with LIMIT (the rows left in the
 * budget): SQLite runs it as a co-routine over the sort index (the outer WHERE prevents
 * flattening, and is not pushed into a sub-select that has a LIMIT), and the outer query
 * reads its rows in that order, stopping at the page's last match. A segment that yields
 * fewer matches than the page asks was either read to its end (then its matches are all of
 * them) or stopped by the budget: one count of the segment's rows, up to the budget, tells.
 */
export function walkPageIds(stmt: StmtOf, a: WalkArgs): number[] | undefined {
  const ids: number[] = [];
  let left = a.budget;
  for (const seg of a.segments) {
    const need = a.limit - ids.length;
    if (need <= 0) break;
    const cond = and(a.where, seg.cond);
    const skip = ids.length === 0 ? a.offset : 0;
    const got = stmt(walkSql(cond, seg.order)).pluck().all(...a.params, ...seg.params, left, a.glob, a.glob, a.glob, need, skip) as number[];
    for (const id of got) ids.push(id);
    if (got.length === need) break;
    // A jump that did not find its whole page in the first segment: how many matches the
    // offset passed there is not known here, so the trigram plan answers (it counts them).
    if (skip > 0) return undefined;
    const read = stmt(`SELECT count(*) FROM (SELECT 1 FROM calls ${cond} LIMIT ?)`).pluck().get(...a.params, ...seg.params, left) as number;
    if (read >= left) return undefined;
    left -= read;
  }
  return ids;
}

const MATCHES = 'SELECT rowid AS r FROM calls_text WHERE calls_text MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?';

/**
 * One run of trigram matches, read once: how many, the last, and the calls among them (the
 * filter's other terms in the LEFT JOIN's ON: a match whose row fails them joins no row).
 * Parameters: the phrase, the id to start after, the matches to read, then the WHERE clause's.
 * (FTS5 does not seek a phrase's matches by row id cheaply — a run far into the matches costs
 * more than one at the start — so the run is read once, not once for its end and once to count.)
 */
export function countSql(where: string): string {
  const terms = where.replace(/^WHERE /, '');
  return `SELECT count(*) AS n, max(m.r) AS last, count(calls.id) AS counted FROM (${MATCHES}) m LEFT JOIN calls ON calls.id = m.r${terms ? ` AND (${terms})` : ''}`;
}

export interface MatchCount {
  /** Calls counted among the trigram matches read. */
  counted: number;
  /** The last trigram match read, when there may be more (ask again after it); null when done. */
  afterId: number | null;
}

/**
 * Counts the calls among the trigram matches with row id > afterId, up to `chunk` matches, in
 * row-id order. `where` is the filter's other terms with their unary + (callFilterSql's
 * 'apart' form): the matches drive (the index's row ids, then one row-id lookup each), never
 * a walk of a (kind, …) index checking every call against them.
 */
export function countMatches(stmt: StmtOf, where: string, params: unknown[], phrase: string, afterId: number, chunk: number): MatchCount {
  const r = stmt(countSql(where)).get(phrase, afterId, chunk, ...params) as { n: number; last: number | null; counted: number };
  return { counted: r.counted, afterId: r.n < chunk ? null : r.last };
}
