// Derives the per-call facts of diagnosis.md §1 from the SIP messages of one Call-ID and
// the media streams associated with it. Pure: the same messages give the same facts.
//
// Sides are decided by dialog tags, not addresses, so a call through a proxy (two hops
// sharing a Call-ID) still has one caller: a request whose From-tag is the initial
// INVITE's From-tag was sent by the caller side; a response to it by the callee side.

import type { CallFacts, CallMessageRef, CallStream, EndMethod, IcmpErrorFact, MediaExpectation, NatMismatch, SessionTimerFacts, Side } from '../../model/call.ts';
import type { RtpStreamStats } from '../../model/media.ts';
import { endpointKey } from '../../model/packet.ts';
import { isPortUnreachable } from '../net/icmp.ts';
import type { ReasonValue, Sdp, SdpMedia } from '../../model/sip.ts';
import type { CallState, KeptSipMessage } from './call_state.ts';
import { maxOf, minOf } from '../../util/array_math.ts';

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
  const all = state.messages;
  // Every fact below comes from the messages seen on the wire. A message seen only quoted
  // in an ICMP error is evidence that it bounced, not a transmission: it is in `messages`,
  // the count and `icmpErrors`, and nowhere else. (Only a Call-ID known from quotes alone
  // takes its identity — From, To, addresses, times — from them.)
  const wireAt = all.flatMap((m, i) => (m.quoted ? [] : [i]));
  const msgs = wireAt.map((i) => all[i]);
  const retrans = wireAt.map((i) => state.retransmission[i]);
  const ident = msgs.length > 0 ? msgs : all;
  const invites = msgs.filter(isInitialInvite);
  const first = ident[0];
  const firstRequest = ident.find((m) => m.isRequest);
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

  const startUs = minOf(ident, (m) => m.tsUs, ident[0]?.tsUs ?? first.tsUs);
  const endUs = maxOf(ident, (m) => m.tsUs, ident[0]?.tsUs ?? first.tsUs);
  const lastActivityUs = Math.max(state.lastActivityUs, maxOf(streams, (s) => s.stats.lastUs, -Infinity));
  const answerUs = twoXX ? twoXX.tsUs : null;
  const endUsAt = endReq ? endReq.tsUs : endMethod === 'final_error' && finalResp ? finalResp.tsUs : null;
  const durationMs = answerUs !== null ? Math.max(0, ((endUsAt ?? lastActivityUs) - answerUs) / 1000) : 0;
  // Timestamps that go backwards (a clock stepped back, a damaged record) would give a
  // negative PDD or duration: such a value is left out, never stored, and the call says why.
  const pddMs = provisional && invites[0] ? (provisional.tsUs - invites[0].tsUs) / 1000 : null;
  const anomalies: string[] = [];
  if (pddMs !== null && pddMs < 0) anomalies.push(`the first 18x is ${Math.round(-pddMs)} ms before the INVITE: PDD left out`);
  if (answerUs !== null && (endUsAt ?? lastActivityUs) < answerUs) anomalies.push(`the end is ${Math.round((answerUs - (endUsAt ?? lastActivityUs)) / 1000)} ms before the answer: duration counted as 0`);

  const messages: CallMessageRef[] = all.map((m, i) => ({
    frame: m.frame,
    tsUs: m.tsUs,
    src: endpointKey(m.src, m.srcPort),
    dst: endpointKey(m.dst, m.dstPort),
    label: statusLabel(m),
    cseq: m.cseq,
    cseqMethod: m.cseqMethod,
    retransmission: state.retransmission[i],
    ...(m.quoted ? { quoted: true } : {}),
  }));
  const icmpErrors: IcmpErrorFact[] = [];
  all.forEach((m, i) => {
    const q = m.quoted;
    if (!q) return;
    icmpErrors.push({
      tsUs: m.tsUs, frame: m.frame, from: q.from, type: q.type, code: q.code,
      portUnreachable: isPortUnreachable(q.v6, q.type, q.code),
      quotedLabel: statusLabel(m), quotedCseq: m.cseq, quotedCseqMethod: m.cseqMethod, messageIndex: i,
    });
  });

  const callStreams = streams.map((s) => toCallStream(s, endUsAt, callerAddr, gapThresholdMs));
  const userAgents = [...new Set(ident.map((m) => m.userAgent).filter((u) => u !== ''))];

  return {
    callId: state.callId,
    from: anchor.from.user || anchor.from.uri,
    to: anchor.to.user || anchor.to.uri,
    fromUri: anchor.from.uri,
    toUri: anchor.to.uri,
    callerAddr,
    calleeAddr,
    kind: ident.some((m) => m.cseqMethod === 'INVITE' || m.cseqMethod === 'BYE') ? 'call' : 'other',
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
    sipMessages: all.length,
    sipRetransmissions: retrans.filter(Boolean).length,
    messages,
    icmpErrors,
    streams: callStreams,
    captureTailMs: Math.max(0, (captureEndUs - lastActivityUs) / 1000),
    lastActivityUs,
    userAgents,
    natMismatch: natMismatches(msgs, sideOf, callStreams),
    legKeys: state.legKeys.result(...mediaAddresses(msgs, sideOf)),
    ...(anomalies.length > 0 ? { anomalies } : {}),
  };

  function sessionTimerFacts(all: KeptSipMessage[], ok: KeptSipMessage | null, inv: KeptSipMessage | null, answeredAt: number | null): SessionTimerFacts | null {
    // RFC 4028 §9: the 2xx carries the negotiated interval; the INVITE only proposes one.
    const se = ok?.sessionExpires ?? inv?.sessionExpires;
    if (!se) return null;
    const refreshes: SessionTimerFacts['refreshes'] = [];
    if (answeredAt !== null) {
      // The first final response of each transaction, found once: a search per refresh was
      // quadratic (a call with 50 000 re-INVITEs).
      const finalOf = new Map<string, KeptSipMessage>();
      for (const r of all) {
        if (r.isRequest || r.statusCode < 200) continue;
        const k = `${r.cseqMethod} ${r.cseq}`;
        if (!finalOf.has(k)) finalOf.set(k, r);
      }
      all.forEach((m, i) => {
        if (!m.isRequest || retrans[i] || m.tsUs <= answeredAt) return;
        if (!((m.method === 'INVITE' && m.to.tag !== '') || m.method === 'UPDATE')) return;
        const resp = finalOf.get(`${m.method} ${m.cseq}`);
        refreshes.push({ tsUs: m.tsUs, method: m.method, status: resp?.statusCode ?? 0, frame: m.frame });
      });
    }
    return { seconds: se.seconds, refresher: se.refresher, minSe: inv?.minSe ?? ok?.minSe ?? null, refreshes };
  }
}

/** RFC 1918, shared address space (RFC 6598), link-local, IPv6 ULA and link-local: addresses behind NAT. */
function isPrivateAddress(ip: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|169\.254\.)/.test(ip) || /^f[cd][0-9a-f]{2}:|^fe[89ab][0-9a-f]:/i.test(ip);
}

/**
 * §3 rule 7's "never received": a stream whose destination is an address the receiving side
 * never sends RTP or SIP from. The receiver's real address must be known — from its own RTP,
 * or, when it sent none, from its SIP when the SDP named a private address and the SIP comes
 * from a public one (classic NAT) — so a capture that simply missed one side's RTP, or a
 * proxy relaying SIP while media goes direct, is not taken for NAT.
 */
function natMismatches(msgs: KeptSipMessage[], sideOf: (m: KeptSipMessage) => Side, streams: CallStream[]): NatMismatch[] {
  const sipHosts: Record<Side, Set<string>> = { caller: new Set(), callee: new Set() };
  const rtpHosts: Record<Side, Set<string>> = { caller: new Set(), callee: new Set() };
  for (const m of msgs) sipHosts[sideOf(m)].add(m.src);
  for (const s of streams) if (s.packets > 0) rtpHosts[s.direction].add(s.src);
  const out: NatMismatch[] = [];
  for (const s of streams) {
    if (s.packets === 0) continue;
    const receiver: Side = s.direction === 'caller' ? 'callee' : 'caller';
    if (rtpHosts[receiver].has(s.dst) || sipHosts[receiver].has(s.dst)) continue;
    let used: string | undefined = rtpHosts[receiver].values().next().value;
    if (used === undefined && isPrivateAddress(s.dst)) {
      const sip = [...sipHosts[receiver]];
      if (sip.length > 0 && sip.every((h) => !isPrivateAddress(h))) used = sip[0];
    }
    if (used === undefined) continue;
    out.push({ receiver, sdpAddr: endpointKey(s.dst, s.dstPort), usedAddr: used, ssrc: s.ssrc, packets: s.packets });
  }
  return out;
}

/** Where each side's SDP said it receives audio (ip:port), in order, for leg correlation. */
function mediaAddresses(msgs: KeptSipMessage[], sideOf: (m: KeptSipMessage) => Side): [string[], string[]] {
  const out: Record<Side, string[]> = { caller: [], callee: [] };
  for (const m of msgs) {
    const a = audioOf(m.sdp);
    if (!a || a.port === 0 || a.connection === '' || a.connection === '0.0.0.0') continue;
    const list = out[sideOf(m)];
    const addr = endpointKey(a.connection, a.port);
    if (list.length < 8 && !list.includes(addr)) list.push(addr);
  }
  return [out.caller, out.callee];
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
  const longest = Math.max(0, maxOf(st.gaps, (g) => g.durationMs, 0), trailingGap?.durationMs ?? 0);
  return { ...st, direction, silenceBeforeEndMs: silence, longestGapMs: longest, trailingGap };
}
