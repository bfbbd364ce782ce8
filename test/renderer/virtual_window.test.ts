import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, moveSelection, pagesFor, rowsPerPage, scrollScale, scrollToReveal, visibleRange } from '../../renderer/lib/virtual_window.ts';

describe('visibleRange', () => {
  const base = { rowHeight: 28, viewportHeight: 560, overscan: 5 };

  it('renders the viewport plus overscan, never the whole list', () => {
    const r = visibleRange({ ...base, scrollTop: 0, total: 100_000 });
    expect(r).toEqual({ start: 0, end: 20 + 5 });
    const mid = visibleRange({ ...base, scrollTop: 28 * 50_000, total: 100_000 });
    expect(mid).toEqual({ start: 50_000 - 5, end: 50_020 + 5 });
    expect(mid.end - mid.start).toBeLessThan(40);
  });

  it('clamps at the end and for short lists', () => {
    expect(visibleRange({ ...base, scrollTop: 28 * 99_990, total: 100_000 })).toEqual({ start: 99_985, end: 100_000 });
    expect(visibleRange({ ...base, scrollTop: 0, total: 3 })).toEqual({ start: 0, end: 3 });
    expect(visibleRange({ ...base, scrollTop: 0, total: 0 })).toEqual({ start: 0, end: 0 });
  });

  it('survives a scrollTop past the end (list shrank under the scrollbar)', () => {
    const r = visibleRange({ ...base, scrollTop: 28 * 1_000, total: 10 });
    expect(r.start).toBeLessThanOrEqual(r.end);
    expect(r.end).toBeLessThanOrEqual(10);
  });
});

describe('pages and reveal', () => {
  it('maps a row range to the pages covering it', () => {
    expect(pagesFor({ start: 0, end: 30 }, 100)).toEqual([0]);
    expect(pagesFor({ start: 95, end: 130 }, 100)).toEqual([0, 1]);
    expect(pagesFor({ start: 200, end: 200 }, 100)).toEqual([]);
  });

  it('scrolls only when the row is outside the viewport', () => {
    expect(scrollToReveal(5, 0, 280, 28)).toBeNull();
    expect(scrollToReveal(10, 0, 280, 28)).toBe(28 * 11 - 280);
    expect(scrollToReveal(2, 280, 280, 28)).toBe(56);
  });

  it('counts whole rows per page', () => {
    expect(rowsPerPage(560, 28)).toBe(20);
    expect(rowsPerPage(10, 28)).toBe(1);
  });

  it('compresses the scroll height only past the browser limit', () => {
    expect(scrollScale(100_000, 28)).toBe(1);
    const s = scrollScale(2_000_000, 28);
    expect((2_000_000 * 28) / s).toBeCloseTo(MAX_SCROLL_PX);
  });
});

describe('moveSelection', () => {
  it('moves with arrows, pages and Home/End, clamped', () => {
    expect(moveSelection(null, 'ArrowDown', 10, 4)).toBe(0);
    expect(moveSelection(null, 'End', 10, 4)).toBe(9);
    expect(moveSelection(3, 'ArrowDown', 10, 4)).toBe(4);
    expect(moveSelection(0, 'ArrowUp', 10, 4)).toBe(0);
    expect(moveSelection(3, 'PageDown', 10, 4)).toBe(7);
    expect(moveSelection(8, 'PageDown', 10, 4)).toBe(9);
    expect(moveSelection(2, 'PageUp', 10, 4)).toBe(0);
    expect(moveSelection(5, 'Home', 10, 4)).toBe(0);
    expect(moveSelection(5, 'End', 10, 4)).toBe(9);
    expect(moveSelection(5, 'End', 0, 4)).toBeNull();
  });
});
