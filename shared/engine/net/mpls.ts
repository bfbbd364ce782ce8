// MPLS label stack (RFC 3032 §2.1): 4-byte entries until the bottom-of-stack bit. The
// payload type is not signalled; like Wireshark, guess IPv4/IPv6 from the version nibble.
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

export function parseMpls(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  let p = off;
  for (;;) {
    if (end - p < 4) return NET.truncatedLink;
    const bottom = b[p + 2] & 1;
    p += 4;
    if (bottom) break;
  }
  if (p >= end) return NET.truncatedLink;
  const v = b[p] >> 4;
  if (v === 4) out.next = ETHERTYPE_IPV4;
  else if (v === 6) out.next = ETHERTYPE_IPV6;
  else return NET.nonIp; // pseudowire with Ethernet control word etc.
  out.off = p;
  out.end = end;
  return null;
}
