// Writes small SIP-only captures of calls through a B2BUA (two or more dialogs with different
// Call-IDs), with the project's own packet builder and capture writer, for the leg-correlation
// fixtures in test/fixtures/legs (npx tsx test/support/b2bua_capture.ts writes them all).

import { writeFileSync } from 'node:fs';
import { PcapWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, concat, ethernet, ipv4, udp } from '../../shared/engine/capture/packet_builder.ts';

export interface LegSpec {
  callId: string;
  from: string;
  to: string;
  caller: string;
  callee: string;
  /** INVITE time, µs since the epoch. */
  atUs: number;
  /** Final response to the INVITE (200 answers). */
  final: number;
  /** Time from the INVITE to the final response, µs. */
  finalAfterUs: number;
  /** A 180 Ringing this long after the INVITE (a post-dial delay); none when absent. */
  ringAfterUs?: number;
  /** Extra headers of the INVITE (and of the 200, for Session-ID's remote UUID), CRLF-terminated lines. */
  inviteHeaders?: string;
  answerHeaders?: string;
  /** Answered calls: who sends the BYE and when (µs after the answer). */
  byeFrom?: 'caller' | 'callee';
  byeAfterUs?: number;
  /** A REFER sent by the callee after the answer: [µs after the answer, Refer-To user, Referred-By user]. */
  refer?: [number, string, string];
  /** SDP media host of each side (default: its signalling host). */
  callerMedia?: string;
  calleeMedia?: string;
}

type Pkt = [number, Uint8Array];

const frame = (src: string, dst: string, payload: Uint8Array): Uint8Array => ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 17 }, udp(5060, 5060, payload)));
const sdp = (ip: string, port: number): string => `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

export function legPackets(s: LegSpec): Pkt[] {
  const a = s.caller;
  const b = s.callee;
  const msg = (start: string, headers: string, body = ''): Uint8Array =>
    ascii(`${start}\r\n${headers}${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`);
  const fromCaller = (method: string, cseq: number, toTag: boolean, extra = ''): string =>
    `Via: SIP/2.0/UDP ${a}:5060;branch=z9hG4bK-${s.callId.slice(0, 8)}-${method}-${cseq}\r\nFrom: <sip:${s.from}@${a}>;tag=a-${cseq === 1 ? 1 : 1}\r\n` +
    `To: <sip:${s.to}@${b}>${toTag ? ';tag=b-1' : ''}\r\nCall-ID: ${s.callId}\r\nCSeq: ${cseq} ${method}\r\n${extra}`;
  const fromCallee = (method: string, cseq: number, extra = ''): string =>
    `Via: SIP/2.0/UDP ${b}:5060;branch=z9hG4bK-${s.callId.slice(0, 8)}-b-${method}-${cseq}\r\nFrom: <sip:${s.to}@${b}>;tag=b-1\r\n` +
    `To: <sip:${s.from}@${a}>;tag=a-1\r\nCall-ID: ${s.callId}\r\nCSeq: ${cseq} ${method}\r\n${extra}`;
  const t0 = s.atUs;
  const tf = t0 + s.finalAfterUs;
  const answered = s.final >= 200 && s.final < 300;
  const reason = answered ? 'OK' : s.final === 503 ? 'Service Unavailable' : s.final === 480 ? 'Temporarily Unavailable' : s.final === 486 ? 'Busy Here' : 'Error';
  const pkts: Pkt[] = [
    [t0, frame(a, b, msg(`INVITE sip:${s.to}@${b} SIP/2.0`, fromCaller('INVITE', 1, false, `Contact: <sip:${s.from}@${a}>\r\n${s.inviteHeaders ?? ''}`), sdp(s.callerMedia ?? a, 20000)))],
    [t0 + 5_000, frame(b, a, msg('SIP/2.0 100 Trying', fromCaller('INVITE', 1, false)))],
    ...(s.ringAfterUs === undefined ? [] : [[t0 + s.ringAfterUs, frame(b, a, msg('SIP/2.0 180 Ringing', fromCaller('INVITE', 1, true)))] as Pkt]),
    [tf, frame(b, a, msg(`SIP/2.0 ${s.final} ${reason}`, fromCaller('INVITE', 1, true, answered ? `Contact: <sip:${s.to}@${b}>\r\n${s.answerHeaders ?? ''}` : ''), answered ? sdp(s.calleeMedia ?? b, 30000) : ''))],
    [tf + 2_000, frame(a, b, msg(`ACK sip:${s.to}@${b} SIP/2.0`, fromCaller('ACK', 1, true)))],
  ];
  if (answered && s.refer) {
    const [after, target, by] = s.refer;
    const tr = tf + after;
    const h = fromCallee('REFER', 1, `Refer-To: <sip:${target}@${b}>\r\nReferred-By: <sip:${by}@${b}>\r\nContact: <sip:${s.to}@${b}>\r\n`);
    pkts.push([tr, frame(b, a, msg(`REFER sip:${s.from}@${a} SIP/2.0`, h))], [tr + 3_000, frame(a, b, msg('SIP/2.0 202 Accepted', h))]);
  }
  if (answered && s.byeFrom) {
    const tb = tf + (s.byeAfterUs ?? 3_000_000);
    const h = s.byeFrom === 'caller' ? fromCaller('BYE', 2, true) : fromCallee('BYE', 2);
    const [src, dst] = s.byeFrom === 'caller' ? [a, b] : [b, a];
    pkts.push([tb, frame(src, dst, msg(`BYE sip:x@${dst} SIP/2.0`, h))], [tb + 4_000, frame(dst, src, msg('SIP/2.0 200 OK', h))]);
  }
  return pkts;
}

export function buildLegsCapture(legs: LegSpec[]): Uint8Array {
  const pkts = legs.flatMap(legPackets).sort((x, y) => x[0] - y[0]);
  const w = new PcapWriter({ linkType: 1 });
  return concat(w.header(), ...pkts.map(([t, p]) => w.packet(t, p)));
}

const T = Date.UTC(2026, 11, 1, 10, 0, 0) * 1000;
const CALLER = '10.0.0.10';
const PBX = '10.0.0.1';
const TRUNK = '10.0.0.20';
const AGENT = '10.0.0.30';
const SID_A = 'ab30317f1a784dc48ff824d0d3715d86';
const SID_B = '47755a9de7794ba387653f2099600ef2';

/** The fixtures: name → legs. Each keeps the B2BUA at PBX between a caller and a trunk. */
export const LEG_FIXTURES: Record<string, LegSpec[]> = {
  // RFC 7989: both legs carry the caller's UUID on the INVITE and both UUIDs on the 200.
  legs_session_id: [
    { callId: 'sid-in@10.0.0.10', from: '+15551230001', to: '+15559870001', caller: CALLER, callee: PBX, atUs: T, final: 200, finalAfterUs: 1_200_000, byeFrom: 'caller', byeAfterUs: 40_000_000,
      inviteHeaders: `Session-ID: ${SID_A};remote=00000000000000000000000000000000\r\n`, answerHeaders: `Session-ID: ${SID_B};remote=${SID_A}\r\n` },
    // The outbound leg renumbers (national format) and anchors media elsewhere: only Session-ID ties it.
    { callId: 'sid-out@10.0.0.1', from: '5551230001', to: '5559870001', caller: PBX, callee: TRUNK, atUs: T + 900_000, final: 200, finalAfterUs: 250_000, byeFrom: 'caller', byeAfterUs: 40_010_000,
      inviteHeaders: `Session-ID: ${SID_A};remote=00000000000000000000000000000000\r\n`, answerHeaders: `Session-ID: ${SID_B};remote=${SID_A}\r\n`, callerMedia: '10.0.9.1' },
  ],
  // The outbound INVITE names the inbound Call-ID (X-Call-ID); other numbers and SDP, so no heuristic would link it.
  legs_x_call_id: [
    { callId: 'xcid-in@10.0.0.10', from: 'alice', to: '2000', caller: CALLER, callee: PBX, atUs: T, final: 200, finalAfterUs: 3_500_000, byeFrom: 'callee', byeAfterUs: 20_000_000 },
    { callId: 'xcid-out@10.0.0.1', from: 'pbx-trunk', to: '+4930123456', caller: PBX, callee: TRUNK, atUs: T + 3_000_000, final: 200, finalAfterUs: 400_000, byeFrom: 'callee', byeAfterUs: 19_990_000,
      inviteHeaders: 'X-Call-ID: xcid-in@10.0.0.10\r\n', callerMedia: '10.0.9.1' },
  ],
  // No correlation header: the outbound INVITE 40 ms after the inbound reached the PBX, same numbers, media anchored on the PBX.
  legs_heuristic: [
    { callId: 'heur-in@10.0.0.10', from: '+15551230003', to: '+15559870003', caller: CALLER, callee: PBX, atUs: T, final: 200, finalAfterUs: 900_000, byeFrom: 'caller', byeAfterUs: 50_000_000 },
    { callId: 'heur-out@10.0.0.1', from: '15551230003', to: '15559870003', caller: PBX, callee: TRUNK, atUs: T + 40_000, final: 200, finalAfterUs: 850_000, byeFrom: 'caller', byeAfterUs: 50_020_000 },
    // An unrelated call through the same PBX 2 s later, other numbers: no link.
    { callId: 'heur-other@10.0.0.11', from: '+15551230099', to: '+15559870099', caller: '10.0.0.11', callee: PBX, atUs: T + 2_000_000, final: 486, finalAfterUs: 300_000 },
  ],
  // Transfer: the agent REFERs the caller to 3000; the caller's new INVITE carries Referred-By.
  legs_transfer: [
    { callId: 'xfer-a@10.0.0.10', from: 'caller7', to: 'agent', caller: CALLER, callee: AGENT, atUs: T, final: 200, finalAfterUs: 500_000, refer: [10_000_000, '3000', 'agent'], byeFrom: 'callee', byeAfterUs: 10_500_000 },
    { callId: 'xfer-b@10.0.0.10', from: 'caller7', to: '3000', caller: CALLER, callee: TRUNK, atUs: T + 10_700_000, final: 200, finalAfterUs: 2_000_000, byeFrom: 'caller', byeAfterUs: 45_000_000,
      inviteHeaders: 'Referred-By: <sip:agent@10.0.0.30>\r\n' },
  ],
  // The trunk answers the outbound leg 503; the PBX then fails the inbound leg with 480.
  legs_outbound_503: [
    { callId: 'f503-in@10.0.0.10', from: '+15551230005', to: '+15559870005', caller: CALLER, callee: PBX, atUs: T, final: 480, finalAfterUs: 400_000 },
    { callId: 'f503-out@10.0.0.1', from: '+15551230005', to: '+15559870005', caller: PBX, callee: TRUNK, atUs: T + 30_000, final: 503, finalAfterUs: 350_000 },
  ],
};

if (process.argv[1]?.endsWith('b2bua_capture.ts')) {
  const dir = process.argv[2] ?? 'test/fixtures/legs';
  for (const [name, legs] of Object.entries(LEG_FIXTURES)) writeFileSync(`${dir}/${name}.pcap`, buildLegsCapture(legs));
}
