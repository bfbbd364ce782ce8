// IP fragment reassembly for IPv4 (RFC 791 §3.2, hole bookkeeping as RFC 815 describes)
// and IPv6 (RFC 8200 §4.5). Datagrams are keyed by (version, src, dst, id[, proto]).
//
// Memory is bounded three ways, all counted: a cap on pending datagrams, a cap on buffered
// bytes (oldest datagram evicted first), and a timeout in *capture* time (RFC 791 suggests
// a timer of the order of 15 s; Linux uses 30 s) since a capture replays hours in seconds.
// Overlapping fragments keep the first copy of each byte (RFC 5722 forbids overlaps for
// IPv6 and Linux drops such datagrams; keeping the first copy still lets SIP be read, and
// the overlap is counted so an attack or a broken stack is visible).
import { copyBytes } from './bytes.ts';
import type { Stats } from '../../model/stats.ts';
import { NET, count } from './net_stats.ts';

export interface FragmentLimits {
  /** Incomplete datagrams kept at once. */
  maxDatagrams: number;
  /** Bytes buffered across all incomplete datagrams. */
  maxBytes: number;
  /** Capture-time lifetime of an incomplete datagram, from its first fragment. */
  timeoutUs: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = {
  maxDatagrams: 4096,
  maxBytes: 32 * 1024 * 1024,
  timeoutUs: 30_000_000,
};

/** Largest reassembled payload: the 16-bit length fields of both versions (no jumbograms). */
const MAX_DATAGRAM = 65535;

interface Piece { off: number; data: Uint8Array; frame: number }

interface Pending {
  firstTs: number;
  pieces: Piece[];
  /** Payload length, known once the last fragment (MF = 0) arrived; -1 before. */
  total: number;
  bytes: number;
  /** Upper protocol; for IPv6 only the offset-0 fragment's Next Header counts (§4.5). */
  proto: number;
}

export interface Reassembled {
  proto: number;
  data: Uint8Array;
  /**
   * Frames whose fragments made the datagram, in arrival order (the completing one last). Only
   * an export needs them (each fragment of a call's SIP is written); fragments are rare, so
   * keeping one number per piece costs the import nothing measurable.
   */
  frames: number[];
}

export class IpReassembler {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  private nextCheckUs = Infinity;
  private readonly limits: FragmentLimits;

  constructor(private readonly stats: Stats, limits?: Partial<FragmentLimits>) {
    this.limits = { ...DEFAULT_FRAGMENT_LIMITS, ...limits };
  }

  get size(): number {
    return this.pending.size;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  /**
   * Adds one fragment (`data` is its payload, a view: copied when kept). Returns the
   * whole payload once every byte from 0 to the end is present, else null.
   */
  add(key: string, offset: number, more: boolean, proto: number, data: Uint8Array,
      frame: number, tsUs: number): Reassembled | null {
    const len = data.length;
    const fEnd = offset + len;
    if (fEnd > MAX_DATAGRAM) { count(this.stats, NET.fragTooBig, frame); return null; }
    // RFC 791 / RFC 8200 §4.5: every fragment but the last carries a multiple of 8 octets.
    if (more && (len & 7) !== 0) { count(this.stats, NET.fragBad, frame); return null; }
    this.expire(tsUs);
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size === 0) this.nextCheckUs = tsUs + this.limits.timeoutUs;
      p = { firstTs: tsUs, pieces: [], total: -1, bytes: 0, proto: -1 };
      this.pending.set(key, p);
    }
    if (!more) {
      if (p.total >= 0 && p.total !== fEnd) { count(this.stats, NET.fragBad, frame); return null; }
      for (const q of p.pieces) {
        if (q.off + q.data.length > fEnd) { count(this.stats, NET.fragBad, frame); return null; }
      }
      p.total = fEnd;
    } else if (p.total >= 0 && fEnd > p.total) {
      count(this.stats, NET.fragBad, frame);
      return null;
    }
    let overlap = false;
    for (const q of p.pieces) {
      const qEnd = q.off + q.data.length;
      if (q.off === offset && qEnd === fEnd) { count(this.stats, NET.fragDuplicate, frame); return null; }
      if (offset < qEnd && q.off < fEnd) overlap = true;
    }
    if (overlap) count(this.stats, NET.fragOverlap, frame);
    if (offset === 0 || p.proto < 0) p.proto = proto;
    p.pieces.push({ off: offset, data: copyBytes(data), frame });
    p.bytes += len;
    this.bytes += len;
    const done = this.complete(p);
    if (done) {
      this.drop(key, p);
      count(this.stats, NET.reassembled, frame);
      return { proto: p.proto, data: done, frames: p.pieces.map((q) => q.frame) };
    }
    this.enforceCaps(key, frame);
    return null;
  }

  /** Drops datagrams older than the timeout at capture time `nowUs` (counted). */
  expire(nowUs: number): void {
    if (nowUs < this.nextCheckUs) return;
    this.nextCheckUs = Infinity;
    for (const [k, p] of this.pending) {
      if (nowUs - p.firstTs >= this.limits.timeoutUs) {
        this.drop(k, p);
        count(this.stats, NET.fragTimeout);
      } else {
        this.nextCheckUs = Math.min(this.nextCheckUs, p.firstTs + this.limits.timeoutUs);
      }
    }
  }

  /** End of capture: whatever is still incomplete will never complete (counted). */
  end(): void {
    if (this.pending.size) {
      count(this.stats, NET.fragIncomplete, undefined, this.pending.size);
    }
    this.pending.clear();
    this.bytes = 0;
    this.nextCheckUs = Infinity;
  }

  private drop(key: string, p: Pending): void {
    this.pending.delete(key);
    this.bytes -= p.bytes;
  }

  private enforceCaps(keep: string, frame: number): void {
    // Map iteration order is insertion order: the first entries are the oldest datagrams.
    for (const [k, p] of this.pending) {
      if (this.pending.size <= this.limits.maxDatagrams && this.bytes <= this.limits.maxBytes) return;
      if (k === keep && this.pending.size === 1) {
        // A single datagram larger than the byte cap: give it up too.
        this.drop(k, p);
        count(this.stats, NET.fragEvicted, frame);
        return;
      }
      if (k === keep) continue;
      this.drop(k, p);
      count(this.stats, NET.fragEvicted, frame);
    }
  }

  private complete(p: Pending): Uint8Array | null {
    if (p.total < 0) return null;
    // Coverage walk over the pieces sorted by offset (RFC 815's hole list, computed lazily).
    const sorted = [...p.pieces].sort((a, b) => a.off - b.off);
    let reached = 0;
    for (const q of sorted) {
      if (q.off > reached) return null; // a hole
      reached = Math.max(reached, q.off + q.data.length);
    }
    if (reached < p.total) return null;
    const out = new Uint8Array(p.total);
    // Write in reverse arrival order so the first copy of an overlapped byte wins.
    for (let i = p.pieces.length - 1; i >= 0; i--) out.set(p.pieces[i].data, p.pieces[i].off);
    return out;
  }
}
