// A CDR row as call facts (origin 'cdr'), so a call known only from an export is listed
// and classified with the same vocabulary as a captured one (diagnosis.md §5). A CDR says
// nothing about media or signalling details: those facts stay empty, and the classifier
// knows from `origin` not to read "no streams" as "no media".

import type { CallFacts, EndMethod } from '../../model/call.ts';
import type { CdrRecord } from '../../model/cdr.ts';

/** Q.850 cause → SIP status for a call that did not connect (RFC 3398 §7.2.4.1 / RFC 4497). */
const Q850_TO_SIP: Record<number, number> = {
  1: 404, 2: 404, 3: 404, 17: 486, 18: 408, 19: 480, 20: 480, 21: 603, 22: 410, 23: 410, 26: 404, 27: 502, 28: 484,
  29: 501, 31: 480, 34: 503, 38: 503, 41: 503, 42: 503, 47: 503, 55: 403, 57: 403, 58: 503, 65: 488, 69: 501, 70: 488,
  79: 501, 87: 403, 88: 503, 102: 504, 111: 500, 127: 500,
};

/** Vendor dispositions of an unanswered call → the SIP status they usually stand for. */
const DISPOSITION_TO_SIP: Record<string, number> = {
  'BUSY': 486,
  'USER_BUSY': 486,
  'busy': 486,
  'NO ANSWER': 480,
  'no-answer': 480,
  'CONGESTION': 503,
  'FAILED': 500,
  'failed': 500,
};

const CANCELLED = new Set(['canceled', 'cancelled', 'ORIGINATOR_CANCEL']);

export function cdrToFacts(r: CdrRecord, sourceName: string): CallFacts {
  const answered = r.answered ?? (r.billsecS !== null ? r.billsecS > 0 : r.answerUs !== null);
  const startUs = r.startUs;
  const answerUs = answered ? (r.answerUs ?? (r.endUs !== null && r.billsecS !== null ? r.endUs - r.billsecS * 1e6 : startUs)) : null;
  const endUs = r.endUs ?? (r.durationS !== null ? startUs + r.durationS * 1e6 : startUs);
  const cancelled = CANCELLED.has(r.disposition) || r.q850Cause === 487 || r.sipCode === 487;

  let finalStatus: number | null = r.sipCode;
  if (finalStatus === null) {
    if (answered) finalStatus = 200;
    else if (cancelled) finalStatus = 487;
    else if (r.q850Cause !== null && Q850_TO_SIP[r.q850Cause]) finalStatus = Q850_TO_SIP[r.q850Cause];
    else finalStatus = DISPOSITION_TO_SIP[r.disposition] ?? null;
  }
  let endMethod: EndMethod = 'none';
  if (answered) endMethod = 'BYE';
  else if (cancelled) endMethod = 'CANCEL';
  else if (finalStatus !== null && finalStatus >= 300) endMethod = 'final_error';
  const endedBy = r.endedBy ?? (cancelled ? 'caller' : endMethod === 'final_error' ? 'callee' : null);
  const durationMs = answered ? (r.billsecS !== null ? r.billsecS * 1000 : Math.max(0, endUs - (answerUs ?? startUs)) / 1000) : 0;

  return {
    origin: 'cdr',
    callId: r.callId ?? `cdr:${sourceName}:${r.vendorId ?? r.line}`,
    from: r.from,
    to: r.to,
    fromUri: r.from,
    toUri: r.to,
    callerAddr: '',
    calleeAddr: r.peer,
    kind: 'call',
    firstMethod: 'INVITE',
    startUs,
    endUs,
    inviteUs: startUs,
    firstProvisionalUs: null,
    answerUs,
    answered,
    postDialDelayMs: null,
    finalStatus,
    finalReason: r.disposition,
    authChallenges: 0,
    inviteTransmissions: 1,
    inviteUnanswered: false,
    endMethod,
    endedBy,
    endUsAt: endMethod === 'none' ? null : endUs,
    endFrame: null,
    endAnswered: endMethod === 'BYE',
    endTransmissions: endMethod === 'none' ? 0 : 1,
    endReasons: r.q850Cause !== null ? [{ protocol: 'Q.850', cause: r.q850Cause, text: '' }] : [],
    q850Cause: r.q850Cause,
    warnings: [],
    retryAfter: null,
    durationMs,
    sessionTimer: null,
    media: { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false },
    sipMessages: 0,
    sipRetransmissions: 0,
    messages: [],
    icmpErrors: [],
    streams: [],
    captureTailMs: 0,
    lastActivityUs: endUs,
    userAgents: [],
  };
}
