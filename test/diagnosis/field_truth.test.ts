// The field cases of diagnosis.md §1/§3 that clean lab recordings never show, each written
// with the project's own capture writer and run through the import the CLI uses:
//  - the recording window (pcapng ISB, in µs as dumpcap writes it for a ns interface) turns
//    silence after the last packet into evidence (rules 4 and 6);
//  - an SDP behind NAT (c= a private address the side never uses) is one-way audio (rule 7);
//  - mediaGrace: a caller who hangs up 30 ms after the answer had no time to send audio;
//  - a recorded `udp port 5060` filter makes the capture signalling-only (rule 8).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { PcapngWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, concat, ethernet, ipv4, udp } from '../../shared/engine/capture/packet_builder.ts';
import type { CallFacts } from '../../shared/model/call.ts';
import type { CaptureCoverage } from '../../shared/model/capture.ts';
import type { Verdict } from '../../shared/model/verdict.ts';

const T0 = 1_790_000_000_000_000;
const CALLER = '203.0.113.5';
const CALLEE = '198.51.100.7';

interface Spec {
  callId: string;
  /** Address the caller's SDP names (default: the caller's own). */
  callerSdpAddr?: string;
  answered?: boolean;
  /** INVITE copies with no response (only when not answered). */
  inviteCopiesAtMs?: number[];
  rtpMs?: number;
  callerSendsRtp?: boolean;
  calleeSendsRtp?: boolean;
  /** BYE from the caller this long after the ACK; none when undefined. */
  byeAfterMs?: number;
  /** ISB isb_endtime this long after the last packet, in µs units on a ns interface (dumpcap). */
  recordOnMs?: number;
  filter?: string;
}

function frame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ethernet({ type: 0x0800 }, ipv4({ src, dst, proto: 17 }, udp(sport, dport, payload)));
}

function build(s: Spec): Uint8Array {
  const hdr = (method: string, cseq: number, toTag: boolean) =>
    `Via: SIP/2.0/UDP ${CALLER}:5060;branch=z9hG4bK-${method}-${cseq}\r\nFrom: <sip:alice@${CALLER}>;tag=a1\r\n` +
    `To: <sip:agent@${CALLEE}>${toTag ? ';tag=b1' : ''}\r\nCall-ID: ${s.callId}\r\nCSeq: ${cseq} ${method}\r\nContact: <sip:x@${CALLER}>\r\n`;
  const sdp = (ip: string, port: number) => `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
  const msg = (start: string, h: string, body = '') => ascii(`${start}\r\n${h}${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`);
  const callerSdp = s.callerSdpAddr ?? CALLER;
  const invite = msg(`INVITE sip:agent@${CALLEE} SIP/2.0`, hdr('INVITE', 1, false), sdp(callerSdp, 20000));
  const pkts: Array<[number, Uint8Array]> = [];
  if (s.answered === false) {
    for (const ms of s.inviteCopiesAtMs ?? [0]) pkts.push([T0 + ms * 1000, frame(CALLER, CALLEE, 5060, 5060, invite)]);
  } else {
    pkts.push(
      [T0, frame(CALLER, CALLEE, 5060, 5060, invite)],
      [T0 + 200_000, frame(CALLEE, CALLER, 5060, 5060, msg('SIP/2.0 180 Ringing', hdr('INVITE', 1, true)))],
      [T0 + 1_000_000, frame(CALLEE, CALLER, 5060, 5060, msg('SIP/2.0 200 OK', hdr('INVITE', 1, true), sdp(CALLEE, 30000)))],
      [T0 + 1_010_000, frame(CALLER, CALLEE, 5060, 5060, msg(`ACK sip:agent@${CALLEE} SIP/2.0`, hdr('ACK', 1, true)))],
    );
    const rtp = (i: number, ssrc: number) => {
      const h = new Uint8Array(12 + 160);
      h[0] = 0x80;
      new DataView(h.buffer).setUint16(2, i);
      new DataView(h.buffer).setUint32(4, i * 160);
      new DataView(h.buffer).setUint32(8, ssrc);
      return h;
    };
    for (let i = 0, t = T0 + 1_020_000; t < T0 + 1_020_000 + (s.rtpMs ?? 0) * 1000; i++, t += 20_000) {
      if (s.callerSendsRtp !== false) pkts.push([t, frame(CALLER, CALLEE, 20000, 30000, rtp(i, 0x1111))]);
      // The callee sends where the caller's SDP said: behind NAT, that address is not the caller's.
      if (s.calleeSendsRtp !== false) pkts.push([t + 300, frame(CALLEE, callerSdp, 30000, 20000, rtp(i, 0x2222))]);
    }
    if (s.byeAfterMs !== undefined) {
      const tb = T0 + 1_010_000 + s.byeAfterMs * 1000;
      pkts.push([tb, frame(CALLER, CALLEE, 5060, 5060, msg(`BYE sip:agent@${CALLEE} SIP/2.0`, hdr('BYE', 2, true)))]);
      pkts.push([tb + 5_000, frame(CALLEE, CALLER, 5060, 5060, msg('SIP/2.0 200 OK', hdr('BYE', 2, true)))]);
    }
  }
  pkts.sort((x, y) => x[0] - y[0]);
  const w = new PcapngWriter();
  const parts = [w.shb(), w.idb({ linkType: 1, tsresol: 9, filter: s.filter }), ...pkts.map(([t, p]) => w.epb(0, t, p))];
  const lastUs = pkts[pkts.length - 1][0];
  if (s.recordOnMs !== undefined) parts.push(w.isb(0, lastUs + s.recordOnMs * 1000, { startUs: T0 - 800_000, endUs: lastUs + s.recordOnMs * 1000, windowInMicroseconds: true }));
  return concat(...parts);
}

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-field-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function verdictOf(s: Spec): Promise<{ v: Verdict; facts: CallFacts; coverage: CaptureCoverage }> {
  const path = join(tmp, `${s.callId}-${Math.random().toString(36).slice(2)}.pcapng`);
  writeFileSync(path, build(s));
  const store = openIndex(':memory:');
  try {
    const out = await importCapture(store, path);
    expect(out.status, out.error ?? '').toBe('ok');
    const d = store.getCall(store.findCallsByCallId(s.callId)[0].id)!;
    return { v: d.verdict as Verdict, facts: d.facts, coverage: store.getSource(out.sourceId!)!.coverage! };
  } finally {
    store.close();
  }
}

describe('the recording window (pcapng ISB) as evidence', () => {
  const call: Spec = { callId: 'silent-far-end@field', rtpMs: 3000 };
  it('an answered call whose signalling and media stop while the capture records on for 13 s → 7 no_bye_dead_signalling', async () => {
    const { v, coverage } = await verdictOf({ ...call, recordOnMs: 13_000 });
    expect(coverage.window?.from).toBe('isb');
    expect([v.bucket, v.cause]).toEqual([7, 'no_bye_dead_signalling']);
    expect(v.evidence.map((e) => e.text).join('\n')).toMatch(/kept recording \(pcapng interface statistics\) 13 s longer/);
  });
  it('the same call without the ISB (the window ends at the last packet) → capture_ended', async () => {
    const { v, coverage } = await verdictOf(call);
    expect(coverage.window?.from).toBe('packets');
    expect(v.cause).toBe('capture_ended');
  });

  const invite: Spec = { callId: 'invite-7x@field', answered: false, inviteCopiesAtMs: [0, 500, 1500, 3500, 7500, 15500, 31500] };
  it('an INVITE sent 7 times over 31.5 s, no response, recording on past Timer B → 7 invite_no_response', async () => {
    const { v } = await verdictOf({ ...invite, recordOnMs: 5000 });
    expect([v.bucket, v.cause]).toEqual([7, 'invite_no_response']);
  });
  it('the same INVITEs in a capture that ends at the last copy (31.5 s < Timer B) → in_progress', async () => {
    expect((await verdictOf(invite)).v.cause).toBe('in_progress');
  });
});

describe('NAT: an SDP address the side never uses (rule 7)', () => {
  it('RTP sent to a private c= address the caller never sends from is never received → 4 one_way_audio, natMismatch named', async () => {
    const { v, facts } = await verdictOf({ callId: 'nat@field', callerSdpAddr: '192.168.1.10', rtpMs: 5000, byeAfterMs: 5100, filter: 'udp' });
    expect(facts.natMismatch).toEqual([{ receiver: 'caller', sdpAddr: '192.168.1.10:20000', usedAddr: CALLER, ssrc: 0x2222, packets: 250 }]);
    expect([v.bucket, v.cause]).toEqual([4, 'one_way_audio']);
    expect(v.evidence[0].text).toMatch(/went to 192\.168\.1\.10:20000.*it uses 203\.0\.113\.5/);
  });
  it('the same call with the right address is a normal hang-up, with no NAT flag', async () => {
    const { v, facts } = await verdictOf({ callId: 'nonat@field', rtpMs: 5000, byeAfterMs: 5100, filter: 'udp' });
    expect(facts.natMismatch).toEqual([]);
    expect(v.cause).toBe('caller_hangup_short');
  });
});

describe('mediaGrace (rules 7 and 8 need time for media to start)', () => {
  it('a caller who hangs up 30 ms after the answer, no RTP → caller_hangup_short, not no_media', async () => {
    const { v, coverage } = await verdictOf({ callId: 'grace@field', byeAfterMs: 30, filter: 'udp or port 5060' });
    expect(coverage.signallingOnly).toBe(false);
    expect(v.cause).toBe('caller_hangup_short');
  });
  it('3 s answered with no RTP, in a capture whose filter lets media through → 4 no_media', async () => {
    const { v } = await verdictOf({ callId: 'nomedia@field', byeAfterMs: 3000, filter: 'udp or port 5060' });
    expect([v.bucket, v.cause]).toEqual([4, 'no_media']);
  });
});

describe('a recorded `udp port 5060` filter (rule 8)', () => {
  it('makes the capture signalling-only: no media verdict, confidence ≤ 0.8, and the evidence says why', async () => {
    const { v, coverage } = await verdictOf({ callId: 'port5060@field', byeAfterMs: 3000, filter: 'udp port 5060' });
    expect(coverage).toMatchObject({ signallingOnly: true, signallingOnlyWhy: 'filter', filter: 'udp port 5060' });
    expect(v.cause).toBe('caller_hangup_short');
    expect(v.confidence).toBeLessThanOrEqual(0.8);
    expect(v.evidence[0].text).toMatch(/its recorded capture filter \(udp port 5060\) leaves RTP out/);
  });
});
