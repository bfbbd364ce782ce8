// A SIP message quoted inside an ICMP error (net/icmp.ts). The quote is usually cut: ICMPv4
// errors carry at most 576 bytes, so a long Via stack or an SDP body rarely survives whole.
// What we need from it — start line, Call-ID, CSeq, From/To tags, top Via — is in the
// headers, so the quote is parsed leniently:
//  - a header line the cut went through is dropped, never read as a value: a Call-ID cut in
//    half would name another call (tshark keeps such a half value; we would rather not
//    attribute the message);
//  - the body is never parsed: a quoted SDP announces nothing (the message on the wire did);
//  - the raw text kept for the ladder is the whole quote, as captured.

import type { IcmpInfo } from '../../model/packet.ts';
import type { SipMessage } from '../../model/sip.ts';
import { latin1Decode } from './latin1.ts';
import { parseSipMessage, type SipPacketMeta } from './sip_parser.ts';

/** Index just past the blank line ending the header section, or -1 when the bytes hold none. */
function headerSectionEnd(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && i + 2 < b.length && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/**
 * Parses the quoted bytes of a SIP message; null when they do not hold a start line. The
 * result is marked `quoted` with the ICMP error it came in.
 */
export function parseQuotedSip(bytes: Uint8Array, meta: SipPacketMeta, icmp: IcmpInfo): SipMessage | null {
  let head: Uint8Array;
  const end = headerSectionEnd(bytes);
  if (end >= 0) {
    // Headers whole: parse them alone (whatever is left of the body stays out of the facts).
    head = bytes.subarray(0, end);
  } else {
    // The cut went through the headers: keep the complete lines only. A line is complete
    // when its LF was quoted; the start line is kept even unterminated (looksLikeSip checked
    // it is whole).
    // A final CR (its LF not quoted) ends its line too.
    const n = bytes.length;
    const firstLf = bytes.indexOf(0x0a);
    let keep = bytes.lastIndexOf(0x0a) + 1;
    if (n > 0 && bytes[n - 1] === 0x0d) keep = n;
    head = firstLf < 0 ? bytes : bytes.subarray(0, Math.max(keep, firstLf + 1));
  }
  const msg = parseSipMessage(head, meta);
  if (!msg) return null;
  msg.raw = latin1Decode(bytes);
  delete msg.sdp;
  const cut = icmp.cut || end < 0;
  msg.quoted = { type: icmp.type, code: icmp.code, v6: icmp.v6, from: icmp.from, cut };
  // What the parser said about the missing blank line or body is the cut speaking.
  msg.problems = [`quoted in an ICMP${icmp.v6 ? 'v6' : ''} error (type ${icmp.type}, code ${icmp.code}) from ${icmp.from}${cut ? ', cut' : ''}`];
  return msg;
}
