// Associates RTP/RTCP with calls through SDP (RFC 3264 offer/answer): an SDP tells where
// its author wants to *receive* media, so a stream sent to that address belongs to the
// author's call, sent by the other side. Symmetric RTP (sending from the announced port)
// is the fallback. Streams nobody announced stay unassociated and are reported as such.
//
// One stream = one SSRC from one src ip:port to one dst ip:port, which is how Wireshark's
// RTP Streams dialog keys them, so our per-stream numbers can be compared with tshark's.
//
// A B2BUA with direct media passes each side's SDP through, so both of its legs (two
// Call-IDs) announce the same address: the stream belongs to both, and each leg gets it
// (the latest announcer owns it first; calls that had already ended are not added, so a
// port reused by a later call does not leak into the earlier one).

import type { Side } from '../../model/call.ts';
import type { RtcpReport, RtpHeader } from '../../model/media.ts';
import type { L4Segment } from '../../model/packet.ts';
import type { Sdp } from '../../model/sip.ts';
import type { CallState } from '../calls/call_state.ts';
import { RtpStreamAnalyzer } from '../rtp/rtp_stream_analyzer.ts';
import type { AssociatedStream } from '../calls/call_facts.ts';
import { pushAll } from '../../util/array_math.ts';

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
  /** Other calls that announced an end of this stream (B2BUA legs), with the side that sends it in each; null when none. */
  also: Array<{ call: CallState; sender: Side | null }> | null;
  /** The key in MediaTracker.streams (built once, when the stream starts). */
  key: string;
  /** Handed over (takeCall / takeUnassociated): a flow's cached reference must not be used again. */
  dead: boolean;
}

/**
 * What the tracker knows about one UDP 5-tuple (src ip:port → dst ip:port), resolved once
 * and reused for every packet of the flow. Before this cache, every RTP packet built up to
 * seven `ip|port` strings and looked each up (a third of the import's time on a G.711
 * capture). `stale` is set when an SDP announcement or a finished call changes the owner of
 * either address, so the answers are always those the per-packet lookups would give.
 */
export class UdpFlow {
  /** Next flow in the same hash bucket (ports-only hash, so addresses are compared too). */
  next: UdpFlow | null = null;
  stale = true;
  /** SDP announced either end, for RTP or RTCP. */
  announced = false;
  /** The latest SDP for the destination (else the source) announced T.38 (image/udptl) there. */
  t38 = false;
  /** Owner a new RTP stream of this flow is associated with, and which side sends it. */
  rtpOwner: Owner | undefined = undefined;
  rtpSender: Side | null = null;
  /** Further live calls that announced either end (B2BUA legs with direct media); null when none. */
  rtpAlso: Array<{ call: CallState; sender: Side | null }> | null = null;
  rtcpOwner: Owner | undefined = undefined;
  /** The last SSRC seen on this flow and its stream (a flow almost always carries one). */
  lastSsrc = -1;
  lastStream: StreamEntry | null = null;
  /** Further SSRCs on the same flow (rare: SSRC change after a re-INVITE, collisions). */
  others: Map<number, StreamEntry> | null = null;
  /** Sweep generation of the last packet, for eviction of idle flows. */
  gen = 0;

  constructor(
    readonly src: string,
    readonly srcPort: number,
    readonly dst: string,
    readonly dstPort: number,
    readonly hash: number,
    /** addrKey of each end: the keys the owner maps use, for targeted invalidation. */
    readonly srcAddr: string,
    readonly dstAddr: string,
  ) {}
}

const otherSide = (s: Side): Side => (s === 'caller' ? 'callee' : 'caller');

/** Flows not seen for this many sweeps (≈ seconds of capture time) are dropped from the cache. */
const FLOW_IDLE_SWEEPS = 64;
/** Hard cap on cached flows (a port scan must not grow memory): past it the cache starts over. */
const MAX_FLOWS = 1 << 16;
/** Further SSRCs a flow's cache remembers (it is only a cache: `streams` is the truth). */
const MAX_FLOW_SSRCS = 64;
/**
 * Streams kept one by one without a call (per capture) and per call. A flood of SSRCs (fuzzed
 * or scanned traffic: 200 000 in an 18 MB file took 2.3 GB and as many index rows) must not
 * grow memory and the index per SSRC: once twice as many are live, the smallest (fewest
 * packets, then least recently active) are summarised — counted with their packets, not kept.
 * Real calls have a handful of streams; no corpus capture comes near either cap.
 */
export const MAX_UNASSOCIATED_STREAMS = 10_000;
export const MAX_STREAMS_PER_CALL = 1_000;
/** Unassociated RTCP reports kept (the rest are counted), for the same reason. */
export const MAX_UNASSOCIATED_RTCP = 10_000;

export class MediaTracker {
  private readonly rtpOwners = new Map<string, Owner>();
  /** Earlier announcers of an address still alive when another call announced it (B2BUA legs). */
  private readonly rtpEarlierOwners = new Map<string, Owner[]>();
  private readonly rtcpOwners = new Map<string, Owner>();
  private readonly streams = new Map<string, StreamEntry>();
  private readonly rtcpByCall = new Map<CallState, RtcpReport[]>();
  /** Addresses each call announced, so finishing a call does not scan every owner. */
  private readonly announcedBy = new Map<CallState, string[]>();
  readonly unassociatedRtcp: RtcpReport[] = [];
  /** Live streams without a call (the cap counts these). */
  private readonly unassociated = new Set<StreamEntry>();
  /** Stream entries summarised by the caps instead of kept, and their packets. */
  cappedStreams = 0;
  cappedPackets = 0;
  /** Unassociated RTCP reports counted instead of kept. */
  cappedRtcp = 0;

  // ---- flow cache ----
  /** Buckets by a hash of the two ports: a Smi key, so no string is built per packet. */
  private readonly flows = new Map<number, UdpFlow>();
  /** Flows touching each addrKey, so an owner change marks exactly those stale. */
  private readonly flowsByAddr = new Map<string, Set<UdpFlow>>();
  private flowCount = 0;
  private gen = 0;

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
      const before = this.rtpOwners.get(rtpKey);
      if (before && before.call !== call && !before.call.ended) {
        // Another call announced this address and is still up: both legs of a B2BUA.
        const list = (this.rtpEarlierOwners.get(rtpKey) ?? []).filter((o) => o.call !== call && o.call !== before.call);
        list.push(before);
        this.rtpEarlierOwners.set(rtpKey, list);
      }
      this.rtpOwners.set(rtpKey, owner);
      this.rtcpOwners.set(rtcpKey, owner);
      this.invalidate(rtpKey);
      this.invalidate(rtcpKey);
      let keys = this.announcedBy.get(call);
      if (!keys) this.announcedBy.set(call, (keys = []));
      keys.push(rtpKey, rtcpKey);
    }
  }

  /**
   * The flow of a UDP segment, with its SDP-derived answers up to date. One Map lookup on a
   * number and two string comparisons (the decoder hands out the same string instance for
   * an address, so these are usually pointer-equal) per packet; no allocation once known.
   */
  flow(seg: L4Segment): UdpFlow {
    const sp = seg.srcPort;
    const dp = seg.dstPort;
    const hash = ((sp << 14) ^ dp) & 0x3fffffff;
    const head = this.flows.get(hash);
    let f: UdpFlow | null | undefined = head;
    while (f !== undefined && f !== null) {
      if (f.srcPort === sp && f.dstPort === dp && f.src === seg.src && f.dst === seg.dst) break;
      f = f.next;
    }
    if (f === undefined || f === null) f = this.addFlow(seg, hash, head ?? null);
    f.gen = this.gen;
    if (f.stale) this.resolve(f);
    return f;
  }

  /** True when a packet of this SSRC on this flow would continue an existing stream. */
  hasStream(flow: UdpFlow, ssrc: number): boolean {
    return this.streamOf(flow, ssrc) !== null;
  }

  onRtp(flow: UdpFlow, seg: L4Segment, hdr: RtpHeader): void {
    let e = this.streamOf(flow, hdr.ssrc);
    if (e === null) {
      const key = streamKey(seg, hdr.ssrc);
      const owner = flow.rtpOwner;
      e = {
        analyzer: new RtpStreamAnalyzer({
          ssrc: hdr.ssrc, src: seg.src, srcPort: seg.srcPort, dst: seg.dst, dstPort: seg.dstPort,
          rtpmap: owner?.rtpmap, gapThresholdMs: this.gapThresholdMs,
        }),
        call: owner?.call ?? null,
        sender: owner ? flow.rtpSender : null,
        also: flow.rtpAlso,
        key,
        dead: false,
      };
      this.streams.set(key, e);
      if (e.call) e.call.streamKeys.add(key);
      else this.unassociated.add(e);
      if (e.also) for (const a of e.also) a.call.streamKeys.add(key);
      this.remember(flow, hdr.ssrc, e);
      e.analyzer.add(seg.tsUs, seg.frame, hdr);
      // After its first packet, so the new stream is judged with what it has.
      if (e.call) {
        if (e.call.streamKeys.size > 2 * MAX_STREAMS_PER_CALL) this.cap(this.streamsOf(e.call), MAX_STREAMS_PER_CALL);
      } else if (this.unassociated.size > 2 * MAX_UNASSOCIATED_STREAMS) {
        this.cap([...this.unassociated], MAX_UNASSOCIATED_STREAMS);
      }
    } else {
      e.analyzer.add(seg.tsUs, seg.frame, hdr);
    }
    if (e.call && seg.tsUs > e.call.lastMediaUs) e.call.lastMediaUs = seg.tsUs;
    if (e.also !== null) for (const a of e.also) if (seg.tsUs > a.call.lastMediaUs) a.call.lastMediaUs = seg.tsUs;
  }

  private streamsOf(call: CallState): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (const key of call.streamKeys) {
      const e = this.streams.get(key);
      if (e && (e.call === call || e.also?.some((a) => a.call === call))) out.push(e);
    }
    return out;
  }

  /** Keeps the `keep` biggest (then most recently active) of `entries`; summarises the rest. */
  private cap(entries: StreamEntry[], keep: number): StreamEntry[] {
    if (entries.length <= keep) return entries;
    entries.sort((a, b) => b.analyzer.packets - a.analyzer.packets || b.analyzer.lastArrivalUs - a.analyzer.lastArrivalUs);
    for (let i = keep; i < entries.length; i++) {
      const e = entries[i];
      e.dead = true;
      this.streams.delete(e.key);
      e.call?.streamKeys.delete(e.key);
      this.unassociated.delete(e);
      this.cappedStreams++;
      this.cappedPackets += e.analyzer.packets;
    }
    return entries.slice(0, keep);
  }

  onRtcp(flow: UdpFlow, seg: L4Segment, reports: RtcpReport[]): void {
    const owner = flow.rtcpOwner;
    if (!owner) {
      const room = Math.max(0, MAX_UNASSOCIATED_RTCP - this.unassociatedRtcp.length);
      pushAll(this.unassociatedRtcp, room >= reports.length ? reports : reports.slice(0, room));
      this.cappedRtcp += Math.max(0, reports.length - room);
      return;
    }
    let list = this.rtcpByCall.get(owner.call);
    if (!list) this.rtcpByCall.set(owner.call, (list = []));
    pushAll(list, reports);
    if (seg.tsUs > owner.call.lastMediaUs) owner.call.lastMediaUs = seg.tsUs;
  }

  /** Hands over a finished call's streams and RTCP and forgets them and its addresses. */
  takeCall(call: CallState): { streams: AssociatedStream[]; rtcp: RtcpReport[] } {
    const streams: AssociatedStream[] = [];
    for (const e of this.cap(this.streamsOf(call), MAX_STREAMS_PER_CALL)) {
      const key = e.key;
      const mine = e.call === call ? { call, sender: e.sender } : e.also?.find((a) => a.call === call);
      if (!mine) continue;
      // finish() is a snapshot: a stream another leg still owns keeps running for it.
      streams.push({ stats: e.analyzer.finish(), sender: mine.sender });
      const rest = e.also?.filter((a) => a.call !== call) ?? [];
      if (e.call !== call) {
        e.also = rest.length > 0 ? rest : null;
      } else if (rest.length > 0) {
        e.call = rest[0].call;
        e.sender = rest[0].sender;
        e.also = rest.length > 1 ? rest.slice(1) : null;
      } else {
        e.dead = true;
        this.streams.delete(key);
      }
    }
    for (const k of this.announcedBy.get(call) ?? []) {
      let changed = false;
      const earlier = this.rtpEarlierOwners.get(k);
      if (earlier) {
        const left = earlier.filter((o) => o.call !== call);
        if (left.length > 0) this.rtpEarlierOwners.set(k, left);
        else this.rtpEarlierOwners.delete(k);
        changed = left.length !== earlier.length;
      }
      if (this.rtpOwners.get(k)?.call === call) {
        this.rtpOwners.delete(k);
        // The leg that announced it before takes it back.
        const back = this.rtpEarlierOwners.get(k);
        if (back && back.length > 0) {
          this.rtpOwners.set(k, back.pop()!);
          if (back.length === 0) this.rtpEarlierOwners.delete(k);
        }
        changed = true;
      }
      if (this.rtcpOwners.get(k)?.call === call) changed = this.rtcpOwners.delete(k) || changed;
      if (changed) this.invalidate(k);
    }
    this.announcedBy.delete(call);
    const rtcp = this.rtcpByCall.get(call) ?? [];
    this.rtcpByCall.delete(call);
    streams.sort((a, b) => a.stats.firstUs - b.stats.firstUs);
    return { streams, rtcp };
  }

  /** At the end of the capture: every stream no call took. */
  takeUnassociated() {
    const kept = this.cap([...this.unassociated], MAX_UNASSOCIATED_STREAMS);
    const out = kept.map((e) => e.analyzer.finish());
    for (const e of this.streams.values()) e.dead = true;
    this.streams.clear();
    this.unassociated.clear();
    return out.sort((a, b) => a.firstUs - b.firstUs);
  }

  /**
   * Called about once per second of capture time: drops flows idle for FLOW_IDLE_SWEEPS
   * sweeps, so the cache holds the live flows, not every flow the capture ever had. Only a
   * cache is dropped: streams and owners live elsewhere, and a returning flow re-resolves.
   */
  sweep(): void {
    this.gen++;
    if (this.gen % FLOW_IDLE_SWEEPS !== 0) return;
    const oldest = this.gen - FLOW_IDLE_SWEEPS;
    for (const [hash, head] of this.flows) {
      let keep: UdpFlow | null = null;
      for (let f: UdpFlow | null = head; f !== null; ) {
        const next: UdpFlow | null = f.next;
        if (f.gen >= oldest) {
          f.next = keep;
          keep = f;
        } else {
          this.unindex(f);
          this.flowCount--;
        }
        f = next;
      }
      if (keep === null) this.flows.delete(hash);
      else if (keep !== head) this.flows.set(hash, keep);
    }
  }

  private addFlow(seg: L4Segment, hash: number, head: UdpFlow | null): UdpFlow {
    if (this.flowCount >= MAX_FLOWS) {
      this.flows.clear();
      this.flowsByAddr.clear();
      this.flowCount = 0;
      head = null;
    }
    const f = new UdpFlow(seg.src, seg.srcPort, seg.dst, seg.dstPort, hash, addrKey(seg.src, seg.srcPort), addrKey(seg.dst, seg.dstPort));
    f.next = head;
    this.flows.set(hash, f);
    this.flowCount++;
    this.index(f.srcAddr, f);
    this.index(f.dstAddr, f);
    return f;
  }

  private index(addr: string, f: UdpFlow): void {
    let set = this.flowsByAddr.get(addr);
    if (!set) this.flowsByAddr.set(addr, (set = new Set()));
    set.add(f);
  }

  private unindex(f: UdpFlow): void {
    for (const addr of [f.srcAddr, f.dstAddr]) {
      const set = this.flowsByAddr.get(addr);
      if (!set) continue;
      set.delete(f);
      if (set.size === 0) this.flowsByAddr.delete(addr);
    }
  }

  private invalidate(addr: string): void {
    const set = this.flowsByAddr.get(addr);
    if (set) for (const f of set) f.stale = true;
  }

  /** The per-packet lookups of the reference path, done once per flow and ownership change. */
  private resolve(f: UdpFlow): void {
    f.stale = false;
    const rtpDst = this.rtpOwners.get(f.dstAddr);
    const rtpSrc = this.rtpOwners.get(f.srcAddr);
    const rtcpDst = this.rtcpOwners.get(f.dstAddr);
    const rtcpSrc = this.rtcpOwners.get(f.srcAddr);
    f.announced = rtpDst !== undefined || rtpSrc !== undefined || rtcpDst !== undefined || rtcpSrc !== undefined;
    // A stream sent TO an announced address was sent by the other side; symmetric RTP
    // (sent FROM the announced port) by the announcing side.
    f.rtpOwner = rtpDst ?? rtpSrc;
    f.rtpSender = rtpDst ? otherSide(rtpDst.side) : rtpSrc ? rtpSrc.side : null;
    // Every other live call that announced either end (B2BUA legs): the stream is theirs too.
    let also: Array<{ call: CallState; sender: Side | null }> | null = null;
    const add = (o: Owner | undefined, toIt: boolean): void => {
      if (!o || o.kind !== 'rtp' || o.call === f.rtpOwner?.call || o.call.ended || also?.some((a) => a.call === o.call)) return;
      (also ??= []).push({ call: o.call, sender: toIt ? otherSide(o.side) : o.side });
    };
    if (f.rtpOwner !== undefined) {
      for (const o of this.rtpEarlierOwners.get(f.dstAddr) ?? []) add(o, true);
      if (rtpDst) add(rtpSrc, false);
      for (const o of this.rtpEarlierOwners.get(f.srcAddr) ?? []) add(o, false);
    }
    // (TypeScript cannot see the closure's writes.)
    const joined = also as Array<{ call: CallState; sender: Side | null }> | null;
    f.rtpAlso = joined;
    // A leg that announced the address after its stream began (the B2BUA relayed the SDP
    // late) joins the streams already running on this flow.
    if (joined !== null) {
      for (const e of [f.lastStream, ...(f.others?.values() ?? [])]) {
        if (!e || e.dead) continue;
        for (const a of joined) {
          if (e.call === a.call || e.also?.some((x) => x.call === a.call)) continue;
          (e.also ??= []).push(a);
          a.call.streamKeys.add(e.key);
        }
      }
    }
    f.t38 = f.rtpOwner !== undefined && f.rtpOwner.kind === 't38';
    f.rtcpOwner = rtcpDst ?? rtcpSrc;
  }

  private streamOf(flow: UdpFlow, ssrc: number): StreamEntry | null {
    let e: StreamEntry | null | undefined = flow.lastSsrc === ssrc ? flow.lastStream : flow.others?.get(ssrc);
    if (e && !e.dead) {
      if (flow.lastSsrc !== ssrc) this.remember(flow, ssrc, e);
      return e;
    }
    if (e) flow.others?.delete(ssrc);
    // Not cached, or handed over since: the streams map is the truth (a flow evicted from the
    // cache, or a stream another tuple order created, is still found by its key).
    e = this.streams.get(streamKeyOf(flow, ssrc));
    if (e === undefined) return null;
    this.remember(flow, ssrc, e);
    return e;
  }

  private remember(flow: UdpFlow, ssrc: number, e: StreamEntry): void {
    if (flow.lastStream !== null && !flow.lastStream.dead && flow.lastSsrc !== ssrc) {
      const others = (flow.others ??= new Map());
      if (others.size >= MAX_FLOW_SSRCS) others.clear();
      others.set(flow.lastSsrc, flow.lastStream);
    }
    flow.lastSsrc = ssrc;
    flow.lastStream = e;
  }
}

function streamKey(seg: L4Segment, ssrc: number): string {
  return `${seg.src}|${seg.srcPort}|${seg.dst}|${seg.dstPort}|${ssrc}`;
}

function streamKeyOf(f: UdpFlow, ssrc: number): string {
  return `${f.src}|${f.srcPort}|${f.dst}|${f.dstPort}|${ssrc}`;
}

function addrKey(ip: string, port: number): string {
  return `${ip}|${port}`;
}
