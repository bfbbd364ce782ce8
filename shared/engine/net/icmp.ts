// ICMP (RFC 792) and ICMPv6 (RFC 4443) error messages, for the datagram they quote.
//
// An error carries the start of the IP datagram that caused it: the IP header and at least
// 8 bytes after it (RFC 792), in practice as much as fits in 576 bytes (RFC 1812 §4.3.2.3)
// or, for ICMPv6, in the 1280-byte minimum MTU (RFC 4443 §3). A SIP request sent to a closed
// port comes back inside a "port unreachable" with its start line, Via, From, To, Call-ID
// and CSeq usually intact and its body cut. tshark decodes that quoted SIP (the frame matches
// `sip`, its Call-ID is a sip.Call-ID field); this module finds the quoted UDP datagram so
// the analyzer can do the same. Nothing here throws: short or odd input is a statistic.

import { u16be } from './bytes.ts';
import { Ipv4Header, parseIpv4 } from './ipv4.ts';
import { Ipv6Header, parseIpv6 } from './ipv6.ts';
import { IPPROTO_UDP } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

/** ICMPv4 types that quote the invoking datagram (RFC 792, RFC 1812). */
const V4_ERRORS = new Set([3 /* destination unreachable */, 4 /* source quench */, 5 /* redirect */, 11 /* time exceeded */, 12 /* parameter problem */]);
/** ICMPv6 error types (RFC 4443 §2.1: types 0–127 are errors; these four are defined). */
const V6_ERRORS = new Set([1 /* destination unreachable */, 2 /* packet too big */, 3 /* time exceeded */, 4 /* parameter problem */]);

/** "Port unreachable": ICMPv4 type 3 code 3, ICMPv6 type 1 code 4. */
export function isPortUnreachable(v6: boolean, type: number, code: number): boolean {
  return v6 ? type === 1 && code === 4 : type === 3 && code === 3;
}

/** The UDP datagram an ICMP error quotes, as found by parseIcmpUdpQuote (a reused object). */
export class IcmpUdpQuote {
  type = 0;
  code = 0;
  /** Offset of the quoted IP header's source address; 4 or 16 bytes, destination after it. */
  addrOff = 0;
  quotedV6 = false;
  srcPort = 0;
  dstPort = 0;
  /** The quoted UDP payload: b[payloadOff, payloadEnd). */
  payloadOff = 0;
  payloadEnd = 0;
  /** Fewer payload bytes were quoted than the UDP length says (the usual case). */
  cut = false;
  private readonly v4 = new Ipv4Header();
  private readonly v6 = new Ipv6Header();

  /**
   * Parses the ICMP or ICMPv6 message b[off, end). Returns null when it is an error quoting
   * (the start of) a UDP datagram whose header is whole; otherwise the statistic that says why
   * not (an echo, neighbour discovery, a quoted TCP segment, a non-first fragment …).
   */
  parse(b: Uint8Array, off: number, end: number, v6: boolean): NetStat | null {
    if (end - off < 8) return NET.truncatedIcmp;
    const type = b[off];
    if (!(v6 ? V6_ERRORS : V4_ERRORS).has(type)) return NET.icmpOther;
    this.type = type;
    this.code = b[off + 1];
    // 4 bytes type/code/checksum, 4 bytes unused (or MTU / pointer / gateway), then the quote.
    const q = off + 8;
    let l4: number;
    let l4End: number;
    let proto: number;
    if (q < end && b[q] >> 4 === 4) {
      const h = this.v4;
      const err = parseIpv4(b, q, end, h);
      if (err && !h.cut) return NET.icmpQuoteBad;
      // A non-first fragment has no UDP header to read.
      if (h.fragOffset !== 0) return NET.icmpOther;
      proto = h.proto;
      l4 = h.payloadOff;
      l4End = h.payloadEnd;
      this.addrOff = h.srcOff;
      this.quotedV6 = false;
    } else if (q < end && b[q] >> 4 === 6) {
      const h = this.v6;
      const err = parseIpv6(b, q, end, h);
      if (err && !h.cut) return NET.icmpQuoteBad;
      if (h.fragment && h.fragOffset !== 0) return NET.icmpOther;
      proto = h.proto;
      l4 = h.payloadOff;
      l4End = h.payloadEnd;
      this.addrOff = h.srcOff;
      this.quotedV6 = true;
    } else {
      return NET.icmpQuoteBad;
    }
    if (proto !== IPPROTO_UDP) return NET.icmpOther;
    if (l4End - l4 < 8) return NET.icmpOther; // RFC 792's minimum: the 8 UDP header bytes, nothing after
    this.srcPort = u16be(b, l4);
    this.dstPort = u16be(b, l4 + 2);
    const udpLen = u16be(b, l4 + 4);
    this.payloadOff = l4 + 8;
    const declaredEnd = udpLen >= 8 ? l4 + udpLen : l4End;
    this.payloadEnd = Math.min(l4End, declaredEnd);
    this.cut = declaredEnd > l4End;
    return null;
  }
}
