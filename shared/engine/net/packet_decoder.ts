// Link layer → IP (reassembled) → tunnels → UDP/TCP/SCTP, one L4Segment per datagram,
// segment or SCTP DATA chunk. Each protocol is parsed in its own module; this file only
// dispatches, as a loop over "what comes next" so nesting (VLAN in GRE in IPv6 …) needs
// no recursion and is bounded by maxLayers.
//
// Assumptions: input bytes may be anything (fuzzed, truncated): nothing here throws;
// every skipped packet is counted in a named statistic. Payloads are ranges of the packet's
// buffer (zero-copy) except after IP reassembly, which builds a new buffer.
//
// Tunnel names in L4Segment.tunnels, outer first: 'ipip' (IP proto 4), 'ip6ip' (proto 41),
// 'gre', then 'teb' (GRE transparent Ethernet bridging) or 'erspan'; 'gtpu' (UDP 2152) and
// 'vxlan' (UDP 4789); 'pppoe' and 'mpls' record those link encapsulations too.
import type { CapturedPacket, IcmpInfo, L4Segment, L4Proto } from '../../model/packet.ts';
import type { Stats } from '../../model/stats.ts';
import { AddressFormatter } from './address.ts';
import { parseAh } from './auth_header.ts';
import { parseEthernet, parseVlanTag } from './ethernet.ts';
import { parseErf } from './erf.ts';
import { parseErspan, parseGre, type GreOut } from './gre.ts';
import { isGtpu, parseGtpu } from './gtpu.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IcmpUdpQuote } from './icmp.ts';
import { IpReassembler, type FragmentLimits } from './ip_reassembler.ts';
import { Ipv4Header, parseIpv4 } from './ipv4.ts';
import { Ipv6Header, isIpv6ExtHeader, parseIpv6, skipIpv6ExtHeader } from './ipv6.ts';
import {
  DLT_RAW_12, DLT_RAW_14, ETHERTYPE_ERSPAN2, ETHERTYPE_ERSPAN3, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
  ETHERTYPE_MPLS, ETHERTYPE_MPLS_MC, ETHERTYPE_PPPOE_SESSION, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD,
  ETHERTYPE_TEB, ETHERTYPE_VLAN, IPPROTO_AH, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6,
  IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, LINKTYPE_ERF, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NFLOG, LINKTYPE_NULL, LINKTYPE_RAW,
  UDP_PORT_GTPU, UDP_PORT_VXLAN,
} from './link_types.ts';
import { parseMpls } from './mpls.ts';
import { NET, count, type NetStat } from './net_stats.ts';
import { parseNflog } from './nflog.ts';
import { parseNullLoopback } from './null_loopback.ts';
import { parsePppoeSession } from './pppoe.ts';
import { SCTP_FLAG_B, SCTP_FLAG_E, SctpData, walkSctpData } from './sctp.ts';
import { SctpReassembler } from './sctp_reassembler.ts';
import { parseSll, parseSll2 } from './sll.ts';
import { TcpHeader, parseTcp } from './tcp.ts';
import { UdpHeader, parseUdp } from './udp.ts';
import { isVxlan, parseVxlan } from './vxlan.ts';

export interface PacketDecoderOptions {
  fragments?: Partial<FragmentLimits>;
  /** Nested encapsulations allowed before a packet is given up (default 16). */
  maxLayers?: number;
  /**
   * When the capture's snap length cut a datagram, emit what was captured instead of
   * skipping it (RTP header analysis of `-s 96` captures). Default false: SIP parsers
   * must not see half messages. Either way it is counted as net.snaplen_cut.
   */
  emitSnaplenCut?: boolean;
  /**
   * Emit the same L4Segment object for every segment, refilled each time (default false).
   * For consumers that keep nothing of a segment after the emit callback returns — the
   * capture analyzer — this takes one object per packet off the garbage collector, which a
   * multi-GB import feels, and its `payload` view is only made when a consumer asks (the
   * RTP path reads buf with the offsets). Consumers that collect segments must leave it off.
   */
  reuseSegments?: boolean;
  /**
   * Decode ICMP/ICMPv6 errors and emit the UDP datagram each one quotes as a segment with
   * proto 'icmp' (addresses and ports of the quoted datagram, `icmp` describing the error).
   * Default false: consumers that only want transmissions never see quotes. Either way an
   * ICMP message is counted (net.ip_other_proto when off).
   */
  emitIcmpQuotes?: boolean;
  /**
   * Called when an IP datagram (or an SCTP user message) is reassembled while decoding a
   * packet, before its segment is emitted, with the frames of all its pieces. For an export that
   * must write every fragment of a selected message; the import leaves it unset.
   */
  onReassembled?: (frames: readonly number[]) => void;
}

/**
 * Shared, frozen "none" lists: almost every segment has no VLAN tag and no tunnel, and two
 * fresh empty arrays per packet were measurable garbage. Frozen so no consumer can fill them.
 */
const NO_VLANS = Object.freeze([]) as unknown as number[];
const NO_TUNNELS = Object.freeze([]) as unknown as string[];

/**
 * The segment a reusing decoder refills for every packet. `payload` is made on first use
 * and kept until the next refill: most consumers (HEP, SIP, TCP) want a view, the RTP path
 * reads `buf` between the offsets and never pays for one.
 */
class ReusedSegment implements L4Segment {
  frame = 0;
  tsUs = 0;
  ipVersion: 4 | 6 = 4;
  src = '';
  dst = '';
  proto: L4Proto = 'udp';
  srcPort = 0;
  dstPort = 0;
  buf: Uint8Array = new Uint8Array(0);
  payloadOff = 0;
  payloadEnd = 0;
  view: Uint8Array | null = null;
  tcp: { seq: number; ack: number; flags: number } | undefined = undefined;
  icmp: IcmpInfo | undefined = undefined;
  vlans = NO_VLANS;
  tunnels = NO_TUNNELS;
  truncated = false;

  get payload(): Uint8Array {
    return (this.view ??= this.buf.subarray(this.payloadOff, this.payloadEnd));
  }
}

// What the loop decodes next.
const K_ETHER = 0;
const K_ETHERTYPE = 1; // `next` holds an EtherType
const K_IP = 2; // version from the first nibble
const K_IPV4 = 3;
const K_IPV6 = 4;
const K_IPPROTO = 5; // `next` holds an IP protocol number; addresses already set
const K_GRE = 6;
const K_GTPU = 7;
const K_VXLAN = 8;

/**
 * The UDP port table: the tunnel a datagram to or from this port opens, or -1. Only when its
 * first byte agrees (isGtpu / isVxlan): media negotiated onto one of these ports stays UDP.
 */
function udpTunnel(port: number): number {
  switch (port) {
    case UDP_PORT_GTPU: return K_GTPU;
    case UDP_PORT_VXLAN: return K_VXLAN;
    default: return -1;
  }
}

export class PacketDecoder {
  private readonly addr = new AddressFormatter();
  private readonly frag: IpReassembler;
  private readonly onReassembled: ((frames: readonly number[]) => void) | undefined;
  private readonly maxLayers: number;
  private readonly emitCut: boolean;
  private readonly reuse: boolean;
  private readonly icmpQuotes: boolean;
  private readonly icmpQuote = new IcmpUdpQuote();
  /** The one segment handed out when `reuse` is on. */
  private readonly shared = new ReusedSegment();
  private readonly sharedTcp = { seq: 0, ack: 0, flags: 0 };
  private readonly out = { next: 0, off: 0, end: 0, seqPresent: false } satisfies GreOut;
  private readonly v4 = new Ipv4Header();
  private readonly v6 = new Ipv6Header();
  private readonly udp = new UdpHeader();
  private readonly tcp = new TcpHeader();
  private readonly sctpChunk = new SctpData();
  private readonly sctpFrag: SctpReassembler;
  // Per-packet state, reset by decode().
  private vlans: number[] = [];
  private tunnels: string[] = [];
  private ipVersion: 4 | 6 = 4;
  private src = '';
  private dst = '';
  /** The current datagram was cut by the snap length and emitCut allowed it through. */
  private cut = false;

  constructor(private readonly stats: Stats, options: PacketDecoderOptions = {}) {
    this.frag = new IpReassembler(stats, options.fragments);
    // Same byte cap and timeout as IP fragments (maxDatagrams is not used there).
    this.sctpFrag = new SctpReassembler(stats, options.fragments);
    this.maxLayers = options.maxLayers ?? 16;
    this.emitCut = options.emitSnaplenCut ?? false;
    this.reuse = options.reuseSegments ?? false;
    this.icmpQuotes = options.emitIcmpQuotes ?? false;
    this.onReassembled = options.onReassembled;
  }

  decode(pkt: CapturedPacket, emit: (seg: L4Segment) => void): void {
    const frame = pkt.frame;
    if (this.frag.size) this.frag.expire(pkt.tsUs);
    // Setting .length is a runtime call even when it is already 0 (5 % of a G.711 import).
    if (this.vlans.length !== 0) this.vlans.length = 0;
    if (this.tunnels.length !== 0) this.tunnels.length = 0;
    this.cut = false;
    let b = pkt.buf;
    let off = pkt.off;
    let end = off + pkt.capLen;
    let next = 0;
    let kind: number;
    const o = this.out;
    let err: NetStat | null = null;
    switch (pkt.linkType) {
      case LINKTYPE_ETHERNET: kind = K_ETHER; break;
      case LINKTYPE_LINUX_SLL: err = parseSll(b, off, end, o); kind = K_ETHERTYPE; break;
      case LINKTYPE_LINUX_SLL2: err = parseSll2(b, off, end, o); kind = K_ETHERTYPE; break;
      case LINKTYPE_NULL: case LINKTYPE_LOOP: err = parseNullLoopback(b, off, end, o); kind = K_ETHERTYPE; break;
      case LINKTYPE_RAW: case DLT_RAW_12: case DLT_RAW_14: kind = K_IP; break;
      case LINKTYPE_IPV4: kind = K_IPV4; break;
      case LINKTYPE_IPV6: kind = K_IPV6; break;
      case LINKTYPE_ERF: err = parseErf(b, off, end, o); kind = K_ETHERTYPE; break;
      case LINKTYPE_NFLOG:
        err = parseNflog(b, off, end, o);
        // A record the snap length cut before its payload TLV did have one.
        if (err === NET.nflogNoPayload && pkt.capLen < pkt.origLen) err = NET.snaplenCut;
        kind = K_ETHERTYPE;
        break;
      default: count(this.stats, NET.unknownLinktype, frame); return;
    }
    if (err) { count(this.stats, err, frame); return; }
    if (kind === K_ETHERTYPE) { next = o.next; off = o.off; end = o.end; }

    for (let layer = 0; ; layer++) {
      if (layer > this.maxLayers) { count(this.stats, NET.tooDeep, frame); return; }
      switch (kind) {
        case K_ETHER:
          err = parseEthernet(b, off, end, o);
          if (err) break;
          next = o.next; off = o.off; end = o.end; kind = K_ETHERTYPE;
          continue;

        case K_ETHERTYPE:
          switch (next) {
            case ETHERTYPE_IPV4: kind = K_IPV4; continue;
            case ETHERTYPE_IPV6: kind = K_IPV6; continue;
            case ETHERTYPE_VLAN: case ETHERTYPE_QINQ: case ETHERTYPE_QINQ_OLD: {
              const vid = parseVlanTag(b, off, end, o);
              if (vid < 0) { err = NET.truncatedLink; break; }
              this.vlans.push(vid);
              next = o.next; off = o.off; end = o.end;
              if (next < 0x0600) { err = NET.nonIp; break; } // 802.3 length after the tag
              continue;
            }
            case ETHERTYPE_PPPOE_SESSION:
              err = parsePppoeSession(b, off, end, o);
              if (err) break;
              this.tunnels.push('pppoe');
              next = o.next; off = o.off; end = o.end;
              continue;
            case ETHERTYPE_MPLS: case ETHERTYPE_MPLS_MC:
              err = parseMpls(b, off, end, o);
              if (err) break;
              this.tunnels.push('mpls');
              next = o.next; off = o.off; end = o.end;
              continue;
            case ETHERTYPE_TEB: kind = K_ETHER; continue;
            default: err = NET.nonIp; break;
          }
          break;

        case K_IP: {
          const v = off < end ? b[off] >> 4 : -1;
          if (v === 4) { kind = K_IPV4; continue; }
          if (v === 6) { kind = K_IPV6; continue; }
          err = v < 0 ? NET.truncatedIpv4 : NET.badIpVersion;
          break;
        }

        case K_IPV4: {
          const h = this.v4;
          if (off < end && b[off] >> 4 !== 4) { err = NET.badIpVersion; break; }
          err = parseIpv4(b, off, end, h);
          if (err && h.cut) err = this.onCut(pkt, err);
          if (err) break;
          if (h.tso) count(this.stats, NET.ipv4TsoLength, frame);
          this.ipVersion = 4;
          this.src = this.addr.v4At(b, h.srcOff);
          this.dst = this.addr.v4At(b, h.srcOff + 4);
          next = h.proto; off = h.payloadOff; end = h.payloadEnd;
          if (h.moreFragments || h.fragOffset !== 0) {
            if (this.cut) { break; } // never reassemble partial fragments
            // RFC 791 §3.2: a datagram is identified by source, destination, protocol and id.
            const key = `4 ${this.src} ${this.dst} ${h.proto} ${h.id}`;
            const r = this.frag.add(key, h.fragOffset, h.moreFragments, h.proto, b.subarray(off, end), frame, pkt.tsUs);
            if (!r) { break; }
            this.onReassembled?.(r.frames);
            b = r.data; off = 0; end = b.length;
          }
          kind = K_IPPROTO;
          continue;
        }

        case K_IPV6: {
          const h = this.v6;
          if (off < end && b[off] >> 4 !== 6) { err = NET.badIpVersion; break; }
          err = parseIpv6(b, off, end, h);
          if (err && h.cut) err = this.onCut(pkt, err);
          if (err) break;
          if (h.tso) count(this.stats, NET.ipv6ZeroLength, frame);
          this.ipVersion = 6;
          this.src = this.addr.v6At(b, h.srcOff);
          this.dst = this.addr.v6At(b, h.srcOff + 16);
          next = h.proto; off = h.payloadOff; end = h.payloadEnd;
          // RFC 6946: an "atomic fragment" (offset 0, M = 0) is a whole datagram.
          if (h.fragment && (h.moreFragments || h.fragOffset !== 0)) {
            if (this.cut) { break; }
            // RFC 8200 §4.5: fragments belong together by source, destination and Identification.
            const key = `6 ${this.src} ${this.dst} ${h.fragId}`;
            const r = this.frag.add(key, h.fragOffset, h.moreFragments, h.proto, b.subarray(off, end), frame, pkt.tsUs);
            if (!r) { break; }
            this.onReassembled?.(r.frames);
            b = r.data; off = 0; end = b.length; next = r.proto;
          }
          kind = K_IPPROTO;
          continue;
        }

        case K_IPPROTO:
          switch (next) {
            case IPPROTO_UDP: {
              const h = this.udp;
              err = parseUdp(b, off, end, h);
              if (err && this.cut && end - off >= 8) { err = null; h.payloadEnd = end; }
              if (err) break;
              let t = udpTunnel(h.dstPort);
              if (t < 0) t = udpTunnel(h.srcPort);
              if (t === K_GTPU ? isGtpu(b, h.payloadOff, h.payloadEnd) : t === K_VXLAN && isVxlan(b, h.payloadOff, h.payloadEnd)) {
                kind = t; off = h.payloadOff; end = h.payloadEnd;
                continue;
              }
              emit(this.segment(pkt, 'udp', h.srcPort, h.dstPort, b, h.payloadOff, h.payloadEnd));
              break;
            }
            case IPPROTO_TCP: err = this.emitTcp(pkt, b, off, end, emit); break;
            case IPPROTO_SCTP: this.emitSctp(pkt, b, off, end, emit); break;
            case IPPROTO_IPIP: this.tunnels.push('ipip'); kind = K_IPV4; continue;
            case IPPROTO_IPV6: this.tunnels.push('ip6ip'); kind = K_IPV6; continue;
            case IPPROTO_GRE: kind = K_GRE; continue;
            case IPPROTO_AH:
              err = parseAh(b, off, end, o);
              if (err) break;
              next = o.next; off = o.off; end = o.end;
              continue;
            case IPPROTO_ESP: err = NET.ipEsp; break;
            case IPPROTO_ICMP: case IPPROTO_ICMPV6:
              if (!this.icmpQuotes || (next === IPPROTO_ICMP) !== (this.ipVersion === 4)) { err = NET.ipOtherProto; break; }
              err = this.emitIcmpQuote(pkt, b, off, end, emit);
              break;
            default:
              // After IPv6 reassembly the fragmentable part may still start with extension headers.
              if (this.ipVersion === 6 && isIpv6ExtHeader(next)) {
                err = skipIpv6ExtHeader(b, off, end, o);
                if (err) break;
                next = o.next; off = o.off; end = o.end;
                continue;
              }
              err = NET.ipOtherProto;
              break;
          }
          break;

        case K_GRE: {
          err = parseGre(b, off, end, o);
          if (err) break;
          this.tunnels.push('gre');
          const greType = o.next;
          if (greType === ETHERTYPE_ERSPAN2 || greType === ETHERTYPE_ERSPAN3) {
            err = parseErspan(b, o.off, o.end, greType, o.seqPresent, o);
            if (err) break;
            this.tunnels.push('erspan');
            off = o.off; end = o.end;
            if (o.next === ETHERTYPE_TEB) { kind = K_ETHER; continue; }
            next = o.next; kind = K_ETHERTYPE;
            continue;
          }
          off = o.off; end = o.end;
          if (greType === ETHERTYPE_TEB) { this.tunnels.push('teb'); kind = K_ETHER; continue; }
          if (greType === ETHERTYPE_IPV4 || greType === ETHERTYPE_IPV6) { next = greType; kind = K_ETHERTYPE; continue; }
          err = NET.greUnsupported;
          break;
        }

        case K_GTPU:
          err = parseGtpu(b, off, end, o);
          if (err) break;
          this.tunnels.push('gtpu');
          off = o.off; end = o.end; kind = K_IP;
          continue;

        case K_VXLAN:
          err = parseVxlan(b, off, end, o);
          if (err) break;
          this.tunnels.push('vxlan');
          off = o.off; end = o.end; kind = K_ETHER;
          continue;

        default:
          break;
      }
      if (err) count(this.stats, err, frame);
      return;
    }
  }

  /** End of input: incomplete IP datagrams and SCTP messages are dropped and counted. */
  end(): void {
    this.frag.end();
    this.sctpFrag.end();
  }

  /** A datagram longer than the captured bytes: a snaplen cut, or a corrupt length. */
  private onCut(pkt: CapturedPacket, err: NetStat): NetStat | null {
    if (pkt.capLen >= pkt.origLen) return err;
    if (!this.emitCut) return NET.snaplenCut;
    // Once per packet: a tunnel (GTP-U, GRE …) cuts the outer and the inner datagram alike.
    if (!this.cut) count(this.stats, NET.snaplenCut, pkt.frame);
    this.cut = true;
    return null;
  }

  private segment(pkt: CapturedPacket, proto: L4Proto, srcPort: number, dstPort: number,
    buf: Uint8Array, payloadOff: number, payloadEnd: number): L4Segment {
    if (this.reuse) {
      const s = this.shared;
      s.buf = buf;
      s.payloadOff = payloadOff;
      s.payloadEnd = payloadEnd;
      s.view = null;
      s.frame = pkt.frame;
      s.tsUs = pkt.tsUs;
      s.ipVersion = this.ipVersion;
      s.src = this.src;
      s.dst = this.dst;
      s.proto = proto;
      s.srcPort = srcPort;
      s.dstPort = dstPort;
      s.tcp = undefined;
      s.icmp = undefined;
      s.vlans = this.vlans.length ? this.vlans.slice() : NO_VLANS;
      s.tunnels = this.tunnels.length ? this.tunnels.slice() : NO_TUNNELS;
      s.truncated = this.cut;
      return s;
    }
    return {
      frame: pkt.frame,
      tsUs: pkt.tsUs,
      ipVersion: this.ipVersion,
      src: this.src,
      dst: this.dst,
      proto,
      srcPort,
      dstPort,
      payload: buf.subarray(payloadOff, payloadEnd),
      buf,
      payloadOff,
      payloadEnd,
      vlans: this.vlans.length ? this.vlans.slice() : NO_VLANS,
      tunnels: this.tunnels.length ? this.tunnels.slice() : NO_TUNNELS,
      ...(this.cut ? { truncated: true } : {}),
    };
  }

  /** An ICMP error quoting a UDP datagram: that datagram, as an 'icmp' segment. */
  private emitIcmpQuote(pkt: CapturedPacket, b: Uint8Array, off: number, end: number,
    emit: (seg: L4Segment) => void): NetStat | null {
    const q = this.icmpQuote;
    const v6 = this.ipVersion === 6;
    const err = q.parse(b, off, end, v6);
    if (err) return err;
    count(this.stats, NET.icmpUdpQuote, pkt.frame);
    const icmp: IcmpInfo = { type: q.type, code: q.code, v6, from: this.src, to: this.dst, cut: q.cut || this.cut };
    // The segment names the quoted datagram: its addresses, its ports, its payload.
    this.src = q.quotedV6 ? this.addr.v6At(b, q.addrOff) : this.addr.v4At(b, q.addrOff);
    this.dst = q.quotedV6 ? this.addr.v6At(b, q.addrOff + 16) : this.addr.v4At(b, q.addrOff + 4);
    const ipVersion = this.ipVersion;
    this.ipVersion = q.quotedV6 ? 6 : 4;
    const seg = this.segment(pkt, 'icmp', q.srcPort, q.dstPort, b, q.payloadOff, q.payloadEnd);
    this.ipVersion = ipVersion;
    seg.icmp = icmp;
    seg.truncated = icmp.cut;
    emit(seg);
    return null;
  }

  private emitTcp(pkt: CapturedPacket, b: Uint8Array, off: number, end: number,
    emit: (seg: L4Segment) => void): NetStat | null {
    const h = this.tcp;
    const err = parseTcp(b, off, end, h);
    if (err) return err;
    // A cut TCP segment would put a hole in the reassembled stream: it stays counted, unsent.
    if (this.cut) return null;
    const seg = this.segment(pkt, 'tcp', h.srcPort, h.dstPort, b, h.payloadOff, end);
    if (this.reuse) {
      const t = this.sharedTcp;
      t.seq = h.seq;
      t.ack = h.ack;
      t.flags = h.flags;
      seg.tcp = t;
    } else {
      seg.tcp = { seq: h.seq, ack: h.ack, flags: h.flags };
    }
    emit(seg);
    return null;
  }

  private emitSctp(pkt: CapturedPacket, b: Uint8Array, off: number, end: number,
    emit: (seg: L4Segment) => void): void {
    if (end - off < 12) { count(this.stats, NET.truncatedSctp, pkt.frame); return; }
    if (this.cut) return; // SCTP carries SIP here: half a message is no message
    const sp = (b[off] << 8) | b[off + 1];
    const dp = (b[off + 2] << 8) | b[off + 3];
    walkSctpData(b, off, end, this.sctpChunk, (d) => {
      if ((d.flags & (SCTP_FLAG_B | SCTP_FLAG_E)) === (SCTP_FLAG_B | SCTP_FLAG_E)) {
        emit(this.segment(pkt, 'sctp', sp, dp, b, d.off, d.end));
        return;
      }
      if (d.iData) { count(this.stats, NET.sctpFragment, pkt.frame); return; }
      // The verification tag (bytes 4–7) tells associations on the same ports apart.
      const vtag = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
      const dirKey = `${this.src} ${sp} ${this.dst} ${dp} ${vtag}`;
      const msg = this.sctpFrag.add(dirKey, d.streamId, d.tsn, d.flags, b.subarray(d.off, d.end), pkt.frame, pkt.tsUs);
      if (msg) {
        this.onReassembled?.(this.sctpFrag.lastMessageFrames);
        emit(this.segment(pkt, 'sctp', sp, dp, msg, 0, msg.length));
      }
    }, (st) => count(this.stats, st, pkt.frame));
  }

}
