// Derives the per-call facts of diagnosis.md §1 from the SIP messages of one Call-ID and
// the media streams associated with it. Pure: the same messages give the same facts.
//
// Sides are decided by dialog tags, not addresses, so a call through a proxy (two hops
// sharing a Call-ID) still has one caller: a request whose From-tag is the initial
// INVITE's From-tag was sent by the caller side; a response to it by the callee side.

import type { CallFacts, CallMessageRef, CallStream, EndMethod, MediaExpectation, SessionTimerFacts, Side } from '../../model/call.ts';
import type { RtpStreamStats } from '../../model/media.ts';
import { endpointKey } from '../../model/packet.ts';
import type { ReasonValue, Sdp, SdpMedia } from '../../model/sip.ts';
import type { CallState, KeptSipMessage } from './call_state.ts';

export interface AssociatedStream {
  stats: RtpStreamStats;
  /** Side that sent it, when the SDP tells; null when only addresses could place it. */
  sender: Side | null;
}

const isInitialInvite = (m: KeptSipMessage) => m.isRequest && m.method === 'INVITE' && m.to.tag === '';
const isResponseTo = (m: KeptSipMessage, method: string, cseq?: number) =>
  !m.isRequest && m.cseqMethod === method && (cseq === undefined || m.cseq === cseq);

export function statusLabel(m: KeptSipMessage): string {
  return m.isRequest ? m.method : `${m.statusCode}${m.reasonPhrase ? ' ' + m.reasonPhrase : ''}`;
}

export function buildCallFacts(state: CallState, streams: AssociatedStream[], captureEndUs: number, gapThresholdMs = 200): CallFacts {
  const msgs = state.messages;
  const retrans = state.retransmission;
  const invites = msgs.filter(isInitialInvite);
  const first = msgs[0];
  const firstRequest = msgs.find((m) => m.isRequest);
  const anchor = invites[0] ?? firstRequest ?? first;
  const callerTag = anchor.from.tag;
  const callerAddr = anchor.isRequest ? endpointKey(anchor.src, anchor.srcPort) : endpointKey(anchor.dst, anchor.dstPort);
  const calleeAddr = anchor.isRequest ? endpointKey(anchor.dst, anchor.dstPort) : endpointKey(anchor.src, anchor.srcPort);

  const sideOf = (m: KeptSipMessage): Side => {
    if (callerTag !== '') {
      const fromCaller = m.from.tag === callerTag;
      return m.isRequest === fromCaller ? 'caller' : 'callee';
    }
    return endpointKey(m.src, m.srcPort) === callerAddr ? 'caller' : 'callee';
  };

  // --- set-up: the last initial-INVITE transaction counts (401/407 challenges precede it)
  const lastInvite = invites[invites.length - 1];
  const lastCseq = lastInvite?.cseq;
  const initialCseqs = new Set(invites.map((m) => m.cseq));
  const inviteResponses = msgs.filter((m) => !m.isRequest && m.cseqMethod === 'INVITE' && initialCseqs.has(m.cseq));
  const twoXX = inviteResponses.find((m) => m.statusCode >= 200 && m.statusCode < 300);
  const finals = inviteResponses.filter((m) => m.statusCode >= 200 && m.cseq === lastCseq);
  const finalResp = twoXX ?? finals[finals.length - 1] ?? null;
  const provisional = inviteResponses.find((m) => m.statusCode >= 180 && m.statusCode < 190) ?? null;
  const challenges = inviteResponses.filter((m) => (m.statusCode === 401 || m.statusCode === 407) && m.cseq !== lastCseq).length;
  const lastInviteTx = lastInvite
    ? msgs.filter((m) => isInitialInvite(m) && m.cseq === lastCseq && m.viaBranch === lastInvite.viaBranch && m.src === lastInvite.src && m.srcPort === lastInvite.srcPort).length
    : 0;
  const anyInviteResponse = msgs.some((m) => isResponseTo(m, 'INVITE'));

  // --- the end: BYE, else CANCEL, else a final error
  const bye = msgs.find((m) => m.isRequest && m.method === 'BYE') ?? null;
  const cancel = msgs.find((m) => m.isRequest && m.method === 'CANCEL') ?? null;
  let endMethod: EndMethod = 'none';
  let endReq: KeptSipMessage | null = null;
  let endedBy: Side | null = null;
  if (bye) {
    endMethod = 'BYE';
    endReq = bye;
    endedBy = sideOf(bye);
  } else if (cancel) {
    endMethod = 'CANCEL';
    endReq = cancel;
    endedBy = 'caller';
  } else if (!twoXX && finalResp && finalResp.statusCode >= 300) {
    endMethod = 'final_error';
    endedBy = 'callee';
  }
  let endAnswered = false;
  let endTransmissions = 0;
  let endReasons: ReasonValue[] = [];
  if (endReq) {
    const r = endReq;
    endTransmissions = msgs.filter((m) => m.isRequest && m.method === r.method && m.cseq === r.cseq && m.src === r.src && m.srcPort === r.srcPort).length;
    endAnswered = msgs.some((m) => isResponseTo(m, r.method, r.cseq) && m.statusCode >= 200 && m.statusCode < 300);
    endReasons = r.reasons;
  } else if (endMethod === 'final_error' && finalResp) {
    const f = finalResp;
    endReasons = f.reasons;
    // The final response is what ended the call: count its copies (unanswered by ACK, it is retransmitted).
    endTransmissions = msgs.filter((m) => !m.isRequest && m.statusCode === f.statusCode && m.cseq === f.cseq && m.cseqMethod === 'INVITE' && m.src === f.src && m.srcPort === f.srcPort).length;
  }
  const q850 = [...endReasons, ...(finalResp?.reasons ?? [])].find((r) => r.protocol.toUpperCase() === 'Q.850' && r.cause !== null);

  const startUs = Math.min(...msgs.map((m) => m.tsUs));
  const endUs = Math.max(...msgs.map((m) => m.tsUs));
  const lastActivityUs = Math.max(state.lastActivityUs, ...streams.map((s) => s.stats.lastUs));
  const answerUs = twoXX ? twoXX.tsUs : null;
  const endUsAt = endReq ? endReq.tsUs : endMethod === 'final_error' && finalResp ? finalResp.tsUs : null;
  const durationMs = answerUs !== null ? Math.max(0, ((endUsAt ?? lastActivityUs) - answerUs) / 1000) : 0;
  // Timestamps that go backwards (a clock stepped back, a damaged record) would give a
  // negative PDD or duration: such a value is left out, never stored, and the call says why.
  const pddMs = provisional && invites[0] ? (provisional.tsUs - invites[0].tsUs) / 1000 : null;
  const anomalies: string[] = [];
  if (pddMs !== null && pddMs < 0) anomalies.push(`the first 18x is ${Math.round(-pddMs)} ms before the INVITE: PDD left out`);
  if (answerUs !== null && (endUsAt ?? lastActivityUs) < answerUs) anomalies.push(`the end is ${Math.round((answerUs - (endUsAt ?? lastActivityUs)) / 1000)} ms before the answer: duration counted as 0`);

  const messages: CallMessageRef[] = msgs.map((m, i) => ({
    frame: m.frame,
    tsUs: m.tsUs,
    src: endpointKey(m.src, m.srcPort),
    dst: endpointKey(m.dst, m.dstPort),
    label: statusLabel(m),
    cseq: m.cseq,
    cseqMethod: m.cseqMethod,
    retransmission: retrans[i],
  }));

  const callStreams = streams.map((s) => toCallStream(s, endUsAt, callerAddr, gapThresholdMs));
  const userAgents = [...new Set(msgs.map((m) => m.userAgent).filter((u) => u !== ''))];

  return {
    callId: state.callId,
    from: anchor.from.user || anchor.from.uri,
    to: anchor.to.user || anchor.to.uri,
    fromUri: anchor.from.uri,
    toUri: anchor.to.uri,
    callerAddr,
    calleeAddr,
    kind: msgs.some((m) => m.cseqMethod === 'INVITE' || m.cseqMethod === 'BYE') ? 'call' : 'other',
    firstMethod: firstRequest ? firstRequest.method : first.cseqMethod,
    startUs,
    endUs,
    inviteUs: invites[0]?.tsUs ?? null,
    firstProvisionalUs: provisional?.tsUs ?? null,
    answerUs,
    answered: twoXX !== undefined,
    postDialDelayMs: pddMs !== null && pddMs >= 0 ? pddMs : null,
    finalStatus: finalResp?.statusCode ?? null,
    finalReason: finalResp?.reasonPhrase ?? '',
    authChallenges: challenges,
    inviteTransmissions: lastInviteTx,
    inviteUnanswered: invites.length > 0 && !anyInviteResponse && lastInviteTx > 1,
    endMethod,
    endedBy,
    endUsAt,
    endFrame: endReq?.frame ?? (endMethod === 'final_error' ? finalResp?.frame ?? null : null),
    endAnswered,
    endTransmissions,
    endReasons,
    q850Cause: q850?.cause ?? null,
    warnings: [...new Set([...(finalResp?.warnings ?? []), ...(endReq?.warnings ?? [])])],
    retryAfter: finalResp?.retryAfter ?? null,
    durationMs,
    sessionTimer: sessionTimerFacts(msgs, twoXX ?? null, lastInvite ?? null, answerUs),
    media: mediaExpectation(msgs, sideOf),
    sipMessages: msgs.length,
    sipRetransmissions: retrans.filter(Boolean).length,
    messages,
    streams: callStreams,
    captureTailMs: Math.max(0, (captureEndUs - lastActivityUs) / 1000),
    lastActivityUs,
    userAgents,
    ...(anomalies.length > 0 ? { anomalies } : {}),
  };

  function sessionTimerFacts(all: KeptSipMessage[], ok: KeptSipMessage | null, inv: KeptSipMessage | null, answeredAt: number | null): SessionTimerFacts | null {
    // RFC 4028 §9: the 2xx carries the negotiated interval; the INVITE only proposes one.
    const se = ok?.sessionExpires ?? inv?.sessionExpires;
    if (!se) return null;
    const refreshes: SessionTimerFacts['refreshes'] = [];
    if (answeredAt !== null) {
      all.forEach((m, i) => {
        if (!m.isRequest || retrans[i] || m.tsUs <= answeredAt) return;
        if (!((m.method === 'INVITE' && m.to.tag !== '') || m.method === 'UPDATE')) return;
        const resp = all.find((r) => isResponseTo(r, m.method, m.cseq) && r.statusCode >= 200);
        refreshes.push({ tsUs: m.tsUs, method: m.method, status: resp?.statusCode ?? 0, frame: m.frame });
      });
    }
    return { seconds: se.seconds, refresher: se.refresher, minSe: inv?.minSe ?? ok?.minSe ?? null, refreshes };
  }
}

const HOLD_DIRS = new Set(['sendonly', 'recvonly', 'inactive']);

function audioOf(sdp: Sdp | undefined): SdpMedia | undefined {
  return sdp?.media.find((m) => m.media === 'audio') ?? sdp?.media[0];
}

function onHold(m: SdpMedia): boolean {
  return HOLD_DIRS.has(m.direction) || m.connection === '0.0.0.0' || m.connection === '::';
}

/** RFC 3264: who is expected to send, from the latest SDP of each side. */
function mediaExpectation(msgs: KeptSipMessage[], sideOf: (m: KeptSipMessage) => Side): MediaExpectation {
  const latest: Record<Side, SdpMedia | undefined> = { caller: undefined, callee: undefined };
  let holdSeen = false;
  for (const m of msgs) {
    const a = audioOf(m.sdp);
    if (!a) continue;
    latest[sideOf(m)] = a;
    if (onHold(a)) holdSeen = true;
  }
  const sends = (me: SdpMedia | undefined, peer: SdpMedia | undefined): boolean => {
    if (!me && !peer) return false;
    const mine = me ? me.port !== 0 && (me.direction === 'sendrecv' || me.direction === 'sendonly') : true;
    const theirs = peer ? peer.port !== 0 && peer.connection !== '0.0.0.0' && (peer.direction === 'sendrecv' || peer.direction === 'recvonly') : true;
    return mine && theirs;
  };
  const { caller, callee } = latest;
  return {
    callerSends: sends(caller, callee),
    calleeSends: sends(callee, caller),
    holdSeen,
    onHoldAtEnd: (caller !== undefined && onHold(caller)) || (callee !== undefined && onHold(callee)),
  };
}

function toCallStream(s: AssociatedStream, endUsAt: number | null, callerAddr: string, gapThresholdMs: number): CallStream {
  const st = s.stats;
  // Without SDP to tell, a stream from the caller's signalling host is the caller's.
  const callerHost = callerAddr.slice(0, callerAddr.lastIndexOf(':'));
  const srcHost = endpointKey(st.src, 0).slice(0, -2);
  const direction: Side = s.sender ?? (srcHost === callerHost ? 'caller' : 'callee');
  const silence = endUsAt !== null ? Math.max(0, (endUsAt - st.lastUs) / 1000) : null;
  const trailingGap = silence !== null && silence > gapThresholdMs ? { startUs: st.lastUs, durationMs: silence, trailing: true } : null;
  const longest = Math.max(0, ...st.gaps.map((g) => g.durationMs), trailingGap?.durationMs ?? 0);
  return { ...st, direction, silenceBeforeEndMs: silence, longestGapMs: longest, trailingGap };
}
