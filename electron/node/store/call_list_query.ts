// Paging the call list at a million calls (issue 13): keyset paging for scrolling and an
// index-served offset for jumps, both in the order of the list —
//   sort column in the chosen direction with unknown values (NULL) last, then the row id.
//
// Why two segments: SQLite keeps NULL first in an ascending index, so "ASC NULLS LAST" cannot
// be read off an index (it becomes a temp B-tree sort of every matching call). The list is
// therefore read as [calls with a value, in (column, id) order] then [calls without one, in id
// order]; each segment is one index range (migration 9: (kind, column, id) per sort key), the
// first seeked with a row-value comparison `(column, id) > (?, ?)`, so a page after a cursor
// costs the same at row 10 as at row 990 000.
//
// Jumps (the scrollbar dragged to an arbitrary row) have no cursor: they use OFFSET, which
// walks the index entries before the target (a covering-index walk, no row reads beyond the
// page). Its cost grows with depth but stays an index walk; the renderer uses it only for the
// first page at a jump target and pages on from there with cursors (see page_cache.ts).

import type { CallSortKey } from '../../../shared/api/contract.ts';

/** The position of a row in the list: its sort value (null = unknown) and its id. */
export interface ListCursor {
  value: number | null;
  id: number;
}

/** Sort columns declared NOT NULL: their list has no second segment. */
const NEVER_NULL = new Set(['start_us', 'duration_ms']);

/**
 * Sort columns of few distinct values whose ties go in time order, (column, start_us, id):
 * the filter indexes (kind, bucket | final_status, start_us) then serve the sort too, and
 * no second index per column is written on every insert (issue 13: each index costs a CDR
 * import about 1 µs a row). A cursor stays (value, id): the row's start is read by its id.
 */
const TIES_BY_START = new Set(['bucket', 'final_status']);
const START_OF = '(SELECT start_us FROM calls WHERE id = ?)';

export interface Segment {
  /** Extra WHERE term (ANDed to the filter's) and its parameters. */
  cond: string;
  params: unknown[];
  order: string;
}

/** A WHERE clause with one more term. */
export function and(where: string, cond: string): string {
  return where ? `${where} AND ${cond}` : `WHERE ${cond}`;
}

/** SQL of one segment's page: parameters are the filter's, the segment's, then limit and offset. */
export function segmentSql(cols: string, where: string, seg: Segment): string {
  return `SELECT ${cols} FROM calls ${and(where, seg.cond)} ORDER BY ${seg.order} LIMIT ? OFFSET ?`;
}

/**
 * The segments to read, in the order their rows are returned, for a page of the list that
 * starts after `after`, ends before `before`, or (neither) starts at the top. `reversed` says
 * the rows come back last-first (a page before a cursor) and must be reversed by the caller.
 */
export function listSegments(col: string, descending: boolean, pos: { after?: ListCursor; before?: ListCursor }, unindexed = false): { segments: Segment[]; reversed: boolean } {
  const segs = listSegmentsOf(col, descending, pos);
  if (!unindexed) return segs;
  // A search driven from the trigram index's matches (callFilterSql): the segment's terms
  // filter those matches, and must not lead the planner to walk a sort index instead.
  // (The start of a cursor's row, read by its id, keeps its rowid lookup.)
  const plain = (cond: string): string =>
    cond
      .split(START_OF)
      .map((part) => part.replace(new RegExp(`\\b(${col}|start_us|id)\\b`, 'g'), '+$1'))
      .join(START_OF);
  return { ...segs, segments: segs.segments.map((s) => ({ ...s, cond: plain(s.cond) })) };
}

function listSegmentsOf(col: string, descending: boolean, pos: { after?: ListCursor; before?: ListCursor }): { segments: Segment[]; reversed: boolean } {
  const nullable = !NEVER_NULL.has(col);
  const byStart = TIES_BY_START.has(col);
  const backward = pos.before !== undefined;
  // Reading backward is reading the list in the opposite direction from the cursor.
  const desc = backward ? !descending : descending;
  const dir = desc ? 'DESC' : 'ASC';
  const gt = desc ? '<' : '>';
  const tie = byStart ? `start_us ${dir}, id ${dir}` : `id ${dir}`;
  const values: Segment = { cond: nullable ? `${col} IS NOT NULL` : '1', params: [], order: `${col} ${dir}, ${tie}` };
  const nulls: Segment = { cond: `${col} IS NULL`, params: [], order: tie };
  const cursor = pos.after ?? pos.before;
  // In list order values come before nulls; read backward, nulls come first.
  const inOrder = (a: Segment, b: Segment): Segment[] => (nullable ? (backward ? [b, a] : [a, b]) : [a]);
  if (!cursor) return { segments: inOrder(values, nulls), reversed: backward };
  // A column that is never NULL has no unknown values: a NULL cursor stands past its end.
  if (cursor.value === null && !nullable) return { segments: backward ? [values] : [], reversed: backward };
  if (cursor.value === null) {
    const rest: Segment = byStart
      ? { ...nulls, cond: `${nulls.cond} AND (start_us, id) ${gt} (${START_OF}, ?)`, params: [cursor.id, cursor.id] }
      : { ...nulls, cond: `${nulls.cond} AND id ${gt} ?`, params: [cursor.id] };
    return { segments: backward ? [rest, values] : [rest], reversed: backward };
  }
  const rest: Segment = byStart
    ? { ...values, cond: `${values.cond} AND (${col}, start_us, id) ${gt} (?, ${START_OF}, ?)`, params: [cursor.value, cursor.id, cursor.id] }
    : { ...values, cond: `${values.cond} AND (${col}, id) ${gt} (?, ?)`, params: [cursor.value, cursor.id] };
  return { segments: backward ? [rest] : nullable ? [rest, nulls] : [rest], reversed: backward };
}

/** The cursor of a row for a sort key (the row's field of that name, and its id). */
export function cursorOf(row: { id: number } & Partial<Record<CallSortKey, unknown>>, key: CallSortKey): ListCursor {
  const v = row[key];
  return { value: typeof v === 'number' ? v : null, id: row.id };
}
