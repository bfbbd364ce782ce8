// Printable IP addresses, cached. Every packet of a multi-GB capture needs two of these,
// and calls reuse a handful of addresses, so a small cache turns formatting into a lookup
// and makes equal addresses the same string instance (cheap Map keys downstream).

const HEX = '0123456789abcdef';

/** Dotted-quad IPv4 from 4 bytes at `o`. */
export function ipv4ToString(b: Uint8Array, o = 0): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function hex16(v: number): string {
  // RFC 5952 §4.1 no leading zeros, §4.3 lowercase.
  if (v < 0x10) return HEX[v];
  return v.toString(16);
}

/** RFC 5952 canonical text form of the 16 bytes at `o`. */
export function ipv6ToString(b: Uint8Array, o = 0): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) g[i] = (b[o + 2 * i] << 8) | b[o + 2 * i + 1];
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad (::ffff:192.0.2.1).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(b, o + 12)}`;
  }
  // RFC 5952 §4.2: compress the longest run of ≥ 2 zero groups, the first one on a tie;
  // a single zero group is never compressed.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return g.map(hex16).join(':');
  const head = g.slice(0, bestStart).map(hex16).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex16).join(':');
  return `${head}::${tail}`;
}

const V4_CACHE_MAX = 1 << 16;
const V4_SLOTS = 1024; // direct-mapped front of the IPv4 cache, power of two
const V6_SLOTS = 4096; // direct-mapped, power of two

/**
 * Caching formatter. IPv4: Map keyed by the 32-bit value (cleared when full, so memory
 * stays bounded on scans). IPv6: direct-mapped table keyed by a hash of the 16 bytes;
 * a hit compares the bytes, so no key string is built on the hot path.
 */
export class AddressFormatter {
  private readonly v4 = new Map<number, string>();
  private readonly v4SlotKey = new Int32Array(V4_SLOTS);
  private readonly v4SlotStr: (string | undefined)[] = new Array<string | undefined>(V4_SLOTS).fill(undefined);
  private readonly v6Bytes = new Uint8Array(V6_SLOTS * 16);
  private readonly v6Str: (string | undefined)[] = new Array<string | undefined>(V6_SLOTS);

  v4At(b: Uint8Array, o: number): string {
    // First a direct-mapped table indexed by the low bits (hosts of a capture differ there):
    // an Int32Array compare instead of a Map lookup, which showed at 4–5 % of a G.711 import.
    const k32 = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    const slot = (k32 ^ (k32 >>> 12)) & (V4_SLOTS - 1);
    const hit = this.v4SlotStr[slot];
    if (hit !== undefined && this.v4SlotKey[slot] === k32) return hit;
    const k = k32 >>> 0;
    let s = this.v4.get(k);
    if (s === undefined) {
      if (this.v4.size >= V4_CACHE_MAX) this.v4.clear();
      s = ipv4ToString(b, o);
      this.v4.set(k, s);
    }
    this.v4SlotKey[slot] = k32;
    this.v4SlotStr[slot] = s;
    return s;
  }

  v6At(b: Uint8Array, o: number): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ b[o + i], 0x01000193);
    const slot = (h >>> 0) & (V6_SLOTS - 1);
    const base = slot * 16;
    const cached = this.v6Str[slot];
    if (cached !== undefined) {
      let same = true;
      for (let i = 0; i < 16; i++) {
        if (this.v6Bytes[base + i] !== b[o + i]) { same = false; break; }
      }
      if (same) return cached;
    }
    const s = ipv6ToString(b, o);
    for (let i = 0; i < 16; i++) this.v6Bytes[base + i] = b[o + i];
    this.v6Str[slot] = s;
    return s;
  }
}
