// One answered call whose SIP carries markup where a report or a page would print it: From
// and To display names and user parts, the Call-ID (RFC 3261 allows < > " in it), a reason
// phrase, User-Agent, Server, and the SDP (session name, rtpmap encoding). Written with the
// project's packet builder and capture writer, read back by the real engine: what the report
// shows is what the index really holds, not a hand-made object.

import { PcapWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, concat, ethernet, ipv4, udp, rtp as rtpPacket } from '../../shared/engine/capture/packet_builder.ts';

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(2)>',
  callId: '<script>alert(3)</script>@evil',
  fromUser: 'x"onmouseover=alert(4)',
  reason: 'OK <b onclick=alert(5)>',
  sdpName: '</title><script>alert(6)</script>',
  encoding: '<svg onload=alert(7)>',
  quote: "'\"&amp;",
} as const;

const A = '10.9.0.1';
const B = '10.9.0.2';

function frame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 17 }, udp(sport, dport, payload)));
}

function sdp(ip: string, port: number): string {
  return `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=${HOSTILE.sdpName}\r\ni=${HOSTILE.img}\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 96\r\na=rtpmap:96 ${HOSTILE.encoding}/8000\r\na=sendrecv\r\n`;
}

/** A classic pcap of the call: INVITE/100/180/200/ACK, 2 s of RTP both ways, BYE/200. */
export function buildHostileCallCapture(t0 = 1_795_000_000_000_000): Uint8Array {
  const from = `From: "${HOSTILE.script}" <sip:${HOSTILE.fromUser}@${A}>;tag=c1\r\n`;
  const to = (tag: boolean) => `To: "${HOSTILE.img}" <sip:agent@${B}>${tag ? ';tag=a1' : ''}\r\n`;
  const common = (method: string, cseq: number, toTag: boolean) =>
    `Via: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${method}-${cseq}\r\n${from}${to(toTag)}Call-ID: ${HOSTILE.callId}\r\nCSeq: ${cseq} ${method}\r\n`;
  const msg = (start: string, headers: string, body = '') =>
    ascii(`${start}\r\n${headers}${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`);
  const ua = `User-Agent: ${HOSTILE.script} ${HOSTILE.img}\r\n`;
  const server = `Server: ${HOSTILE.img}\r\n`;
  const pkts: Array<[number, Uint8Array]> = [
    [t0, frame(A, B, 5060, 5060, msg(`INVITE sip:agent@${B} SIP/2.0`, common('INVITE', 1, false) + ua + `Contact: <sip:c@${A}>\r\n`, sdp(A, 20000)))],
    [t0 + 10_000, frame(B, A, 5060, 5060, msg('SIP/2.0 100 Trying', common('INVITE', 1, false) + server))],
    [t0 + 200_000, frame(B, A, 5060, 5060, msg('SIP/2.0 180 Ringing', common('INVITE', 1, true) + server))],
    [t0 + 1_000_000, frame(B, A, 5060, 5060, msg(`SIP/2.0 200 ${HOSTILE.reason}`, common('INVITE', 1, true) + server + `Contact: <sip:a@${B}>\r\n`, sdp(B, 30000)))],
    [t0 + 1_010_000, frame(A, B, 5060, 5060, msg(`ACK sip:agent@${B} SIP/2.0`, common('ACK', 1, true) + ua))],
  ];
  for (let i = 0, t = t0 + 1_020_000; t < t0 + 3_000_000; i++, t += 20_000) {
    const rtp = (ssrc: number) => rtpPacket({ pt: 96, seq: i, ts: i * 160, ssrc, payloadBytes: 160 });
    pkts.push([t, frame(A, B, 20000, 30000, rtp(0x1111))], [t + 300, frame(B, A, 30000, 20000, rtp(0x2222))]);
  }
  pkts.push(
    [t0 + 3_010_000, frame(A, B, 5060, 5060, msg(`BYE sip:agent@${B} SIP/2.0`, common('BYE', 2, true) + ua + `Reason: Q.850;cause=16;text="${HOSTILE.quote}${HOSTILE.script}"\r\n`))],
    [t0 + 3_015_000, frame(B, A, 5060, 5060, msg('SIP/2.0 200 OK', common('BYE', 2, true) + server))],
  );
  const w = new PcapWriter({ linkType: 1 });
  return concat(w.header(), ...pkts.map(([t, p]) => w.packet(t, p)));
}
