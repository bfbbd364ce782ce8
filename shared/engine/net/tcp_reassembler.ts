// In-order TCP byte streams per connection and direction, for SIP over TCP (RFC 3261 §18.3
// frames messages by Content-Length over the byte stream, so the framer needs the bytes in
// order and must be told where bytes are missing so it can resync).
//
// Sequence numbers are compared with 32-bit serial arithmetic (RFC 9293 §3.4, RFC 1982):
// `(a - b) | 0` is negative when a is before b, so wrap-around needs no special case as long
// as a connection never has 2 GiB in flight.
//
// Assumptions of this stage:
// - A connection first seen without its SYN starts at the first sequence number seen
//   (counted tcp.midstream_start): the framer resyncs on the next SIP start line.
// - Bytes already delivered are dropped (retransmission, counted). Overlapping out-of-order
//   segments keep the first copy of each byte.
// - Holes are waited for while the out-of-order buffer is within bounds; overflow, FIN/RST,
//   a stall longer than `stallUs` of capture time, eviction or end() skip the hole: the
//   missing bytes are counted (tcp.missing_bytes) — in a capture that usually means the
//   capture itself dropped packets (metrics.md "capture loss vs network loss") — and the
//   consumer's gap callback fires before the bytes after the hole are delivered.
// - Memory is bounded: per-direction buffered bytes, total buffered bytes, and the number of
//   connections (least recently used by capture time evicted first).
import { copyBytes } from './bytes.ts';
import { TCP_FIN, TCP_RST, TCP_SYN, endpointKey, type L4Segment } from '../../model/packet.ts';
import type { Severity, Stats } from '../../model/stats.ts';

export interface TcpDir {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

export type TcpDeliver = (flowKey: string, dir: TcpDir, bytes: Uint8Array, frame: number, tsUs: number) => void;

export interface TcpEvents {
  /** `missing` bytes were skipped before the next delivery on this direction. */
  gap?: (flowKey: string, dir: TcpDir, missing: number, frame: number, tsUs: number) => void;
  /** The direction ended (FIN delivered, RST, eviction, reset, end); drop framer state. */
  close?: (flowKey: string, dir: TcpDir, reason: 'fin' | 'rst' | 'evicted' | 'reset' | 'end') => void;
}

export interface TcpReassemblerOptions {
  /** Out-of-order bytes buffered per direction before the first hole is skipped. */
  maxBufferedPerFlow?: number;
  /** Out-of-order bytes buffered across all connections. */
  maxBufferedTotal?: number;
  /** Connections tracked at once (both directions count as one). */
  maxFlows?: number;
  /** Capture time a hole may stay open before it is skipped. */
  stallUs?: number;
}

const DEFAULTS: Required<TcpReassemblerOptions> = {
  maxBufferedPerFlow: 1 << 20,
  maxBufferedTotal: 64 << 20,
  maxFlows: 65536,
  stallUs: 10_000_000,
};

interface Pending { seq: number; data: Uint8Array; frame: number; tsUs: number }

interface Direction {
  key: string;
  dir: TcpDir;
  started: boolean;
  /** Next sequence number to deliver (unsigned 32-bit). */
  next: number;
  /** Out-of-order segments, sorted by sequence (serial order relative to `next`). */
  pending: Pending[];
  buffered: number;
  /** Sequence number of the FIN, once seen; -1 before. */
  finSeq: number;
  closed: boolean;
  /** ISN from the SYN, -1 when started mid-stream: a repeated SYN with it is a retransmission. */
  isn: number;
  /** Capture time the oldest open hole appeared (first out-of-order segment). */
  holeSinceTs: number;
}

interface Conn { key: string; a: Direction; b: Direction | undefined; lastTs: number }

const ST: Record<string, [Severity, string]> = {
  'tcp.retransmission': ['info', 'TCP segment carrying only bytes already delivered (retransmission); dropped'],
  'tcp.overlap': ['info', 'TCP segment partly overlapping bytes already delivered or buffered; overlap dropped'],
  'tcp.out_of_order': ['info', 'TCP segment ahead of the next expected byte; buffered until the hole fills'],
  'tcp.missing_bytes': ['warning', 'Bytes never seen in a TCP stream (sequence holes skipped): usually the capture dropped packets'],
  'tcp.holes': ['warning', 'TCP sequence holes skipped (see tcp.missing_bytes)'],
  'tcp.midstream_start': ['info', 'TCP connection first seen without its SYN; stream starts at the first byte seen'],
  'tcp.flow_evicted': ['warning', 'TCP connection dropped from reassembly because too many connections were open'],
  'tcp.buffer_overflow': ['warning', 'TCP out-of-order buffer full; hole skipped early'],
  'tcp.stall': ['info', 'TCP hole open longer than the stall timeout; skipped'],
  'tcp.data_after_fin': ['info', 'TCP data beyond the FIN of its direction; dropped'],
};

function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpReassembler {
  private readonly conns = new Map<string, Conn>();
  private readonly o: Required<TcpReassemblerOptions>;
  private totalBuffered = 0;

  constructor(private readonly stats: Stats, options: TcpReassemblerOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** Connections currently tracked. */
  get flowCount(): number {
    return this.conns.size;
  }

  /** Out-of-order bytes currently buffered. */
  get bufferedBytes(): number {
    return this.totalBuffered;
  }

  /** Directional key of a segment's stream, as passed to deliver(). */
  static flowKey(src: string, srcPort: number, dst: string, dstPort: number): string {
    return `${endpointKey(src, srcPort)}>${endpointKey(dst, dstPort)}`;
  }

  private stat(key: string, frame?: number, n = 1): void {
    const [sev, desc] = ST[key];
    this.stats.add(key, sev, desc, frame, n);
  }

  push(seg: L4Segment, deliver: TcpDeliver, ev: TcpEvents = {}): void {
    if (seg.proto !== 'tcp' || !seg.tcp) return;
    const { seq, flags } = seg.tcp;
    const d = this.direction(seg, deliver, ev);
    const frame = seg.frame;
    const ts = seg.tsUs;

    if (flags & TCP_RST) {
      // RFC 9293 §3.5.3: RST aborts both directions; hand over what can be handed over.
      // The connection stays known (closed) so late retransmissions are recognised.
      const c = this.conns.get(this.connKey(seg));
      if (c) this.closeConn(c, 'rst', deliver, ev, frame, ts);
      return;
    }

    let dataSeq = seq;
    if (flags & TCP_SYN) {
      // The SYN consumes one sequence number (§3.4). The same ISN again is a retransmitted
      // SYN; another ISN on a used direction is a new connection reusing the ports.
      if (!d.started || d.isn !== seq) {
        if (d.started) {
          this.flush(d, deliver, ev, frame, ts);
          if (!d.closed) ev.close?.(d.key, d.dir, 'reset');
          this.forget(d);
        }
        d.started = true;
        d.isn = seq;
        d.next = (seq + 1) >>> 0;
      }
      dataSeq = (seq + 1) >>> 0;
    } else if (!d.started) {
      d.started = true;
      d.next = seq;
      this.stat('tcp.midstream_start', frame);
    }

    const payload = seg.payload;
    if (flags & TCP_FIN) {
      const fin = (dataSeq + payload.length) >>> 0;
      if (d.finSeq < 0) d.finSeq = fin;
    }
    if (payload.length > 0) this.data(d, dataSeq, payload, frame, ts, deliver, ev);

    if (d.finSeq >= 0 && !d.closed) {
      if (d.pending.length) this.flush(d, deliver, ev, frame, ts); // FIN: nothing more will come
      if (seqDiff(d.next, d.finSeq) >= 0) {
        d.closed = true;
        ev.close?.(d.key, d.dir, 'fin');
      }
    }
    if (d.pending.length && ts - d.holeSinceTs > this.o.stallUs) {
      this.stat('tcp.stall', frame);
      this.flush(d, deliver, ev, frame, ts);
    }
  }

  /** Flushes the direction `flowKey` (skipping holes) and forgets it; a later segment restarts it mid-stream. */
  reset(flowKey: string, deliver: TcpDeliver, ev: TcpEvents = {}): void {
    for (const c of this.conns.values()) {
      for (const d of [c.a, c.b]) {
        if (d && d.key === flowKey) {
          this.flush(d, deliver, ev, undefined, undefined);
          this.forget(d);
          ev.close?.(d.key, d.dir, 'reset');
          return;
        }
      }
    }
  }

  /** End of input: flush every direction, skipping holes, and forget everything. */
  end(deliver: TcpDeliver, ev: TcpEvents = {}): void {
    for (const c of this.conns.values()) this.closeConn(c, 'end', deliver, ev, undefined, undefined, false);
    this.conns.clear();
    this.totalBuffered = 0;
  }

  // ------------------------------------------------------------------ internals

  private connKey(seg: L4Segment): string {
    const x = endpointKey(seg.src, seg.srcPort);
    const y = endpointKey(seg.dst, seg.dstPort);
    return x < y ? `${x} ${y}` : `${y} ${x}`;
  }

  private direction(seg: L4Segment, deliver: TcpDeliver, ev: TcpEvents): Direction {
    const ck = this.connKey(seg);
    let c = this.conns.get(ck);
    const key = TcpReassembler.flowKey(seg.src, seg.srcPort, seg.dst, seg.dstPort);
    if (c) {
      // LRU: Map order is insertion order, so re-inserting moves the connection to the end.
      this.conns.delete(ck);
      this.conns.set(ck, c);
      c.lastTs = seg.tsUs;
    } else {
      while (this.conns.size >= this.o.maxFlows) {
        const oldest = this.conns.values().next().value as Conn;
        this.closeConn(oldest, 'evicted', deliver, ev, seg.frame, seg.tsUs);
        this.stat('tcp.flow_evicted', seg.frame);
      }
      c = { key: ck, a: this.newDir(key, seg), b: undefined, lastTs: seg.tsUs };
      this.conns.set(ck, c);
      return c.a;
    }
    if (c.a.key === key) return c.a;
    if (!c.b) c.b = this.newDir(key, seg);
    return c.b;
  }

  private newDir(key: string, seg: L4Segment): Direction {
    return {
      key,
      dir: { src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort },
      started: false,
      next: 0,
      pending: [],
      buffered: 0,
      finSeq: -1,
      closed: false,
      isn: -1,
      holeSinceTs: 0,
    };
  }

  private data(d: Direction, seq: number, payload: Uint8Array, frame: number, ts: number,
    deliver: TcpDeliver, ev: TcpEvents): void {
    let rel = seqDiff(seq, d.next);
    let bytes = payload;
    if (rel + bytes.length <= 0) { this.stat('tcp.retransmission', frame); return; }
    if (rel < 0) {
      this.stat('tcp.overlap', frame);
      bytes = bytes.subarray(-rel);
      seq = d.next;
      rel = 0;
    }
    if (d.finSeq >= 0) {
      const room = seqDiff(d.finSeq, seq);
      if (room <= 0) { this.stat('tcp.data_after_fin', frame); return; }
      if (bytes.length > room) { this.stat('tcp.data_after_fin', frame); bytes = bytes.subarray(0, room); }
    }
    if (rel === 0) {
      deliver(d.key, d.dir, bytes, frame, ts);
      d.next = (d.next + bytes.length) >>> 0;
      this.drain(d, deliver);
      return;
    }
    this.buffer(d, seq, bytes, frame, ts);
    if (d.buffered > this.o.maxBufferedPerFlow || this.totalBuffered > this.o.maxBufferedTotal) {
      this.stat('tcp.buffer_overflow', frame);
      // Skip holes until the buffer is back under its bound (each skip delivers what follows).
      while (d.pending.length && (d.buffered > this.o.maxBufferedPerFlow / 2 ||
        this.totalBuffered > this.o.maxBufferedTotal)) {
        this.skipOne(d, deliver, ev, frame, ts);
      }
    }
  }

  /** Inserts a copy of an out-of-order segment, trimmed against what is already buffered. */
  private buffer(d: Direction, seq: number, bytes: Uint8Array, frame: number, ts: number): void {
    const p = d.pending;
    if (p.length === 0) d.holeSinceTs = ts;
    const start = seqDiff(seq, d.next);
    const end = start + bytes.length;
    let i = 0;
    while (i < p.length && seqDiff(p[i].seq, d.next) + p[i].data.length <= start) i++;
    // Trim against the neighbours so every buffered byte is stored once (first copy wins).
    let overlapped = false;
    const pieces: Pending[] = [];
    let cur = start;
    for (let j = i; j < p.length && cur < end; j++) {
      const ps = seqDiff(p[j].seq, d.next);
      const pe = ps + p[j].data.length;
      if (ps > cur) {
        const e = Math.min(ps, end);
        pieces.push({ seq: (d.next + cur) >>> 0, data: copyBytes(bytes, cur - start, e - start), frame, tsUs: ts });
      }
      if (pe > cur && ps < end) overlapped = true;
      cur = Math.max(cur, pe);
    }
    if (cur < end) pieces.push({ seq: (d.next + cur) >>> 0, data: copyBytes(bytes, cur - start, end - start), frame, tsUs: ts });
    if (overlapped) {
      this.stat(pieces.length ? 'tcp.overlap' : 'tcp.retransmission', frame);
    } else {
      this.stat('tcp.out_of_order', frame);
    }
    for (const piece of pieces) {
      let k = i;
      const ps = seqDiff(piece.seq, d.next);
      while (k < p.length && seqDiff(p[k].seq, d.next) < ps) k++;
      p.splice(k, 0, piece);
      d.buffered += piece.data.length;
      this.totalBuffered += piece.data.length;
    }
  }

  /** Delivers buffered segments that have become contiguous. */
  private drain(d: Direction, deliver: TcpDeliver): void {
    const p = d.pending;
    while (p.length) {
      const first = p[0];
      const rel = seqDiff(first.seq, d.next);
      if (rel > 0) return;
      p.shift();
      d.buffered -= first.data.length;
      this.totalBuffered -= first.data.length;
      const skip = -rel;
      if (skip < first.data.length) {
        deliver(d.key, d.dir, first.data.subarray(skip), first.frame, first.tsUs);
        d.next = (d.next + first.data.length - skip) >>> 0;
      }
    }
  }

  /** Skips the first hole: counts it, signals the gap, delivers what follows it. */
  private skipOne(d: Direction, deliver: TcpDeliver, ev: TcpEvents, frame: number | undefined, ts: number | undefined): void {
    const first = d.pending[0];
    const missing = seqDiff(first.seq, d.next);
    if (missing > 0) {
      this.stat('tcp.missing_bytes', frame ?? first.frame, missing);
      this.stat('tcp.holes', frame ?? first.frame);
      ev.gap?.(d.key, d.dir, missing, first.frame, ts ?? first.tsUs);
      d.next = first.seq;
    }
    this.drain(d, deliver);
  }

  /** Skips every hole of the direction, delivering all buffered bytes. */
  private flush(d: Direction, deliver: TcpDeliver, ev: TcpEvents, frame: number | undefined, ts: number | undefined): void {
    while (d.pending.length) this.skipOne(d, deliver, ev, frame, ts);
  }

  private forget(d: Direction): void {
    this.totalBuffered -= d.buffered;
    d.pending = [];
    d.buffered = 0;
    d.started = false;
    d.closed = false;
    d.finSeq = -1;
    d.isn = -1;
  }

  private closeConn(c: Conn, reason: 'rst' | 'evicted' | 'end', deliver: TcpDeliver, ev: TcpEvents,
    frame: number | undefined, ts: number | undefined, remove = true): void {
    for (const d of [c.a, c.b]) {
      if (!d) continue;
      this.flush(d, deliver, ev, frame, ts);
      if (!d.closed && d.started) ev.close?.(d.key, d.dir, reason);
      if (reason === 'rst' && d.started) {
        // Keep the direction as closed at its current point: later data is a retransmission.
        d.closed = true;
        d.finSeq = d.next;
      } else {
        this.forget(d);
      }
    }
    if (remove && reason !== 'rst') this.conns.delete(c.key);
  }
}
