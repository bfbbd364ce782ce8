// RTCP compound packets (RFC 3550 §6): SR, RR, SDES (CNAME), BYE, and RTCP XR (RFC 3611)
// with the VoIP metrics block. APP (204) and feedback (RFC 4585: 205/206) are skipped.
// Never throws: a truncated or malformed compound returns the reports parsed before the
// damage, and a report whose body is cut keeps the blocks that fit whole.

import type { RtcpReport, RtcpReportBlock } from '../../model/media.ts';
import { u16be as u16, u32be as u32 } from '../net/bytes.ts';
import { RTCP_APP, RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, RTCP_XR } from './rtp_parser.ts';

/** Where a datagram came from: copied onto every report parsed from it. */
export interface RtcpMeta {
  frame: number;
  tsUs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}


/** RFC 3550 §6.4.1 report block, 24 bytes at o. */
function reportBlock(b: Uint8Array, o: number): RtcpReportBlock {
  let cum = (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
  if (cum & 0x800000) cum -= 0x1000000; // signed 24-bit: negative with duplicates
  return {
    ssrc: u32(b, o),
    fractionLost: b[o + 4] / 256,
    cumulativeLost: cum,
    highestSeq: u32(b, o + 8),
    jitter: u32(b, o + 12),
    lsr: u32(b, o + 16),
    dlsr: u32(b, o + 20),
  };
}

/** RFC 3611 §4.7: 127 means "unavailable" for R factor and MOS; we report NaN then. */
const unavailable127 = (v: number, scale: number): number => (v === 127 ? Number.NaN : v / scale);

/**
 * Parse an RTCP compound packet (the UDP payload). Returns one RtcpReport per SR, RR,
 * SDES, BYE and XR packet, in order. Units: fractionLost, lossRate and discardRate are
 * fractions (octet / 256); cumulativeLost is signed; jitter is in RTP timestamp units;
 * lsr / dlsr are raw (middle 32 bits of NTP, and 1/65536 s); ntpTimestamp is NTP seconds
 * since 1900 (msw + lsw / 2^32); rFactor is 0..100, mosLq / mosCq are MOS (octet / 10),
 * NaN when the sender says unavailable (127).
 */
export function parseRtcpCompound(payload: Uint8Array, meta: RtcpMeta): RtcpReport[] {
  const out: RtcpReport[] = [];
  const len = payload.length;
  let off = 0;
  while (off + 4 <= len) {
    const b0 = payload[off];
    if (b0 >>> 6 !== 2) break; // not RTCP (or SRTCP ciphertext): stop, keep what we have
    const count = b0 & 0x1f;
    const pt = payload[off + 1];
    const declared = (u16(payload, off + 2) + 1) * 4;
    // Truncated packet: parse what is there, then stop after it.
    const end = Math.min(off + declared, len);
    const base = (packetType: number, senderSsrc: number): RtcpReport => ({
      frame: meta.frame, tsUs: meta.tsUs, src: meta.src, srcPort: meta.srcPort, dst: meta.dst, dstPort: meta.dstPort,
      packetType, senderSsrc, blocks: [],
    });
    if (pt === RTCP_SR || pt === RTCP_RR) {
      if (off + 8 <= end) {
        const r = base(pt, u32(payload, off + 4));
        let p = off + 8;
        let ok = true;
        if (pt === RTCP_SR) {
          // Sender info, RFC 3550 §6.4.1: NTP (64), RTP timestamp, packet and octet counts.
          if (p + 20 <= end) {
            r.ntpTimestamp = u32(payload, p) + u32(payload, p + 4) / 4294967296;
            r.rtpTimestamp = u32(payload, p + 8);
            r.senderPackets = u32(payload, p + 12);
            r.senderOctets = u32(payload, p + 16);
            p += 20;
          } else ok = false;
        }
        for (let i = 0; ok && i < count && p + 24 <= end; i++, p += 24) r.blocks.push(reportBlock(payload, p));
        out.push(r);
      }
    } else if (pt === RTCP_SDES) {
      // RFC 3550 §6.5: `count` chunks of SSRC + items (type, length, text) ending with a
      // zero octet, each chunk padded to 32 bits. The report carries the first chunk's
      // SSRC and the first CNAME (item type 1) found.
      let p = off + 4;
      let r: RtcpReport | null = null;
      for (let c = 0; c < count && p + 4 <= end; c++) {
        const ssrc = u32(payload, p);
        if (r === null) r = base(pt, ssrc);
        p += 4;
        while (p < end && payload[p] !== 0) {
          if (p + 2 > end) {
            p = end;
            break;
          }
          const type = payload[p];
          const ilen = payload[p + 1];
          if (p + 2 + ilen > end) {
            p = end;
            break;
          }
          if (type === 1 && r.cname === undefined) r.cname = latin1(payload, p + 2, ilen);
          p += 2 + ilen;
        }
        p = (p + 4) & ~3; // skip the END octet and pad to the next 32-bit boundary
      }
      if (r !== null) out.push(r);
    } else if (pt === RTCP_BYE) {
      // RFC 3550 §6.6: `count` SSRC/CSRCs, then an optional reason.
      if (count > 0 && off + 8 <= end) out.push(base(pt, u32(payload, off + 4)));
    } else if (pt === RTCP_XR) {
      // RFC 3611 §2: sender SSRC, then blocks of (BT, type-specific, length in words).
      if (off + 8 <= end) {
        const r = base(pt, u32(payload, off + 4));
        let p = off + 8;
        while (p + 4 <= end) {
          const bt = payload[p];
          const blockLen = (u16(payload, p + 2) + 1) * 4;
          if (p + blockLen > end) break;
          if (bt === 7 && blockLen >= 36 && r.voipMetrics === undefined) {
            // §4.7 VoIP Metrics Report Block (block length 8).
            r.voipMetrics = {
              ssrc: u32(payload, p + 4),
              lossRate: payload[p + 8] / 256,
              discardRate: payload[p + 9] / 256,
              roundTripDelay: u16(payload, p + 16),
              endSystemDelay: u16(payload, p + 18),
              rFactor: unavailable127(payload[p + 24], 1),
              mosLq: unavailable127(payload[p + 26], 10),
              mosCq: unavailable127(payload[p + 27], 10),
            };
          }
          p += blockLen;
        }
        out.push(r);
      }
    } else if (pt === RTCP_APP) {
      // Application-defined: nothing we interpret.
    }
    if (declared > len - off) break;
    off += declared;
  }
  return out;
}

function latin1(b: Uint8Array, o: number, n: number): string {
  // CNAME is UTF-8 per RFC 3550 §6.5 but in practice user@host ASCII; bytes above 0x7f
  // map one-to-one so nothing is lost or thrown.
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970), RFC 5905 §6. */
const NTP_UNIX_OFFSET_S = 2208988800;

/**
 * Round trip time (RFC 3550 §6.4.1, A − LSR − DLSR) for a report block, in ms, taking the
 * capture time of the RR/SR that carries the block as A. That assumes the capture point is
 * next to the SR sender and its clock tracks the capture clock; null when LSR is 0 (no SR
 * received yet) or the result is negative (clocks disagree).
 */
export function roundTripMs(block: RtcpReportBlock, arrivalTsUs: number): number | null {
  if (block.lsr === 0) return null;
  const ntpS = arrivalTsUs / 1e6 + NTP_UNIX_OFFSET_S;
  // Middle 32 bits of the 64-bit NTP timestamp: 16 bits of seconds, 16 of fraction.
  const a = Math.floor(ntpS * 65536) % 4294967296;
  const rtt = (a - block.lsr - block.dlsr + 4294967296 * 2) % 4294967296;
  if (rtt > 0x80000000) return null;
  return (rtt / 65536) * 1000;
}
