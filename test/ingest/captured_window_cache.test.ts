// The CDR import's join reads captured calls a slot (one join window) at a time instead of
// once per row (captured_window_cache.ts). It must give each row exactly the candidates, in
// exactly the order, that the per-row SQL gives (the join takes the first of equally close
// calls, so the order matters), with the window's both ends included, for rows in and out of
// time order, and for a slot too busy to keep.

import { afterEach, describe, expect, it } from 'vitest';
import { CapturedWindowCache } from '../../electron/node/ingest/captured_window_cache.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { capturedFacts } from '../bench/cdr_bench.ts';

const T0 = Date.UTC(2024, 0, 1) * 1000;
const W = 60e6;

let store: IndexStore | null = null;
afterEach(() => {
  store?.close();
  store = null;
});

/** 400 captured calls over 20 minutes, a few of them sharing a start (ties), one CDR-only call beside them. */
function indexWithCaptured(): IndexStore {
  const s = openIndex(':memory:');
  s.transaction(() => {
    const sid = s.beginSource({ path: '/t/c.pcap', name: 'c.pcap', contentHash: 'c'.repeat(64), sizeBytes: 1, format: 'pcap' });
    for (let i = 0; i < 400; i++) {
      const f = capturedFacts(i, 400, 1200);
      // Every tenth call starts exactly where the one before did; some exactly on a slot edge.
      if (i % 10 === 1) f.startUs = capturedFacts(i - 1, 400, 1200).startUs;
      if (i % 50 === 7) f.startUs = T0 + Math.ceil((f.startUs - T0) / W) * W;
      s.insertCall(sid, f);
    }
    s.insertCall(sid, { ...capturedFacts(5, 400, 1200), origin: 'cdr', callId: 'cdr-only' });
    s.finishSource(sid, { status: 'ok', packets: 0, firstUs: null, lastUs: null, stats: [], error: null });
  });
  return s;
}

describe('CapturedWindowCache', () => {
  it('gives every window the same calls in the same order as the SQL search, in and out of time order', () => {
    store = indexWithCaptured();
    const s = store;
    const cache = new CapturedWindowCache(s, W);
    const starts: number[] = [];
    for (let t = T0 - 2 * W; t < T0 + 23 * W; t += 7_345_678) starts.push(t);
    // Exact slot edges and a call's exact start ± the window (both ends are inclusive).
    for (let k = -1; k < 22; k++) starts.push(T0 + k * W);
    const c17 = capturedFacts(17, 400, 1200).startUs;
    starts.push(c17 - W, c17 + W);
    starts.sort((a, b) => a - b);
    // Out of order: the same starts shuffled (deterministically) after the sorted pass.
    const shuffled = starts.map((t, i) => ({ t, k: (i * 7919) % starts.length })).sort((a, b) => a.k - b.k).map((x) => x.t);
    let nonEmpty = 0;
    let readsInOrder = 0;
    for (const [i, t] of [...starts, ...shuffled].entries()) {
      const want = s.inputs.capturedCallsBetween(t - W, t + W);
      expect(cache.between(t - W, t + W)).toEqual(want);
      if (want.length > 0) nonEmpty++;
      if (i === starts.length - 1) readsInOrder = cache.reads;
    }
    expect(nonEmpty).toBeGreaterThan(starts.length);
    // In time order each slot is read once: slots -3 … 23 around the 25 minutes searched.
    expect(readsInOrder).toBe(27);
  });

  it('a slot holding more captured calls than it may keep is searched per window, with the same result', () => {
    store = indexWithCaptured();
    const s = store;
    const cache = new CapturedWindowCache(s, W, 5);
    for (let t = T0; t < T0 + 20 * W; t += 13_000_000) expect(cache.between(t - W, t + W)).toEqual(s.inputs.capturedCallsBetween(t - W, t + W));
  });
});
