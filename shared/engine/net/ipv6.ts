// IPv6 fixed header (RFC 8200 §3) and the extension-header chain (§4). The walk stops at
// the first header that is not an extension header we can skip, or at a Fragment header
// (§4.5) whose non-first fragments cannot be walked further before reassembly.
import { u16be, u32be } from './bytes.ts';
import {
  IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HIP, IPPROTO_HOPOPTS,
  IPPROTO_MOBILITY, IPPROTO_ROUTING, IPPROTO_SHIM6,
} from './link_types.ts';
import { NET, type NetStat } from './net_stats.ts';

export class Ipv6Header {
  srcOff = 0;
  /** Upper-layer protocol after the extension headers (or the Fragment header's Next Header). */
  proto = 0;
  payloadOff = 0;
  payloadEnd = 0;
  /** A Fragment header was found; fields below describe it. */
  fragment = false;
  fragId = 0;
  fragOffset = 0;
  moreFragments = false;
  /** Payload Length was 0 without a Jumbo option (TSO on the capturing host). */
  tso = false;
  cut = false;
}

export function parseIpv6(b: Uint8Array, off: number, end: number, h: Ipv6Header): NetStat | null {
  h.tso = false;
  h.cut = false;
  h.fragment = false;
  if (end - off < 40) return NET.truncatedIpv6;
  let plen = u16be(b, off + 4);
  h.srcOff = off + 8;
  let pEnd: number;
  if (plen === 0 && end - off > 40) {
    // Jumbograms (RFC 2675) or segmentation offload: either way the captured length is all we have.
    // (Length 0 with nothing after the header is simply an empty payload.)
    h.tso = true;
    plen = end - off - 40;
  }
  pEnd = off + 40 + plen;
  // Set h.cut only once the walk succeeded: it tells the caller the fields are usable.
  let cut = false;
  if (pEnd > end) {
    cut = true;
    pEnd = end;
  }
  let nh = b[off + 6];
  let p = off + 40;
  for (;;) {
    if (isIpv6ExtHeader(nh)) {
      // §4.3–4.6 generic form: next(1) hdr-ext-len(1) in 8-octet units, not counting the first 8.
      if (pEnd - p < 2) return NET.truncatedIpv6;
      const len = (b[p + 1] + 1) * 8;
      if (pEnd - p < len) return NET.truncatedIpv6;
      nh = b[p];
      p += len;
    } else if (nh === IPPROTO_AH) {
      // RFC 4302 §2.2: Payload Len is in 4-octet units, minus 2.
      if (pEnd - p < 2) return NET.truncatedIpv6;
      const len = (b[p + 1] + 2) * 4;
      if (pEnd - p < len) return NET.truncatedIpv6;
      nh = b[p];
      p += len;
    } else if (nh === IPPROTO_FRAGMENT) {
      // §4.5: next(1) reserved(1) offset(13 bits)|res(2)|M(1) identification(4).
      if (pEnd - p < 8) return NET.truncatedIpv6;
      const fo = u16be(b, p + 2);
      h.fragment = true;
      h.fragOffset = fo & 0xfff8; // already a byte count: 13 bits × 8
      h.moreFragments = (fo & 1) !== 0;
      h.fragId = u32be(b, p + 4);
      nh = b[p];
      p += 8;
      break;
    } else {
      break;
    }
  }
  h.proto = nh;
  h.payloadOff = p;
  h.payloadEnd = pEnd;
  h.cut = cut;
  return cut ? NET.truncatedIpv6 : null;
}

/**
 * Extension headers with the generic §4.2 layout (next header, length in 8-octet units).
 * Those after a Fragment header belong to the fragmentable part (§4.5) and are only
 * readable after reassembly, so the decoder skips them there with skipIpv6ExtHeader.
 */
export function isIpv6ExtHeader(nh: number): boolean {
  return nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS ||
    nh === IPPROTO_MOBILITY || nh === IPPROTO_HIP || nh === IPPROTO_SHIM6;
}

/** Skips one generic extension header (§4.2 format) at `off`: sets out.next/off/end. */
export function skipIpv6ExtHeader(b: Uint8Array, off: number, end: number, out: { next: number; off: number; end: number }): NetStat | null {
  if (end - off < 2) return NET.truncatedIpv6;
  const len = (b[off + 1] + 1) * 8;
  if (end - off < len) return NET.truncatedIpv6;
  out.next = b[off];
  out.off = off + len;
  out.end = end;
  return null;
}
