// HEP, the Homer Encapsulation Protocol (sipcapture.org; usually UDP 9060): a capture agent
// forwards each captured SIP (or RTCP, log …) payload with its original addresses, ports and
// timestamp. Versions:
//   HEPv3 ("HEP3" magic): u16 total length, then TLV chunks, each
//         vendor u16 | type u16 | length u16 (including these 6 bytes) | value — network order.
//   HEPv1/v2: fixed header  version u8 | length u8 | family u8 | proto u8 | sport u16 | dport u16
//         then src/dst address (4+4 or 16+16 bytes), then in v2 only a time header
//         tv_sec u32 | tv_usec u32 | captid u16 written in the SENDER's byte order (little-endian
//         on every agent in practice) and padded to 12 bytes by the C struct, then the payload.
// Ref: HEP3 draft (github.com/sipcapture/HEP), Kamailio sipcapture hep.c, sngrep capture_hep.c.
// Compressed payloads (chunk 0x0010) are zlib streams; shared/ cannot load zlib, so the
// caller injects `inflate`.
import { ipv4ToString, ipv6ToString } from '../net/address.ts';
import { u16be as u16, u32be as u32, u32le } from '../net/bytes.ts';
import { looksLikeSip } from './sip_start_line.ts';

export interface HepPacket {
  version: 1 | 2 | 3;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol of the original packet: 17 UDP, 6 TCP, 132 SCTP … */
  proto: number;
  /** Original capture time, µs since the epoch (0 when the packet carries none). */
  tsUs: number;
  captureId: number;
  /** Payload type (chunk 0x000b): 1 SIP, 5 RTCP, 100 log …; 1 for v1/v2 (SIP only). */
  payloadType: number;
  /** The encapsulated packet: a view into the input bytes, or the inflated copy. */
  payload: Uint8Array;
  /** The payload came from a compressed chunk (0x0010). */
  compressed: boolean;
  /** Correlation id (chunk 0x0011), '' when absent. */
  correlationId: string;
  /** What was odd but did not prevent decoding. */
  problems: string[];
}

export type Inflate = (bytes: Uint8Array) => Uint8Array | null;

const AF_INET = 2;
// AF_INET6 differs per OS: Linux 10, FreeBSD 28, macOS 30, Windows 23.
const AF_INET6 = new Set([10, 23, 28, 30]);

// Addresses are printed exactly as the packet decoder prints them (RFC 5952 for IPv6), so a
// call seen both on the wire and through HEP has the same endpoints.
export { ipv4ToString, ipv6ToString };

/** Decodes one HEP datagram; null when it is not HEP (or too broken to carry a payload). */
export function decodeHep(bytes: Uint8Array, inflate?: Inflate): HepPacket | null {
  if (bytes.length >= 6 && bytes[0] === 0x48 && bytes[1] === 0x45 && bytes[2] === 0x50 && bytes[3] === 0x33) {
    return decodeHep3(bytes, inflate);
  }
  if (bytes.length >= 8 && (bytes[0] === 1 || bytes[0] === 2)) return decodeHep2(bytes);
  return null;
}

function ascii(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length && i < 256; i++) s += String.fromCharCode(b[i]);
  return s;
}

function decodeHep3(bytes: Uint8Array, inflate?: Inflate): HepPacket | null {
  const problems: string[] = [];
  let total = u16(bytes, 4);
  if (total < 6) return null;
  if (total > bytes.length) {
    problems.push(`HEP3 length ${total} exceeds datagram ${bytes.length} (truncated)`);
    total = bytes.length;
  } else if (total < bytes.length) {
    problems.push(`${bytes.length - total} bytes after the HEP3 packet ignored`);
  }
  let family = 0;
  let proto = 0;
  let src = '';
  let dst = '';
  let ipVersion: 4 | 6 = 4;
  let srcPort = 0;
  let dstPort = 0;
  let sec = 0;
  let usec = 0;
  let captureId = 0;
  let payloadType = 0;
  let payload: Uint8Array | null = null;
  let compressed = false;
  let correlationId = '';

  let at = 6;
  while (at + 6 <= total) {
    const vendor = u16(bytes, at);
    const type = u16(bytes, at + 2);
    const len = u16(bytes, at + 4);
    if (len < 6 || at + len > total) {
      problems.push(`bad chunk length ${len} (type 0x${type.toString(16)}) at offset ${at}`);
      break;
    }
    const v = bytes.subarray(at + 6, at + len);
    at += len;
    if (vendor !== 0) continue; // vendor-specific chunks: not ours to interpret
    switch (type) {
      case 0x0001:
        if (v.length >= 1) family = v[0];
        break;
      case 0x0002:
        if (v.length >= 1) proto = v[0];
        break;
      case 0x0003:
        if (v.length >= 4) src = ipv4ToString(v, 0);
        break;
      case 0x0004:
        if (v.length >= 4) dst = ipv4ToString(v, 0);
        break;
      case 0x0005:
        if (v.length >= 16) {
          src = ipv6ToString(v, 0);
          ipVersion = 6;
        }
        break;
      case 0x0006:
        if (v.length >= 16) {
          dst = ipv6ToString(v, 0);
          ipVersion = 6;
        }
        break;
      case 0x0007:
        if (v.length >= 2) srcPort = u16(v, 0);
        break;
      case 0x0008:
        if (v.length >= 2) dstPort = u16(v, 0);
        break;
      case 0x0009:
        if (v.length >= 4) sec = u32(v, 0);
        break;
      case 0x000a:
        if (v.length >= 4) usec = u32(v, 0);
        break;
      case 0x000b:
        if (v.length >= 1) payloadType = v[0];
        break;
      case 0x000c:
        // Capture agent id: u32 in the draft; some agents send u16.
        captureId = v.length >= 4 ? u32(v, 0) : v.length >= 2 ? u16(v, 0) : 0;
        break;
      case 0x000f:
        payload = v;
        compressed = false;
        break;
      case 0x0010:
        if (payload === null) {
          const out = inflate ? safeInflate(inflate, v) : null;
          if (out) {
            payload = out;
            compressed = true;
          } else problems.push(inflate ? 'compressed payload does not inflate' : 'compressed payload and no inflater');
        }
        break;
      case 0x0011:
        correlationId = ascii(v);
        break;
      // 0x000d keep-alive timer, 0x000e auth key (deliberately not surfaced), 0x0012+ extras.
    }
  }
  if (payload === null) {
    problems.push('no payload chunk');
    payload = new Uint8Array(0);
  }
  if (family === AF_INET) ipVersion = 4;
  else if (AF_INET6.has(family)) ipVersion = 6;
  else if (family !== 0) problems.push(`unknown address family ${family}`);
  if (!src || !dst) problems.push('missing source or destination address');
  if (usec >= 1_000_000) problems.push(`timestamp microseconds out of range (${usec})`);
  return {
    version: 3,
    ipVersion,
    src,
    dst,
    srcPort,
    dstPort,
    proto,
    tsUs: sec * 1_000_000 + usec,
    captureId,
    payloadType,
    payload,
    compressed,
    correlationId,
    problems,
  };
}

function safeInflate(inflate: Inflate, v: Uint8Array): Uint8Array | null {
  try {
    return inflate(v);
  } catch {
    return null;
  }
}

function decodeHep2(bytes: Uint8Array): HepPacket | null {
  const version = bytes[0] as 1 | 2;
  const family = bytes[2];
  let ipVersion: 4 | 6;
  if (family === AF_INET) ipVersion = 4;
  else if (AF_INET6.has(family)) ipVersion = 6;
  else return null; // a HEPv1/2 header always names the family; anything else is not HEP
  const proto = bytes[3];
  const srcPort = u16(bytes, 4);
  const dstPort = u16(bytes, 6);
  const addrLen = ipVersion === 4 ? 4 : 16;
  let at = 8;
  if (bytes.length < at + 2 * addrLen) return null;
  const src = ipVersion === 4 ? ipv4ToString(bytes, at) : ipv6ToString(bytes, at);
  const dst = ipVersion === 4 ? ipv4ToString(bytes, at + addrLen) : ipv6ToString(bytes, at + addrLen);
  at += 2 * addrLen;
  const problems: string[] = [];
  let tsUs = 0;
  let captureId = 0;
  if (version === 2) {
    // struct hep_timehdr {u32 sec; u32 usec; u16 captid;} is 12 bytes with padding on common
    // ABIs; a packed sender uses 10. Padding is never a SIP start line, so take 10 only when
    // a start line begins right after captid (a start line at +12 alone could be a suffix of
    // one at +10: "OPTIONS …" → "TIONS …").
    if (bytes.length < at + 10) return null;
    const sec = u32le(bytes, at);
    const usec = u32le(bytes, at + 4);
    captureId = bytes[at + 8] | (bytes[at + 9] << 8);
    tsUs = sec * 1_000_000 + usec;
    if (usec >= 1_000_000) problems.push(`timestamp microseconds out of range (${usec})`);
    const packed = looksLikeSip(bytes.subarray(at + 10)) && isUpper(bytes[at + 10]) && isUpper(bytes[at + 11]);
    at += packed ? 10 : 12;
    if (packed) problems.push('HEPv2 time header without padding (10 bytes)');
  }
  if (at > bytes.length) return null;
  return {
    version,
    ipVersion,
    src,
    dst,
    srcPort,
    dstPort,
    proto,
    tsUs,
    captureId,
    payloadType: 1,
    payload: bytes.subarray(at),
    compressed: false,
    correlationId: '',
    problems,
  };
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
