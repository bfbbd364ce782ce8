// Hand-built facts for the store tests: an answered call hung up by the caller, with a
// one-way silence on the callee's stream, as the engine would describe it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallFacts, CallStream } from '../../shared/model/call.ts';
import type { RtcpReport, RtpStreamStats, StreamBin } from '../../shared/model/media.ts';
import type { SipMessageDetail } from '../../electron/node/store/index_store.ts';

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const T0 = 1_700_000_000_000_000; // µs since the epoch

export function hash(n: number): string {
  return n.toString(16).padStart(64, '0');
}

function bins(fromSecond: number, count: number, lostEvery = 0): StreamBin[] {
  return Array.from({ length: count }, (_, i) => ({
    second: fromSecond + i,
    packets: 50,
    lost: lostEvery && i % lostEvery === 0 ? 1 : 0,
    maxJitterMs: 1 + (i % 7) * 0.25,
    maxDeltaMs: 20 + (i % 3) * 1.5,
  }));
}

function stream(over: Partial<CallStream>): CallStream {
  return {
    ssrc: 0xdeadbeef,
    src: '10.0.0.1',
    srcPort: 40000,
    dst: '10.0.0.2',
    dstPort: 50000,
    payloadType: 8,
    encoding: 'PCMA',
    clockRate: 8000,
    firstFrame: 10,
    lastFrame: 3000,
    firstUs: T0 + 1_200_000,
    lastUs: T0 + 31_000_000,
    packets: 1490,
    lost: 10,
    expected: 1500,
    sequenceErrors: 1,
    minDeltaMs: 18.5,
    meanDeltaMs: 20.01,
    maxDeltaMs: 95.25,
    minJitterMs: 0,
    meanJitterMs: 1.75,
    maxJitterMs: 4.5,
    gaps: [{ startUs: T0 + 12_000_000, durationMs: 75.25, trailing: false }],
    bins: bins(1_700_000_001, 30, 3),
    mos: 4.1,
    minWindowMos: 3.2,
    payloadTypes: [8, 101],
    direction: 'caller',
    silenceBeforeEndMs: 1000.5,
    longestGapMs: 1000.5,
    trailingGap: { startUs: T0 + 31_000_000, durationMs: 1000.5, trailing: true },
    ...over,
  };
}

export interface CallFixture {
  facts: CallFacts;
  /** Parallel to facts.messages, as the tracker would hand them over. */
  details: SipMessageDetail[];
}

export function makeCall(callId = 'a84b4c76e66710@pc33.example.com', startUs = T0): CallFixture {
  const caller = '10.0.0.1:5060';
  const callee = '10.0.0.2:5060';
  const d = startUs - T0;
  const ladder: Array<[string, string, string, number, string, number, boolean]> = [
    // label, src, dst, cseq, cseqMethod, offset µs, retransmission
    ['INVITE', caller, callee, 1, 'INVITE', 0, false],
    ['INVITE', caller, callee, 1, 'INVITE', 500_000, true],
    ['100 Trying', callee, caller, 1, 'INVITE', 510_000, false],
    ['180 Ringing', callee, caller, 1, 'INVITE', 700_000, false],
    ['200 OK', callee, caller, 1, 'INVITE', 1_100_000, false],
    ['ACK', caller, callee, 1, 'ACK', 1_150_000, false],
    ['BYE', caller, callee, 2, 'BYE', 32_000_000, false],
    ['200 OK', callee, caller, 2, 'BYE', 32_010_000, false],
  ];
  const messages = ladder.map(([label, src, dst, cseq, cseqMethod, off, retransmission], i) => ({
    frame: i * 3 + 1,
    tsUs: startUs + off + 0.5, // ns captures give fractional µs
    src,
    dst,
    label,
    cseq,
    cseqMethod,
    retransmission,
  }));
  const details: SipMessageDetail[] = messages.map((m) => {
    const isResponse = /^\d/.test(m.label);
    const start = isResponse ? `SIP/2.0 ${m.label}` : `${m.label} sip:bob@example.com SIP/2.0`;
    return {
      raw: `${start}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\nFrom: "Alice" <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>\r\nCall-ID: ${callId}\r\nCSeq: ${m.cseq} ${m.cseqMethod}\r\nContent-Length: 0\r\n\r\n`,
      transport: 'udp',
      method: isResponse ? '' : m.label,
      statusCode: isResponse ? Number(m.label.slice(0, 3)) : 0,
    };
  });
  const streams = [
    stream({ firstUs: startUs + 1_200_000, lastUs: startUs + 31_000_000, trailingGap: { startUs: startUs + 31_000_000, durationMs: 1000.5, trailing: true } }),
    stream({
      ssrc: 0x12345678,
      src: '10.0.0.2',
      srcPort: 50000,
      dst: '10.0.0.1',
      dstPort: 40000,
      direction: 'callee',
      firstUs: startUs + 1_210_000,
      lastUs: startUs + 20_000_000,
      packets: 940,
      lost: 60,
      expected: 1000,
      mos: 3.4,
      minWindowMos: null,
      gaps: [
        { startUs: startUs + 5_000_000, durationMs: 120, trailing: false },
        { startUs: startUs + 9_000_000, durationMs: 240.75, trailing: false },
      ],
      bins: bins(1_700_000_001 + Math.floor(d / 1e6), 19),
      silenceBeforeEndMs: 12000,
      longestGapMs: 12000,
      trailingGap: { startUs: startUs + 20_000_000, durationMs: 12000, trailing: true },
      payloadTypes: [8],
    }),
  ];
  const facts: CallFacts = {
    callId,
    from: 'alice',
    to: 'bob',
    fromUri: 'sip:alice@example.com',
    toUri: 'sip:bob@example.com',
    callerAddr: caller,
    calleeAddr: callee,
    kind: 'call',
    firstMethod: 'INVITE',
    startUs: startUs + 0.5,
    endUs: startUs + 32_010_000.5,
    inviteUs: startUs + 0.5,
    firstProvisionalUs: startUs + 700_000.5,
    answerUs: startUs + 1_100_000.5,
    answered: true,
    postDialDelayMs: 700,
    finalStatus: 200,
    finalReason: 'OK',
    authChallenges: 0,
    inviteTransmissions: 2,
    inviteUnanswered: false,
    endMethod: 'BYE',
    endedBy: 'caller',
    endUsAt: startUs + 32_000_000.5,
    endFrame: 19,
    endAnswered: true,
    endTransmissions: 1,
    endReasons: [{ protocol: 'Q.850', cause: 16, text: 'Normal call clearing' }],
    q850Cause: 16,
    warnings: [],
    retryAfter: null,
    durationMs: 30_900,
    sessionTimer: { seconds: 1800, refresher: 'uac', minSe: 90, refreshes: [] },
    media: { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false },
    sipMessages: messages.length,
    sipRetransmissions: 1,
    messages,
    icmpErrors: [],
    streams,
    captureTailMs: 5000,
    lastActivityUs: startUs + 32_010_000.5,
    userAgents: ['Linphone/5.2', 'FreeSWITCH'],
  };
  return { facts, details };
}

/** An RTP stream no SDP announced (e.g. SIP outside the capture). */
export function looseStream(): RtpStreamStats {
  return {
    ssrc: 0xcafef00d,
    src: '192.0.2.10',
    srcPort: 16384,
    dst: '192.0.2.20',
    dstPort: 16386,
    payloadType: 0,
    encoding: 'PCMU',
    clockRate: 8000,
    firstFrame: 4000,
    lastFrame: 4500,
    firstUs: T0 + 40_000_000,
    lastUs: T0 + 50_000_000,
    packets: 500,
    lost: -2, // duplicates
    expected: 498,
    sequenceErrors: 0,
    minDeltaMs: 19,
    meanDeltaMs: 20,
    maxDeltaMs: 310,
    minJitterMs: 0,
    meanJitterMs: 0.5,
    maxJitterMs: 2,
    gaps: [{ startUs: T0 + 45_000_000, durationMs: 290, trailing: false }],
    bins: bins(1_700_000_040, 10),
    mos: null,
    minWindowMos: null,
    payloadTypes: [0, 13],
  };
}

export function rtcpReport(frame: number): RtcpReport {
  return {
    frame,
    tsUs: T0 + frame * 1000,
    src: '10.0.0.1',
    srcPort: 40001,
    dst: '10.0.0.2',
    dstPort: 50001,
    packetType: 200,
    senderSsrc: 0xdeadbeef,
    ntpTimestamp: 3_900_000_000,
    rtpTimestamp: 160_000,
    senderPackets: 250,
    senderOctets: 40_000,
    blocks: [{ ssrc: 0x12345678, fractionLost: 12, cumulativeLost: 60, highestSeq: 1000, jitter: 40, lsr: 1, dlsr: 2 }],
    cname: 'alice@10.0.0.1',
  };
}
