// One SIP message (RFC 3261 §7) from the bytes of a datagram or of a framed stream message,
// into the SipMessage the trackers consume. Assumptions: the bytes hold at most one message
// (stream framing is sip_stream_framer's job); malformed parts become `problems`, never
// exceptions; only a missing/invalid start line makes it "not SIP" (null).
import type { NameAddr, SipMessage, SipTransport } from '../../model/sip.ts';
import { latin1Decode } from './latin1.ts';
import { extractSdpText } from './sip_body.ts';
import {
  EMPTY_NAME_ADDR,
  fullHeaderName,
  leadingInt,
  parseCSeq,
  parseNameAddr,
  parseReasons,
  parseSessionExpires,
  splitHeaderValues,
  viaBranch,
} from './sip_header_values.ts';
import { parseSdp } from './sdp_parser.ts';
import { MAX_START_LINE, indexOfLf, startLineKind } from './sip_start_line.ts';

export { looksLikeSip } from './sip_start_line.ts';

export interface SipPacketMeta {
  frame: number;
  tsUs: number;
  transport: SipTransport;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

/** Hostile input can produce a problem per line; keep the list readable and bounded. */
const MAX_PROBLEMS = 16;

function addProblem(problems: string[], p: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push(p);
  else if (problems.length === MAX_PROBLEMS) problems.push('further problems omitted');
}

export function parseSipMessage(bytes: Uint8Array, meta: SipPacketMeta): SipMessage | null {
  try {
    return parse(bytes, meta);
  } catch {
    // Defence in depth: the code below is written not to throw, but a decoder must never
    // take the ingest down. Treat an unexpected failure as "not SIP".
    return null;
  }
}

function parse(bytes: Uint8Array, meta: SipPacketMeta): SipMessage | null {
  const lf = indexOfLf(bytes, 0, MAX_START_LINE);
  const lineEnd = lf < 0 ? bytes.length : lf;
  if (lineEnd > MAX_START_LINE) return null;
  const kind = startLineKind(bytes, 0, lineEnd);
  if (!kind) return null;

  const raw = latin1Decode(bytes);
  const problems: string[] = [];
  let startLine = raw.slice(0, lineEnd);
  if (startLine.endsWith('\r')) startLine = startLine.slice(0, -1);

  let method = '';
  let requestUri = '';
  let statusCode = 0;
  let reasonPhrase = '';
  if (kind === 'request') {
    const sp1 = startLine.indexOf(' ');
    const sp2 = startLine.lastIndexOf(' ');
    method = startLine.slice(0, sp1);
    requestUri = startLine.slice(sp1 + 1, sp2);
  } else {
    statusCode = Number(startLine.slice(8, 11));
    reasonPhrase = startLine.slice(12);
  }
  if (lf < 0) addProblem(problems, 'message ends inside the start line');

  // Header section (RFC 3261 §7.3): one header per line, continuation lines start with SP/HT
  // and are joined with a single SP (§7.3.1); ends at the first empty line (§7.5).
  // Lines end at CRLF, or leniently at a bare LF or bare CR (as Wireshark does).
  const headers: Array<[name: string, value: string]> = [];
  let bodyStart = -1;
  let pos = lf < 0 ? raw.length : lf + 1;
  let nl = -1; // next LF at or after pos (cached: each indexOf scans forward only once)
  let cr = -1; // next CR at or after pos
  while (pos < raw.length) {
    if (nl < pos && nl !== raw.length) nl = raw.indexOf('\n', pos);
    if (nl < 0) nl = raw.length;
    if (cr < pos && cr !== raw.length) cr = raw.indexOf('\r', pos);
    if (cr < 0) cr = raw.length;
    let end: number;
    let next: number;
    if (cr < nl - 1) {
      end = cr; // bare CR
      next = cr + 1;
    } else {
      end = cr === nl - 1 ? cr : nl;
      next = nl < raw.length ? nl + 1 : raw.length;
    }
    if (end === pos) {
      bodyStart = next;
      break;
    }
    const c0 = raw.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) {
      const last = headers[headers.length - 1];
      if (last) last[1] = last[1] ? `${last[1]} ${raw.slice(pos, end).trim()}` : raw.slice(pos, end).trim();
      else addProblem(problems, 'continuation line before any header');
    } else {
      const colon = raw.indexOf(':', pos);
      if (colon < 0 || colon >= end) {
        addProblem(problems, `header line without colon at offset ${pos}`);
      } else {
        const name = raw.slice(pos, colon).trim();
        if (!name) addProblem(problems, `header with empty name at offset ${pos}`);
        else headers.push([fullHeaderName(name), raw.slice(colon + 1, end).trim()]);
      }
    }
    pos = next;
  }

  let callId = '';
  let haveCallId = false;
  let cseq = 0;
  let cseqMethod = '';
  let haveCSeq = false;
  let from: NameAddr = { ...EMPTY_NAME_ADDR };
  let to: NameAddr = { ...EMPTY_NAME_ADDR };
  let haveFrom = false;
  let haveTo = false;
  let topVia: string | null = null;
  let contact = '';
  let userAgent = '';
  let server = '';
  let contentType = '';
  let contentLength: number | null = null;
  let contentLengthText: string | null = null;
  const msg: Pick<SipMessage, 'reasons' | 'warnings' | 'sessionExpires' | 'minSe' | 'retryAfter'> = {
    reasons: [],
    warnings: [],
  };

  for (const [name, value] of headers) {
    switch (name) {
      case 'call-id':
        if (!haveCallId) {
          callId = value;
          haveCallId = true;
        }
        break;
      case 'cseq':
        if (!haveCSeq) {
          const c = parseCSeq(value);
          cseq = c.seq;
          cseqMethod = c.method;
          haveCSeq = true;
        }
        break;
      case 'from':
        if (!haveFrom) {
          from = parseNameAddr(value);
          haveFrom = true;
        }
        break;
      case 'to':
        if (!haveTo) {
          to = parseNameAddr(value);
          haveTo = true;
        }
        break;
      case 'via':
        // The top Via is the first value of the first Via header (RFC 3261 §7.3.1, §20.42).
        if (topVia === null) topVia = value;
        break;
      case 'contact':
        if (!contact) {
          const first = splitHeaderValues(value)[0] ?? '';
          contact = first === '*' ? '*' : parseNameAddr(first).uri;
        }
        break;
      case 'user-agent':
        if (!userAgent) userAgent = value;
        break;
      case 'server':
        if (!server) server = value;
        break;
      case 'content-type':
        if (!contentType) contentType = value;
        break;
      case 'content-length': {
        const n = /^\d{1,9}$/.test(value) ? Number(value) : null;
        if (contentLengthText === null) {
          contentLengthText = value;
          contentLength = n;
          if (n === null) addProblem(problems, `invalid Content-Length "${value.slice(0, 40)}"`);
        } else if (n !== contentLength) {
          addProblem(problems, 'conflicting Content-Length headers');
        }
        break;
      }
      case 'reason':
        // RFC 3326 §2: several values per header and several headers are allowed.
        for (const r of parseReasons(value)) msg.reasons.push(r);
        break;
      case 'session-expires':
        if (!msg.sessionExpires) msg.sessionExpires = parseSessionExpires(value);
        break;
      case 'min-se': {
        // RFC 4028 §5: Min-SE = delta-seconds *(SEMI generic-param)
        const n = leadingInt(value);
        if (n !== null && msg.minSe === undefined) msg.minSe = n;
        break;
      }
      case 'warning':
        // RFC 3261 §20.43: warn-code SP warn-agent SP warn-text, comma-separated.
        for (const w of splitHeaderValues(value)) msg.warnings.push(w);
        break;
      case 'retry-after': {
        // RFC 3261 §20.33: delta-seconds [ comment ] *( SEMI retry-param )
        const n = leadingInt(value);
        if (n !== null && msg.retryAfter === undefined) msg.retryAfter = n;
        break;
      }
    }
  }
  if (!haveCallId) addProblem(problems, 'missing Call-ID');
  if (!haveCSeq) addProblem(problems, 'missing CSeq');
  if (!haveFrom) addProblem(problems, 'missing From');
  if (!haveTo) addProblem(problems, 'missing To');

  // Body framing, RFC 3261 §18.3 / §20.14: the body is exactly Content-Length bytes. On UDP,
  // extra octets are discarded; a shorter datagram is a truncated message.
  let body = '';
  if (bodyStart < 0) {
    if (lf >= 0) addProblem(problems, 'no empty line after the headers (truncated?)');
  } else {
    const available = raw.length - bodyStart;
    if (contentLength === null) body = raw.slice(bodyStart);
    else if (available < contentLength) {
      addProblem(problems, `Content-Length ${contentLength} but only ${available} body bytes (truncated)`);
      body = raw.slice(bodyStart);
    } else {
      if (available > contentLength) {
        addProblem(problems, `${available - contentLength} bytes after the ${contentLength}-byte body ignored`);
      }
      body = raw.slice(bodyStart, bodyStart + contentLength);
    }
  }

  const result: SipMessage = {
    frame: meta.frame,
    tsUs: meta.tsUs,
    transport: meta.transport,
    src: meta.src,
    srcPort: meta.srcPort,
    dst: meta.dst,
    dstPort: meta.dstPort,
    isRequest: kind === 'request',
    method,
    requestUri,
    statusCode,
    reasonPhrase,
    callId,
    cseq,
    cseqMethod,
    from,
    to,
    viaBranch: topVia === null ? '' : viaBranch(topVia),
    contact,
    userAgent: userAgent || server,
    headers,
    reasons: msg.reasons,
    warnings: msg.warnings,
    contentType,
    raw,
    problems,
  };
  if (msg.sessionExpires) result.sessionExpires = msg.sessionExpires;
  if (msg.minSe !== undefined) result.minSe = msg.minSe;
  if (msg.retryAfter !== undefined) result.retryAfter = msg.retryAfter;
  if (body.length > 0) {
    const sdpText = extractSdpText(contentType, body, problems);
    if (sdpText !== null) {
      const sdp = parseSdp(sdpText);
      if (sdp) result.sdp = sdp;
      else addProblem(problems, 'body declared as SDP does not parse as SDP');
    }
  }
  return result;
}
