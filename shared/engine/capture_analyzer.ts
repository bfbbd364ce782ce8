// The engine for one capture file: byte chunks in, finished calls out.
//
//   chunks ─► CaptureReader ─► PacketDecoder (link, IP + reassembly, tunnels, L4)
//          ─► UDP: HEP │ SIP │ RTP/RTCP (SDP-announced, else heuristic)
//          ─► TCP: reassembly ─► TLS (reported) │ WebSocket │ SIP framing
//          ─► SCTP: SIP
//          ─► ICMP errors: the SIP they quote (counted on its call, marked quoted)
//          ─► CallState per Call-ID + MediaTracker ─► CallFacts ─► sink
//
// Pure and synchronous (no I/O): the CLI, the ingest worker and the tests drive it alike.
// Memory is bounded by live calls, not by file size: a call is handed to the sink once it
// has ended (BYE/CANCEL answered, final error) and stayed idle for FINISH_IDLE_US of capture
// time, so the index sees calls while a long capture is still being read.

import type { CallFacts } from '../model/call.ts';
import type { CaptureCoverage, CaptureWindow } from '../model/capture.ts';
import type { RtcpReport, RtpStreamStats } from '../model/media.ts';
import type { CapturedPacket, L4Segment } from '../model/packet.ts';
import type { SipMessage, SipTransport } from '../model/sip.ts';
import { Stats } from '../model/stats.ts';
import { buildCallFacts } from './calls/call_facts.ts';
import { CallState } from './calls/call_state.ts';
import { filterExcludesMedia } from './capture/capture_filter.ts';
import { CaptureReader, type CaptureReaderResult } from './capture/capture_reader.ts';
import { MAX_STREAMS_PER_CALL, MAX_UNASSOCIATED_RTCP, MAX_UNASSOCIATED_STREAMS, MediaTracker } from './media/media_tracker.ts';
import { PacketDecoder } from './net/packet_decoder.ts';
import { TcpReassembler, type TcpDeliver, type TcpEvents } from './net/tcp_reassembler.ts';
import { looksLikeRtcp, looksLikeRtp, newRtpHeader, parseRtpHeaderInto } from './rtp/rtp_parser.ts';
import { parseRtcpCompound } from './rtp/rtcp_parser.ts';
import { decodeHep } from './sip/hep_decoder.ts';
import { parseQuotedSip } from './sip/quoted_sip.ts';
import { looksLikeSip, parseSipMessage } from './sip/sip_parser.ts';
import { mayBeSip } from './sip/sip_start_line.ts';
import { SipStreamFramer } from './sip/sip_stream_framer.ts';
import { WebSocketStreamDecoder } from './sip/websocket_decoder.ts';

export interface AnalyzerOptions {
  /** Silences longer than this are gaps (metrics.md default 200 ms). */
  gapThresholdMs?: number;
  /** zlib inflate for compressed HEP payloads; shared/ cannot import zlib, the caller injects it. */
  inflate?: (bytes: Uint8Array) => Uint8Array | null;
}

export interface AnalyzedCall {
  facts: CallFacts;
  /** Raw SIP text, index-aligned with facts.messages. */
  rawMessages: string[];
  /** Transport of each message, index-aligned with facts.messages. */
  transports: SipTransport[];
  rtcp: RtcpReport[];
}

export interface AnalyzerSink {
  call(call: AnalyzedCall): void;
  unassociatedStream(stream: RtpStreamStats): void;
  unassociatedRtcp(report: RtcpReport): void;
}

export interface AnalyzerSummary extends CaptureReaderResult {
  calls: number;
  sipMessages: number;
  stats: Stats;
  coverage: CaptureCoverage;
}

function consumerKey(flowKey: string, dir: { src: string; srcPort: number }): string {
  return `${flowKey}|${dir.src}|${dir.srcPort}`;
}

/** RFC 6455 §4: the client's `GET … Upgrade: websocket` or the server's `HTTP/1.1 101`. */
function isWebSocketHandshake(b: Uint8Array): boolean {
  const n = Math.min(b.length, 2048);
  let head = '';
  for (let i = 0; i < n; i++) head += String.fromCharCode(b[i]);
  return (head.startsWith('GET ') || head.startsWith('HTTP/1.1 101')) && /upgrade:\s*websocket/i.test(head);
}

/** A call that ended is finished once idle this long (RFC 3261 Timer B/F: 64·T1 = 32 s). */
const FINISH_IDLE_US = 32e6;
/**
 * Dialogs that never end (REGISTER refreshes, OPTIONS pings, calls whose BYE was not
 * captured) stay until the capture ends, so a capture with broken timestamps (jumps of
 * years exist in the corpus) still groups every message of a Call-ID. Only when this many
 * are live at once are the least recently active ones finished early, to bound memory.
 */
const MAX_LIVE_DIALOGS = 50_000;
/** UDP ports whose own protocols tshark tries before its RTP heuristic; never RTP here. */
const NOT_MEDIA_PORTS = new Set([53, 67, 68, 69, 123, 137, 138, 161, 162, 500, 514, 520, 1900, 3478, 4500, 5353, 5355, 9060]);

type TcpConsumer =
  | { kind: 'undecided' }
  | { kind: 'sip'; framer: SipStreamFramer }
  | { kind: 'ws'; decoder: WebSocketStreamDecoder }
  | { kind: 'tls' }
  | { kind: 'other' };

export class CaptureAnalyzer {
  readonly stats = new Stats();
  private readonly reader: CaptureReader;
  private readonly decoder: PacketDecoder;
  private readonly tcp: TcpReassembler;
  private readonly media: MediaTracker;
  private readonly calls = new Map<string, CallState>();
  /** Calls that have ended, waiting to go idle: the per-second sweep only looks at these. */
  private readonly endedCalls = new Set<CallState>();
  private readonly tcpConsumers = new Map<string, TcpConsumer>();
  private readonly gapThresholdMs: number;
  /** Reused for every RTP packet (the analyzers read it and keep nothing of it). */
  private readonly rtpHeader = newRtpHeader();
  private nowUs = 0;
  private nextSweepUs = 0;
  private callsOut = 0;
  private sipMessages = 0;
  /** Calls that carried any RTP or RTCP: none at all, with no filter recorded, means signalling-only. */
  private callsWithMedia = 0;
  /** The reader's result once the file has ended: the recording's window is known from then on. */
  private readerResult: CaptureReaderResult | null = null;

  constructor(
    private readonly sink: AnalyzerSink,
    private readonly options: AnalyzerOptions = {},
  ) {
    this.gapThresholdMs = options.gapThresholdMs ?? 200;
    this.media = new MediaTracker(this.gapThresholdMs);
    // Nothing below keeps a segment past its callback (bytes that must outlive it are
    // copied), so one segment object serves the whole capture.
    // Snaplen-cut datagrams come through flagged `truncated`: their RTP/RTCP headers still count.
    // ICMP errors come through as the UDP datagram they quote (proto 'icmp'): SIP in a quote
    // is counted on its call as tshark counts it, marked quoted, never as a transmission.
    this.decoder = new PacketDecoder(this.stats, { reuseSegments: true, emitSnaplenCut: true, emitIcmpQuotes: true });
    this.tcp = new TcpReassembler(this.stats);
    this.reader = new CaptureReader(this.stats, (pkt) => this.onPacket(pkt));
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Packets read so far, for progress reports while the file is still being read. */
  get packets(): number {
    return this.reader.packets;
  }

  /** Ends the capture: flushes TCP, finishes every call, reports unassociated streams. */
  end(): AnalyzerSummary {
    const res = this.reader.end();
    this.readerResult = res;
    this.decoder.end();
    this.tcp.end((flowKey, dir, bytes, frame, tsUs) => this.onTcpData(flowKey, dir, bytes, frame, tsUs), this.tcpEvents);
    // The recording's end, not the last packet: a capture that recorded on, in silence, after
    // a call went quiet is evidence (diagnosis.md §1, rules 4 and 6).
    const endUs = res.window?.endUs ?? res.lastUs ?? this.nowUs;
    for (const call of [...this.calls.values()]) this.finish(call, endUs);
    for (const s of this.media.takeUnassociated()) this.sink.unassociatedStream(s);
    for (const r of this.media.unassociatedRtcp) this.sink.unassociatedRtcp(r);
    const m = this.media;
    if (m.cappedStreams > 0) {
      this.stats.add('media.streams_capped', 'warning', `More RTP streams than are listed one by one (${MAX_UNASSOCIATED_STREAMS} without signalling, ${MAX_STREAMS_PER_CALL} per call: a flood of SSRCs); the smallest were only counted here, with their ${m.cappedPackets} packets`, undefined, m.cappedStreams);
    }
    if (m.cappedRtcp > 0) {
      this.stats.add('media.rtcp_capped', 'warning', `More than ${MAX_UNASSOCIATED_RTCP} RTCP reports without signalling: the rest were only counted here`, undefined, m.cappedRtcp);
    }
    if (res.captureDrops) {
      this.stats.add('capture.interface_drops', 'warning', 'The capturing interface reported dropped packets (pcapng if_drop): loss figures may include capture loss, not network loss', undefined, res.captureDrops);
    }
    const coverage = this.coverage(res.filters, res.unfilteredInterfaces, res.window, true);
    if (coverage.signallingOnly && this.callsOut > 0) {
      this.stats.add('capture.signalling_only', 'info', coverage.signallingOnlyWhy === 'filter'
        ? `Signalling-only capture: its recorded filter (${coverage.filter}) leaves RTP out, so media was not checked`
        : 'Signalling-only capture: no call carried RTP or RTCP and no capture filter was recorded, so media was not checked', undefined);
    }
    return { ...res, calls: this.callsOut, sipMessages: this.sipMessages, stats: this.stats, coverage };
  }

  /**
   * The coverage as far as it is known now, for classifying calls while the file is read: the
   * recorded filter (IDBs come first) and, once the file has ended, the window. Whether any
   * call carried RTP is only known when every call is finished, so "signalling-only because
   * no RTP" is never claimed here: end()'s coverage is final, and a caller that classified
   * with this one classifies again when the two disagree on signallingOnly.
   */
  coverageSoFar(): CaptureCoverage {
    const { filters, unfilteredInterfaces } = this.readerResult ?? this.reader.filtersSoFar;
    return this.coverage(filters, unfilteredInterfaces, this.readerResult?.window ?? null, false);
  }

  /** Every call written asks for the coverage: each recorded filter is read once, not once per call. */
  private filterVerdict: { filter: string; excludes: boolean } | null = null;
  private filtersExcludeMedia(filters: string[], joined: string): boolean {
    if (this.filterVerdict?.filter !== joined) {
      this.filterVerdict = { filter: joined, excludes: filters.every(filterExcludesMedia) };
    }
    return this.filterVerdict.excludes;
  }

  /** diagnosis.md §1 "capture coverage": the window, the recorded filter, signalling-only. */
  private coverage(filters: string[], unfilteredInterfaces: number, window: CaptureWindow | null, final: boolean): CaptureCoverage {
    const filter = filters.length > 0 ? filters.join(' | ') : null;
    // Every interface recorded a filter and every one keeps RTP out (`port 5060`).
    const byFilter = filters.length > 0 && unfilteredInterfaces === 0 && this.filtersExcludeMedia(filters, filter!);
    // No filter on record and no call carried media: the usual `tcpdump port 5060` attachment.
    // A recorded filter that lets media through, with no RTP seen, is genuine no_media.
    const byNoRtp = final && !byFilter && filters.length === 0 && this.callsOut > 0 && this.callsWithMedia === 0;
    return { window, filter, signallingOnly: byFilter || byNoRtp, signallingOnlyWhy: byFilter ? 'filter' : byNoRtp ? 'no_rtp' : null };
  }

  // ---- packets ------------------------------------------------------------------------

  private onPacket(pkt: CapturedPacket): void {
    if (pkt.tsUs > this.nowUs) {
      this.nowUs = pkt.tsUs;
      if (this.nowUs >= this.nextSweepUs) {
        this.sweep();
        this.nextSweepUs = this.nowUs + 1e6;
      }
    }
    this.decoder.decode(pkt, this.segmentSink);
  }

  /** Bound once: a closure created per packet was garbage on every packet. */
  private readonly segmentSink = (seg: L4Segment): void => this.onSegment(seg);

  private onSegment(seg: L4Segment): void {
    if (seg.proto === 'udp') this.onUdp(seg);
    else if (seg.proto === 'tcp') this.tcp.push(seg, this.tcpDeliver, this.tcpEvents);
    else if (seg.proto === 'sctp' && looksLikeSip(seg.payload)) this.onSipBytes(seg.payload, seg, 'sctp');
    else if (seg.proto === 'icmp') this.onIcmpQuote(seg);
  }

  /**
   * The UDP datagram an ICMP error quotes. SIP in it is a message that was sent and bounced:
   * it joins its Call-ID as a quoted message (tshark's per-Call-ID count includes it). Quoted
   * RTP, DNS … are left alone: tshark does not count quoted RTP in its streams either.
   */
  private onIcmpQuote(seg: L4Segment): void {
    const p = seg.payload;
    if (!seg.icmp || !looksLikeSip(p)) return;
    const msg = parseQuotedSip(p, { frame: seg.frame, tsUs: seg.tsUs, transport: 'udp', src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort }, seg.icmp);
    if (!msg) return;
    this.stats.add('sip.icmp_quoted', 'info', 'SIP messages found quoted in ICMP errors (counted on their call, marked quoted, not as transmissions)', seg.frame);
    this.onSip(msg);
  }

  private onUdp(seg: L4Segment): void {
    if (seg.truncated) return this.onTruncatedUdp(seg);
    // The datagram is b[o, e): read in place, so an RTP packet makes no view (seg.payload is
    // made on demand, for the rare paths below that need one).
    const b = seg.buf;
    const o = seg.payloadOff;
    const e = seg.payloadEnd;
    if (e - o >= 4 && b[o] === 0x48 && b[o + 1] === 0x45 && b[o + 2] === 0x50 && (b[o + 3] === 0x33 || b[o + 3] === 0x32)) return this.onHep(seg);
    if ((seg.dstPort === 9060 || seg.srcPort === 9060) && e > o && b[o] === 2) return this.onHep(seg);
    if (mayBeSip(b, o, e) && looksLikeSip(seg.payload)) return this.onSipBytes(seg.payload, seg, 'udp');
    // Ownership, T.38 and "announced" are resolved once per UDP flow (and again only when an
    // SDP or a finished call changes them), not per packet: see MediaTracker.flow.
    const flow = this.media.flow(seg);
    const hdr = this.rtpHeader;
    if (flow.t38) {
      // A port re-negotiated to T.38 may still carry the RTP stream it carried before (the
      // corpus has a gateway doing exactly that): a packet continuing a known stream stays RTP.
      if (parseRtpHeaderInto(b, hdr, o, e) && this.media.hasStream(flow, hdr.ssrc)) return this.media.onRtp(flow, seg, hdr);
      this.stats.add('media.t38', 'info', 'T.38 fax (UDPTL) packets on a port SDP announced for fax: not RTP', seg.frame);
      return;
    }
    if (!flow.announced && (NOT_MEDIA_PORTS.has(seg.srcPort) || NOT_MEDIA_PORTS.has(seg.dstPort))) return;
    if (looksLikeRtcp(b, o, e)) {
      const reports = parseRtcpCompound(seg.payload, { frame: seg.frame, tsUs: seg.tsUs, src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort });
      if (reports.length > 0) this.media.onRtcp(flow, seg, reports);
      return;
    }
    if ((flow.announced || looksLikeRtp(b, o, e)) && parseRtpHeaderInto(b, hdr, o, e)) this.media.onRtp(flow, seg, hdr);
  }

  /**
   * A datagram the capture's snap length cut (e.g. `tcpdump -s 96`, the usual way to keep only
   * RTP headers): its RTP or RTCP header is whole and the stream metrics need nothing else.
   * Its SIP or HEP is not whole, and half a message is never parsed.
   */
  private onTruncatedUdp(seg: L4Segment): void {
    const p = seg.payload;
    if (looksLikeSip(p) || (p.length >= 4 && p[0] === 0x48 && p[1] === 0x45 && p[2] === 0x50)) {
      this.stats.add('sip.snaplen_cut', 'warning', 'SIP messages cut by the capture\'s snap length were skipped (capture SIP with a larger snap length)', seg.frame);
      return;
    }
    const flow = this.media.flow(seg);
    if (flow.t38 || (!flow.announced && (NOT_MEDIA_PORTS.has(seg.srcPort) || NOT_MEDIA_PORTS.has(seg.dstPort)))) return;
    if (looksLikeRtcp(p)) return; // a cut compound packet: its reports are not all there
    const hdr = this.rtpHeader;
    if ((flow.announced || looksLikeRtp(p)) && parseRtpHeaderInto(p, hdr)) this.media.onRtp(flow, seg, hdr);
  }

  private onHep(seg: L4Segment): void {
    const hep = decodeHep(seg.payload, this.options.inflate);
    if (!hep) {
      this.stats.add('hep.undecodable', 'warning', 'HEP packet could not be decoded', seg.frame);
      return;
    }
    if (hep.compressed && hep.payload.length === 0) {
      this.stats.add('hep.compressed_unreadable', 'warning', 'Compressed HEP payload could not be inflated', seg.frame);
      return;
    }
    if (hep.payloadType !== 1 || !looksLikeSip(hep.payload)) {
      this.stats.add('hep.not_sip', 'info', 'HEP packet carrying something other than SIP (skipped)', seg.frame);
      return;
    }
    const msg = parseSipMessage(hep.payload, {
      frame: seg.frame, tsUs: hep.tsUs || seg.tsUs, transport: 'hep',
      src: hep.src, srcPort: hep.srcPort, dst: hep.dst, dstPort: hep.dstPort,
    });
    if (msg) this.onSip(msg);
    else this.stats.add('sip.unparsable', 'warning', 'SIP message could not be parsed', seg.frame);
  }

  private onSipBytes(bytes: Uint8Array, seg: { frame: number; tsUs: number; src: string; srcPort: number; dst: string; dstPort: number }, transport: SipTransport): void {
    const msg = parseSipMessage(bytes, { frame: seg.frame, tsUs: seg.tsUs, transport, src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort });
    if (msg) this.onSip(msg);
    else this.stats.add('sip.unparsable', 'warning', 'Data that starts like SIP could not be parsed as a SIP message', seg.frame);
  }

  // ---- TCP ----------------------------------------------------------------------------

  private readonly tcpDeliver: TcpDeliver = (flowKey, dir, bytes, frame, tsUs) => this.onTcpData(flowKey, dir, bytes, frame, tsUs);
  private readonly tcpEvents: TcpEvents = {
    // Bytes missing from the stream: whatever message was in progress is lost, so the next
    // bytes are classified and framed afresh (the framer would otherwise glue two halves).
    gap: (flowKey, dir) => {
      this.retireTcpConsumer(consumerKey(flowKey, dir), 'gap');
      this.tcpConsumers.set(consumerKey(flowKey, dir), { kind: 'undecided' });
    },
    // A closed direction needs no consumer any more: bounded memory on long captures.
    close: (flowKey, dir, reason) => {
      this.retireTcpConsumer(consumerKey(flowKey, dir), reason === 'end' ? 'end' : 'close');
      this.tcpConsumers.delete(consumerKey(flowKey, dir));
    },
  };

  /**
   * A SIP framer whose stream can bring no more bytes (closed, a hole, the capture's end):
   * a message it was still assembling can never complete. Said as a warning with its byte
   * count — before, such a message vanished without a word (the call then lacked, say, its
   * 200 OK and read as unanswered).
   */
  private retireTcpConsumer(key: string, why: 'gap' | 'close' | 'end'): void {
    const c = this.tcpConsumers.get(key);
    if (c?.kind !== 'sip') return;
    const pending = c.framer.pendingBytes;
    c.framer.end();
    if (pending === 0) return;
    const cause = why === 'gap' ? 'bytes of the TCP stream are missing from the capture' : why === 'end' ? 'the capture ended inside it' : 'the TCP connection closed inside it';
    this.stats.add(`sip.tcp_cut_message`, 'warning', `A SIP message over TCP never completed (${cause}): its bytes so far were not read as SIP`, undefined, 1);
  }

  private onTcpData(flowKey: string, dir: { src: string; srcPort: number; dst: string; dstPort: number }, bytes: Uint8Array, frame: number, tsUs: number): void {
    const key = consumerKey(flowKey, dir);
    let c = this.tcpConsumers.get(key);
    if (!c || c.kind === 'undecided') {
      c = this.classifyTcp(bytes, dir);
      this.tcpConsumers.set(key, c);
    }
    switch (c.kind) {
      case 'sip': {
        const before = c.framer.stats.oversized;
        const messages = c.framer.push(bytes, frame, tsUs);
        const oversized = c.framer.stats.oversized - before;
        if (oversized > 0) {
          this.stats.add('sip.tcp_oversized', 'warning', 'SIP messages over TCP larger than 256 KiB, or announcing a Content-Length that large: kept without the part past that limit, and the stream read on from the next SIP message', frame, oversized);
        }
        for (const m of messages) this.onSipBytes(m.bytes, { ...dir, frame: m.frame, tsUs: m.tsUs }, 'tcp');
        return;
      }
      case 'ws':
        for (const m of c.decoder.push(bytes, frame, tsUs)) {
          if (looksLikeSip(m.payload)) this.onSipBytes(m.payload, { ...dir, frame: m.frame, tsUs: m.tsUs }, 'ws');
        }
        return;
      default:
        return;
    }
  }

  private classifyTcp(bytes: Uint8Array, dir: { srcPort: number; dstPort: number }): TcpConsumer {
    if (bytes.length === 0) return { kind: 'undecided' };
    // TLS record header (RFC 8446 §5.1): content type 20–23, legacy version 3.x.
    if (bytes.length >= 3 && bytes[0] >= 20 && bytes[0] <= 23 && bytes[1] === 3 && bytes[2] <= 4) {
      this.stats.add('tls.encrypted', 'warning', `Encrypted TLS stream (e.g. SIP over TLS on port ${Math.min(dir.srcPort, dir.dstPort)}): its content cannot be read without the keys`);
      return { kind: 'tls' };
    }
    if (isWebSocketHandshake(bytes)) return { kind: 'ws', decoder: new WebSocketStreamDecoder() };
    if (looksLikeSip(bytes)) return { kind: 'sip', framer: new SipStreamFramer() };
    return { kind: 'other' };
  }

  // ---- calls --------------------------------------------------------------------------

  private onSip(msg: SipMessage): void {
    this.sipMessages++;
    if (msg.callId === '') {
      if (msg.quoted) this.stats.add('sip.icmp_quoted_no_call_id', 'info', 'SIP quoted in an ICMP error, cut before its Call-ID (not attributable to a call)', msg.frame);
      else this.stats.add('sip.no_call_id', 'warning', 'SIP message without a Call-ID (not attributable to a call)', msg.frame);
      return;
    }
    if (msg.problems.length > 0 && !msg.quoted) this.stats.add('sip.problem', 'info', `SIP message with a framing or header problem, kept (${msg.problems[0]})`, msg.frame);
    let call = this.calls.get(msg.callId);
    if (!call) {
      call = new CallState(msg.callId);
      this.calls.set(msg.callId, call);
    }
    call.add(msg);
    if (call.ended) this.endedCalls.add(call);
    if (msg.sdp && !msg.quoted) this.media.announce(call, call.senderSide(msg), msg.sdp);
  }

  /** Finishes the calls that have ended and gone quiet; keeps memory bounded on long captures. */
  private sweep(): void {
    this.media.sweep();
    for (const call of this.endedCalls) {
      if (this.nowUs - call.lastActivityUs >= FINISH_IDLE_US) this.finish(call, this.nowUs);
    }
    if (this.calls.size > MAX_LIVE_DIALOGS) {
      const byAge = [...this.calls.values()].sort((a, b) => a.lastActivityUs - b.lastActivityUs);
      for (const call of byAge.slice(0, this.calls.size - Math.floor(MAX_LIVE_DIALOGS * 0.9))) {
        this.stats.add('calls.evicted_live', 'warning', `More than ${MAX_LIVE_DIALOGS} dialogs open at once: the least recently active were closed early (a later message of theirs starts a new entry)`, undefined);
        this.finish(call, this.nowUs);
      }
    }
  }

  private finish(call: CallState, captureEndUs: number): void {
    this.calls.delete(call.callId);
    this.endedCalls.delete(call);
    const { streams, rtcp } = this.media.takeCall(call);
    const facts = buildCallFacts(call, streams, captureEndUs, this.gapThresholdMs);
    if (facts.anomalies) {
      this.stats.add('call.time_backwards', 'warning', `Calls whose SIP timestamps go backwards (a clock stepped back, or damaged records): their PDD or duration was left out, never negative (first: ${facts.callId}, ${facts.anomalies[0]})`, facts.messages[0]?.frame);
    }
    this.callsOut++;
    if (streams.length > 0 || rtcp.length > 0) this.callsWithMedia++;
    this.sink.call({ facts, rawMessages: call.messages.map((m) => m.raw), transports: call.messages.map((m) => m.transport), rtcp });
  }
}
