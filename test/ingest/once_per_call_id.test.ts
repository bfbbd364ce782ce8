// oncePerCallId: a call captured at two points counts once (same Call-ID, From and To users,
// another source, starts within SAME_CALL_WINDOW_US). Checked against the rule written out
// plainly (every row compared with every earlier kept row) on seeded random rows, and on
// the hostile case that made the plain rule quadratic: thousands of dialogs of one key.

import { describe, expect, it } from 'vitest';
import { oncePerCallId, SAME_CALL_WINDOW_US } from '../../electron/node/ingest/diagnose.ts';

interface Row {
  id: number;
  callId: string;
  sourceId: number;
  fromUser: string;
  toUser: string;
  startUs: number;
}

/** The rule as stated: a row goes when an earlier kept row of its key, from another source, started within the window. */
function plainRule(rows: readonly Row[]): Row[] {
  const kept: Row[] = [];
  for (const c of rows) {
    const dup = kept.some((e) => e.callId === c.callId && e.fromUser === c.fromUser && e.toUser === c.toUser && e.sourceId !== c.sourceId && Math.abs(e.startUs - c.startUs) <= SAME_CALL_WINDOW_US);
    if (!dup) kept.push(c);
  }
  return kept;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('oncePerCallId', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('keeps exactly the rows the plain rule keeps (seed %i)', (seed) => {
    const r = rng(seed);
    const rows: Row[] = Array.from({ length: 600 }, (_, id) => ({
      id,
      callId: `c${Math.floor(r() * 8)}`,
      fromUser: `f${Math.floor(r() * 2)}`,
      toUser: 't',
      sourceId: 1 + Math.floor(r() * 4),
      // Starts over ±30 min around one instant, in no order: some pairs in the window, some not.
      startUs: Math.round((r() - 0.5) * 6 * SAME_CALL_WINDOW_US),
    }));
    const want = plainRule(rows).map((x) => x.id);
    expect(want.length).toBeLessThan(rows.length); // the data does exercise the dedupe
    expect(oncePerCallId(rows).map((x) => x.id)).toEqual(want);
  });

  it('a window edge counts as inside (|Δ| = window), one past it does not', () => {
    const base = { callId: 'x', fromUser: 'a', toUser: 'b' };
    const rows: Row[] = [
      { id: 1, sourceId: 1, startUs: 0, ...base },
      { id: 2, sourceId: 2, startUs: SAME_CALL_WINDOW_US, ...base },
      { id: 3, sourceId: 3, startUs: -SAME_CALL_WINDOW_US - 1, ...base },
    ];
    expect(oncePerCallId(rows).map((x) => x.id)).toEqual([1, 3]);
  });

  it('20 000 dialogs of one key in one capture, then twins from another: rows are read a bounded number of times each, not once per earlier row', () => {
    const n = 20_000;
    let reads = 0;
    // Each row counts the reads of its source and start: the work done, without a clock.
    const row = (id: number, sourceId: number, startUs: number): Row => {
      const r = { id, callId: 'same', fromUser: 'a', toUser: 'b' } as Row;
      Object.defineProperty(r, 'sourceId', { get: () => (reads++, sourceId), enumerable: true });
      Object.defineProperty(r, 'startUs', { get: () => (reads++, startUs), enumerable: true });
      return r;
    };
    const rows: Row[] = [];
    // Out of order within the first capture (a descending run), so sorting is exercised too.
    for (let i = 0; i < n; i++) rows.push(row(i, 1, (n - i) * 2 * SAME_CALL_WINDOW_US));
    for (let i = 0; i < 100; i++) rows.push(row(n + i, 2, (i + 1) * 2 * SAME_CALL_WINDOW_US + 5));
    const kept = oncePerCallId(rows);
    // Each twin is within the window of exactly one first-capture row: all 100 go.
    expect(kept.length).toBe(n);
    expect(kept.every((x) => x.id < n)).toBe(true);
    // A handful of reads per row (the plain rule read each earlier row again: about n²/2).
    expect(reads).toBeLessThanOrEqual(8 * rows.length);
  });
});
