// IPsec AH inside IPv4 (RFC 4302 §2): next(1) payload-len(1) in 4-octet units minus 2.
// The payload after AH is in clear, so SIP behind AH is still decodable.
import type { LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

export function parseAh(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 12) return NET.truncatedIpv4;
  const len = (b[off + 1] + 2) * 4;
  if (end - off < len) return NET.truncatedIpv4;
  out.next = b[off];
  out.off = off + len;
  out.end = end;
  return null;
}
