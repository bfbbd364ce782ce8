// Endace Extensible Record Format as a link type (LINKTYPE_ERF 197, in pcap or as a pcapng
// interface): every packet is a whole ERF record (Endace ERF types reference, "ERF record
// format"): timestamp(8, little-endian 32.32 fixed point) type(1) flags(1) rlen(2) lctr or
// color(2) wlen(2), all but the timestamp big-endian; then, while the type's top bit (or the
// previous extension header's) says so, 8-byte extension headers; then the payload by type.
// The record's own timestamp is not used: the pcap/pcapng record carries the capture time.
import { u16be } from './bytes.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

export const ERF_TYPE_ETH = 2;
export const ERF_TYPE_COLOR_ETH = 11;
export const ERF_TYPE_DSM_COLOR_ETH = 16;
export const ERF_TYPE_COLOR_HASH_ETH = 20;
export const ERF_TYPE_IPV4 = 22;
export const ERF_TYPE_IPV6 = 23;

const ERF_HEADER = 16;
const ERF_EXT_HEADER = 8;
/** Ethernet records: offset(1) and pad(1) before the frame (kept for alignment). */
const ERF_ETH_PAD = 2;

/**
 * Sets out.next to an EtherType: ETHERTYPE_TEB when an Ethernet frame follows (ETH and its
 * color/hash variants), IPv4/IPv6 for the raw IP types. Other types (HDLC, ATM, AAL, meta
 * and pad records …) carry no SIP here: NET.erfUnsupported.
 */
export function parseErf(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < ERF_HEADER) return NET.truncatedErf;
  const rlen = u16be(b, off + 10);
  if (rlen < ERF_HEADER) return NET.truncatedErf;
  // The record length bounds the record; past the captured bytes it is a snap length cut. The
  // padding of records written without the vlen flag stays inside: the inner IP length drops it.
  let rEnd = off + rlen;
  if (rEnd > end) rEnd = end;
  const type = b[off + 8];
  let p = off + ERF_HEADER;
  let more = (type & 0x80) !== 0;
  while (more) {
    if (rEnd - p < ERF_EXT_HEADER) return NET.truncatedErf;
    more = (b[p] & 0x80) !== 0;
    p += ERF_EXT_HEADER;
  }
  switch (type & 0x7f) {
    case ERF_TYPE_ETH: case ERF_TYPE_COLOR_ETH: case ERF_TYPE_DSM_COLOR_ETH: case ERF_TYPE_COLOR_HASH_ETH:
      if (rEnd - p < ERF_ETH_PAD) return NET.truncatedErf;
      out.next = ETHERTYPE_TEB;
      p += ERF_ETH_PAD;
      break;
    case ERF_TYPE_IPV4: out.next = ETHERTYPE_IPV4; break;
    case ERF_TYPE_IPV6: out.next = ETHERTYPE_IPV6; break;
    default: return NET.erfUnsupported;
  }
  out.off = p;
  out.end = rEnd;
  return null;
}
