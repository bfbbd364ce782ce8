// Recognising a SIP start line on raw bytes (RFC 3261 §7.1 Request-Line, §7.2 Status-Line):
//   Request-Line = Method SP Request-URI SP SIP-Version CRLF
//   Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
// Used both to gate datagrams (is this SIP at all?) and by the stream framer to resync after
// garbage. Pure byte scanning, linear in the line length, no regexes.

export type StartLineKind = 'request' | 'response';

/** How far we look for the end of a start line; PROTOS c07 sends ~12 KiB method tokens. */
export const MAX_START_LINE = 65536;

// token chars, RFC 3261 §25.1: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isTokenByte(b: number): boolean {
  return TOKEN[b] === 1;
}

const SIP20 = [0x53, 0x49, 0x50, 0x2f, 0x32, 0x2e, 0x30]; // "SIP/2.0"

/** "SIP/2.0" at bytes[at..], case-insensitive letters (RFC 3261 §7.1). */
function isSipVersion(bytes: Uint8Array, at: number, end: number): boolean {
  if (end - at < 7) return false;
  for (let i = 0; i < 7; i++) {
    let b = bytes[at + i];
    if (b >= 0x61 && b <= 0x7a) b -= 0x20;
    if (b !== SIP20[i]) return false;
  }
  return true;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Classifies bytes[from..lineEnd) (lineEnd = index of the LF, or the end of data; a CR before
 * it is ignored) as a request line, a status line, or neither.
 */
export function startLineKind(bytes: Uint8Array, from: number, lineEnd: number): StartLineKind | null {
  let end = lineEnd;
  if (end > from && bytes[end - 1] === 0x0d) end--;
  if (end - from < 12) return null; // shortest: "SIP/2.0 200 " or "A s SIP/2.0"
  if (isSipVersion(bytes, from, end) && bytes[from + 7] === 0x20) {
    const c = from + 8;
    if (end - c < 3 || !isDigit(bytes[c]) || !isDigit(bytes[c + 1]) || !isDigit(bytes[c + 2])) return null;
    // Reason-Phrase may be empty; tolerate a missing SP before it.
    if (end > c + 3 && bytes[c + 3] !== 0x20) return null;
    return 'response';
  }
  let i = from;
  while (i < end && TOKEN[bytes[i]] === 1) i++;
  if (i === from || i >= end || bytes[i] !== 0x20) return null;
  const uriStart = i + 1;
  // The version must be the last 7 bytes, preceded by SP, with a non-empty URI between.
  const verStart = end - 7;
  if (verStart - 1 <= uriStart || bytes[verStart - 1] !== 0x20 || !isSipVersion(bytes, verStart, end)) return null;
  for (let j = uriStart; j < verStart - 1; j++) {
    const b = bytes[j];
    if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) return null;
  }
  return 'request';
}

/** Index of the first LF at or after `from`, bounded by `limit`; -1 when none. */
export function indexOfLf(bytes: Uint8Array, from: number, limit: number): number {
  const i = bytes.subarray(from, Math.min(bytes.length, limit)).indexOf(0x0a);
  return i < 0 ? -1 : from + i;
}

/**
 * looksLikeSip's first test on b[start, stop), without a view: long enough, and a token
 * character first. An RTP datagram (first byte 0x80–0xBF) fails it at once, so the per-packet
 * path asks this before making a view for looksLikeSip.
 */
export function mayBeSip(b: Uint8Array, start: number, stop: number): boolean {
  return stop - start >= 12 && TOKEN[b[start]] === 1;
}

/**
 * Cheap gate: is this transport payload a SIP message? Its first line must be a well-formed
 * start line: a method token (known or extension — PROTOS's oversized tokens are accepted, as
 * tshark does) then URI and "SIP/2.0", or "SIP/2.0 NNN". HTTP, TLS, STUN, keep-alives and
 * 4-byte junk on port 5060 are rejected. Cost: one scan of the first line.
 */
export function looksLikeSip(bytes: Uint8Array): boolean {
  if (!mayBeSip(bytes, 0, bytes.length)) return false;
  const lf = indexOfLf(bytes, 0, MAX_START_LINE);
  if (lf >= 0) return startLineKind(bytes, 0, lf) !== null;
  // No line end: a truncated datagram may still carry a complete start line.
  return bytes.length <= MAX_START_LINE && startLineKind(bytes, 0, bytes.length) !== null;
}
