// Linux netfilter NFLOG (LINKTYPE_NFLOG 239, `tcpdump -i nflog:N`; tcpdump.org/linktypes/
// LINKTYPE_NFLOG.html): family(1) version(1) resource id(2, big-endian), then TLVs whose
// length(2) and type(2) are in the capturing host's byte order, the length counting the
// 4-byte TLV header but not the padding to a multiple of 4. The packet is TLV 9, NFULA_PAYLOAD.
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10; // Linux: NFLOG only exists there
/** NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field (linux/netlink.h). */
const NLA_TYPE_MASK = 0x3fff;

/** Sets out.next to ETHERTYPE_IPV4/IPV6 and out.off/out.end to the payload's IP packet. */
export function parseNflog(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 4 || b[off + 1] !== 0) return NET.truncatedNflog; // version 0 is the only one
  const family = b[off];
  let p = off + 4;
  // Host byte order, and the file does not say which host. Types are small (1–19 today), so the
  // first TLV tells: little-endian puts the type in its first byte, big-endian in its second.
  const le = end - p >= 4 && b[p + 2] !== 0;
  while (p < end) {
    if (end - p < 4) return NET.truncatedNflog;
    const len = le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
    const type = (le ? b[p + 2] | (b[p + 3] << 8) : (b[p + 2] << 8) | b[p + 3]) & NLA_TYPE_MASK;
    if (len < 4) return NET.truncatedNflog;
    if (type === NFULA_PAYLOAD) {
      // Past the captured bytes it is a snap length cut: the IP header says how much is missing.
      out.off = p + 4;
      out.end = Math.min(p + len, end);
      if (out.off >= out.end) return NET.truncatedNflog;
      if (family === AF_INET) out.next = ETHERTYPE_IPV4;
      else if (family === AF_INET6) out.next = ETHERTYPE_IPV6;
      else {
        // AF_UNSPEC, NFPROTO_BRIDGE …: the IP header's version nibble decides.
        const v = b[out.off] >> 4;
        if (v === 4) out.next = ETHERTYPE_IPV4;
        else if (v === 6) out.next = ETHERTYPE_IPV6;
        else return NET.badIpVersion;
      }
      return null;
    }
    if (end - p < len) return NET.truncatedNflog;
    p += (len + 3) & ~3;
  }
  return NET.nflogNoPayload;
}
