// PPPoE session stage (RFC 2516 §5.2 / §4): ver/type(1)=0x11 code(1)=0 session(2) length(2),
// then the PPP protocol field (RFC 1661 §2) and the PPP payload.
import { u16be } from './bytes.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** Sets out.next to the equivalent EtherType (IPv4/IPv6). */
export function parsePppoeSession(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 8) return NET.truncatedLink;
  const len = u16be(b, off + 4); // PPP protocol + payload
  let pEnd = off + 6 + len;
  // The length field bounds the payload (Ethernet padding follows short frames);
  // a length beyond the capture is a snaplen cut or corruption: use what is there.
  if (pEnd > end) pEnd = end;
  let p = off + 6;
  let proto: number;
  // RFC 1661 §6.5 protocol-field compression: an odd first byte is a 1-byte protocol.
  // RFC 2516 §7 forbids PFC on PPPoE, but some stacks send it anyway.
  if (b[p] & 1) { proto = b[p]; p += 1; } else { proto = u16be(b, p); p += 2; }
  if (p > pEnd) return NET.truncatedLink;
  if (proto === PPP_IPV4) out.next = ETHERTYPE_IPV4;
  else if (proto === PPP_IPV6) out.next = ETHERTYPE_IPV6;
  else return NET.pppoeNonIp;
  out.off = p;
  out.end = pEnd;
  return null;
}
