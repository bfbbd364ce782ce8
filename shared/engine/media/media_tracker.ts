// Associates RTP/RTCP with calls through SDP (RFC 3264 offer/answer): an SDP tells where
// its author wants to *receive* media, so a stream sent to that address belongs to the
// author's call, sent by the other side. Symmetric RTP (sending from the announced port)
// is the fallback. Streams nobody announced stay unassociated and are reported as such.
//
// One stream = one SSRC from one src ip:port to one dst ip:port, which is how Wireshark's
// RTP Streams dialog keys them, so our per-stream numbers can be compared with tshark's.

import type { Side } from '../../model/call.ts';
import type { RtcpReport, RtpHeader } from '../../model/media.ts';
import type { L4Segment } from '../../model/packet.ts';
import type { Sdp } from '../../model/sip.ts';
import type { CallState } from '../calls/call_state.ts';
import { RtpStreamAnalyzer } from '../rtp/rtp_stream_analyzer.ts';
import type { AssociatedStream } from '../calls/call_facts.ts';

interface Owner {
  call: CallState;
  /** 'rtp' for RTP/AVP-like m-lines; 't38' for image/udptl (T.38 fax), which is never RTP. */
  kind: 'rtp' | 't38';
  /** The side whose SDP announced this address (it receives there). */
  side: Side;
  rtpmap: Record<number, { encoding: string; clockRate: number }>;
}

interface StreamEntry {
  analyzer: RtpStreamAnalyzer;
  call: CallState | null;
  sender: Side | null;
}

const otherSide = (s: Side): Side => (s === 'caller' ? 'callee' : 'caller');

export class MediaTracker {
  private readonly rtpOwners = new Map<string, Owner>();
  private readonly rtcpOwners = new Map<string, Owner>();
  private readonly streams = new Map<string, StreamEntry>();
  private readonly rtcpByCall = new Map<CallState, RtcpReport[]>();
  /** Addresses each call announced, so finishing a call does not scan every owner. */
  private readonly announcedBy = new Map<CallState, string[]>();
  readonly unassociatedRtcp: RtcpReport[] = [];

  constructor(private readonly gapThresholdMs: number) {}

  /** Records the receive addresses an SDP announces (re-INVITEs overwrite older ones). */
  announce(call: CallState, side: Side, sdp: Sdp): void {
    for (const m of sdp.media) {
      if (m.port === 0 || m.connection === '' || m.connection === '0.0.0.0') continue;
      // After a re-INVITE to fax (m=image … udptl) the same port carries T.38, not RTP,
      // exactly as Wireshark's SDP-driven conversations decode it.
      const kind = m.proto.toLowerCase().includes('udptl') ? 't38' : 'rtp';
      const owner: Owner = { call, side, rtpmap: m.rtpmap, kind };
      const rtpKey = addrKey(m.connection, m.port);
      const rtcpKey = addrKey(m.connection, m.rtcpPort ?? m.port + 1);
      this.rtpOwners.set(rtpKey, owner);
      this.rtcpOwners.set(rtcpKey, owner);
      let keys = this.announcedBy.get(call);
      if (!keys) this.announcedBy.set(call, (keys = []));
      keys.push(rtpKey, rtcpKey);
    }
  }

  /** True when the latest SDP for this segment's destination (or source) announced T.38 there. */
  isT38(seg: L4Segment): boolean {
    const o = this.rtpOwners.get(addrKey(seg.dst, seg.dstPort)) ?? this.rtpOwners.get(addrKey(seg.src, seg.srcPort));
    return o !== undefined && o.kind === 't38';
  }

  /** True when SDP announced either end of this segment as a media address. */
  isAnnounced(seg: L4Segment): boolean {
    return this.rtpOwners.has(addrKey(seg.dst, seg.dstPort)) || this.rtpOwners.has(addrKey(seg.src, seg.srcPort))
      || this.rtcpOwners.has(addrKey(seg.dst, seg.dstPort)) || this.rtcpOwners.has(addrKey(seg.src, seg.srcPort));
  }

  hasStream(seg: L4Segment, ssrc: number): boolean {
    return this.streams.has(streamKey(seg, ssrc));
  }

  onRtp(seg: L4Segment, hdr: RtpHeader): void {
    const key = streamKey(seg, hdr.ssrc);
    let e = this.streams.get(key);
    if (!e) {
      let owner = this.rtpOwners.get(addrKey(seg.dst, seg.dstPort));
      let sender: Side | null = null;
      if (owner) sender = otherSide(owner.side);
      else {
        owner = this.rtpOwners.get(addrKey(seg.src, seg.srcPort));
        if (owner) sender = owner.side;
      }
      e = {
        analyzer: new RtpStreamAnalyzer({
          ssrc: hdr.ssrc, src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort,
          rtpmap: owner?.rtpmap, gapThresholdMs: this.gapThresholdMs,
        }),
        call: owner?.call ?? null,
        sender,
      };
      this.streams.set(key, e);
      e.call?.streamKeys.add(key);
    }
    e.analyzer.add(seg.tsUs, seg.frame, hdr);
    if (e.call && seg.tsUs > e.call.lastMediaUs) e.call.lastMediaUs = seg.tsUs;
  }

  onRtcp(seg: L4Segment, reports: RtcpReport[]): void {
    const owner = this.rtcpOwners.get(addrKey(seg.dst, seg.dstPort)) ?? this.rtcpOwners.get(addrKey(seg.src, seg.srcPort));
    if (!owner) {
      this.unassociatedRtcp.push(...reports);
      return;
    }
    let list = this.rtcpByCall.get(owner.call);
    if (!list) this.rtcpByCall.set(owner.call, (list = []));
    list.push(...reports);
    if (seg.tsUs > owner.call.lastMediaUs) owner.call.lastMediaUs = seg.tsUs;
  }

  /** Hands over a finished call's streams and RTCP and forgets them and its addresses. */
  takeCall(call: CallState): { streams: AssociatedStream[]; rtcp: RtcpReport[] } {
    const streams: AssociatedStream[] = [];
    for (const key of call.streamKeys) {
      const e = this.streams.get(key);
      if (!e || e.call !== call) continue;
      streams.push({ stats: e.analyzer.finish(), sender: e.sender });
      this.streams.delete(key);
    }
    for (const k of this.announcedBy.get(call) ?? []) {
      if (this.rtpOwners.get(k)?.call === call) this.rtpOwners.delete(k);
      if (this.rtcpOwners.get(k)?.call === call) this.rtcpOwners.delete(k);
    }
    this.announcedBy.delete(call);
    const rtcp = this.rtcpByCall.get(call) ?? [];
    this.rtcpByCall.delete(call);
    streams.sort((a, b) => a.stats.firstUs - b.stats.firstUs);
    return { streams, rtcp };
  }

  /** At the end of the capture: every stream no call took. */
  takeUnassociated() {
    const out = [];
    for (const e of this.streams.values()) if (!e.call) out.push(e.analyzer.finish());
    this.streams.clear();
    return out.sort((a, b) => a.firstUs - b.firstUs);
  }
}

function streamKey(seg: L4Segment, ssrc: number): string {
  return `${seg.src}|${seg.srcPort}|${seg.dst}|${seg.dstPort}|${ssrc}`;
}

function addrKey(ip: string, port: number): string {
  return `${ip}|${port}`;
}
