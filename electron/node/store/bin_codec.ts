// A stream's per-second bins as one BLOB on its streams row (schema v4), instead of one row
// per stream-second: a 1 GB capture has ~90 000 stream-seconds, and inserting them as rows
// into a clustered table was ~40 % of the import's index time; a call's timeline now reads
// one value per stream.
//
// Layout: 5 little-endian float64 per bin, in order of `second`: second, packets, lost,
// max jitter (ms), max delta (ms). Doubles hold every value exactly as the engine produced
// it; a non-finite jitter or delta is stored as NaN, which is what the row form gave back for
// its NULL. The byte order is fixed so an index file moves between machines.

import type { StreamBin } from '../../../shared/model/media.ts';

const FIELDS = 5;
const BIN_BYTES = FIELDS * 8;

const finiteOrNaN = (v: number): number => (Number.isFinite(v) ? v : NaN);

export function encodeBins(bins: readonly StreamBin[]): Uint8Array {
  const out = new Uint8Array(bins.length * BIN_BYTES);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const b of bins) {
    dv.setFloat64(o, b.second, true);
    dv.setFloat64(o + 8, b.packets, true);
    dv.setFloat64(o + 16, b.lost, true);
    dv.setFloat64(o + 24, finiteOrNaN(b.maxJitterMs), true);
    dv.setFloat64(o + 32, finiteOrNaN(b.maxDeltaMs), true);
    o += BIN_BYTES;
  }
  return out;
}

/** The bins of a stored BLOB; a damaged one (not whole bins) gives the whole bins it holds. */
export function decodeBins(blob: Uint8Array | null): StreamBin[] {
  if (!blob) return [];
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const n = Math.floor(blob.byteLength / BIN_BYTES);
  const out: StreamBin[] = new Array<StreamBin>(n);
  for (let i = 0, o = 0; i < n; i++, o += BIN_BYTES) {
    out[i] = {
      second: dv.getFloat64(o, true),
      packets: dv.getFloat64(o + 8, true),
      lost: dv.getFloat64(o + 16, true),
      maxJitterMs: dv.getFloat64(o + 24, true),
      maxDeltaMs: dv.getFloat64(o + 32, true),
    };
  }
  return out;
}
