// Builders for the damaged and oversized inputs of issue 10 (defects found by a mutation
// fuzzer), made with the project's own packet builder and capture writer so every test
// input is generated, never copied: one answered call over TCP with an oversized INVITE,
// one call with tens of thousands of re-INVITEs, an RTP flood of distinct SSRCs, and
// pcapng files whose timestamps fall outside JavaScript's date range.

import { PcapWriter, PcapngWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, ethernet, ipv4, tcp, udp } from '../../shared/engine/capture/packet_builder.ts';

/** Many parts into one array (packet_builder's concat takes them as arguments: not for 10^5 parts). */
export function joinAll(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const A = '10.1.0.1';
const B = '10.2.0.1';
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0) * 1000;

function udpFrame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 17 }, udp(sport, dport, payload)));
}

function sipText(start: string, callId: string, method: string, cseq: number, toTag: boolean, opts: { fromCallee?: boolean; extra?: string; body?: string; contentLength?: string } = {}): string {
  const [fromUser, fromHost, toUser, toHost] = opts.fromCallee ? ['agent', B, 'caller', A] : ['caller', A, 'agent', B];
  const fromTag = opts.fromCallee ? 'callee1' : 'caller1';
  const body = opts.body ?? '';
  return `${start}\r\nVia: SIP/2.0/TCP ${opts.fromCallee ? B : A}:5060;branch=z9hG4bK-${method}-${cseq}\r\n` +
    `From: <sip:${fromUser}@${fromHost}>;tag=${fromTag}\r\nTo: <sip:${toUser}@${toHost}>${toTag ? `;tag=${opts.fromCallee ? 'caller1' : 'callee1'}` : ''}\r\n` +
    `Call-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\n${opts.extra ?? ''}` +
    `${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${opts.contentLength ?? String(body.length)}\r\n\r\n${body}`;
}

function sdp(ip: string, port: number, padLines = 0): string {
  let s = `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
  for (let i = 0; i < padLines; i++) s += `a=x-padding:${String(i).padStart(8, '0')} ${'p'.repeat(80)}\r\n`;
  return s;
}

/**
 * One answered call over a single TCP connection (INVITE → 100 → 200 → ACK → BYE → 200),
 * where the INVITE is damaged the way the fuzzer found: `bodyBytes` makes its SDP body that
 * large (290 KB > the framer's 256 KiB cap), or `contentLength` makes it announce a body of
 * that many bytes whatever it carries (4294967295 swallowed the rest of the stream).
 */
export function oversizedTcpInviteCapture(o: { callId: string; bodyBytes?: number; contentLength?: string }): Uint8Array {
  const pad = o.bodyBytes ? Math.ceil((o.bodyBytes - 200) / 108) : 0;
  const invite = sipText(`INVITE sip:agent@${B} SIP/2.0`, o.callId, 'INVITE', 1, false, { body: sdp(A, 20000, pad), contentLength: o.contentLength, extra: `Contact: <sip:caller@${A}>\r\n` });
  const trying = sipText('SIP/2.0 100 Trying', o.callId, 'INVITE', 1, false);
  const ok = sipText('SIP/2.0 200 OK', o.callId, 'INVITE', 1, true, { body: sdp(B, 30000), extra: `Contact: <sip:agent@${B}>\r\n` });
  const ack = sipText(`ACK sip:agent@${B} SIP/2.0`, o.callId, 'ACK', 1, true);
  const bye = sipText(`BYE sip:agent@${B} SIP/2.0`, o.callId, 'BYE', 2, true);
  const byeOk = sipText('SIP/2.0 200 OK', o.callId, 'BYE', 2, true);

  const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;
  const seq = { a: 1000, b: 5000 };
  const frames: Array<[number, Uint8Array]> = [];
  let t = T0;
  const send = (from: 'a' | 'b', flags: number, payload: Uint8Array = new Uint8Array(0)): void => {
    const [src, dst, sp, dp] = from === 'a' ? [A, B, 40000, 5060] : [B, A, 5060, 40000];
    const other = from === 'a' ? 'b' : 'a';
    // Segments of at most 1400 bytes, as a real stack sends them.
    for (let off = 0; off === 0 || off < payload.length; off += 1400) {
      const part = payload.subarray(off, off + 1400);
      frames.push([t, ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 6 }, tcp({ srcPort: sp, dstPort: dp, seq: seq[from], ack: seq[other], flags }, part)))]);
      seq[from] = (seq[from] + part.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0)) >>> 0;
      t += 100;
    }
  };
  send('a', SYN);
  send('b', SYN | ACK);
  send('a', ACK);
  send('a', PSH | ACK, ascii(invite));
  t += 10_000;
  send('b', PSH | ACK, ascii(trying));
  t += 990_000;
  send('b', PSH | ACK, ascii(ok));
  t += 10_000;
  send('a', PSH | ACK, ascii(ack));
  t += 3_000_000;
  send('a', PSH | ACK, ascii(bye));
  t += 5_000;
  send('b', PSH | ACK, ascii(byeOk));
  send('a', FIN | ACK);
  send('b', FIN | ACK);
  const w = new PcapWriter({ linkType: 1 });
  return joinAll([w.header(), ...frames.map(([ts, f]) => w.packet(ts, f))]);
}

/**
 * One call over UDP with `reInvites` re-INVITE transactions (re-INVITE → 200 → ACK each)
 * between its answer and its BYE: 3 × reInvites + 5 SIP messages under one Call-ID.
 */
export function reInviteStormCapture(callId: string, reInvites: number): Uint8Array {
  const w = new PcapWriter({ linkType: 1 });
  const parts: Uint8Array[] = [w.header()];
  let t = T0;
  const add = (fromCallee: boolean, text: string): void => {
    parts.push(w.packet(t, udpFrame(fromCallee ? B : A, fromCallee ? A : B, 5060, 5060, ascii(text.replace('SIP/2.0/TCP', 'SIP/2.0/UDP')))));
    t += 1000;
  };
  const se = 'Session-Expires: 90;refresher=uac\r\nSupported: timer\r\n';
  add(false, sipText(`INVITE sip:agent@${B} SIP/2.0`, callId, 'INVITE', 1, false, { body: sdp(A, 20000), extra: se }));
  add(true, sipText('SIP/2.0 200 OK', callId, 'INVITE', 1, true, { body: sdp(B, 30000), extra: se }));
  add(false, sipText(`ACK sip:agent@${B} SIP/2.0`, callId, 'ACK', 1, true));
  for (let i = 0; i < reInvites; i++) {
    const cseq = 2 + i;
    add(false, sipText(`INVITE sip:agent@${B} SIP/2.0`, callId, 'INVITE', cseq, true, { body: sdp(A, 20000), extra: se }));
    add(true, sipText('SIP/2.0 200 OK', callId, 'INVITE', cseq, true, { body: sdp(B, 30000), extra: se }));
    add(false, sipText(`ACK sip:agent@${B} SIP/2.0`, callId, 'ACK', cseq, true));
  }
  add(false, sipText(`BYE sip:agent@${B} SIP/2.0`, callId, 'BYE', reInvites + 2, true));
  add(true, sipText('SIP/2.0 200 OK', callId, 'BYE', reInvites + 2, true));
  return joinAll(parts);
}

/** `n` RTP packets on one UDP flow, each with an SSRC of its own (no signalling). */
export function ssrcFloodCapture(n: number): Uint8Array {
  const w = new PcapWriter({ linkType: 1 });
  const parts: Uint8Array[] = [w.header()];
  for (let i = 0; i < n; i++) {
    const rtp = new Uint8Array(12 + 20);
    const dv = new DataView(rtp.buffer);
    rtp[0] = 0x80;
    dv.setUint16(2, i & 0xffff);
    dv.setUint32(4, i * 160);
    dv.setUint32(8, 0x10000000 + i);
    parts.push(w.packet(T0 + i * 100, udpFrame('10.0.0.1', '10.0.0.2', 40000, 40002, rtp)));
  }
  return joinAll(parts);
}

/** A short answered call over UDP at `t0` (INVITE, 200, ACK, BYE, 200), as link-layer frames. */
export function udpCallFrames(callId: string, t0: number): Array<[number, Uint8Array]> {
  const m = (fromCallee: boolean, text: string, dt: number): [number, Uint8Array] =>
    [t0 + dt, udpFrame(fromCallee ? B : A, fromCallee ? A : B, 5060, 5060, ascii(text.replace('SIP/2.0/TCP', 'SIP/2.0/UDP')))];
  return [
    m(false, sipText(`INVITE sip:agent@${B} SIP/2.0`, callId, 'INVITE', 1, false, { body: sdp(A, 20000) }), 0),
    m(true, sipText('SIP/2.0 200 OK', callId, 'INVITE', 1, true, { body: sdp(B, 30000) }), 500_000),
    m(false, sipText(`ACK sip:agent@${B} SIP/2.0`, callId, 'ACK', 1, true), 510_000),
    m(false, sipText(`BYE sip:agent@${B} SIP/2.0`, callId, 'BYE', 2, true), 3_000_000),
    m(true, sipText('SIP/2.0 200 OK', callId, 'BYE', 2, true), 3_005_000),
  ];
}

/**
 * A pcapng file with two interfaces: interface 0 is sane and carries one good call;
 * interface 1 carries a second call with timestamps no JavaScript date can hold, made the
 * way named: `tsoffset` (if_tsoffset of 9e12 s), `seconds` (if_tsresol of 1 s and a
 * timestamp near 2^64 s), or `micros` (a 64-bit µs timestamp near 2^63).
 */
export function outOfRangeTimeCapture(kind: 'tsoffset' | 'seconds' | 'micros'): Uint8Array {
  const w = new PcapngWriter();
  const parts: Uint8Array[] = [w.shb(), w.idb({ linkType: 1 })];
  if (kind === 'tsoffset') parts.push(w.idb({ linkType: 1, tsoffset: 9e12 }));
  else if (kind === 'seconds') parts.push(w.idb({ linkType: 1, tsresol: 0 }));
  else parts.push(w.idb({ linkType: 1 }));
  for (const [t, f] of udpCallFrames('good-call@test', T0)) parts.push(w.epb(0, t, f));
  // The writer takes absolute times and stores them less the offset: raw ≈ T0, absolute ≈ 9e18 µs.
  const badUs = kind === 'tsoffset' ? T0 + 9e18 : kind === 'seconds' ? 1.8e25 : 2 ** 63 - 2 ** 12;
  for (const [t, f] of udpCallFrames('bad-time-call@test', badUs)) parts.push(w.epb(1, t, f));
  return joinAll(parts);
}

/** `n` short answered calls over UDP, one every 40 s (each is finished before the next starts). */
export function manyCallsCapture(n: number): Uint8Array {
  const w = new PcapWriter({ linkType: 1 });
  const parts: Uint8Array[] = [w.header()];
  for (let i = 0; i < n; i++) for (const [t, f] of udpCallFrames(`call-${i}-${(i * 2654435761) >>> 0}@test`, T0 + i * 40e6)) parts.push(w.packet(t, f));
  return joinAll(parts);
}

/**
 * One good call on a pcapng interface whose Interface Statistics Block claims 2^64 − 1
 * dropped packets (isb_ifdrop, all bits set): the fuzzer found that such a count reached the
 * index as a float, which SQLite's STRICT INTEGER column refused, failing the whole import.
 */
export function hugeDropCountCapture(): Uint8Array {
  const w = new PcapngWriter();
  const parts: Uint8Array[] = [w.shb(), w.idb({ linkType: 1 })];
  const frames = udpCallFrames('huge-drops@test', T0);
  for (const [t, f] of frames) parts.push(w.epb(0, t, f));
  parts.push(w.isb(0, frames[frames.length - 1][0] + 1000, { drops: 2n ** 64n - 1n, received: 2n ** 64n - 1n }));
  return joinAll(parts);
}
