// Writes a small capture of one answered SIP call (INVITE/100/180/200/ACK, RTP both ways,
// BYE/200) with the From/To users, Call-ID and start time a test needs — for example to
// match a CDR row — using the project's own packet builder and capture writer.

import { writeFileSync } from 'node:fs';
import { PcapWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, concat, ethernet, ipv4, udp, rtp as rtpPacket } from '../../shared/engine/capture/packet_builder.ts';

export interface CallCaptureSpec {
  callId: string;
  from: string;
  to: string;
  /** INVITE time, µs since the epoch. */
  startUs: number;
  talkS?: number;
  /** Who sends the BYE. */
  byeFrom?: 'caller' | 'callee';
  caller?: string;
  callee?: string;
  /** Time of the 180 Ringing relative to the INVITE, µs (default 200 ms; negative = a clock that stepped back). */
  ringingAfterUs?: number;
}

function frame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 17 }, udp(sport, dport, payload)));
}

function sdp(ip: string, port: number): string {
  return `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
}

export function buildCallCapture(spec: CallCaptureSpec): Uint8Array {
  const a = spec.caller ?? '10.1.0.1';
  const b = spec.callee ?? '10.2.0.1';
  const talkUs = (spec.talkS ?? 3) * 1e6;
  const t0 = spec.startUs;
  const hdr = (method: string, cseq: number, toTag: boolean, extra = '') =>
    `Via: SIP/2.0/UDP ${a}:5060;branch=z9hG4bK-${method}-${cseq}\r\nFrom: <sip:${spec.from}@${a}>;tag=caller1\r\n` +
    `To: <sip:${spec.to}@${b}>${toTag ? ';tag=callee1' : ''}\r\nCall-ID: ${spec.callId}\r\nCSeq: ${cseq} ${method}\r\n${extra}`;
  const msg = (start: string, headers: string, body = '') =>
    ascii(`${start}\r\n${headers}${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`);
  const invite = hdr('INVITE', 1, false, `Contact: <sip:${spec.from}@${a}>\r\n`);
  const ok = hdr('INVITE', 1, true, `Contact: <sip:${spec.to}@${b}>\r\n`);
  const byeByCaller = (spec.byeFrom ?? 'caller') === 'caller';
  const bye = byeByCaller
    ? hdr('BYE', 2, true)
    : `Via: SIP/2.0/UDP ${b}:5060;branch=z9hG4bK-bye-b\r\nFrom: <sip:${spec.to}@${b}>;tag=callee1\r\nTo: <sip:${spec.from}@${a}>;tag=caller1\r\nCall-ID: ${spec.callId}\r\nCSeq: 1 BYE\r\n`;
  const [byeSrc, byeDst] = byeByCaller ? [a, b] : [b, a];

  const pkts: Array<[number, Uint8Array]> = [
    [t0, frame(a, b, 5060, 5060, msg(`INVITE sip:${spec.to}@${b} SIP/2.0`, invite, sdp(a, 20000)))],
    [t0 + 10_000, frame(b, a, 5060, 5060, msg('SIP/2.0 100 Trying', hdr('INVITE', 1, false)))],
    [t0 + (spec.ringingAfterUs ?? 200_000), frame(b, a, 5060, 5060, msg('SIP/2.0 180 Ringing', hdr('INVITE', 1, true)))],
    [t0 + 1_000_000, frame(b, a, 5060, 5060, msg('SIP/2.0 200 OK', ok, sdp(b, 30000)))],
    [t0 + 1_010_000, frame(a, b, 5060, 5060, msg(`ACK sip:${spec.to}@${b} SIP/2.0`, hdr('ACK', 1, true)))],
  ];
  // RTP both ways at 20 ms for the talk time.
  for (let i = 0, t = t0 + 1_020_000; t < t0 + 1_000_000 + talkUs; i++, t += 20_000) {
    const rtp = (ssrc: number) => rtpPacket({ pt: 0, seq: i, ts: i * 160, ssrc, payloadBytes: 160 });
    pkts.push([t, frame(a, b, 20000, 30000, rtp(0x1111))], [t + 300, frame(b, a, 30000, 20000, rtp(0x2222))]);
  }
  const tb = t0 + 1_000_000 + talkUs + 10_000;
  pkts.push(
    [tb, frame(byeSrc, byeDst, 5060, 5060, msg(`BYE sip:x@${byeDst} SIP/2.0`, bye))],
    [tb + 5_000, frame(byeDst, byeSrc, 5060, 5060, msg('SIP/2.0 200 OK', bye))],
  );
  const w = new PcapWriter({ linkType: 1 });
  return concat(w.header(), ...pkts.map(([t, p]) => w.packet(t, p)));
}

export function writeCallCapture(path: string, spec: CallCaptureSpec): void {
  writeFileSync(path, buildCallCapture(spec));
}
