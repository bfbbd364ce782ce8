// The raw-message side panel: split a stored SIP message into start line, headers and body,
// and summarise its SDP (RFC 8866) with the shared parser the engine uses, so the panel shows
// the same media, ports and codecs the media tracker saw.

import { parseSdp } from '../../../shared/engine/sip/sdp_parser.ts';

export interface SdpMediaSummary {
  media: string;
  port: number;
  proto: string;
  /** '18 G729/8000', '101 telephone-event/8000', or the bare payload type when no rtpmap names it. */
  codecs: string[];
  direction: string;
  connection: string;
  /** Hold as the engine reads it (RFC 3264 §8.4): sendonly / recvonly / inactive / 0.0.0.0. */
  hold: boolean;
  ptime: number | null;
}

export interface SipMessageParts {
  startLine: string;
  headers: Array<{ name: string; value: string }>;
  body: string;
}

/** Static payload types (RFC 3551 table 4) for m= lines without rtpmap. */
const STATIC_PT: Record<number, string> = { 0: 'PCMU/8000', 3: 'GSM/8000', 4: 'G723/8000', 8: 'PCMA/8000', 9: 'G722/8000', 13: 'CN/8000', 18: 'G729/8000' };

export function splitSipMessage(raw: string): SipMessageParts {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const lines = head.split(/\r?\n/);
  const headers: Array<{ name: string; value: string }> = [];
  for (const line of lines.slice(1)) {
    // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header.
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return { startLine: lines[0] ?? '', headers, body };
}

/** The SDP part of a body: the whole body, or the application/sdp part of a multipart one. */
export function sdpText(parts: SipMessageParts): string | null {
  const ct = parts.headers.find((h) => /^(content-type|c)$/i.test(h.name))?.value.toLowerCase() ?? '';
  const body = parts.body;
  if (!body.trim()) return null;
  if (ct.startsWith('application/sdp')) return body;
  // multipart/mixed (SIP-I, some SBCs): take the part that starts with v=0.
  const v = /(^|\r?\n)v=0\r?\n/.exec(body);
  if (!v) return null;
  const start = v.index + v[1].length;
  const boundary = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
  const end = boundary ? body.indexOf(`--${boundary}`, start) : -1;
  return body.slice(start, end < 0 ? undefined : end);
}

export function summarizeSdp(raw: string | null): SdpMediaSummary[] | null {
  if (!raw) return null;
  const text = sdpText(splitSipMessage(raw));
  if (text === null) return null;
  const sdp = parseSdp(text);
  if (!sdp) return null;
  return sdp.media.map((m) => ({
    media: m.media,
    port: m.port,
    proto: m.proto,
    codecs: m.payloadTypes.map((pt) => {
      const r = m.rtpmap[pt];
      const name = r ? `${r.encoding}/${r.clockRate}${r.channels && r.channels > 1 ? `/${r.channels}` : ''}` : STATIC_PT[pt];
      return name ? `${pt} ${name}` : String(pt);
    }),
    direction: m.direction,
    connection: m.connection,
    hold: m.direction !== 'sendrecv' || m.connection === '0.0.0.0',
    ptime: m.ptime ?? null,
  }));
}
