// SDP (RFC 8866, formerly RFC 4566) reduced to what media tracking needs: where each stream
// is sent (c=, m= port), what it carries (payload types, a=rtpmap), in which direction, and
// RTCP/ptime hints. Line-oriented, tolerant of CRLF or LF and of unknown lines.
import type { Sdp, SdpMedia } from '../../model/sip.ts';

type Direction = SdpMedia['direction'];

function directionOf(attr: string): Direction | null {
  // RFC 8866 §6.7: the four direction attributes are property attributes (no value).
  switch (attr) {
    case 'sendrecv':
    case 'sendonly':
    case 'recvonly':
    case 'inactive':
      return attr;
    default:
      return null;
  }
}

/**
 * c=<nettype> <addrtype> <connection-address> (RFC 8866 §5.7). The address may carry
 * /ttl[/count] for multicast; those are dropped. 0.0.0.0 is kept: RFC 3264 §8.4 (old-style hold).
 */
function connectionAddress(value: string): string {
  const parts = value.trim().split(/\s+/, 4);
  const addr = parts[2] ?? '';
  const slash = addr.indexOf('/');
  return slash < 0 ? addr : addr.slice(0, slash);
}

function toInt(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}

interface MediaDraft extends SdpMedia {
  hasOwnConnection: boolean;
  ownDirection: Direction | null;
}

/** Parses an SDP body; null when the text does not look like SDP at all. */
export function parseSdp(text: string): Sdp | null {
  let origin = '';
  let sessionName = '';
  let sessionConnection = '';
  let sessionDirection: Direction | null = null;
  let sawSdpLine = false;
  const media: MediaDraft[] = [];
  let current: MediaDraft | null = null;

  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 0x0d) end--;
    const line = text.slice(pos, end);
    pos = nl + 1;
    // RFC 8866 §5: <type>=<value>, type is exactly one letter.
    if (line.length < 2 || line.charCodeAt(1) !== 0x3d) continue;
    const type = line[0];
    const value = line.slice(2);
    switch (type) {
      case 'v':
      case 'o':
      case 's':
      case 'c':
      case 'm':
        sawSdpLine = true;
        break;
    }
    if (type === 'o' && !current) origin = value.trim();
    else if (type === 's' && !current) sessionName = value;
    else if (type === 'c') {
      const addr = connectionAddress(value);
      if (current) {
        current.connection = addr;
        current.hasOwnConnection = true;
      } else sessionConnection = addr;
    } else if (type === 'm') {
      // m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 §5.14)
      const parts = value.trim().split(/\s+/);
      const fmts = parts.slice(3);
      const payloadTypes: number[] = [];
      for (const f of fmts) {
        // RTP formats are payload type numbers; others (udptl "t38", "webrtc-datachannel") are not.
        if (/^\d{1,3}$/.test(f)) payloadTypes.push(Number(f));
      }
      current = {
        media: parts[0] ?? '',
        port: toInt((parts[1] ?? '').split('/')[0]),
        proto: parts[2] ?? '',
        payloadTypes,
        connection: '',
        direction: 'sendrecv',
        rtpmap: {},
        hasOwnConnection: false,
        ownDirection: null,
      };
      media.push(current);
    } else if (type === 'a') {
      const colon = value.indexOf(':');
      const name = (colon < 0 ? value : value.slice(0, colon)).trim();
      const arg = colon < 0 ? '' : value.slice(colon + 1).trim();
      const dir = colon < 0 ? directionOf(name) : null;
      if (dir) {
        if (current) current.ownDirection = dir;
        else sessionDirection = dir;
      } else if (current && name === 'rtpmap') {
        // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (§6.6)
        const sp = arg.search(/\s/);
        if (sp > 0) {
          const pt = Number.parseInt(arg.slice(0, sp), 10);
          const enc = arg.slice(sp + 1).trim().split('/');
          if (Number.isInteger(pt) && pt >= 0 && pt <= 127 && enc[0]) {
            const entry: { encoding: string; clockRate: number; channels?: number } = {
              encoding: enc[0],
              clockRate: toInt(enc[1]),
            };
            if (enc[2] !== undefined && enc[2] !== '') entry.channels = toInt(enc[2]);
            current.rtpmap[pt] = entry;
          }
        }
      } else if (current && name === 'rtcp') {
        // a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1)
        const port = Number.parseInt(arg, 10);
        if (Number.isInteger(port) && port > 0 && port < 65536) current.rtcpPort = port;
      } else if (current && name === 'ptime') {
        // a=ptime:<packet time> in ms, may be fractional (RFC 8866 §6.4)
        const ms = Number.parseFloat(arg);
        if (Number.isFinite(ms) && ms > 0) current.ptime = ms;
      }
    }
  }
  if (!sawSdpLine) return null;

  const out: SdpMedia[] = media.map((m) => {
    const { hasOwnConnection, ownDirection, ...rest } = m;
    // Media-level c= and direction override session-level ones (RFC 8866 §5.7, §6.7).
    if (!hasOwnConnection) rest.connection = sessionConnection;
    rest.direction = ownDirection ?? sessionDirection ?? 'sendrecv';
    return rest;
  });
  return { origin, sessionName, connection: sessionConnection, media: out };
}
