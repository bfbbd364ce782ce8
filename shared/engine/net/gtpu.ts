// GTP-U, the GPRS Tunnelling Protocol user plane (3GPP TS 29.281 §5): mobile core captures
// (S1-U, S5/S8, N3, Gn; VoLTE) carry each subscriber IP packet in a G-PDU on UDP 2152.
import { u16be } from './bytes.ts';
import type { LayerOut } from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

/** Message type of the G-PDU, the only GTP-U message carrying a user packet (TS 29.281 §6.1). */
export const GTPU_G_PDU = 255;

const FLAG_E = 0x04; // an extension header follows
const FLAG_S = 0x02; // sequence number present
const FLAG_PN = 0x01; // N-PDU number present

/**
 * A GTPv1 header with PT = 1: version 1 in the top three bits, protocol type GTP (not GTP').
 * A datagram on port 2152 without one is not GTP-U and stays plain UDP: SDP can put RTP on
 * any port, and RTP's version 2 sets the top bit, which a GTPv1 header never has.
 */
export function isGtpu(b: Uint8Array, off: number, end: number): boolean {
  return end > off && (b[off] & 0xf0) === 0x30;
}

/**
 * The header at `off` (TS 29.281 §5.1): flags(1) type(1) length(2) TEID(4); when any of E, S
 * or PN is set, sequence number(2), N-PDU number(1) and next extension header type(1)
 * follow (§5.1 NOTE: all four bytes, whichever flag is set); then, while the next type is
 * not 0, extension headers (§5.2.1): length(1) in 4-byte units counting the whole header,
 * content, next type(1). out.off/out.end bound the T-PDU, the user's IP packet.
 */
export function parseGtpu(b: Uint8Array, off: number, end: number, out: LayerOut): NetStat | null {
  if (end - off < 8) return NET.truncatedGtpu;
  const flags = b[off];
  if (b[off + 1] !== GTPU_G_PDU) return NET.gtpuNotGpdu;
  // Length counts every byte after the 8 mandatory ones. Past the captured bytes it is a snap
  // length cut (or corruption): decode what is there, the inner IP header says which.
  let pEnd = off + 8 + u16be(b, off + 2);
  if (pEnd > end) pEnd = end;
  let p = off + 8;
  if (flags & (FLAG_E | FLAG_S | FLAG_PN)) {
    if (pEnd - p < 4) return NET.truncatedGtpu;
    // The next-extension-header field is only meaningful when E is set (§5.1).
    let next = flags & FLAG_E ? b[p + 3] : 0;
    p += 4;
    while (next !== 0) {
      if (p >= pEnd) return NET.truncatedGtpu;
      const len = b[p] * 4;
      if (len === 0 || pEnd - p < len) return NET.truncatedGtpu;
      next = b[p + len - 1];
      p += len;
    }
  }
  if (p >= pEnd) return NET.truncatedGtpu; // a G-PDU without a T-PDU
  out.next = 0;
  out.off = p;
  out.end = pEnd;
  return null;
}
