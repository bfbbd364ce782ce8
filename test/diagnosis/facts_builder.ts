// Hand-built CallFacts for the classifier's unit tests: a consistent call (messages, streams,
// times) from a few knobs, so each test states only what its rule looks at.

import type { CallFacts, CallMessageRef, CallStream, SessionTimerFacts, Side } from '../../shared/model/call.ts';
import type { ReasonValue } from '../../shared/model/sip.ts';

export const T0_US = Date.UTC(2026, 10, 21, 0, 42, 10, 123) * 1000;
const GAP_THRESHOLD_MS = 200;
const S = 1_000_000;

export interface StreamSpec {
  /** 0 = the direction never carried RTP. */
  packets?: number;
  /** end − last packet, ms (default 20). */
  silenceMs?: number;
  ssrc?: number;
}

export interface AnsweredOptions {
  callerAddr?: string;
  calleeAddr?: string;
  talkMs?: number;
  endMethod?: 'BYE' | 'CANCEL' | 'none';
  endedBy?: Side | null;
  endAnswered?: boolean;
  endTransmissions?: number;
  reasons?: ReasonValue[];
  caller?: StreamSpec;
  callee?: StreamSpec;
  callerSends?: boolean;
  calleeSends?: boolean;
  holdSeen?: boolean;
  onHoldAtEnd?: boolean;
  /** Re-INVITEs after the answer, ms after the answer (e.g. a resume from hold). */
  reinvitesAtMs?: number[];
  captureTailMs?: number;
  sessionTimer?: SessionTimerFacts | null;
  origin?: 'capture' | 'cdr';
  authChallenges?: number;
}

function split(addr: string): [ip: string, port: number] {
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    return [addr.slice(1, close), Number(addr.slice(close + 2))];
  }
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

function msg(frame: number, tsUs: number, src: string, dst: string, label: string, cseq: number, cseqMethod: string, retransmission = false): CallMessageRef {
  return { frame, tsUs, src, dst, label, cseq, cseqMethod, retransmission };
}

function stream(from: Side, callerAddr: string, calleeAddr: string, firstUs: number, endUs: number | null, spec: StreamSpec, lastIfNoEnd: number): CallStream | null {
  const packets = spec.packets ?? 100;
  if (packets === 0) return null;
  const silence = spec.silenceMs ?? 20;
  const lastUs = endUs !== null ? endUs - silence * 1000 : lastIfNoEnd;
  const [cIp] = split(callerAddr);
  const [aIp] = split(calleeAddr);
  const src = from === 'caller' ? cIp : aIp;
  const dst = from === 'caller' ? aIp : cIp;
  const silenceBeforeEndMs = endUs !== null ? silence : null;
  const trailingGap = silenceBeforeEndMs !== null && silenceBeforeEndMs > GAP_THRESHOLD_MS ? { startUs: lastUs, durationMs: silenceBeforeEndMs, trailing: true } : null;
  return {
    ssrc: spec.ssrc ?? (from === 'caller' ? 0x11111111 : 0x22222222),
    src,
    srcPort: from === 'caller' ? 40000 : 50000,
    dst,
    dstPort: from === 'caller' ? 50000 : 40000,
    payloadType: 0,
    encoding: 'PCMU',
    clockRate: 8000,
    firstFrame: 10,
    lastFrame: 10 + packets,
    firstUs,
    lastUs,
    packets,
    lost: 0,
    expected: packets,
    sequenceErrors: 0,
    minDeltaMs: 20,
    meanDeltaMs: 20,
    maxDeltaMs: 20,
    minJitterMs: 0,
    meanJitterMs: 0,
    maxJitterMs: 0,
    gaps: [],
    bins: [],
    mos: 4.4,
    minWindowMos: 4.4,
    payloadTypes: [0],
    direction: from,
    silenceBeforeEndMs,
    longestGapMs: trailingGap?.durationMs ?? 0,
    trailingGap,
  };
}

/** An answered call: INVITE, 180, 200, ACK, then the end asked for, with RTP both ways. */
export function answeredCall(o: AnsweredOptions = {}): CallFacts {
  const caller = o.callerAddr ?? '10.0.0.1:5060';
  const callee = o.calleeAddr ?? '10.0.0.2:5060';
  const talkMs = o.talkMs ?? 40_000;
  const endMethod = o.endMethod ?? 'BYE';
  const endedBy = endMethod === 'none' ? null : o.endedBy === undefined ? 'caller' : o.endedBy;
  const inviteUs = T0_US;
  const ringUs = T0_US + 0.1 * S;
  const answerUs = T0_US + 1 * S;
  const endAt = endMethod === 'none' ? null : answerUs + talkMs * 1000;
  const lastMediaIfNoEnd = answerUs + talkMs * 1000;

  const msgs: CallMessageRef[] = [];
  let frame = 1;
  const challenges = o.authChallenges ?? 0;
  let cseq = 1;
  for (let i = 0; i < challenges; i++) {
    msgs.push(msg(frame++, inviteUs - 2000, caller, callee, 'INVITE', cseq, 'INVITE'));
    msgs.push(msg(frame++, inviteUs - 1500, callee, caller, '401 Unauthorized', cseq, 'INVITE'));
    msgs.push(msg(frame++, inviteUs - 1000, caller, callee, 'ACK', cseq, 'ACK'));
    cseq++;
  }
  msgs.push(msg(frame++, inviteUs, caller, callee, 'INVITE', cseq, 'INVITE'));
  msgs.push(msg(frame++, ringUs, callee, caller, '180 Ringing', cseq, 'INVITE'));
  msgs.push(msg(frame++, answerUs, callee, caller, '200 OK', cseq, 'INVITE'));
  msgs.push(msg(frame++, answerUs + 100, caller, callee, 'ACK', cseq, 'ACK'));
  for (const at of o.reinvitesAtMs ?? []) {
    const t = answerUs + at * 1000;
    msgs.push(msg(frame++, t, caller, callee, 'INVITE', ++cseq, 'INVITE'));
    msgs.push(msg(frame++, t + 1000, callee, caller, '200 OK', cseq, 'INVITE'));
  }
  const st = o.sessionTimer ?? null;
  for (const r of st?.refreshes ?? []) {
    msgs.push(msg(r.frame, r.tsUs, caller, callee, r.method, ++cseq, r.method));
    if (r.status > 0) msgs.push(msg(r.frame + 1, r.tsUs + 1000, callee, caller, r.status === 200 ? '200 OK' : `${r.status} Error`, cseq, r.method));
  }
  let endFrame: number | null = null;
  const transmissions = o.endTransmissions ?? (endMethod === 'none' ? 0 : 1);
  const endAnswered = o.endAnswered ?? endMethod !== 'none';
  if (endAt !== null && endedBy) {
    const from = endedBy === 'caller' ? caller : callee;
    const to = endedBy === 'caller' ? callee : caller;
    endFrame = 1000;
    const byeCseq = cseq + 1;
    for (let i = 0; i < transmissions; i++) msgs.push(msg(endFrame + i, endAt + i * 500_000, from, to, endMethod, byeCseq, endMethod, i > 0));
    if (endAnswered) msgs.push(msg(endFrame + transmissions, endAt + 1000, to, from, '200 OK', byeCseq, endMethod));
  }
  msgs.sort((a, b) => a.tsUs - b.tsUs);

  const streams = [
    stream('caller', caller, callee, answerUs + 20_000, endAt, o.caller ?? {}, lastMediaIfNoEnd),
    stream('callee', caller, callee, answerUs + 20_000, endAt, o.callee ?? {}, lastMediaIfNoEnd),
  ].filter((s): s is CallStream => s !== null);

  const lastSip = msgs[msgs.length - 1].tsUs;
  const lastActivityUs = Math.max(lastSip, ...streams.map((s) => s.lastUs));
  const reasons = o.reasons ?? [];
  const q850 = reasons.find((r) => r.protocol === 'Q.850')?.cause ?? null;
  return {
    origin: o.origin ?? 'capture',
    callId: 'test-call@10.0.0.1',
    from: 'caller',
    to: 'agent',
    fromUri: `sip:caller@${caller}`,
    toUri: `sip:agent@${callee}`,
    callerAddr: caller,
    calleeAddr: callee,
    kind: 'call',
    firstMethod: 'INVITE',
    startUs: msgs[0].tsUs,
    endUs: lastSip,
    inviteUs,
    firstProvisionalUs: ringUs,
    answerUs,
    answered: true,
    postDialDelayMs: (ringUs - inviteUs) / 1000,
    finalStatus: 200,
    finalReason: 'OK',
    authChallenges: challenges,
    inviteTransmissions: 1,
    inviteUnanswered: false,
    endMethod,
    endedBy,
    endUsAt: endAt,
    endFrame,
    endAnswered: endMethod === 'none' ? false : endAnswered,
    endTransmissions: transmissions,
    endReasons: reasons,
    q850Cause: q850,
    warnings: [],
    retryAfter: null,
    durationMs: talkMs,
    sessionTimer: st,
    media: { callerSends: o.callerSends ?? true, calleeSends: o.calleeSends ?? true, holdSeen: o.holdSeen ?? false, onHoldAtEnd: o.onHoldAtEnd ?? false },
    sipMessages: msgs.length,
    sipRetransmissions: msgs.filter((m) => m.retransmission).length,
    messages: msgs,
    icmpErrors: [],
    streams,
    captureTailMs: o.captureTailMs ?? 0,
    lastActivityUs,
    userAgents: [],
  };
}

export interface UnansweredOptions {
  callerAddr?: string;
  calleeAddr?: string;
  /** Final response to the INVITE (after `afterMs`), or none. */
  final?: { status: number; reason: string; afterMs?: number } | null;
  /** The caller CANCELs at this time (ms after the INVITE). */
  cancelAtMs?: number;
  ringing?: boolean;
  /** INVITE copies with no response at all. */
  unansweredTransmissions?: number;
  captureTailMs?: number;
  reasons?: ReasonValue[];
  warnings?: string[];
  retryAfter?: number | null;
  authChallenges?: number;
  origin?: 'capture' | 'cdr';
  q850Cause?: number | null;
}

/** A call that was never answered: a final error, a CANCEL, or INVITE copies with no response. */
export function unansweredCall(o: UnansweredOptions = {}): CallFacts {
  const caller = o.callerAddr ?? '10.0.0.1:5060';
  const callee = o.calleeAddr ?? '10.0.0.2:5060';
  const msgs: CallMessageRef[] = [];
  let frame = 1;
  const noResponse = o.unansweredTransmissions ?? 0;
  const challenges = o.authChallenges ?? 0;
  let cseq = 1;
  for (let i = 0; i < challenges; i++) {
    msgs.push(msg(frame++, T0_US - 2000, caller, callee, 'INVITE', cseq, 'INVITE'));
    msgs.push(msg(frame++, T0_US - 1500, callee, caller, '407 Proxy Authentication Required', cseq, 'INVITE'));
    msgs.push(msg(frame++, T0_US - 1000, caller, callee, 'ACK', cseq, 'ACK'));
    cseq++;
  }
  const backoff = [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5];
  const copies = Math.max(1, noResponse);
  for (let i = 0; i < copies; i++) msgs.push(msg(frame++, T0_US + backoff[Math.min(i, 6)] * S, caller, callee, 'INVITE', cseq, 'INVITE', i > 0));
  const ringing = noResponse === 0 && (o.ringing ?? true);
  if (ringing) msgs.push(msg(frame++, T0_US + 0.1 * S, callee, caller, '180 Ringing', cseq, 'INVITE'));
  let endMethod: CallFacts['endMethod'] = 'none';
  let endedBy: Side | null = null;
  let endUsAt: number | null = null;
  let endFrame: number | null = null;
  if (o.cancelAtMs !== undefined) {
    endUsAt = T0_US + o.cancelAtMs * 1000;
    endFrame = frame;
    msgs.push(msg(frame++, endUsAt, caller, callee, 'CANCEL', cseq, 'CANCEL'));
    msgs.push(msg(frame++, endUsAt + 500, callee, caller, '200 OK', cseq, 'CANCEL'));
    endMethod = 'CANCEL';
    endedBy = 'caller';
  }
  const final = o.final ?? null;
  if (final) {
    const at = endUsAt !== null ? endUsAt + 1000 : T0_US + (final.afterMs ?? 2000) * 1000;
    const f = frame;
    msgs.push(msg(f, at, callee, caller, `${final.status} ${final.reason}`, cseq, 'INVITE'));
    msgs.push(msg(f + 1, at + 200, caller, callee, 'ACK', cseq, 'ACK'));
    if (endMethod === 'none') {
      endMethod = 'final_error';
      endedBy = 'callee';
      endUsAt = at;
      endFrame = f;
    }
  }
  msgs.sort((a, b) => a.tsUs - b.tsUs);
  const lastSip = msgs[msgs.length - 1].tsUs;
  const reasons = o.reasons ?? [];
  return {
    origin: o.origin ?? 'capture',
    callId: 'test-call@10.0.0.1',
    from: 'caller',
    to: 'agent',
    fromUri: `sip:caller@${caller}`,
    toUri: `sip:agent@${callee}`,
    callerAddr: caller,
    calleeAddr: callee,
    kind: 'call',
    firstMethod: 'INVITE',
    startUs: msgs[0].tsUs,
    endUs: lastSip,
    inviteUs: T0_US,
    firstProvisionalUs: ringing ? T0_US + 0.1 * S : null,
    answerUs: null,
    answered: false,
    postDialDelayMs: ringing ? 100 : null,
    finalStatus: final?.status ?? null,
    finalReason: final?.reason ?? '',
    authChallenges: challenges,
    inviteTransmissions: copies,
    inviteUnanswered: noResponse > 1,
    endMethod,
    endedBy,
    endUsAt,
    endFrame,
    endAnswered: endMethod === 'CANCEL',
    endTransmissions: endMethod === 'CANCEL' ? 1 : 0,
    endReasons: reasons,
    q850Cause: o.q850Cause !== undefined ? o.q850Cause : (reasons.find((r) => r.protocol === 'Q.850')?.cause ?? null),
    warnings: o.warnings ?? [],
    retryAfter: o.retryAfter ?? null,
    durationMs: 0,
    sessionTimer: null,
    media: { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false },
    sipMessages: msgs.length,
    sipRetransmissions: msgs.filter((m) => m.retransmission).length,
    messages: msgs,
    icmpErrors: [],
    streams: [],
    captureTailMs: o.captureTailMs ?? 0,
    lastActivityUs: lastSip,
    userAgents: [],
  };
}

export function q850(cause: number, text = ''): ReasonValue {
  return { protocol: 'Q.850', cause, text };
}
