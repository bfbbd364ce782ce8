// VXLAN (RFC 7348 §5): on UDP 4789, an 8-byte header — flags(1) reserved(3) VNI(3)
// reserved(1) — then the inner Ethernet frame, decoded like any other Ethernet frame.
import { ETHERTYPE_TEB, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

/**
 * The I flag (0x08) set and the reserved flag bits clear, except the top one, which the
 * Group Policy extension (draft-smith-vxlan-group-policy) uses. A datagram on port 4789
 * without it is not VXLAN and stays plain UDP: SDP can put RTP on any port, and an RTP first
 * byte (version 2: 0x80 | P, X, CSRC count) only looks like this with exactly 8 CSRCs.
 */
export function isVxlan(b: Uint8Array, off: number, end: number): boolean {
  return end > off && (b[off] & 0x7f) === 0x08;
}

/** out.next = ETHERTYPE_TEB: an Ethernet frame follows. */
export function parseVxlan(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 8) return NET.truncatedVxlan;
  out.next = ETHERTYPE_TEB;
  out.off = off + 8;
  out.end = end;
  return null;
}
