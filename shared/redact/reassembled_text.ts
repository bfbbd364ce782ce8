// SIP split over several packets, redacted whole rather than piece by piece: TCP streams and
// IP fragments.
//
// A value can straddle two pieces ("192.168." in one, "1.10" in the next; "Authorization:" in
// one fragment, its digest in the next): redacting each piece alone would miss it. So the
// export's first read of a capture (call_packets.ts, pass 1) also feeds this collector:
// - TCP: it keeps the payload of every segment of the directions that carried the calls' SIP,
//   rebuilds each direction's byte stream by sequence number (retransmissions and overlaps
//   fall on the same bytes) and redacts each contiguous run as one text;
// - IP fragments: the decoder reassembles them (as the importer does); every reassembled UDP
//   datagram that holds SIP is redacted whole and kept under the frames of its fragments.
// The second read then takes each piece's bytes from there — by (direction, sequence number)
// for a segment, by frame and fragment offset for a fragment (PacketRedactor's
// ReassembledText); the whole redacted datagram also gives the UDP checksum of a first fragment.
// Replacements keep their length, so offsets and sequence numbers stay the original's.
//
// Memory: the payload bytes of those TCP directions and of the fragmented SIP datagrams (SIP
// text only; WebSocket directions are left to the per-segment path, their frames being masked).
// A run after a gap (bytes never captured) starts afresh, as the importer's framing does.
//
// Pure (no I/O).

import type { CapturedPacket, L4Segment } from '../model/packet.ts';
import { Stats } from '../model/stats.ts';
import { CaptureReader } from '../engine/capture/capture_reader.ts';
import { PacketDecoder } from '../engine/net/packet_decoder.ts';
import { TcpReassembler } from '../engine/net/tcp_reassembler.ts';
import { latin1Decode, latin1Encode } from '../engine/sip/latin1.ts';
import type { ReassembledText, TcpFlow } from './packet_redactor.ts';
import type { SipTextRedactor } from './sip_text_redactor.ts';

interface Piece { rel: number; bytes: Uint8Array }
interface Run { start: number; bytes: Uint8Array }
interface Direction { isn: number; pieces: Piece[]; runs: Run[] | null }

/** A request or status line: the datagram is SIP. */
const SIP_START = /^(?:SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0\r?\n)/;

export class ReassembledTextCollector {
  private readonly stats = new Stats();
  private readonly reader: CaptureReader;
  private readonly decoder: PacketDecoder;
  private readonly dirs = new Map<string, Direction>();
  /** Frames of the fragments reassembled while decoding the current packet. */
  private pieces: readonly number[] | null = null;
  /** Fragmented SIP datagrams: their UDP payload, under each fragment's frame. */
  private readonly datagrams = new Map<number, { payload: Uint8Array; redacted: Uint8Array | null }>();

  /**
   * `flows`: TcpReassembler.flowKey of each TCP direction to collect. `sipFrames`: the frames
   * of the calls' SIP messages (a reassembled datagram is shown in its last fragment's frame):
   * only those datagrams are kept, not every fragmented SIP datagram of the capture.
   */
  constructor(private readonly flows: ReadonlySet<string>, private readonly sipFrames: ReadonlySet<number>) {
    this.decoder = new PacketDecoder(this.stats, {
      emitSnaplenCut: false,
      onReassembled: (frames) => {
        this.pieces = frames.slice();
      },
    });
    this.reader = new CaptureReader(this.stats, (pkt: CapturedPacket) => {
      this.pieces = null;
      this.decoder.decode(pkt, this.onSegment);
    });
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  private readonly onSegment = (seg: L4Segment): void => {
    if (seg.proto === 'udp' && this.pieces && this.pieces.length > 1 && this.sipFrames.has(seg.frame)) {
      const head = latin1Decode(seg.buf, seg.payloadOff, Math.min(seg.payloadEnd, seg.payloadOff + 200));
      if (SIP_START.test(head)) {
        const d = { payload: seg.buf.slice(seg.payloadOff, seg.payloadEnd), redacted: null };
        for (const f of this.pieces) this.datagrams.set(f, d);
      }
      return;
    }
    if (seg.proto !== 'tcp' || !seg.tcp || seg.payloadEnd <= seg.payloadOff) return;
    const key = TcpReassembler.flowKey(seg.src, seg.srcPort, seg.dst, seg.dstPort);
    if (!this.flows.has(key)) return;
    let d = this.dirs.get(key);
    if (!d) {
      d = { isn: seg.tcp.seq, pieces: [], runs: null };
      this.dirs.set(key, d);
    }
    // Relative to the first sequence number seen, modulo 2^32 (a segment seen before it, a
    // reordering, gets a negative offset).
    let rel = (seg.tcp.seq - d.isn) >>> 0;
    if (rel > 0x80000000) rel -= 0x100000000;
    d.pieces.push({ rel, bytes: seg.buf.slice(seg.payloadOff, seg.payloadEnd) });
  };

  /** Ends the read and redacts everything collected; returns the lookups for the second read. */
  end(text: SipTextRedactor): ReassembledText {
    this.reader.end();
    this.decoder.end();
    for (const d of this.dirs.values()) d.runs = runsOf(d.pieces).map((r) => ({ start: r.start, bytes: latin1Encode(text.redact(latin1Decode(r.bytes))) }));
    for (const d of this.datagrams.values()) d.redacted ??= latin1Encode(text.redact(latin1Decode(d.payload)));
    return { tcp: this.tcpLookup, udpDatagram: (frame) => this.datagrams.get(frame)?.redacted ?? null };
  }

  private readonly tcpLookup = (flow: TcpFlow, seq: number, length: number): Uint8Array | null => {
    const d = this.dirs.get(TcpReassembler.flowKey(flow.src, flow.srcPort, flow.dst, flow.dstPort));
    if (!d?.runs) return null;
    let rel = (seq - d.isn) >>> 0;
    if (rel > 0x80000000) rel -= 0x100000000;
    for (const r of d.runs) {
      if (rel >= r.start && rel + length <= r.start + r.bytes.length) return r.bytes.subarray(rel - r.start, rel - r.start + length);
    }
    return null;
  };
}

/** Contiguous runs of a direction's bytes (the first copy of a byte wins, as tshark's reassembly does). */
function runsOf(pieces: Piece[]): Run[] {
  const sorted = pieces.slice().sort((a, b) => a.rel - b.rel);
  const runs: Run[] = [];
  let start = 0;
  let parts: Uint8Array[] = [];
  let end = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const bytes = new Uint8Array(end - start);
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    runs.push({ start, bytes });
    parts = [];
  };
  for (const p of sorted) {
    const pEnd = p.rel + p.bytes.length;
    if (parts.length === 0 || p.rel > end) {
      flush();
      start = p.rel;
      end = p.rel;
    }
    if (pEnd <= end) continue;
    parts.push(p.bytes.subarray(end - p.rel));
    end = pEnd;
  }
  flush();
  return runs;
}
