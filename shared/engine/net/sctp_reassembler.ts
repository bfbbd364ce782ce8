// SCTP user-message reassembly (RFC 9260 §6.9): a message larger than the path MTU is sent as
// DATA chunks with consecutive TSNs, B flag on the first, E on the last. SIP-I INVITEs with
// ISUP bodies are routinely fragmented this way. Chunks are keyed per association direction
// and stream; memory is bounded by a count and byte cap (oldest dropped) and a capture-time
// timeout, all counted. I-DATA (RFC 8260) fragments are ordered by MID/FSN instead: not handled.
import { copyBytes } from './bytes.ts';
import type { Stats } from '../../model/stats.ts';
import { NET, count } from './net_stats.ts';
import { SCTP_FLAG_B, SCTP_FLAG_E } from './sctp.ts';

interface Frag { flags: number; data: Uint8Array; firstTs: number; frame: number }

export interface SctpReassemblyLimits {
  maxFragments: number;
  maxBytes: number;
  timeoutUs: number;
}

const DEFAULTS: SctpReassemblyLimits = { maxFragments: 4096, maxBytes: 16 * 1024 * 1024, timeoutUs: 30_000_000 };

export class SctpReassembler {
  /** key "<direction>|<stream>|<tsn>" → fragment; Map order = arrival order, for eviction. */
  private readonly frags = new Map<string, Frag>();
  private bytes = 0;
  private readonly o: SctpReassemblyLimits;

  constructor(private readonly stats: Stats, limits?: Partial<SctpReassemblyLimits>) {
    this.o = { ...DEFAULTS, ...limits };
  }

  /**
   * Frames whose DATA chunks made the message add() returned last, in TSN order (for an export
   * that writes every packet of a selected message; fragmented messages are rare).
   */
  lastMessageFrames: number[] = [];

  get size(): number {
    return this.frags.size;
  }

  /** Adds a fragment (data is copied); returns the whole message once B…E are all present. */
  add(dirKey: string, streamId: number, tsn: number, flags: number, data: Uint8Array, frame: number, tsUs: number): Uint8Array | null {
    this.expire(tsUs, frame);
    const base = `${dirKey}|${streamId}|`;
    const key = base + tsn;
    if (this.frags.has(key)) { count(this.stats, NET.sctpDuplicate, frame); return null; }
    this.frags.set(key, { flags, data: copyBytes(data), firstTs: tsUs, frame });
    this.bytes += data.length;
    // Walk back to the B fragment and forward to the E fragment over consecutive TSNs.
    let first = tsn;
    let f = this.frags.get(key)!;
    const parts: Frag[] = [f];
    while (!(f.flags & SCTP_FLAG_B)) {
      const prev = (first - 1) >>> 0;
      const g = this.frags.get(base + prev);
      if (!g || g.flags & SCTP_FLAG_E) { this.enforce(frame); return null; }
      parts.unshift(g); first = prev; f = g;
    }
    let last = tsn;
    f = parts[parts.length - 1];
    while (!(f.flags & SCTP_FLAG_E)) {
      const nx = (last + 1) >>> 0;
      const g = this.frags.get(base + nx);
      if (!g || g.flags & SCTP_FLAG_B) { this.enforce(frame); return null; }
      parts.push(g); last = nx; f = g;
    }
    let n = 0;
    for (const p of parts) n += p.data.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0, t = first; i < parts.length; i++, t = (t + 1) >>> 0) {
      out.set(parts[i].data, o);
      o += parts[i].data.length;
      this.frags.delete(base + t);
      this.bytes -= parts[i].data.length;
    }
    count(this.stats, NET.sctpReassembled, frame);
    this.lastMessageFrames = parts.map((p) => p.frame);
    return out;
  }

  end(): void {
    if (this.frags.size) count(this.stats, NET.sctpFragmentDropped, undefined, this.frags.size);
    this.frags.clear();
    this.bytes = 0;
  }

  private expire(now: number, frame: number): void {
    for (const [k, f] of this.frags) {
      if (now - f.firstTs < this.o.timeoutUs) break; // arrival order ≈ time order
      this.frags.delete(k);
      this.bytes -= f.data.length;
      count(this.stats, NET.sctpFragmentDropped, frame);
    }
  }

  private enforce(frame: number): void {
    for (const [k, f] of this.frags) {
      if (this.frags.size <= this.o.maxFragments && this.bytes <= this.o.maxBytes) return;
      this.frags.delete(k);
      this.bytes -= f.data.length;
      count(this.stats, NET.sctpFragmentDropped, frame);
    }
  }
}
