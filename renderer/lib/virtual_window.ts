// The windowing of the call list, as plain arithmetic (tested without a DOM). Rows have one
// fixed height, so the row under any pixel is a division: no measuring, no per-row state, and
// the cost of a frame depends on the viewport, never on the number of calls.

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  total: number;
  /** Rows rendered above and below the viewport, so fast scrolling does not show blanks. */
  overscan: number;
}

/** Rows [start, end) to render. */
export interface RowRange {
  start: number;
  end: number;
}

export function visibleRange(w: WindowInput): RowRange {
  if (w.total <= 0 || w.rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, w.scrollTop) / w.rowHeight);
  const last = Math.ceil((Math.max(0, w.scrollTop) + Math.max(0, w.viewportHeight)) / w.rowHeight);
  const start = Math.max(0, Math.min(w.total - 1, first) - w.overscan);
  const end = Math.min(w.total, last + w.overscan);
  return { start, end: Math.max(start, end) };
}

/** Rows fully visible in the viewport (what PgUp / PgDn move by). */
export function rowsPerPage(viewportHeight: number, rowHeight: number): number {
  return Math.max(1, Math.floor(viewportHeight / rowHeight));
}

/** Page indexes [first, last] covering a row range, for pages of pageSize rows. */
export function pagesFor(range: RowRange, pageSize: number): number[] {
  if (range.end <= range.start) return [];
  const out: number[] = [];
  for (let p = Math.floor(range.start / pageSize); p <= Math.floor((range.end - 1) / pageSize); p++) out.push(p);
  return out;
}

/**
 * The scrollTop that brings a row fully into view with the least movement, or null when it
 * already is (so keyboard navigation scrolls only at the edges, like a native list).
 */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

export type NavKey = 'ArrowUp' | 'ArrowDown' | 'PageUp' | 'PageDown' | 'Home' | 'End';

export function isNavKey(key: string): key is NavKey {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'PageUp' || key === 'PageDown' || key === 'Home' || key === 'End';
}

/** The selection after a navigation key; null selection starts at the top (or bottom for ↑/End). */
export function moveSelection(current: number | null, key: NavKey, total: number, pageRows: number): number | null {
  if (total <= 0) return null;
  const last = total - 1;
  const clamp = (i: number): number => Math.max(0, Math.min(last, i));
  if (current === null) return key === 'ArrowUp' || key === 'End' ? last : key === 'PageUp' ? 0 : key === 'Home' ? 0 : 0;
  switch (key) {
    case 'ArrowUp':
      return clamp(current - 1);
    case 'ArrowDown':
      return clamp(current + 1);
    case 'PageUp':
      return clamp(current - pageRows);
    case 'PageDown':
      return clamp(current + pageRows);
    case 'Home':
      return 0;
    case 'End':
      return last;
  }
}

/**
 * Browsers cap an element's height (Chromium near 33.5 M px, Firefox near 17.8 M px). Past
 * MAX_SCROLL_PX the spacer is compressed and scroll positions are scaled, so a list of a
 * million rows still reaches its last row; below it the scale is exactly 1.
 */
export const MAX_SCROLL_PX = 15_000_000;

export function scrollScale(total: number, rowHeight: number): number {
  const full = total * rowHeight;
  return full > MAX_SCROLL_PX ? full / MAX_SCROLL_PX : 1;
}
