// Ethernet II (IEEE 802.3 clause 3.2.6 EtherType form) and 802.1Q/802.1ad tags.
import { u16be } from './bytes.ts';
import type { LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

/** dst(6) src(6) type(2). A type ≤ 1500 is an 802.3 length (LLC follows), not an EtherType. */
export function parseEthernet(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 14) return NET.truncatedLink;
  const type = u16be(b, off + 12);
  if (type < 0x0600) return NET.nonIp;
  out.next = type;
  out.off = off + 14;
  out.end = end;
  return null;
}

/**
 * One VLAN tag after its TPID (0x8100 / 0x88a8 / 0x9100): TCI(2) then the inner type(2).
 * Returns the VLAN id (12 low bits of the TCI, IEEE 802.1Q §9.6) or -1 when cut short.
 */
export function parseVlanTag(b: Uint8Array, off: number, end: number, out: LayerOut): number {
  if (end - off < 4) return -1;
  out.next = u16be(b, off + 2);
  out.off = off + 4;
  out.end = end;
  return u16be(b, off) & 0x0fff;
}
