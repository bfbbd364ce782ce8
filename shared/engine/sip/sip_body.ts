// Finding the SDP in a SIP body: directly (Content-Type application/sdp, RFC 3264) or as the
// application/sdp part of a multipart body (RFC 2046 §5.1, RFC 5621), e.g. SIP-I/SIP-T
// INVITEs carrying SDP plus ISUP (RFC 3204).
import { parseParams, unquote } from './sip_header_values.ts';

const MAX_MULTIPART_DEPTH = 3; // nested multiparts are rare; bound recursion on hostile input

/** Media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * The SDP text carried by a body, or null. `problems` receives what prevented finding it
 * when the body claimed to be multipart.
 */
export function extractSdpText(contentType: string, body: string, problems: string[], depth = 0): string | null {
  const type = mediaType(contentType);
  if (type === 'application/sdp') return body;
  if (type === '') {
    // No Content-Type but an SDP-looking body (seen from broken UAs): still useful. A body
    // part without Content-Type is text/plain (RFC 2046 §5.1), so parts are not sniffed.
    return depth === 0 && body.startsWith('v=0') ? body : null;
  }
  if (!type.startsWith('multipart/')) return null;
  if (depth >= MAX_MULTIPART_DEPTH) {
    problems.push('multipart nesting too deep');
    return null;
  }
  const boundaryParam = parseParams(contentType).get('boundary');
  const boundary = boundaryParam === undefined ? '' : unquote(boundaryParam);
  if (!boundary) {
    problems.push('multipart body without boundary parameter');
    return null;
  }
  for (const part of multipartParts(body, boundary)) {
    const { contentType: partType, body: partBody } = splitPart(part);
    const sdp = extractSdpText(partType, partBody, problems, depth + 1);
    if (sdp !== null) return sdp;
  }
  return null;
}

/**
 * Body parts between `--boundary` delimiter lines (RFC 2046 §5.1.1). The CRLF before a
 * delimiter belongs to the delimiter, so it is not part of the preceding body part.
 */
export function multipartParts(body: string, boundary: string): string[] {
  const delim = '--' + boundary;
  const parts: string[] = [];
  // The first delimiter may open the body (no preceding line break) or follow a preamble.
  let at = 0;
  if (!body.startsWith(delim)) {
    const first = body.indexOf('\n' + delim);
    at = first < 0 ? -1 : first + 1;
  }
  while (at >= 0) {
    const afterDelim = at + delim.length;
    if (body.startsWith('--', afterDelim)) break; // close-delimiter
    const lineEnd = body.indexOf('\n', afterDelim);
    if (lineEnd < 0) break;
    const partStart = lineEnd + 1;
    const next = body.indexOf('\n' + delim, partStart - 1);
    let partEnd = next < 0 ? body.length : next;
    if (partEnd > partStart && body.charCodeAt(partEnd - 1) === 0x0d) partEnd--;
    if (partEnd >= partStart) parts.push(body.slice(partStart, partEnd));
    at = next < 0 ? -1 : next + 1;
  }
  return parts;
}

/** A body part's Content-Type (default text/plain is irrelevant here: '') and its body. */
function splitPart(part: string): { contentType: string; body: string } {
  let pos = 0;
  let contentType = '';
  while (pos < part.length) {
    let nl = part.indexOf('\n', pos);
    if (nl < 0) nl = part.length;
    let end = nl;
    if (end > pos && part.charCodeAt(end - 1) === 0x0d) end--;
    if (end === pos) return { contentType, body: part.slice(nl + 1) };
    const colon = part.indexOf(':', pos);
    if (colon > pos && colon < end) {
      const name = part.slice(pos, colon).trim().toLowerCase();
      if (name === 'content-type' || name === 'c') contentType = part.slice(colon + 1, end).trim();
    }
    pos = nl + 1;
  }
  return { contentType, body: '' };
}
