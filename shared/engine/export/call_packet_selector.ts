// Pass 1 of a per-call capture export: which frames of the original capture carried the
// chosen calls. Fed the capture's bytes (chunks cut anywhere), it runs the importer's own
// reader and decoder and returns the sorted frame numbers to write, each with its role.
//
// What the index knows, and what this pass adds:
// - every SIP message's frame (CallFacts.messages[].frame: the frame tshark shows it in,
//   ICMP errors quoting it included) — kept as is;
// - an IP datagram reassembled from fragments is shown in its last fragment's frame: the
//   earlier fragments are found here (PacketDecoderOptions.onReassembled);
// - a SIP message over TCP is shown in the segment that completed it: the segments that
//   carried its earlier bytes are found here by reassembling and framing only the TCP
//   directions that carried the calls' SIP (the framer's firstFrame .. frame);
// - RTP by 5-tuple and SSRC within the stream's first..last frame (the index keeps those,
//   not every packet); RTCP by the frames of the reports stored with the call.
// Two passes, not one: a message's earlier fragments and segments are only known once its
// last piece has been read, so a single pass would have to hold undecided packets back and
// reorder them. Here memory is the frame list (8 bytes per selected packet) plus the
// reassembly state of the watched TCP directions, whatever the capture's size.
//
// Pure (no I/O); decoders never throw, and neither does this.

import type { CapturedPacket, L4Segment } from '../../model/packet.ts';
import { Stats } from '../../model/stats.ts';
import { CaptureReader, type CaptureReaderResult } from '../capture/capture_reader.ts';
import { PacketDecoder } from '../net/packet_decoder.ts';
import { TcpReassembler, type TcpDeliver, type TcpEvents } from '../net/tcp_reassembler.ts';
import { parseSipMessage } from '../sip/sip_parser.ts';
import { SipStreamFramer } from '../sip/sip_stream_framer.ts';
import { WebSocketStreamDecoder } from '../sip/websocket_decoder.ts';
import { pushAll } from '../../util/array_math.ts';

/** Why a frame is in the export (a redaction pass rewrites each kind differently). */
export type SelectedKind = 'sip' | 'rtp' | 'rtcp' | 'carrier';
const KINDS: readonly SelectedKind[] = ['sip', 'rtp', 'rtcp', 'carrier'];

export interface RtpStreamKey {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  firstFrame: number;
  lastFrame: number;
}

/** What to look for in one capture: the union over the chosen calls of that source. */
export interface CallPacketSpec {
  /** Call-IDs of the chosen calls (a TCP message completing in a selected frame must carry one). */
  callIds: readonly string[];
  /** Frames of the calls' SIP messages, as stored. */
  sipFrames: readonly number[];
  /** TCP directions (TcpReassembler.flowKey) that carried the calls' SIP over TCP. */
  tcpFlows: readonly string[];
  /**
   * TCP directions of connections that carried the calls' SIP over WebSocket (both directions:
   * tshark needs the Upgrade request and its 101 answer to read the frames as WebSocket).
   */
  wsFlows?: readonly string[];
  rtp: readonly RtpStreamKey[];
  /** Frames of the calls' RTCP reports, as stored. */
  rtcpFrames: readonly number[];
}

export interface SelectedFrames {
  /** Ascending, unique frame numbers. */
  frames: Float64Array;
  /** kinds[i] is the role of frames[i] (index into SelectedKind order: sip, rtp, rtcp, carrier). */
  kinds: Uint8Array;
  /** Stored SIP frames the file no longer holds (e.g. the capture ends earlier): 0 when all are there. */
  sipFramesMissing: number;
  reader: CaptureReaderResult;
}

export function kindName(k: number): SelectedKind {
  return KINDS[k] ?? 'carrier';
}

const K_SIP = 0;
const K_RTP = 1;
const K_RTCP = 2;
const K_CARRIER = 3;

/** TCP segments older than this many deliveries in one unfinished message are let go (bounded memory). */
const MAX_TRACKED_DELIVERIES = 8192;

interface Delivery { frame: number; carriers: readonly number[] }
/** One watched TCP direction: SIP framed by Content-Length, or WebSocket frames (RFC 7118). */
type TcpTrack =
  | { kind: 'sip'; framer: SipStreamFramer; deliveries: Delivery[] }
  | { kind: 'ws'; ws: WebSocketStreamDecoder; deliveries: Delivery[] };

function tupleKey(src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${src}|${srcPort}|${dst}|${dstPort}`;
}

export class CallPacketSelector {
  private readonly stats = new Stats();
  private readonly reader: CaptureReader;
  private readonly decoder: PacketDecoder;
  private readonly tcp: TcpReassembler;
  private readonly sip: Set<number>;
  private readonly rtcp: Set<number>;
  private readonly callIds: Set<string>;
  private readonly rtpByTuple = new Map<string, RtpStreamKey[]>();
  private readonly tcpFlows = new Set<string>();
  private readonly wsFlows = new Set<string>();
  private readonly tcpTracks = new Map<string, TcpTrack>();
  /** Selected frames as frame * 4 + kind, appended in any order and sorted at the end. */
  private sel = new Float64Array(1024);
  private n = 0;
  private seenSip = 0;
  /** Current packet: its frame and the fragments reassembled while decoding it. */
  private frame = 0;
  private fragFrames: number[] | null = null;

  constructor(spec: CallPacketSpec) {
    this.sip = new Set(spec.sipFrames);
    this.rtcp = new Set(spec.rtcpFrames);
    this.callIds = new Set(spec.callIds);
    for (const f of spec.tcpFlows) this.tcpFlows.add(f);
    for (const f of spec.wsFlows ?? []) {
      this.wsFlows.add(f);
      this.tcpFlows.add(f);
    }
    for (const s of spec.rtp) {
      const k = tupleKey(s.src, s.srcPort, s.dst, s.dstPort);
      const list = this.rtpByTuple.get(k);
      if (list) list.push(s);
      else this.rtpByTuple.set(k, [s]);
    }
    // The importer's decoder settings (capture_analyzer.ts), so frames mean the same thing.
    this.decoder = new PacketDecoder(this.stats, {
      reuseSegments: true,
      emitSnaplenCut: true,
      emitIcmpQuotes: true,
      onReassembled: (frames) => {
        pushAll((this.fragFrames ??= []), frames);
      },
    });
    this.tcp = new TcpReassembler(this.stats);
    this.reader = new CaptureReader(this.stats, (pkt) => this.onPacket(pkt));
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  end(): SelectedFrames {
    const res = this.reader.end();
    this.decoder.end();
    this.tcp.end(this.deliver, this.tcpEvents);
    const packed = this.sel.subarray(0, this.n).sort();
    const frames = new Float64Array(packed.length);
    const kinds = new Uint8Array(packed.length);
    let m = 0;
    for (let i = 0; i < packed.length; i++) {
      const frame = Math.floor(packed[i] / 4);
      // Sorted, so the first entry of a frame has its lowest kind: sip wins over carrier.
      if (m > 0 && frames[m - 1] === frame) continue;
      frames[m] = frame;
      kinds[m] = packed[i] - frame * 4;
      m++;
    }
    return { frames: frames.subarray(0, m), kinds: kinds.subarray(0, m), sipFramesMissing: this.sip.size - this.seenSip, reader: res };
  }

  private add(frame: number, kind: number): void {
    if (this.n === this.sel.length) {
      const next = new Float64Array(this.sel.length * 2);
      next.set(this.sel);
      this.sel = next;
    }
    this.sel[this.n++] = frame * 4 + kind;
  }

  private addFragments(): void {
    if (this.fragFrames) for (const f of this.fragFrames) if (f !== this.frame) this.add(f, K_CARRIER);
  }

  private onPacket(pkt: CapturedPacket): void {
    this.frame = pkt.frame;
    this.fragFrames = null;
    this.decoder.decode(pkt, this.onSegment);
    if (this.sip.has(pkt.frame)) {
      this.seenSip++;
      this.add(pkt.frame, K_SIP);
      this.addFragments();
    } else if (this.rtcp.has(pkt.frame)) {
      this.add(pkt.frame, K_RTCP);
      this.addFragments();
    }
  }

  private readonly onSegment = (seg: L4Segment): void => {
    if (seg.proto === 'udp') this.onUdp(seg);
    else if (seg.proto === 'tcp' && this.tcpFlows.size > 0) {
      const key = TcpReassembler.flowKey(seg.src, seg.srcPort, seg.dst, seg.dstPort);
      if (this.tcpFlows.has(key)) this.tcp.push(seg, this.deliver, this.tcpEvents);
    }
  };

  private onUdp(seg: L4Segment): void {
    if (this.rtpByTuple.size === 0) return;
    const list = this.rtpByTuple.get(tupleKey(seg.src, seg.srcPort, seg.dst, seg.dstPort));
    if (!list) return;
    const b = seg.buf;
    const o = seg.payloadOff;
    if (seg.payloadEnd - o < 12 || b[o] >> 6 !== 2) return;
    const ssrc = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
    for (const s of list) {
      if (s.ssrc === ssrc && seg.frame >= s.firstFrame && seg.frame <= s.lastFrame) {
        this.add(seg.frame, K_RTP);
        this.addFragments();
        return;
      }
    }
  }

  // ---- SIP over TCP: which segments carried a selected message ----------------------------

  private track(flowKey: string): TcpTrack {
    let t = this.tcpTracks.get(flowKey);
    if (!t) {
      t = this.wsFlows.has(flowKey)
        ? { kind: 'ws', ws: new WebSocketStreamDecoder(), deliveries: [] }
        : { kind: 'sip', framer: new SipStreamFramer(), deliveries: [] };
      this.tcpTracks.set(flowKey, t);
    }
    return t;
  }

  /** Writes every segment delivered since the message's first byte, if it is one of the chosen calls'. */
  private keepMessage(t: TcpTrack, bytes: Uint8Array, frame: number, firstFrame: number | null): void {
    if (!this.sip.has(frame)) return;
    // Another call's message may complete in the same segment: only the chosen Call-IDs.
    const msg = parseSipMessage(bytes, { frame, tsUs: 0, transport: 'tcp', src: '', srcPort: 0, dst: '', dstPort: 0 });
    if (!msg || !this.callIds.has(msg.callId)) return;
    let i = 0;
    if (firstFrame !== null) {
      i = t.deliveries.length - 1;
      while (i > 0 && t.deliveries[i].frame !== firstFrame) i--;
    }
    for (let j = i; j < t.deliveries.length; j++) for (const f of t.deliveries[j].carriers) this.add(f, K_CARRIER);
  }

  private readonly deliver: TcpDeliver = (flowKey, _dir, bytes, frame, tsUs) => {
    const t = this.track(flowKey);
    // Bytes delivered while their own packet is decoded may come from fragments of it.
    const carriers = frame === this.frame && this.fragFrames ? [frame, ...this.fragFrames] : [frame];
    t.deliveries.push({ frame, carriers });
    if (t.deliveries.length > MAX_TRACKED_DELIVERIES) t.deliveries.splice(0, t.deliveries.length - MAX_TRACKED_DELIVERIES);
    let completed: number;
    let pending: number;
    if (t.kind === 'sip') {
      const messages = t.framer.push(bytes, frame, tsUs);
      for (const m of messages) this.keepMessage(t, m.bytes, m.frame, m.firstFrame);
      completed = messages.length;
      pending = t.framer.pendingBytes;
    } else {
      // The opening handshake is written whole: without it tshark does not read WebSocket.
      const handshake = t.ws.state === 'start' || t.ws.state === 'handshake';
      const messages = t.ws.push(bytes, frame, tsUs);
      if (handshake) for (const f of carriers) this.add(f, K_CARRIER);
      // A WebSocket message starts after the previous boundary (deliveries are trimmed there).
      for (const m of messages) this.keepMessage(t, m.payload, m.frame, null);
      completed = messages.length;
      pending = t.ws.pendingBytes;
    }
    // What is still pending started in this delivery when a message ended in it (the framer's
    // own rule), else it is the message in progress: keep its deliveries.
    if (pending === 0) t.deliveries.length = 0;
    else if (completed > 0) t.deliveries.splice(0, t.deliveries.length - 1);
  };

  private readonly tcpEvents: TcpEvents = {
    // Bytes missing: the message in progress is lost, framing starts afresh (as the importer does).
    gap: (flowKey) => this.tcpTracks.delete(flowKey),
    close: (flowKey) => this.tcpTracks.delete(flowKey),
  };
}
