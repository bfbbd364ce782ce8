// Small hand-built calls for the call view's pure logic: the shape of CallDetail, with only
// what each test looks at filled in meaningfully.
import type { CallDetail, LadderMessage, MeasuredStream } from '../../../shared/api/contract.ts';

export const T0 = 1_795_221_988_000_000;
export const A = '10.0.0.1:5060';
export const B = '10.0.0.2:5060';

export function msg(index: number, ms: number, src: string, dst: string, label: string, extra: Partial<LadderMessage> = {}): LadderMessage {
  const method = /^\d/.test(label) ? (extra.cseqMethod ?? 'INVITE') : label.split(' ')[0];
  return { index, frame: index + 1, tsUs: T0 + ms * 1000, src, dst, label, cseq: 1, cseqMethod: method, retransmission: false, transport: 'udp', raw: null, ...extra };
}

export function stream(over: Partial<MeasuredStream> = {}): MeasuredStream {
  const firstUs = over.firstUs ?? T0 + 1_000_000;
  const lastUs = over.lastUs ?? T0 + 4_000_000;
  return {
    measuredAt: 'x.pcapng',
    ssrc: 0xca110000,
    src: '10.0.0.1',
    srcPort: 6000,
    dst: '10.0.0.2',
    dstPort: 6000,
    payloadType: 8,
    encoding: 'PCMA',
    clockRate: 8000,
    firstFrame: 10,
    lastFrame: 160,
    firstUs,
    lastUs,
    packets: 150,
    lost: 0,
    expected: 150,
    sequenceErrors: 0,
    minDeltaMs: 19,
    meanDeltaMs: 20,
    maxDeltaMs: 21,
    minJitterMs: 0,
    meanJitterMs: 0.1,
    maxJitterMs: 0.3,
    gaps: [],
    bins: [],
    mos: 4.4,
    minWindowMos: 4.4,
    payloadTypes: [8],
    direction: 'caller',
    silenceBeforeEndMs: 0,
    longestGapMs: 0,
    trailingGap: null,
    ...over,
  };
}

export function basicMessages(): LadderMessage[] {
  return [
    msg(0, 0, A, B, 'INVITE', { raw: 'INVITE sip:b@x SIP/2.0\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 6000 RTP/AVP 8\r\n' }),
    msg(1, 1, B, A, '100 Trying'),
    msg(2, 50, B, A, '180 Ringing'),
    msg(3, 900, B, A, '200 OK'),
    msg(4, 901, A, B, 'ACK'),
    msg(5, 5000, A, B, 'BYE'),
    msg(6, 5500, A, B, 'BYE', { retransmission: true }),
    msg(7, 5600, B, A, '200 OK', { cseqMethod: 'BYE' }),
  ];
}

export function detail(over: Partial<CallDetail> = {}): CallDetail {
  return {
    row: {
      id: 1, sourceId: 1, origin: 'capture', kind: 'call', callId: 'c1@x', from: 'a', to: 'b', callerAddr: A, calleeAddr: B,
      startUs: T0, durationMs: 4100, answered: true, finalStatus: 200, endMethod: 'BYE', endedBy: 'caller', q850Cause: null, pddMs: 50,
      bucket: 1, cause: 'normal_clearing', confidence: 1, worstLossPct: 0, worstJitterMs: 0.3, minMos: 4.4, longestGapMs: 0, sipMessages: 8, streamCount: 1,
    },
    sourceName: 'x.pcapng',
    messages: basicMessages(),
    streams: [stream()],
    rtcp: [],
    verdict: null,
    cdr: [],
    capture: { firstUs: T0 - 1_000_000, lastUs: T0 + 6_000_000, coverage: null },
    natMismatch: [],
    media: { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false },
    ...over,
  };
}
