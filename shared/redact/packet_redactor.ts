// Redacts one exported packet (a PacketTransform for selected_packet_writer.ts), with the
// export's one SipTextRedactor, so the capture says what the report says:
// - link layer: Ethernet (802.1Q/QinQ tags), Linux cooked v1/v2, raw IP, BSD loopback; MAC
//   addresses (Ethernet source/destination, the SLL address) are pseudonymised;
// - IPv4/IPv6 addresses in the header (and in an ICMP error's quoted header, and in IP-in-IP)
//   are mapped to the same pseudonyms as in the SIP/SDP text, so RTP still meets its SDP;
// - SIP text (UDP, TCP, IP fragments, ICMP quotes, unmasked or masked WebSocket frames) is
//   redacted in place: every replacement keeps its length, so UDP/IP lengths, Content-Length
//   and TCP sequence numbers never change;
// - RTP: the header, CSRCs, header extension and padding count are kept, the payload zeroed
//   (sequence numbers, timestamps, SSRC and markers are what the metrics read);
// - RTCP: SR/RR/feedback/XR kept; SDES item texts (CNAMEs are often user@host), BYE reasons
//   and APP data zeroed;
// - then the IPv4 header checksum and the UDP/TCP/ICMP checksums are recomputed (a UDP
//   checksum of 0 over IPv4, "none", stays 0).
// Tunnels are redacted inside: IP-in-IP, GRE (IP, bridged Ethernet, ERSPAN II/III), VXLAN,
// GTP-U, PPPoE sessions, MPLS. A packet it cannot take apart (another tunnel or link type) is
// left out of the export and counted: a redacted export never carries bytes it could not read.
//
// SIP split across IP fragments or TCP segments is taken from the whole message redacted on
// the first read (ReassembledText, reassembled_text.ts); without it, piece by piece. A
// fragmented UDP datagram that was not read whole as SIP (fragmented RTP, rare, or a datagram
// missing a fragment) fails safe: its first fragment keeps an RTP header and is zeroed after
// it, later fragments are zeroed; its UDP checksum is then set to 0 over IPv4 and left stale
// over IPv6 (the other fragments are not at hand).

import { latin1Decode, latin1Encode } from '../engine/sip/latin1.ts';
import type { SelectedKind } from '../engine/export/call_packet_selector.ts';
import { ipv6Text } from './pseudonymiser.ts';
import type { SipTextRedactor } from './sip_text_redactor.ts';

/** SIP split over several packets, redacted whole on the export's first read (reassembled_text.ts). */
export interface ReassembledText {
  /** The redacted bytes of a TCP payload, from its direction's redacted stream (null: redact the segment alone). */
  tcp(flow: TcpFlow, seq: number, length: number): Uint8Array | null;
  /** The redacted UDP payload of the datagram a fragment (this frame) belongs to, or null. */
  udpDatagram(frame: number): Uint8Array | null;
}

export interface TcpFlow {
  /** Original (unredacted) addresses as printed by the engine, and ports. */
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

export interface PacketRedactorStats {
  packets: number;
  sip: number;
  rtp: number;
  rtcp: number;
  /** Packets left out: not taken apart (tunnel, unknown link or protocol). */
  dropped: number;
  /** Why packets were left out, with counts. */
  droppedWhy: Map<string, number>;
  macs: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TYPES = new Set([0x8100, 0x88a8, 0x9100]);

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** Ones'-complement sum of b[from, to) (odd length padded with a zero byte), not folded. */
function sum16(b: Uint8Array, from: number, to: number, acc = 0): number {
  let s = acc;
  let i = from;
  for (; i + 1 < to; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < to) s += b[i] << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

class Skip extends Error {}

const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC32C[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}


export class PacketRedactor {
  readonly stats: PacketRedactorStats = { packets: 0, sip: 0, rtp: 0, rtcp: 0, dropped: 0, droppedWhy: new Map(), macs: 0 };
  private readonly macsSeen = new Set<string>();

  private frame = 0;

  constructor(private readonly text: SipTextRedactor, private readonly whole?: ReassembledText) {}

  /** The redacted copy of a packet, or null to leave it out. */
  redact(p: { frame: number; kind: SelectedKind; linkType: number; data: Uint8Array }): Uint8Array | null {
    const b = p.data.slice();
    this.frame = p.frame;
    try {
      this.link(b, p.linkType, p.kind);
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      this.stats.dropped++;
      this.stats.droppedWhy.set(e.message, (this.stats.droppedWhy.get(e.message) ?? 0) + 1);
      return null;
    }
    this.stats.packets++;
    return b;
  }

  private mac(b: Uint8Array, o: number): void {
    const key = Array.from(b.subarray(o, o + 6)).join('.');
    const m = this.text.p.mac(b, o);
    b.set(m, o);
    if (!this.macsSeen.has(key) && (b[o] & 1) === 0) {
      this.macsSeen.add(key);
      this.stats.macs = this.macsSeen.size;
    }
  }

  private link(b: Uint8Array, linkType: number, kind: SelectedKind): void {
    let off: number;
    let etherType: number | null = null;
    switch (linkType) {
      case 1:
        this.ether(b, 0, b.length, kind);
        return;
      case 113: {
        // Linux cooked v1: pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2).
        if (b.length < 16) throw new Skip('truncated link header');
        if (u16(b, 4) === 6) this.mac(b, 6);
        else b.fill(0, 6, 14);
        etherType = u16(b, 14);
        off = 16;
        break;
      }
      case 276: {
        // Linux cooked v2: protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addrlen(1) addr(8).
        if (b.length < 20) throw new Skip('truncated link header');
        if (b[11] === 6) this.mac(b, 12);
        else b.fill(0, 12, 20);
        etherType = u16(b, 0);
        off = 20;
        break;
      }
      case 0:
      case 108:
        if (b.length < 4) throw new Skip('truncated link header');
        off = 4;
        break;
      case 12:
      case 14:
      case 101:
      case 228:
      case 229:
        off = 0;
        break;
      default:
        throw new Skip(`link type ${linkType}`);
    }
    if (etherType !== null) this.byEtherType(b, etherType, off, b.length, kind);
    else this.ip(b, off, b.length, kind, false);
  }

  /** An Ethernet frame at `off` (the link layer, or inside GRE/ERSPAN/VXLAN): MACs, 802.1Q/QinQ tags, then its payload. */
  private ether(b: Uint8Array, off: number, end: number, kind: SelectedKind): void {
    if (end - off < 14) throw new Skip('truncated Ethernet header');
    this.mac(b, off);
    this.mac(b, off + 6);
    let o = off + 12;
    let t = u16(b, o);
    while (VLAN_TYPES.has(t) && o + 6 <= end) {
      o += 4;
      t = u16(b, o);
    }
    this.byEtherType(b, t, o + 2, end, kind);
  }

  /** What an EtherType announces: IP, a PPPoE session, MPLS labels. */
  private byEtherType(b: Uint8Array, t: number, off: number, end: number, kind: SelectedKind): void {
    if (t === ETHERTYPE_IPV4 || t === ETHERTYPE_IPV6) {
      this.ip(b, off, end, kind, false);
      return;
    }
    if (t === 0x8864) {
      // PPPoE session (RFC 2516): ver/type, code, session id, length, then the PPP protocol.
      if (end - off < 8) throw new Skip('truncated PPPoE header');
      const ppp = u16(b, off + 6);
      if (ppp !== 0x0021 && ppp !== 0x0057) throw new Skip(`PPP protocol 0x${ppp.toString(16)}`);
      this.ip(b, off + 8, end, kind, false);
      return;
    }
    if (t === 0x8847 || t === 0x8848) {
      // MPLS: labels up to the bottom of the stack, then IP (its version nibble says which).
      let o = off;
      while (o + 4 <= end) {
        const bottom = b[o + 2] & 1;
        o += 4;
        if (bottom) break;
      }
      this.ip(b, o, end, kind, false);
      return;
    }
    throw new Skip(`EtherType 0x${t.toString(16)}`);
  }

  /** GRE (RFC 2784/2890): IP, bridged Ethernet or ERSPAN II/III inside; its checksum, when present, recomputed. */
  private gre(b: Uint8Array, o: number, end: number, kind: SelectedKind): void {
    if (end - o < 4) throw new Skip('truncated GRE header');
    const flags = u16(b, o);
    const proto = u16(b, o + 2);
    const checksum = (flags & 0x8000) !== 0;
    const h = o + 4 + (checksum ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
    if (h > end) throw new Skip('truncated GRE header');
    if (proto === ETHERTYPE_IPV4 || proto === ETHERTYPE_IPV6) this.ip(b, h, end, kind, false);
    else if (proto === 0x6558) this.ether(b, h, end, kind);
    else if (proto === 0x88be) this.ether(b, h + 8, end, kind); // ERSPAN type II: 8-byte header
    else if (proto === 0x22eb) {
      // ERSPAN type III: 12-byte header, then an 8-byte platform sub-header when its O bit is set.
      if (h + 12 > end) throw new Skip('truncated ERSPAN header');
      this.ether(b, h + 12 + (b[h + 11] & 1 ? 8 : 0), end, kind);
    } else throw new Skip(`GRE protocol 0x${proto.toString(16)}`);
    if (checksum) {
      put16(b, o + 4, 0);
      put16(b, o + 4, fold(sum16(b, o, end)));
    }
  }

  /** A UDP payload that is a tunnel (VXLAN on 4789, GTP-U on 2152) is redacted inside; false when it is not one. */
  private udpTunnel(b: Uint8Array, o: number, end: number, srcPort: number, dstPort: number, kind: SelectedKind): boolean {
    const on = (port: number): boolean => srcPort === port || dstPort === port;
    if (on(4789) && end - o >= 8 + 14 && (b[o] & 0x08) !== 0) {
      this.ether(b, o + 8, end, kind);
      return true;
    }
    if (on(2152) && end - o >= 8 && b[o] >> 5 === 1 && b[o + 1] === 0xff) {
      // GTP-U: 8 bytes, 4 more when E/S/PN is set, then the extension headers the E flag chains.
      let h = o + 8;
      if ((b[o] & 0x07) !== 0) {
        h += 4;
        let next = b[h - 1];
        while ((b[o] & 0x04) !== 0 && next !== 0 && h < end) {
          const len = b[h] * 4;
          if (len === 0) throw new Skip('bad GTP-U extension header');
          h += len;
          next = b[h - 1];
        }
      }
      this.ip(b, h, end, kind, false);
      return true;
    }
    return false;
  }

  /** Rewrites the IP datagram at [off, end): addresses, then its payload, then checksums. `quoted`: inside an ICMP error. */
  private ip(b: Uint8Array, off: number, end: number, kind: SelectedKind, quoted: boolean): void {
    if (end - off < 1) throw new Skip('truncated IP header');
    const version = b[off] >> 4;
    if (version === 4) this.ipv4(b, off, end, kind, quoted);
    else if (version === 6) this.ipv6(b, off, end, kind, quoted);
    else throw new Skip('not IP');
  }

  private ipv4(b: Uint8Array, off: number, end: number, kind: SelectedKind, quoted: boolean): void {
    if (end - off < 20) throw new Skip('truncated IPv4 header');
    const ihl = (b[off] & 0x0f) * 4;
    if (ihl < 20 || off + ihl > end) throw new Skip('bad IPv4 header');
    const total = u16(b, off + 2);
    const pEnd = total >= ihl ? Math.min(end, off + total) : end;
    const src = `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
    const dst = `${b[off + 16]}.${b[off + 17]}.${b[off + 18]}.${b[off + 19]}`;
    const proto = b[off + 9];
    const flags = u16(b, off + 6);
    const fragOffset = (flags & 0x1fff) * 8;
    const moreFragments = (flags & 0x2000) !== 0;
    // Addresses first: the pseudo-header of the checksums below uses the new ones.
    b.set(this.text.p.ipv4(b, off + 12), off + 12);
    b.set(this.text.p.ipv4(b, off + 16), off + 16);
    // Options (record route, source route) can hold addresses: cleared to NOP-less zeros (end of options).
    if (ihl > 20) b.fill(0, off + 20, off + ihl);
    const pOff = off + ihl;
    const pseudo = sum16(b, off + 12, off + 20) + proto + (pEnd - pOff);
    // A datagram the capture cut short (snap length) cannot have its checksum recomputed.
    const cut = total > end - off;
    this.transport(b, proto, pOff, pEnd, kind, { v6: false, pseudo, fragOffset, firstOfMany: fragOffset === 0 && moreFragments, quoted: quoted || cut, src, dst });
    b[off + 10] = 0;
    b[off + 11] = 0;
    put16(b, off + 10, fold(sum16(b, off, off + ihl)));
  }

  private ipv6(b: Uint8Array, off: number, end: number, kind: SelectedKind, quoted: boolean): void {
    if (end - off < 40) throw new Skip('truncated IPv6 header');
    const plen = u16(b, off + 4);
    const pEnd = Math.min(end, off + 40 + plen);
    const src = ipv6Text(b, off + 8);
    const dst = ipv6Text(b, off + 24);
    b.set(this.text.p.ipv6(b, off + 8), off + 8);
    b.set(this.text.p.ipv6(b, off + 24), off + 24);
    let next = b[off + 6];
    let o = off + 40;
    let fragOffset = 0;
    let firstOfMany = false;
    // Extension headers: hop-by-hop, routing, destination options, fragment.
    for (let n = 0; n < 8; n++) {
      if (next === 0 || next === 43 || next === 60) {
        if (o + 8 > pEnd) throw new Skip('truncated IPv6 extension header');
        // A routing header lists addresses: pseudonymised like the others.
        if (next === 43 && b[o + 2] === 0) for (let a = o + 8; a + 16 <= o + (b[o + 1] + 1) * 8; a += 16) b.set(this.text.p.ipv6(b, a), a);
        const len = (b[o + 1] + 1) * 8;
        next = b[o];
        o += len;
      } else if (next === 44) {
        if (o + 8 > pEnd) throw new Skip('truncated IPv6 fragment header');
        const fo = u16(b, o + 2) & 0xfff8;
        fragOffset = fo;
        firstOfMany = fo === 0 && (b[o + 3] & 1) === 1;
        next = b[o];
        o += 8;
      } else break;
    }
    const l4len = pEnd - o;
    const pseudo = sum16(b, off + 8, off + 40) + (l4len >>> 16) + (l4len & 0xffff) + next;
    const cut = off + 40 + plen > end;
    this.transport(b, next, o, pEnd, kind, { v6: true, pseudo, fragOffset, firstOfMany, quoted: quoted || cut, src, dst });
  }

  private transport(
    b: Uint8Array, proto: number, o: number, end: number, kind: SelectedKind,
    at: { v6: boolean; pseudo: number; fragOffset: number; firstOfMany: boolean; quoted: boolean; src: string; dst: string },
  ): void {
    const whole = at.fragOffset > 0 || at.firstOfMany ? this.whole?.udpDatagram(this.frame) ?? null : null;
    if (at.fragOffset > 0) {
      // A later fragment: no transport header, only the datagram's continuation (UDP payload from fragOffset - 8).
      const from = at.fragOffset - 8;
      if (whole && proto === 17 && from >= 0 && from + (end - o) <= whole.length) {
        b.set(whole.subarray(from, from + (end - o)), o);
        this.stats.sip++;
      } else if (this.whole && proto === 17) b.fill(0, o, end); // not a SIP datagram read whole on pass 1 (fragmented RTP, a lost fragment): zeroed
      else this.payload(b, o, end, kind === 'rtp' ? 'rtp-cont' : kind === 'rtcp' ? 'zero' : 'text');
      return;
    }
    if (proto === 4 || proto === 41) {
      this.ip(b, o, end, kind, at.quoted);
      return;
    }
    if (proto === 17) {
      if (end - o < 8) throw new Skip('truncated UDP header');
      const udpLen = u16(b, o + 4);
      if (whole && at.firstOfMany && whole.length === udpLen - 8 && end - o - 8 <= whole.length) {
        b.set(whole.subarray(0, end - o - 8), o + 8);
        this.stats.sip++;
        if (at.quoted || (u16(b, o + 6) === 0 && !at.v6)) return;
        // The checksum covers the whole datagram: its header here, its redacted payload from the first read.
        put16(b, o + 6, 0);
        const pseudo = at.pseudo - (end - o) + udpLen;
        let c = fold(sum16(whole, 0, whole.length, sum16(b, o, o + 8, pseudo)));
        if (c === 0) c = 0xffff;
        put16(b, o + 6, c);
        return;
      }
      // The first fragment of a datagram not read whole as SIP: its RTP header kept, the rest zeroed.
      const firstOfOther = at.firstOfMany && this.whole !== undefined;
      if (firstOfOther || !this.udpTunnel(b, o + 8, end, u16(b, o), u16(b, o + 2), kind)) {
        this.payload(b, o + 8, end, kind === 'rtp' || firstOfOther ? 'rtp' : kind === 'rtcp' ? 'rtcp' : 'text');
      }
      if (at.quoted) return;
      const old = u16(b, o + 6);
      if (at.firstOfMany) {
        // The datagram's other fragments are not at hand: IPv4 says "no checksum" with 0.
        if (!at.v6) put16(b, o + 6, 0);
        return;
      }
      if (old === 0 && !at.v6) return;
      put16(b, o + 6, 0);
      let c = fold(sum16(b, o, end, at.pseudo));
      if (c === 0) c = 0xffff;
      put16(b, o + 6, c);
      return;
    }
    if (proto === 6) {
      if (end - o < 20) throw new Skip('truncated TCP header');
      const hl = (b[o + 12] >> 4) * 4;
      if (hl < 20 || o + hl > end) throw new Skip('bad TCP header');
      const pOff = o + hl;
      if (pOff < end) {
        const seq = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
        const fromStream = this.whole?.tcp({ src: at.src, srcPort: u16(b, o), dst: at.dst, dstPort: u16(b, o + 2) }, seq, end - pOff) ?? null;
        if (fromStream && fromStream.length === end - pOff) {
          b.set(fromStream, pOff);
          this.stats.sip++;
        } else this.payload(b, pOff, end, 'text');
      }
      if (at.quoted || at.firstOfMany) return;
      put16(b, o + 16, 0);
      put16(b, o + 16, fold(sum16(b, o, end, at.pseudo)));
      return;
    }
    if ((proto === 1 && !at.v6) || (proto === 58 && at.v6)) {
      if (end - o < 8) throw new Skip('truncated ICMP header');
      const type = b[o];
      const error = at.v6 ? type >= 1 && type <= 4 : type === 3 || type === 11 || type === 12 || type === 5;
      if (type === 5 && !at.v6) b.set(this.text.p.ipv4(b, o + 4), o + 4); // redirect: the gateway's address
      if (error) this.ip(b, o + 8, end, kind, true);
      else b.fill(0, o + 8, end);
      if (at.quoted) return;
      put16(b, o + 2, 0);
      put16(b, o + 2, fold(sum16(b, o, end, at.v6 ? at.pseudo : 0)));
      return;
    }
    if (proto === 47) {
      this.gre(b, o, end, kind);
      return;
    }
    if (proto === 132) {
      this.sctp(b, o, end, kind, at.quoted);
      return;
    }
    throw new Skip(`IP protocol ${proto}`);
  }

  /** SCTP: each DATA / I-DATA chunk's user data redacted as SIP text (a message split over chunks piece by piece), then the CRC32c. */
  private sctp(b: Uint8Array, o: number, end: number, kind: SelectedKind, quoted: boolean): void {
    if (end - o < 12) throw new Skip('truncated SCTP header');
    let c = o + 12;
    while (c + 4 <= end) {
      const type = b[c];
      const len = u16(b, c + 2);
      if (len < 4) break;
      const stop = Math.min(end, c + len);
      const data = type === 0 ? c + 16 : type === 64 ? c + 20 : -1;
      if (data >= 0 && data < stop) this.payload(b, data, stop, kind === 'rtp' || kind === 'rtcp' ? 'zero' : 'text');
      else if (type !== 0 && type !== 64 && (type === 6 || type === 9)) b.fill(0, c + 4, stop); // ABORT / ERROR causes can quote anything
      c += (len + 3) & ~3;
    }
    if (quoted) return;
    b.fill(0, o + 8, o + 12);
    const crc = crc32c(b, o, end);
    // Stored least significant byte first (RFC 9260 appendix A, as the kernels write it).
    b[o + 8] = crc & 0xff;
    b[o + 9] = (crc >>> 8) & 0xff;
    b[o + 10] = (crc >>> 16) & 0xff;
    b[o + 11] = (crc >>> 24) & 0xff;
  }

  private payload(b: Uint8Array, o: number, end: number, how: 'text' | 'rtp' | 'rtp-cont' | 'rtcp' | 'zero'): void {
    if (o >= end) return;
    switch (how) {
      case 'rtp':
        this.rtp(b, o, end);
        return;
      case 'rtcp':
        this.rtcp(b, o, end);
        return;
      case 'rtp-cont':
      case 'zero':
        b.fill(0, o, end);
        return;
      case 'text':
        this.sipText(b, o, end);
        return;
    }
  }

  private sipText(b: Uint8Array, o: number, end: number): void {
    if (this.hep(b, o, end)) return;
    if (this.websocket(b, o, end)) return;
    const before = latin1Decode(b, o, end);
    b.set(latin1Encode(this.text.redact(before)), o);
    this.stats.sip++;
  }

  /**
   * HEP (Homer encapsulation, hep_decoder.ts): the original addresses it carries are binary
   * chunks (v3) or fixed fields (v1/v2), pseudonymised like any header; the SIP payload is
   * redacted as text; an authentication key is overwritten; a compressed payload (not
   * inflated here) and vendor chunks are zeroed.
   */
  private hep(b: Uint8Array, o: number, end: number): boolean {
    const p = this.text.p;
    if (end - o >= 6 && b[o] === 0x48 && b[o + 1] === 0x45 && b[o + 2] === 0x50 && b[o + 3] === 0x33) {
      const total = Math.min(end, o + u16(b, o + 4));
      let at = o + 6;
      while (at + 6 <= total) {
        const vendor = u16(b, at);
        const type = u16(b, at + 2);
        const len = u16(b, at + 4);
        if (len < 6 || at + len > total) break;
        const v = at + 6;
        const vEnd = at + len;
        if (vendor !== 0) b.fill(0, v, vEnd);
        else if ((type === 3 || type === 4) && vEnd - v >= 4) b.set(p.ipv4(b, v), v);
        else if ((type === 5 || type === 6) && vEnd - v >= 16) b.set(p.ipv6(b, v), v);
        else if (type === 0x0f || type === 0x11) b.set(latin1Encode(this.text.redact(latin1Decode(b, v, vEnd))), v);
        else if (type === 0x0e) b.fill(0x78, v, vEnd);
        else if (type === 0x10) b.fill(0, v, vEnd);
        at += len;
      }
      if (at < end) b.fill(0, at, end);
      this.stats.sip++;
      return true;
    }
    // HEPv1/v2: version, length, family, proto, ports, then the two addresses and (v2) a time header.
    if (end - o >= 8 && (b[o] === 1 || b[o] === 2) && b[o + 1] >= 16 && b[o + 1] <= end - o) {
      const fam = b[o + 2];
      const v6 = fam === 10 || fam === 23 || fam === 28 || fam === 30;
      if (!v6 && fam !== 2) return false;
      const a = o + 8;
      const size = v6 ? 16 : 4;
      if (a + 2 * size > end) return false;
      b.set(v6 ? p.ipv6(b, a) : p.ipv4(b, a), a);
      b.set(v6 ? p.ipv6(b, a + size) : p.ipv4(b, a + size), a + size);
      const payload = o + b[o + 1];
      if (payload < end) b.set(latin1Encode(this.text.redact(latin1Decode(b, payload, end))), payload);
      this.stats.sip++;
      return true;
    }
    return false;
  }

  /**
   * SIP over WebSocket (RFC 7118): frames that start and end in this payload are unmasked,
   * redacted and masked again. The HTTP upgrade that opens the connection is plain text.
   */
  private websocket(b: Uint8Array, o: number, end: number): boolean {
    const frames: Array<{ start: number; stop: number; mask: number | null }> = [];
    let p = o;
    while (p < end) {
      if (end - p < 2) return false;
      const op = b[p] & 0x0f;
      if ((b[p] & 0x70) !== 0 || !(op === 0 || op === 1 || op === 2 || op >= 8)) return false;
      const masked = (b[p + 1] & 0x80) !== 0;
      let len = b[p + 1] & 0x7f;
      let h = 2;
      if (len === 126) {
        if (end - p < 4) return false;
        len = u16(b, p + 2);
        h = 4;
      } else if (len === 127) return false;
      const mask = masked ? p + h : null;
      if (masked) h += 4;
      if (p + h + len > end) return false;
      frames.push({ start: p + h, stop: p + h + len, mask });
      p += h + len;
    }
    if (frames.length === 0) return false;
    for (const f of frames) {
      const unmask = (): void => {
        if (f.mask !== null) for (let i = f.start; i < f.stop; i++) b[i] ^= b[f.mask + ((i - f.start) & 3)];
      };
      unmask();
      b.set(latin1Encode(this.text.redact(latin1Decode(b, f.start, f.stop))), f.start);
      unmask();
    }
    this.stats.sip++;
    return true;
  }

  private rtp(b: Uint8Array, o: number, end: number): void {
    this.stats.rtp++;
    if (end - o < 12 || b[o] >> 6 !== 2) {
      b.fill(0, o, end);
      return;
    }
    let h = 12 + (b[o] & 0x0f) * 4;
    if ((b[o] & 0x10) !== 0 && o + h + 4 <= end) h += 4 + u16(b, o + h + 2) * 4;
    // The padding count (last byte) says how much of the end is padding: kept.
    const stop = (b[o] & 0x20) !== 0 ? end - 1 : end;
    if (o + h < stop) b.fill(0, o + h, stop);
  }

  private rtcp(b: Uint8Array, o: number, end: number): void {
    this.stats.rtcp++;
    let p = o;
    while (p + 4 <= end) {
      const count = b[p] & 0x1f;
      const pt = b[p + 1];
      const len = (u16(b, p + 2) + 1) * 4;
      const stop = Math.min(end, p + len);
      if (b[p] >> 6 !== 2) {
        b.fill(0, p, end);
        return;
      }
      if (pt === 202) {
        // SDES: per chunk an SSRC, then items (type, length, text) up to a zero type.
        let q = p + 4;
        for (let c = 0; c < count && q + 4 <= stop; c++) {
          q += 4;
          while (q < stop && b[q] !== 0) {
            const l = q + 1 < stop ? b[q + 1] : 0;
            b.fill(0, Math.min(q + 2, stop), Math.min(q + 2 + l, stop));
            q += 2 + l;
          }
          q = (Math.floor((q - p) / 4) + 1) * 4 + p;
        }
      } else if (pt === 203) {
        // BYE: the SSRCs, then an optional reason text.
        const r = p + 4 + count * 4;
        if (r + 1 < stop) b.fill(0, r + 1, stop);
      } else if (pt === 204) {
        // APP: SSRC, name, then application data.
        if (p + 12 < stop) b.fill(0, p + 12, stop);
      } else if (pt < 200 || pt > 207) {
        b.fill(0, p + 4, stop);
      }
      p += len;
    }
    if (p < end) b.fill(0, p, end);
  }
}
