// Hostile-input checks shared by the per-decoder tests: a frame cut at every byte offset, and
// random bytes, must never throw; a cut is counted, never emitted as a half segment.
import { expect } from 'vitest';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { pkt } from './helpers.ts';

/**
 * The whole frame decodes cleanly; every prefix shorter than `upTo` (default: the frame; less
 * when trailing bytes such as padding or an FCS follow the datagram) is counted and emits nothing.
 */
export function expectEveryCutCounted(linkType: number, full: Uint8Array, upTo = full.length): void {
  const stats = new Stats();
  const dec = new PacketDecoder(stats);
  const whole: L4Segment[] = [];
  dec.decode(pkt(linkType, full), (s) => whole.push(s));
  expect(whole).toHaveLength(1);
  expect(stats.list()).toEqual([]);
  for (let n = 0; n < upTo; n++) {
    const before = stats.list().reduce((a, s) => a + s.count, 0);
    const got: L4Segment[] = [];
    // A snap length cut (origLen = the whole frame) and a corrupt short frame (origLen = n).
    expect(() => dec.decode(pkt(linkType, full.subarray(0, n), 1, 0, full.length), (s) => got.push(s))).not.toThrow();
    expect(() => dec.decode(pkt(linkType, full.subarray(0, n), 1, 0, n), (s) => got.push(s))).not.toThrow();
    expect(got, `cut at ${n}`).toEqual([]);
    expect(stats.list().reduce((a, s) => a + s.count, 0), `cut at ${n}`).toBeGreaterThanOrEqual(before + 2);
  }
}

/** xorshift32: deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** Byte flips in the given frames, and cuts of the flipped frames, never throw. */
export function expectFlipsNeverThrow(linkType: number, frames: Uint8Array[], seed: number, rounds = 5000): void {
  const r = rng(seed);
  const dec = new PacketDecoder(new Stats(), { emitSnaplenCut: true });
  for (let i = 0; i < rounds; i++) {
    const b = Uint8Array.from(frames[r() % frames.length]);
    const flips = 1 + (r() % 4);
    for (let k = 0; k < flips; k++) b[r() % b.length] = r() & 0xff;
    const cut = r() % 4 === 0 ? b.subarray(0, r() % b.length) : b;
    expect(() => dec.decode(pkt(linkType, cut, i + 1, i * 1000, b.length), () => {})).not.toThrow();
  }
  dec.end();
}
