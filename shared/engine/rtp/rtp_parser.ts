// RTP fixed header (RFC 3550 §5.1), the UDP heuristics Wireshark uses to call a datagram
// RTP or RTCP, and the payload-type → encoding / clock-rate tables.
//
// Reference: Wireshark epan/dissectors/packet-rtp.c (dissect_rtp_heur, dissect_rtp),
// epan/dissectors/packet-rtcp.c (dissect_rtcp_heur), ui/tap-rtp-analysis.c (clock_map,
// mimetype_and_clock_map). tshark 4.0.17 is the version our numbers are checked against.
//
// Pure and allocation-light: no Node APIs; only parseRtpHeader allocates (one object), and
// parseRtpHeaderInto fills a reused one for the per-packet path.

import type { RtpHeader } from '../../model/media.ts';

/** a=rtpmap entries by payload type, the shape SdpMedia.rtpmap has. */
export type RtpMap = Readonly<Record<number, { readonly encoding: string; readonly clockRate: number }>>;

export const PT_CN = 13;
/** Pre-RFC 3551 comfort noise (Wireshark's PT_CN_OLD). */
export const PT_CN_OLD = 19;

/**
 * Parse the RTP header at the start of a UDP payload. (The heuristics and
 * parseRtpHeaderInto also take a range [start, stop) of a larger buffer.) Returns null when the bytes cannot
 * be RTP version 2 or the header (CSRC list, extension, padding) does not fit: a truncated
 * or malformed header is reported as "not parsed", never thrown.
 */
export function parseRtpHeader(payload: Uint8Array): RtpHeader | null {
  const h = newRtpHeader();
  return parseRtpHeaderInto(payload, h) ? h : null;
}

/** A header to reuse with parseRtpHeaderInto. */
export function newRtpHeader(): RtpHeader {
  return {
    version: 0, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 0,
    seq: 0, timestamp: 0, ssrc: 0, payloadOffset: 0, payloadLength: 0,
  };
}

/**
 * parseRtpHeader into a caller-owned object (the hot path: one header object for the whole
 * capture instead of one per packet). Returns false, leaving `out` unspecified, when
 * parseRtpHeader would return null. Consumers must not keep `out` past the packet.
 */
export function parseRtpHeaderInto(b: Uint8Array, out: RtpHeader, start = 0, stop = b.length): boolean {
  // The datagram is b[start, stop): the hot path passes the capture buffer and offsets, so no
  // view is made per packet. Offsets in `out` are relative to `start`, as for a whole payload.
  const len = stop - start;
  if (len < 12) return false;
  const b0 = b[start];
  const version = b0 >>> 6;
  if (version !== 2) return false;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const b1 = b[start + 1];
  let offset = 12 + 4 * csrcCount;
  if (offset > len) return false;
  if (extension) {
    // RFC 3550 §5.3.1: 16-bit profile-defined field, 16-bit length in 32-bit words.
    if (offset + 4 > len) return false;
    const words = (b[start + offset + 2] << 8) | b[start + offset + 3];
    offset += 4 + 4 * words;
    if (offset > len) return false;
  }
  let end = len;
  if (padding) {
    // RFC 3550 §5.1 P bit: the last octet counts the padding octets, itself included. A
    // count that does not fit is bogus padding: tshark 4.0 still counts such a packet in
    // its stream (the fuzzed corpus capture has one), so it stays RTP with no payload.
    const pad = b[stop - 1];
    end = pad === 0 || pad > len - offset ? offset : len - pad;
  }
  out.version = version;
  out.padding = padding;
  out.extension = extension;
  out.csrcCount = csrcCount;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.seq = (b[start + 2] << 8) | b[start + 3];
  out.timestamp = ((b[start + 4] << 24) | (b[start + 5] << 16) | (b[start + 6] << 8) | b[start + 7]) >>> 0;
  out.ssrc = ((b[start + 8] << 24) | (b[start + 9] << 16) | (b[start + 10] << 8) | b[start + 11]) >>> 0;
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return true;
}

/**
 * Wireshark's RTP-over-UDP heuristic (packet-rtp.c dissect_rtp_heur, enabled in tshark by
 * `-o rtp.heuristic_rtp:TRUE`), without allocating:
 *  - version 2 (version 0 goes to ZRTP/STUN/T.38 there, never RTP);
 *  - payload type not 72..76: those are RTCP SR/RR/SDES/BYE/APP with the marker bit;
 *  - CSRC list and extension header must fit the datagram (a bogus padding count does
 *    not disqualify a packet: tshark 4.0 taps it anyway).
 * Differences, on purpose:
 *  - dissect_rtp hands marker-bit packets with PT 64..95 to the RTCP dissector (RFC 5761
 *    §4, FIRST/LAST_RTCP_CONFLICT_PAYLOAD_TYPE), so tshark never taps them as RTP; we say
 *    false for them here (it also catches RTPFB/PSFB/XR = 205/206/207).
 *  - the 12-byte fixed header must be present: Wireshark accepts shorter datagrams in the
 *    heuristic but then throws while dissecting, so they never reach the RTP tap either.
 * Like Wireshark, this is only meant for UDP datagrams no port-based dissector (SIP, DNS,
 * STUN, DTLS …) claimed: the caller must try those first.
 */
export function looksLikeRtp(b: Uint8Array, start = 0, stop = b.length): boolean {
  const len = stop - start;
  if (len < 12) return false;
  const b0 = b[start];
  if (b0 >>> 6 !== 2) return false;
  const b1 = b[start + 1];
  const pt = b1 & 0x7f;
  if (pt >= 72 && pt <= 76) return false;
  if ((b1 & 0x80) !== 0 && pt >= 64 && pt <= 95) return false;
  let offset = 12 + 4 * (b0 & 0x0f);
  if (offset > len) return false;
  if ((b0 & 0x10) !== 0) {
    if (offset + 4 > len) return false;
    offset += 4 + 4 * ((b[start + offset + 2] << 8) | b[start + offset + 3]);
    if (offset > len) return false;
  }
  return true;
}

/** RTCP packet types (RFC 3550 §12.1, RFC 4585, RFC 3611). */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;
export const RTCP_XR = 207;

/**
 * Wireshark's RTCP-over-UDP heuristic (packet-rtcp.c dissect_rtcp_heur): version 2, the
 * first packet of the compound is SR, RR, BYE, APP or PSFB (RFC 3550 §6.1 wants SR/RR
 * first; BYE and APP occur in the wild, PSFB from Microsoft clients), and the datagram
 * length is a multiple of 4. Difference: we also require the first packet's own length
 * field to fit the datagram (Wireshark would mark such a frame malformed instead).
 * Try this before looksLikeRtp: the RTP heuristic rejects PT 72..76 for that reason.
 */
export function looksLikeRtcp(b: Uint8Array, start = 0, stop = b.length): boolean {
  const len = stop - start;
  if (len < 8 || len % 4 !== 0) return false;
  if (b[start] >>> 6 !== 2) return false;
  const pt = b[start + 1];
  if (pt !== RTCP_SR && pt !== RTCP_RR && pt !== RTCP_BYE && pt !== RTCP_APP && pt !== RTCP_PSFB) return false;
  const words = (b[start + 2] << 8) | b[start + 3];
  return (words + 1) * 4 <= len;
}

/** A static payload type (RFC 3551 §6 table 4 and 5, IANA rtp-parameters). */
export interface StaticPayloadType {
  /** Encoding name as SDP writes it (a=rtpmap), e.g. 'PCMU'. */
  encoding: string;
  /** Clock rate Wireshark uses for jitter (ui/tap-rtp-analysis.c clock_map); 0 = none. */
  clockRate: number;
}

// Wireshark's clock_map, ui/tap-rtp-analysis.c. Notes: G.722 has an 8000 Hz RTP clock for
// historical reasons (RFC 3551 §4.5.2); L16 (10, 11) is 44100 Hz there, and the tap divides
// by clock/1000 in integer arithmetic, so 44100 becomes 44 (see the analyzer).
const STATIC_PT: ReadonlyArray<StaticPayloadType | undefined> = (() => {
  const t: (StaticPayloadType | undefined)[] = new Array(96).fill(undefined);
  const set = (pt: number, encoding: string, clockRate: number): void => {
    t[pt] = { encoding, clockRate };
  };
  set(0, 'PCMU', 8000);
  set(1, '1016', 8000);
  set(2, 'G721', 8000);
  set(3, 'GSM', 8000);
  set(4, 'G723', 8000);
  set(5, 'DVI4', 8000);
  set(6, 'DVI4', 16000);
  set(7, 'LPC', 8000);
  set(8, 'PCMA', 8000);
  set(9, 'G722', 8000);
  set(10, 'L16', 44100);
  set(11, 'L16', 44100);
  set(12, 'QCELP', 8000);
  set(13, 'CN', 8000);
  set(14, 'MPA', 90000);
  set(15, 'G728', 8000);
  set(16, 'DVI4', 11025);
  set(17, 'DVI4', 22050);
  set(18, 'G729', 8000);
  set(19, 'CN', 8000);
  set(25, 'CelB', 90000);
  set(26, 'JPEG', 90000);
  set(28, 'nv', 90000);
  set(31, 'H261', 90000);
  set(32, 'MPV', 90000);
  set(33, 'MP2T', 90000);
  set(34, 'H263', 90000);
  return t;
})();

/** The static payload type entry, or undefined for unassigned / dynamic (≥ 96) types. */
export function staticPayloadType(pt: number): StaticPayloadType | undefined {
  return pt >= 0 && pt < 96 ? STATIC_PT[pt] : undefined;
}

// Wireshark's mimetype_and_clock_map (ui/tap-rtp-analysis.c), for dynamic payload types
// whose rtpmap gave a name but no usable rate. Kept in Wireshark's order: it searches it
// backwards with a case-insensitive *prefix* match, so 'AMR-WB' wins over 'AMR'.
const MIME_CLOCK: ReadonlyArray<readonly [string, number]> = [
  ['AMR', 8000], ['AMR-WB', 16000], ['BMPEG', 90000], ['BT656', 90000], ['DV', 90000],
  ['EVRC', 8000], ['EVRC0', 8000], ['EVRC1', 8000], ['EVRCB', 8000], ['EVRCB0', 8000],
  ['EVRCB1', 8000], ['EVRCWB', 16000], ['EVRCWB0', 16000], ['EVRCWB1', 16000], ['EVS', 16000],
  ['G7221', 16000], ['G726-16', 8000], ['G726-24', 8000], ['G726-32', 8000], ['G726-40', 8000],
  ['G729D', 8000], ['G729E', 8000], ['GSM-EFR', 8000], ['H263-1998', 90000], ['H263-2000', 90000],
  ['H264', 90000], ['MP1S', 90000], ['MP2P', 90000], ['MP4V-ES', 90000], ['mpa-robust', 90000],
  ['opus', 48000], ['pointer', 90000], ['raw', 90000], ['red', 1000], ['SMV', 8000],
  ['SMV0', 8000], ['t140', 1000], ['telephone-event', 8000],
];

/** Clock rate Wireshark assigns to a dynamic encoding name (get_dyn_pt_clock_rate), 0 if unknown. */
export function clockRateForEncodingName(name: string): number {
  const lower = name.toLowerCase();
  for (let i = MIME_CLOCK.length - 1; i >= 0; i--) {
    const [mime, rate] = MIME_CLOCK[i];
    if (lower.startsWith(mime.toLowerCase())) return rate;
  }
  return 0;
}

/** RFC 4733 events ("telephone-event") carry no media timing: Wireshark skips jitter for them. */
export function isTelephoneEvent(encoding: string | undefined): boolean {
  return encoding !== undefined && encoding.toLowerCase().startsWith('telephone-event');
}

/**
 * Clock rate of a payload type, the way Wireshark's RTP analysis picks it
 * (rtppacket_analyse): PT < 96 uses the static table only (an rtpmap for a static PT is
 * ignored, as there); PT ≥ 96 uses the rtpmap's rate, else its name in Wireshark's
 * mimetype table; no rtpmap → 0 ("unknown": no jitter can be computed).
 * telephone-event returns its real 8000 here; the analyzer treats it as 0 for jitter.
 */
export function clockRateFor(pt: number, rtpmap?: RtpMap): number {
  if (pt < 96) return staticPayloadType(pt)?.clockRate ?? 0;
  const entry = rtpmap?.[pt];
  if (!entry) return 0;
  if (entry.clockRate > 0) return entry.clockRate;
  return clockRateForEncodingName(entry.encoding);
}

/** Encoding name for a payload type: the rtpmap's when it has one, else the static table's, else ''. */
export function encodingFor(pt: number, rtpmap?: RtpMap): string {
  return rtpmap?.[pt]?.encoding ?? staticPayloadType(pt)?.encoding ?? '';
}
