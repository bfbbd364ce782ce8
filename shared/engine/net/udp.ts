// UDP header (RFC 768). The checksum is not verified (offload on the capturing host).
import { u16be } from './bytes.ts';
import { NET, type NetStat } from './net_stats.ts';

export class UdpHeader {
  srcPort = 0;
  dstPort = 0;
  payloadOff = 0;
  payloadEnd = 0;
}

export function parseUdp(b: Uint8Array, off: number, end: number, h: UdpHeader): NetStat | null {
  if (end - off < 8) return NET.truncatedUdp;
  h.srcPort = u16be(b, off);
  h.dstPort = u16be(b, off + 2);
  const len = u16be(b, off + 4);
  h.payloadOff = off + 8;
  // Length 0 only happens in IPv6 jumbograms (RFC 2675 §4) or with offload: use the IP bound.
  if (len === 0) { h.payloadEnd = end; return null; }
  if (len < 8 || off + len > end) return NET.truncatedUdp;
  h.payloadEnd = off + len;
  return null;
}
