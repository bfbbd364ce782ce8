// The per-second bins BLOB: every value back exactly as the engine produced it, in order.
import { describe, expect, it } from 'vitest';
import { decodeBins, encodeBins } from '../../electron/node/store/bin_codec.ts';

describe('bin codec', () => {
  it('round-trips values exactly, non-finite jitter or delta as NaN (what NULL gave back before)', () => {
    const bins = [
      { second: 1_700_000_000, packets: 50, lost: 0, maxJitterMs: 0.1 + 0.2, maxDeltaMs: 20.000000001 },
      { second: 1_700_000_001, packets: 1, lost: -0, maxJitterMs: Infinity, maxDeltaMs: NaN },
      { second: 4_102_444_800, packets: 2 ** 40, lost: 123456, maxJitterMs: 1e-9, maxDeltaMs: 86_400_000 },
    ];
    const blob = encodeBins(bins);
    expect(blob.byteLength).toBe(3 * 40);
    expect(decodeBins(blob)).toEqual([bins[0], { ...bins[1], maxJitterMs: NaN }, bins[2]]);
    // Little-endian on every host: the first double is the first bin's second.
    expect(new DataView(blob.buffer).getFloat64(0, true)).toBe(1_700_000_000);
  });

  it('reads a BLOB inside a larger buffer (as SQLite hands it out), none, or a damaged one', () => {
    const blob = encodeBins([{ second: 5, packets: 6, lost: 7, maxJitterMs: 8, maxDeltaMs: 9 }]);
    const big = new Uint8Array(blob.length + 13);
    big.set(blob, 5);
    expect(decodeBins(big.subarray(5, 5 + blob.length))).toEqual([{ second: 5, packets: 6, lost: 7, maxJitterMs: 8, maxDeltaMs: 9 }]);
    expect(decodeBins(null)).toEqual([]);
    expect(decodeBins(new Uint8Array(0))).toEqual([]);
    // Not whole bins: the whole ones it holds, nothing invented.
    expect(decodeBins(big.subarray(5, 5 + blob.length + 7))).toHaveLength(1);
  });
});
