// Byte ⇄ text for SIP: every byte becomes one UTF-16 code unit (ISO-8859-1), so string
// offsets equal byte offsets and Content-Length (a byte count, RFC 3261 §20.14) can be
// applied to the decoded text directly. Non-UTF-8 garbage therefore never fails to decode.

// WHATWG TextDecoder maps 'latin1'/'ascii' to windows-1252, which differs from latin1 on
// 0x80–0x9F, so it is only used when every byte is 7-bit (the common case for SIP).
const asciiDecoder = new TextDecoder('windows-1252');
const CHUNK = 0x2000; // keeps String.fromCharCode.apply below engine argument limits

export function latin1Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let high = false;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      high = true;
      break;
    }
  }
  const view = bytes.subarray(start, end);
  if (!high) return asciiDecoder.decode(view);
  let out = '';
  for (let i = 0; i < view.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, view.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Inverse of latin1Decode (code units above 0xFF are truncated to their low byte). */
export function latin1Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
