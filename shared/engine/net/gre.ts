// GRE (RFC 2784 §2, key and sequence number from RFC 2890 §2) and the ERSPAN mirror
// headers carried in it (draft-foschiano-erspan-03 §4: type I/II, 0x88be; type III, 0x22eb).
import { u16be } from './bytes.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;

export interface GreOut extends LayerOut {
  /** The S bit: distinguishes ERSPAN type II (sequenced) from type I (no ERSPAN header). */
  seqPresent: boolean;
}

/** out.next is the GRE Protocol Type (an EtherType). */
export function parseGre(b: Uint8Array, off: number, end: number, out: GreOut): NetStat | null {
  if (end - off < 4) return NET.truncatedGre;
  const fl = u16be(b, off);
  // Version 1 is PPTP's enhanced GRE (RFC 2637) carrying PPP; routing (RFC 1701 R bit)
  // adds a variable source-route list that RFC 2784 deprecated. Neither carries SIP here.
  if ((fl & 7) !== 0 || (fl & GRE_R) !== 0) return NET.greUnsupported;
  let len = 4;
  if (fl & GRE_C) len += 4; // checksum + reserved1
  if (fl & GRE_K) len += 4;
  if (fl & GRE_S) len += 4;
  if (end - off < len) return NET.truncatedGre;
  out.next = u16be(b, off + 2);
  out.seqPresent = (fl & GRE_S) !== 0;
  out.off = off + len;
  out.end = end;
  return null;
}

/**
 * ERSPAN header. Type I has none (GRE without S bit); type II is 8 bytes (version 1);
 * type III is 12 bytes (version 2) plus an 8-byte platform sub-header when the O bit is set.
 * out.next = ETHERTYPE_TEB when an Ethernet frame follows, or IPv4/IPv6 (type III FT = 2).
 */
export function parseErspan(b: Uint8Array, off: number, end: number, greType: number, seqPresent: boolean,
  out: LayerOut): NetStat | null {
  out.end = end;
  if (greType !== 0x22eb && !seqPresent) {
    out.next = ETHERTYPE_TEB;
    out.off = off;
    return null; // type I
  }
  if (end - off < 8) return NET.truncatedGre;
  const ver = b[off] >> 4;
  if (greType !== 0x22eb) {
    if (ver !== 1) return NET.erspanUnsupported;
    out.next = ETHERTYPE_TEB;
    out.off = off + 8;
    return null;
  }
  if (ver !== 2) return NET.erspanUnsupported;
  if (end - off < 12) return NET.truncatedGre;
  // Word at +10: P(1) FT(5) HW ID(6) D(1) Gra(2) O(1).
  const w = u16be(b, off + 10);
  let len = 12;
  if (w & 1) len += 8;
  if (end - off < len) return NET.truncatedGre;
  const ft = (w >> 10) & 0x1f;
  out.off = off + len;
  if (ft === 0) {
    out.next = ETHERTYPE_TEB;
  } else if (ft === 2) {
    if (out.off >= end) return NET.truncatedGre;
    const v = b[out.off] >> 4;
    if (v === 4) out.next = ETHERTYPE_IPV4;
    else if (v === 6) out.next = ETHERTYPE_IPV6;
    else return NET.erspanUnsupported;
  } else {
    return NET.erspanUnsupported;
  }
  return null;
}
