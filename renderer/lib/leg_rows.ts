// The call list with legs grouped: an end-to-end call is one row (its first leg's), and
// expanding it shows its legs as rows under it. The list's windowing counts rows of one
// height, so an expanded call adds its legs to the row positions: these functions map a
// position on screen to a row of the query (or a leg under one) and back, in time that grows
// with the number of expanded calls, not with the number of calls.

export interface ExpandedRow {
  /** The query's row index of the end-to-end call. */
  index: number;
  /** How many leg rows are shown under it. */
  legs: number;
}

export type ScreenRow = { kind: 'row'; index: number } | { kind: 'leg'; index: number; leg: number };

/** Expanded rows in index order (the functions below walk them in that order). */
export function sortExpanded(rows: Iterable<ExpandedRow>): ExpandedRow[] {
  return [...rows].filter((r) => r.legs > 0).sort((a, b) => a.index - b.index);
}

/** Screen positions in all: the query's rows plus every expanded call's legs. */
export function screenTotal(total: number, expanded: readonly ExpandedRow[]): number {
  let n = total;
  for (const e of expanded) if (e.index < total) n += e.legs;
  return n;
}

/** What is shown at a screen position. `expanded` sorted (sortExpanded). */
export function screenRow(pos: number, expanded: readonly ExpandedRow[]): ScreenRow {
  let offset = 0;
  for (const e of expanded) {
    const at = e.index + offset;
    if (pos <= at) break;
    if (pos <= at + e.legs) return { kind: 'leg', index: e.index, leg: pos - at - 1 };
    offset += e.legs;
  }
  return { kind: 'row', index: pos - offset };
}

/** The screen position of a query row. `expanded` sorted (sortExpanded). */
export function screenPos(index: number, expanded: readonly ExpandedRow[]): number {
  let pos = index;
  for (const e of expanded) {
    if (e.index >= index) break;
    pos += e.legs;
  }
  return pos;
}
