// IPv4 header (RFC 791 §3.1). The header checksum is not verified: captures taken on the
// sending host carry checksum-offload garbage, and tshark does not verify it either.
import { u16be } from './bytes.ts';
import { NET, type NetStat } from './net_stats.ts';

export class Ipv4Header {
  /** Offset of the 4-byte source address; the destination follows at +4. */
  srcOff = 0;
  proto = 0;
  id = 0;
  /** Fragment offset in bytes (the field counts 8-byte units). */
  fragOffset = 0;
  moreFragments = false;
  /** Payload bounds, after options, bounded by Total Length (drops Ethernet padding). */
  payloadOff = 0;
  payloadEnd = 0;
  /** Total Length was 0 (TSO on the capturing host): the captured length was used. */
  tso = false;
  /** Total Length reached past the captured bytes; the payload is bounded by the capture. */
  cut = false;
}

/**
 * Parses the header at `off`. Returns a statistic on failure. When the datagram extends
 * past `end` it returns NET.truncatedIpv4 with h.cut set and the payload bounded by `end`,
 * so the caller can decide (a snaplen cut vs. a corrupt length).
 */
export function parseIpv4(b: Uint8Array, off: number, end: number, h: Ipv4Header): NetStat | null {
  h.tso = false;
  h.cut = false;
  if (end - off < 20) return NET.truncatedIpv4;
  const ihl = (b[off] & 0x0f) * 4;
  if (ihl < 20) return NET.badIpv4;
  if (end - off < ihl) return NET.truncatedIpv4; // options cut
  let total = u16be(b, off + 2);
  if (total === 0) {
    // Segmentation offload: the stack hands the NIC a super-segment with length 0.
    h.tso = true;
    total = end - off;
  } else if (total < ihl) {
    return NET.badIpv4;
  }
  const fl = u16be(b, off + 6);
  h.id = u16be(b, off + 4);
  h.moreFragments = (fl & 0x2000) !== 0;
  h.fragOffset = (fl & 0x1fff) * 8;
  h.proto = b[off + 9];
  h.srcOff = off + 12;
  h.payloadOff = off + ihl;
  if (off + total > end) {
    h.cut = true;
    h.payloadEnd = end;
    return NET.truncatedIpv4;
  }
  h.payloadEnd = off + total;
  return null;
}
