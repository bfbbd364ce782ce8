// BSD loopback (LINKTYPE_NULL: 4-byte family in the capturing host's byte order;
// LINKTYPE_LOOP: network byte order). Files move between hosts, so accept either order.
import { u16be, u32be, u32le } from './bytes.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

const AF_INET = 2;
/** AF_INET6 differs per OS: Linux 10, OpenBSD/NetBSD 24, FreeBSD 28, macOS 30. */
function isInet6(f: number): boolean {
  return f === 10 || f === 24 || f === 28 || f === 30;
}

/** Sets out.next to the equivalent EtherType. */
export function parseNullLoopback(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 4) return NET.truncatedLink;
  // The family is small: whichever byte order gives a value < 256 is the right one.
  let fam = u32le(b, off);
  if (fam > 0xff) fam = u32be(b, off);
  if (fam === AF_INET) out.next = ETHERTYPE_IPV4;
  else if (isInet6(fam)) out.next = ETHERTYPE_IPV6;
  else {
    // Some stacks put an EtherType in bytes 2–3 instead of a family (seen in the corpus:
    // 0f 00 08 00); Wireshark's null dissector accepts it too.
    const et = u16be(b, off + 2);
    if (et === ETHERTYPE_IPV4 || et === ETHERTYPE_IPV6) out.next = et;
    else return NET.unknownLoopFamily;
  }
  out.off = off + 4;
  out.end = end;
  return null;
}
