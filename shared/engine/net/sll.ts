// Linux "cooked" captures (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, ..._SLL2.html).
// The protocol field is an EtherType for the cases we decode (IPv4/IPv6/VLAN/PPPoE);
// for ARPHRD_IPGRE it is the GRE protocol type, which uses the same numbers.
import { u16be } from './bytes.ts';
import type { LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

/** SLL v1: pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2) = 16 bytes. */
export function parseSll(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 16) return NET.truncatedLink;
  const proto = u16be(b, off + 14);
  // Values < 0x0600 are Linux pseudo-protocols (802.2 LLC, 802.3, CAN …), not IP.
  if (proto < 0x0600) return NET.nonIp;
  out.next = proto;
  out.off = off + 16;
  out.end = end;
  return null;
}

/** SLL v2: protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addrlen(1) addr(8) = 20 bytes. */
export function parseSll2(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 20) return NET.truncatedLink;
  const proto = u16be(b, off);
  if (proto < 0x0600) return NET.nonIp;
  out.next = proto;
  out.off = off + 20;
  out.end = end;
  return null;
}
