// The decision order of diagnosis.md §3, written once as data. Each rule carries its id, its
// branch, the question a person reads (README, UI), its outcome, and — beside them — the
// predicate that answers the question and the evidence it rests on. The classifier walks
// this array and decisionTreeMermaid() draws it, so the picture and the code cannot drift.
//
// First match wins within a branch. Each branch ends with a catch-all, so every call gets a
// verdict, the not-classifiable ones (capture_ended / in_progress) included.
//
// "Caller side" in §3 rules 5–15 is the side opposite the agent: the remote party. By
// default the agent is the INVITE's recipient, so that is the caller; for outbound campaigns
// (caller address in ownAddresses) the agent is the caller and the remote party the callee.
// Rules 1–4 are about the INVITE itself, so there "caller" is always the INVITE's sender.

import type { IcmpErrorFact, Side } from '../model/call.ts';
import { endpointKey } from '../model/packet.ts';
import type { Bucket, CauseKey, Evidence } from '../model/verdict.ts';
import type { CallView, DirectionMedia } from './call_view.ts';
import { copiesOf, directionName, endIndex, finalResponseIndex, indexOfFrame, initialInviteIndex, messageSide, other, sideName, sipRef } from './call_view.ts';
import { between, clock, dur, ev, plural, ssrcHex, streamRef, streamSrc, streamDst, trailingGapRef } from './evidence_text.ts';
import { q850Cause, q850Label } from './q850_causes.ts';
import { sipLabel } from './sip_responses.ts';
import { maxOf } from '../util/array_math.ts';

export type Branch = 'not_answered' | 'answered';

/** A cause key, or the pattern of rule 3 whose key is built from the final status. */
export type OutcomeCause = CauseKey | 'sip_<code>';

export interface RuleOutcome {
  bucket: Bucket | null;
  cause: OutcomeCause;
}

export interface RuleMatch {
  /** Required when the outcome is the 'sip_<code>' pattern. */
  cause?: CauseKey;
  /** 1.0 for direct evidence, lower when inferred (§3 "Confidence"). */
  confidence: number;
  evidence: Evidence[];
}

export interface DecisionRule {
  /** 'R1'…'R15' follow §3's numbering; 'R4b', 'R6b', 'R14b', 'R15b' are the other outcomes of a step. */
  id: string;
  branch: Branch;
  question: string;
  outcome: RuleOutcome;
  test(v: CallView): RuleMatch | null;
}

/** §1 "Timer B": an INVITE transaction with no response is abandoned 64·T1 = 32 s after it was sent. */
export const INVITE_TRANSACTION_TIMEOUT_MS = 32_000;
/** Rule 11: a BYE this much after SE still counts (the request→2xx delay of the last refresh, processing). */
export const SESSION_EXPIRY_SLACK_MS = 1_000;
/** Reasons that are normal clearing (rule 13). */
const NORMAL_Q850 = new Set([16, 31]);

// ─── Helpers shared by the rules ─────────────────────────────────────────────────────────

function endRequestEvidence(v: CallView, extra = ''): Evidence | null {
  const f = v.facts;
  const i = endIndex(v);
  const at = f.endUsAt ?? (i >= 0 ? f.messages[i].tsUs : null);
  if (f.endMethod !== 'BYE' && f.endMethod !== 'CANCEL') return null;
  const who = f.endedBy ? sideName(v, f.endedBy) : 'an unknown side';
  const since = f.answerUs !== null && at !== null ? `, ${between(f.answerUs, at)} after the answer` : '';
  const reason = reasonText(v);
  const when = at !== null ? ` at ${clock(at)}` : '';
  return ev(`${f.endMethod} from ${who}${when}${since}${reason ? `, with Reason ${reason}` : ''}${extra}.`, at, i >= 0 ? sipRef(v, i) : null);
}

function q850Of(v: CallView): number | null {
  const r = v.facts.endReasons.find((x) => x.protocol.toUpperCase() === 'Q.850' && x.cause !== null);
  return r?.cause ?? v.facts.q850Cause;
}

function reasonText(v: CallView): string {
  const code = q850Of(v);
  if (code !== null) return `Q.850 ${q850Label(code)}`;
  const sip = v.facts.endReasons.find((x) => x.protocol.toUpperCase() === 'SIP' && x.cause !== null);
  return sip?.cause != null ? `SIP ${sipLabel(sip.cause, sip.text)}` : '';
}

function hasEnd(v: CallView): boolean {
  return v.facts.endMethod === 'BYE' || v.facts.endMethod === 'CANCEL';
}

/** The last good session refresh (or the answer): when the session's expiry clock started. */
function lastGoodRefreshUs(v: CallView): number {
  const good = (v.facts.sessionTimer?.refreshes ?? []).filter((r) => r.status >= 200 && r.status < 300);
  return Math.max(v.facts.answerUs ?? -Infinity, maxOf(good, (r) => r.tsUs, -Infinity));
}

/**
 * §3 rule 6's exception in a signalling-only capture: no BYE, but a session timer was
 * negotiated and the recording went on past its expiry (SE after the last good refresh) with
 * no more SIP from the call. SIP silence proves nothing there, except this: a live session
 * must be refreshed before it expires (RFC 4028), so a window that outlasts the expiry with no
 * good refresh shows the session ended at the expiry point, BYE or not. Returns that point.
 */
function silentSessionExpiryUs(v: CallView): number | null {
  const f = v.facts;
  const st = f.sessionTimer;
  if (!v.signallingOnly || v.isCdr || f.endMethod !== 'none' || !st || st.seconds <= 0 || f.answerUs === null) return null;
  const expiryUs = lastGoodRefreshUs(v) + st.seconds * 1e6;
  const lastMessageUs = maxOf(f.messages, (m) => m.tsUs, -Infinity);
  const windowEndUs = f.lastActivityUs + f.captureTailMs * 1000;
  // SIP from the call after the expiry: the session was still alive (a refresh we could not read).
  if (lastMessageUs > expiryUs) return null;
  return windowEndUs >= expiryUs + SESSION_EXPIRY_SLACK_MS * 1000 ? expiryUs : null;
}

function expectedDirections(v: CallView): DirectionMedia[] {
  return [v.media.caller, v.media.callee].filter((d) => d.expected);
}

function silenceEvidence(v: CallView, d: DirectionMedia): Evidence {
  const s = d.latest;
  const what = directionName(v, d.from);
  if (!s || d.lastUs === null) return ev(`No RTP at all ${what}.`, null, null);
  const held = d.silenceMs !== null && d.rawSilenceMs !== null && d.silenceMs < d.rawSilenceMs;
  const counted = held ? ` (${dur(d.silenceMs!)} counted since the re-INVITE that ended the hold)` : '';
  return ev(
    `RTP ${what} (${streamSrc(s)} → ${streamDst(s)}, SSRC ${ssrcHex(s.ssrc)}) stopped at ${clock(d.lastUs)}: ${dur(d.rawSilenceMs ?? 0)} of silence before the ${v.facts.endMethod}${counted}.`,
    d.lastUs,
    trailingGapRef(s),
  );
}

function flowingEvidence(v: CallView, d: DirectionMedia): Evidence {
  const s = d.latest!;
  return ev(
    `RTP ${directionName(v, d.from)} (${streamSrc(s)} → ${streamDst(s)}) kept flowing: ${plural(d.packets, 'packet')}, the last ${dur(d.rawSilenceMs ?? 0)} before the ${v.facts.endMethod}.`,
    d.lastUs,
    streamRef(s),
  );
}

function holdNote(v: CallView): Evidence[] {
  if (!v.facts.media.holdSeen) return [];
  const at = v.lastRenegotiationUs;
  return [ev(`The call was put on hold at some point (sendonly / recvonly / inactive / 0.0.0.0); silence during hold is not counted${at !== null ? `, only silence after the last re-INVITE at ${clock(at)}` : ''}.`, at, null)];
}

/** The agent side's BYE went out more than once and was never answered. */
function agentByeUnanswered(v: CallView): boolean {
  const f = v.facts;
  return f.endMethod === 'BYE' && f.endedBy === v.agentSide && !f.endAnswered && f.endTransmissions > 1;
}

function byeCopiesText(v: CallView): string {
  const f = v.facts;
  const i = endIndex(v);
  const copies = i >= 0 ? copiesOf(v, i) : [];
  const span = copies.length > 1 ? ` over ${between(f.messages[copies[0]].tsUs, f.messages[copies[copies.length - 1]].tsUs)}` : '';
  return `was sent ${plural(f.endTransmissions, 'time')}${span} and never answered`;
}

/** 'went on' / 'recorded on' (pcapng ISB: the recording's own end, not the last packet). */
function windowText(v: CallView, verb: 'went on' | 'ended' = 'went on'): string {
  if (v.coverage?.window?.from !== 'isb') return verb;
  return verb === 'ended' ? 'recording ended (pcapng interface statistics)' : 'kept recording (pcapng interface statistics)';
}

/** Rules 7–8: media needs time to start; a caller who hangs up 30 ms after the answer sent none. */
function mediaHadTime(v: CallView): boolean {
  return v.facts.durationMs >= v.settings.mediaGraceS * 1000;
}

/** ICMP port unreachable quoting the call's `method` (INVITE or BYE): the far end's SIP port is closed. */
function portUnreachableAfter(v: CallView, method: string): IcmpErrorFact[] {
  return v.facts.icmpErrors.filter((e) => e.portUnreachable && e.quotedLabel === method);
}

function icmpEvidence(v: CallView, e: IcmpErrorFact): Evidence {
  return ev(`ICMP port unreachable from ${e.from} at ${clock(e.tsUs)}, quoting the ${e.quotedLabel}: nothing listens on the far end's SIP port.`, e.tsUs, sipRef(v, e.messageIndex));
}

/** Rule 7 NAT evidence: where the RTP went (the SDP's address) and where the receiver really is. */
function natEvidence(v: CallView, d: DirectionMedia): Evidence[] {
  const receiver = other(d.from);
  return d.unreceived.map((n) => {
    const s = v.facts.streams.find((x) => x.ssrc === n.ssrc && endpointKey(x.dst, x.dstPort) === n.sdpAddr);
    return ev(
    `RTP ${directionName(v, d.from)} (SSRC ${ssrcHex(n.ssrc)}, ${plural(n.packets, 'packet')}) went to ${n.sdpAddr}, the address ${sideName(v, receiver, false)}'s SDP named, but ${sideName(v, receiver, false)} never sends, signals or answers from there: it uses ${n.usedAddr}. Behind NAT without media latching, these packets never arrive.`,
    s ? s.firstUs : null,
    s ? streamRef(s) : null,
  );
  });
}

// ─── The rules ───────────────────────────────────────────────────────────────────────────

export const DECISION_TREE: readonly DecisionRule[] = [
  // Not answered (§3 rules 1–4)
  {
    id: 'R1',
    branch: 'not_answered',
    question: '1. CANCEL from the caller (487 follows)?',
    outcome: { bucket: 2, cause: 'cancel_487' },
    test(v) {
      const f = v.facts;
      if (f.endMethod !== 'CANCEL' || f.endedBy !== 'caller') return null;
      const i = endIndex(v);
      const at = f.endUsAt ?? f.messages[i]?.tsUs ?? null;
      const ringing = f.firstProvisionalUs !== null && at !== null ? `, after ${between(f.firstProvisionalUs, at)} of ringing` : '';
      const sinceInvite = f.inviteUs !== null && at !== null ? `, ${between(f.inviteUs, at)} after the INVITE` : '';
      const evidence = [ev(`CANCEL from ${sideName(v, 'caller')}${at !== null ? ` at ${clock(at)}` : ''}${sinceInvite}${ringing}${f.endAnswered ? '; the CANCEL was answered with 200 OK' : ''}.`, at, i >= 0 ? sipRef(v, i) : null)];
      const j = f.finalStatus === 487 ? finalResponseIndex(v, 487) : -1;
      if (j >= 0) evidence.push(ev(`487 Request Terminated to the INVITE at ${clock(f.messages[j].tsUs)}: the set-up was cancelled by the caller.`, f.messages[j].tsUs, sipRef(v, j)));
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R2',
    branch: 'not_answered',
    question: '2. 487 with no CANCEL from the caller?',
    outcome: { bucket: 5, cause: 'provider_reject_487' },
    test(v) {
      const f = v.facts;
      if (f.finalStatus !== 487) return null;
      const j = finalResponseIndex(v, 487);
      const at = j >= 0 ? f.messages[j].tsUs : f.endUsAt;
      const since = f.inviteUs !== null && at !== null ? `, ${between(f.inviteUs, at)} after the INVITE` : '';
      const evidence = [
        ev(`487 Request Terminated from ${j >= 0 ? sideName(v, messageSide(v, f.messages[j]) ?? 'callee') : 'the called side'}${at !== null ? ` at ${clock(at)}` : ''}${since}, and the caller sent no CANCEL: the provider (or a proxy) terminated the set-up itself.`, at, j >= 0 ? sipRef(v, j) : null),
      ];
      if (f.firstProvisionalUs !== null && at !== null) evidence.push(ev(`It had been ringing / in progress for ${between(f.firstProvisionalUs, at)} (post-dial delay ${dur(f.postDialDelayMs ?? 0)}): compare with the provider's PDD / no-answer timeout.`, f.firstProvisionalUs, null));
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R3',
    branch: 'not_answered',
    question: '3. Final 4xx / 5xx / 6xx response (an unfollowed 3xx redirect too)?',
    outcome: { bucket: 5, cause: 'sip_<code>' },
    test(v) {
      const f = v.facts;
      let code = f.finalStatus;
      let inferred = false;
      if (code === null && v.isCdr && f.q850Cause !== null) {
        // §5: a CDR row with only a release cause: the SIP code a gateway sends for it (RFC 3398).
        code = q850Cause(f.q850Cause)?.sip ?? null;
        inferred = code !== null;
      }
      if (code === null || code < 300 || code > 699) return null;
      const j = finalResponseIndex(v, code);
      const at = j >= 0 ? f.messages[j].tsUs : f.endUsAt;
      const from = j >= 0 ? sideName(v, messageSide(v, f.messages[j]) ?? 'callee') : 'the called side';
      const since = f.inviteUs !== null && at !== null ? `, ${between(f.inviteUs, at)} after the INVITE` : '';
      const evidence: Evidence[] = [];
      if (inferred) evidence.push(ev(`The CDR gives release cause Q.850 ${q850Label(f.q850Cause!)}, which gateways signal as ${sipLabel(code)} (RFC 3398).`, f.endUsAt, null));
      else evidence.push(ev(`Final response ${sipLabel(code, f.finalReason)} from ${from}${at !== null ? ` at ${clock(at)}` : ''}${since}.`, at, j >= 0 ? sipRef(v, j) : null));
      const q = q850Of(v);
      if (q !== null && !inferred) {
        const info = q850Cause(q);
        const points = info && info.pointsTo !== 'none' ? ` — it points at the ${info.pointsTo === 'callee' ? 'called user' : info.pointsTo === 'dialing' ? 'dialled number / number data' : info.pointsTo === 'configuration' ? 'configuration' : info.pointsTo === 'protocol' ? 'signalling protocol' : 'provider side'}` : '';
        evidence.push(ev(`Reason: Q.850 ${q850Label(q)}${points}.`, at, j >= 0 ? sipRef(v, j) : null));
      }
      for (const w of f.warnings) evidence.push(ev(`Warning: ${w}.`, at, j >= 0 ? sipRef(v, j) : null));
      if (f.retryAfter !== null) evidence.push(ev(`Retry-After: ${f.retryAfter} s — the server asks for a pause before retrying it.`, at, j >= 0 ? sipRef(v, j) : null));
      if (f.authChallenges > 0) evidence.push(ev(`It followed ${plural(f.authChallenges, '401/407 challenge')}: this is the final response of the authenticated INVITE.`, f.inviteUs, null));
      return { cause: `sip_${code}`, confidence: inferred ? 0.6 : 1, evidence };
    },
  },
  {
    id: 'R4',
    branch: 'not_answered',
    question: '4. INVITE retransmitted, no response of any kind on the wire, and the capture window outlasts Timer B (or ICMP says the port is closed)?',
    outcome: { bucket: 7, cause: 'invite_no_response' },
    test(v) {
      const f = v.facts;
      if (!f.inviteUnanswered || v.isCdr) return null;
      // The recording's end (pcapng ISB when present), not the last packet: facts.captureTailMs
      // already runs to the window's end.
      const captureEndUs = f.lastActivityUs + f.captureTailMs * 1000;
      const windowMs = f.inviteUs !== null ? (captureEndUs - f.inviteUs) / 1000 : 0;
      const unreachable = portUnreachableAfter(v, 'INVITE');
      if (windowMs < INVITE_TRANSACTION_TIMEOUT_MS && unreachable.length === 0) return null;
      const i = initialInviteIndex(v);
      const copies = i >= 0 ? copiesOf(v, i) : [];
      const lastUs = copies.length ? f.messages[copies[copies.length - 1]].tsUs : f.lastActivityUs;
      const evidence = [
        ev(`The INVITE from ${sideName(v, 'caller')} to ${sideName(v, 'callee')} was sent ${plural(f.inviteTransmissions, 'time')}${f.inviteUs !== null ? ` between ${clock(f.inviteUs)} and ${clock(lastUs)}` : ''}, and nothing came back: no 100 Trying, no provisional or final response.`, f.inviteUs, i >= 0 ? sipRef(v, i) : null),
        ...unreachable.map((e) => icmpEvidence(v, e)),
      ];
      if (windowMs >= INVITE_TRANSACTION_TIMEOUT_MS) {
        evidence.push(ev(`The capture ${windowText(v)} ${dur(windowMs)} after the first INVITE, past Timer B (${dur(INVITE_TRANSACTION_TIMEOUT_MS)}): the transaction timed out, the silence is real, not the end of the recording.`, captureEndUs, { kind: 'capture', what: 'end' }));
      }
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R4b',
    branch: 'not_answered',
    question: 'Otherwise: no final response and no CANCEL yet — the set-up is still in progress',
    outcome: { bucket: null, cause: 'in_progress' },
    test(v) {
      const f = v.facts;
      const last = f.messages[f.messages.length - 1];
      const evidence: Evidence[] = [];
      if (f.inviteUnanswered) {
        evidence.push(ev(`The INVITE was sent ${plural(f.inviteTransmissions, 'time')} with no response yet, but the capture ${windowText(v)} only ${dur(f.captureTailMs)} after the call's last packet, before the INVITE transaction timed out (${dur(INVITE_TRANSACTION_TIMEOUT_MS)} after the first INVITE): the outcome is not in the capture.`, f.lastActivityUs, { kind: 'capture', what: 'end' }));
      } else if (last) {
        evidence.push(ev(`No final response and no CANCEL: the call's last message was ${last.label} at ${clock(last.tsUs)}, and the capture ended ${dur(f.captureTailMs)} after the call's last packet.`, last.tsUs, sipRef(v, f.messages.length - 1)));
      } else {
        evidence.push(ev('No final response and no CANCEL in the record: the outcome of the set-up is unknown.', f.startUs, null));
      }
      return { confidence: 1, evidence };
    },
  },

  // Answered (§3 rules 5–15): a dead far end first, then media, then who hung up.
  {
    id: 'R5',
    branch: 'answered',
    question: '5. The caller side BYE retransmitted and never answered, after the agent side went silent?',
    outcome: { bucket: 7, cause: 'server_dead_bye_unanswered' },
    test(v) {
      const f = v.facts;
      if (v.isCdr || f.endMethod !== 'BYE' || f.endedBy !== v.remoteSide || f.endAnswered || f.endTransmissions < 2) return null;
      const agent = v.media[v.agentSide];
      // In a signalling-only capture the agent's silence cannot be seen: the unanswered BYE
      // alone decides, at lower confidence (classify() caps it and says why).
      if (!agent.wentSilent && !v.signallingOnly) return null;
      const i = endIndex(v);
      const evidence: Evidence[] = [];
      // Media not in the capture (signalling-only): nothing to say about the agent's RTP.
      if (!v.signallingOnly && agent.packets === 0) evidence.push(ev(`${cap(sideName(v, v.agentSide))} never sent RTP.`, null, null));
      else if (!v.signallingOnly) evidence.push(ev(`${cap(sideName(v, v.agentSide, false))} went silent: its last RTP packet (${streamSrc(agent.latest!)} → ${streamDst(agent.latest!)}) was at ${clock(agent.lastUs!)}, ${dur(agent.rawSilenceMs ?? 0)} before the BYE.`, agent.lastUs, trailingGapRef(agent.latest!)));
      evidence.push(ev(`The BYE from ${sideName(v, v.remoteSide)} at ${clock(f.endUsAt ?? f.messages[i]?.tsUs ?? 0)} ${byeCopiesText(v)}: the agent side no longer processed SIP.`, f.endUsAt, i >= 0 ? sipRef(v, i) : null));
      for (const e of portUnreachableAfter(v, 'BYE')) evidence.push(icmpEvidence(v, e));
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R6',
    branch: 'answered',
    question: '6. No BYE or CANCEL at all, and the capture goes on ≥ deadAfter after signalling and media stopped?',
    outcome: { bucket: 7, cause: 'no_bye_dead_signalling' },
    test(v) {
      const f = v.facts;
      // Signalling-only: SIP is quiet between the ACK and the BYE, for hours on a long call, so
      // silence in the capture says nothing (§3 rule 6).
      if (v.isCdr || v.signallingOnly || f.endMethod !== 'none' || f.captureTailMs < v.settings.deadAfterS * 1000) return null;
      return { confidence: 1, evidence: deadEndEvidence(v, `The capture ${windowText(v)} ${dur(f.captureTailMs)} longer (≥ deadAfter ${dur(v.settings.deadAfterS * 1000)}) with nothing more from this call: signalling and media both stopped.`) };
    },
  },
  {
    id: 'R6b',
    branch: 'answered',
    question: '6b. No BYE or CANCEL, and the capture ends sooner than deadAfter?',
    outcome: { bucket: null, cause: 'capture_ended' },
    test(v) {
      const f = v.facts;
      if (v.isCdr || f.endMethod !== 'none') return null;
      // …unless the session timer explains the end (rule 11 below).
      if (silentSessionExpiryUs(v) !== null) return null;
      if (v.signallingOnly) {
        return { confidence: 1, evidence: deadEndEvidence(v, `No BYE in a signalling-only capture: SIP is quiet between the ACK and the BYE, so the ${dur(f.captureTailMs)} of silence after the call's last message does not show whether the call was still up when the recording stopped.`) };
      }
      return { confidence: 1, evidence: deadEndEvidence(v, `The capture ${windowText(v, 'ended')} ${dur(f.captureTailMs)} after the call's last packet (< deadAfter ${dur(v.settings.deadAfterS * 1000)}): the call was still up when the recording stopped, so how it ended is not in the capture.`) };
    },
  },
  {
    id: 'R7',
    branch: 'answered',
    question: '7. A direction the SDP expects never carried RTP (or all of it went to an address its receiver never uses: NAT) while the other did, and the call stayed answered ≥ mediaGrace?',
    outcome: { bucket: 4, cause: 'one_way_audio' },
    test(v) {
      if (v.isCdr || v.signallingOnly || !mediaHadTime(v)) return null;
      for (const side of ['callee', 'caller'] as Side[]) {
        const d = v.media[side];
        const o = v.media[other(side)];
        if (d.expected && d.packets === 0 && o.packets > 0) {
          const s = o.latest!;
          const answeredFor = v.facts.answerUs !== null ? ` during ${dur(v.facts.durationMs)} of answered call` : '';
          const first = d.unreceived.length > 0
            ? natEvidence(v, d)
            : [ev(`The SDP expected media ${directionName(v, side)}, but not one RTP packet came${answeredFor}.`, v.facts.answerUs, null)];
          return {
            confidence: 1,
            evidence: [
              ...first,
              ev(`The other direction, ${directionName(v, o.from)} (${streamSrc(s)} → ${streamDst(s)}), carried ${plural(o.packets, 'packet')}.`, s.firstUs, streamRef(s)),
              ...holdNote(v),
            ],
          };
        }
      }
      return null;
    },
  },
  {
    id: 'R8',
    branch: 'answered',
    question: '8. Neither direction ever carried RTP (the capture does hold media), and the call stayed answered ≥ mediaGrace?',
    outcome: { bucket: 4, cause: 'no_media' },
    test(v) {
      if (v.isCdr || v.signallingOnly || !mediaHadTime(v)) return null;
      const { caller, callee } = v.media;
      if (!(caller.expected || callee.expected) || caller.packets > 0 || callee.packets > 0) return null;
      const exp = expectedDirections(v);
      const dirs = exp.length === 2 ? 'both ways' : directionName(v, exp[0].from);
      const evidence = [ev(`The SDP expected media ${dirs}, but no RTP was seen in either direction during ${dur(v.facts.durationMs)} of answered call.`, v.facts.answerUs, null)];
      for (const d of [caller, callee]) for (const e of natEvidence(v, d)) evidence.push(e);
      if (v.coverage?.filter) evidence.push(ev(`The capture's recorded filter (${v.coverage.filter}) lets media through, so the missing RTP is real, not filtered out.`, null, null));
      const end = endRequestEvidence(v);
      if (end) evidence.push(end);
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R9',
    branch: 'answered',
    question: '9. Both directions silent ≥ rtpTimeout before the BYE, not on hold (or the agent side BYE unanswered after the caller side went silent)?',
    outcome: { bucket: 4, cause: 'rtp_timeout_both' },
    test(v) {
      if (v.isCdr || v.signallingOnly || !hasEnd(v) || v.facts.media.onHoldAtEnd) return null;
      const limitMs = v.settings.rtpTimeoutS * 1000;
      const dirs = expectedDirections(v);
      const allSilent = dirs.length > 0 && dirs.every((d) => d.silenceMs !== null && d.silenceMs >= limitMs);
      if (allSilent) {
        const evidence = [...dirs.map((d) => silenceEvidence(v, d)), ...holdNote(v)];
        const end = endRequestEvidence(v, ` — both directions silent ≥ rtpTimeout (${dur(limitMs)})`);
        if (end) evidence.push(end);
        return { confidence: v.facts.media.holdSeen ? 0.8 : 1, evidence };
      }
      // §3 rule 5's other half: the agent's BYE unanswered after the remote side went silent
      // means the remote side lost its network — in both directions, whatever the capture saw leave.
      const remote = v.media[v.remoteSide];
      if (agentByeUnanswered(v) && remote.wentSilent && remote.packets > 0) {
        const i = endIndex(v);
        return {
          confidence: remote.silenceMs !== null && remote.silenceMs >= limitMs ? 1 : 0.8,
          evidence: [
            silenceEvidence(v, remote),
            ev(`The BYE from ${sideName(v, v.agentSide)} ${byeCopiesText(v)}: ${sideName(v, v.remoteSide, false)} lost its network, so media stopped both ways.`, v.facts.endUsAt, i >= 0 ? sipRef(v, i) : null),
          ],
        };
      }
      return null;
    },
  },
  {
    id: 'R10',
    branch: 'answered',
    question: '10. One direction silent ≥ rtpTimeout before the BYE while the other kept flowing?',
    outcome: { bucket: 4, cause: 'rtp_timeout_oneway' },
    test(v) {
      if (v.isCdr || v.signallingOnly || !hasEnd(v) || v.facts.media.onHoldAtEnd) return null;
      const limitMs = v.settings.rtpTimeoutS * 1000;
      const dirs = expectedDirections(v);
      const silent = dirs.find((d) => d.silenceMs !== null && d.silenceMs >= limitMs);
      const flowing = dirs.find((d) => d !== silent && d.silenceMs !== null && d.silenceMs < limitMs);
      if (!silent || !flowing) return null;
      const evidence = [silenceEvidence(v, silent), flowingEvidence(v, flowing), ...holdNote(v)];
      const end = endRequestEvidence(v, ` — one direction silent ≥ rtpTimeout (${dur(limitMs)})`);
      if (end) evidence.push(end);
      return { confidence: v.facts.media.holdSeen ? 0.8 : 1, evidence };
    },
  },
  {
    id: 'R11',
    branch: 'answered',
    question: '11. Session-Expires negotiated, the refresh unanswered or never sent, and the call ended at the expiry point (in a signalling-only capture with no BYE: the recording outlasts the expiry with no more SIP)?',
    outcome: { bucket: 5, cause: 'session_timer_expiry' },
    test(v) {
      const f = v.facts;
      const st = f.sessionTimer;
      if (!st || st.seconds <= 0 || f.answerUs === null) return null;
      const silentEndUs = silentSessionExpiryUs(v);
      if (silentEndUs === null && (!hasEnd(v) || f.endUsAt === null)) return null;
      const good = st.refreshes.filter((r) => r.status >= 200 && r.status < 300);
      const lastGoodUs = lastGoodRefreshUs(v);
      const elapsedMs = ((silentEndUs ?? f.endUsAt!) - lastGoodUs) / 1000;
      const seMs = st.seconds * 1000;
      const lowMs = seMs - Math.min(32_000, seMs / 3);
      if (elapsedMs < lowMs || elapsedMs > seMs + SESSION_EXPIRY_SLACK_MS) return null;
      const failed = st.refreshes.filter((r) => r.tsUs > lastGoodUs && !(r.status >= 200 && r.status < 300));
      const q = q850Of(v);
      const evidence: Evidence[] = [
        ev(`Session timer negotiated: Session-Expires ${st.seconds} s${st.refresher ? `, refresher ${st.refresher}` : ''}${st.minSe !== null ? `, Min-SE ${st.minSe} s` : ''}.`, f.answerUs, null),
      ];
      for (const r of failed) {
        const i = indexOfFrame(v, r.frame);
        const copies = i >= 0 ? copiesOf(v, i).length : 1;
        const outcome = r.status === 0 ? `got no final response${copies > 1 ? ` (sent ${plural(copies, 'time')})` : ''}` : `was refused with ${sipLabel(r.status)}`;
        evidence.push(ev(`The session refresh ${r.method === 'INVITE' ? 're-INVITE' : r.method} at ${clock(r.tsUs)} (${between(lastGoodUs, r.tsUs)} after the ${good.length ? 'last good refresh' : 'answer'}) ${outcome}.`, r.tsUs, i >= 0 ? sipRef(v, i) : null));
      }
      if (failed.length === 0) evidence.push(ev(`No session refresh was sent after the ${good.length ? 'last good refresh' : 'answer'} at ${clock(lastGoodUs)}.`, lastGoodUs, null));
      if (silentEndUs !== null) {
        const windowEndUs = f.lastActivityUs + f.captureTailMs * 1000;
        evidence.push(ev(`No BYE, but the session expired at ${clock(silentEndUs)} (${dur(seMs)} after the ${good.length ? 'last good refresh' : 'answer'}) and the capture ${windowText(v)} ${between(silentEndUs, windowEndUs)} past it with no more SIP from the call: without a good refresh, both sides consider the session ended (RFC 4028).`, silentEndUs, null));
        // Timing alone, with the BYE not seen: never direct evidence.
        return { confidence: failed.length > 0 ? 0.8 : 0.6, evidence };
      }
      const end = endRequestEvidence(v, ` — ${dur(elapsedMs)} after the ${good.length ? 'last good refresh' : 'answer'}, inside the expiry window ${dur(lowMs)} … ${dur(seMs)}`);
      if (end) evidence.push(end);
      // Direct evidence: a refresh that failed on the wire, and the releasing side saying "timer expiry".
      const direct = (failed.length > 0 ? 1 : 0) + (q === 102 ? 1 : 0);
      return { confidence: direct === 2 ? 1 : direct === 1 ? 0.8 : 0.6, evidence };
    },
  },
  {
    id: 'R12',
    branch: 'answered',
    question: '12. Agent event log: LLM time-to-first-token over llmTimeout before the end?',
    outcome: { bucket: 6, cause: 'llm_timeout' },
    test(v) {
      const e = v.event;
      const limitMs = v.settings.llmTimeoutS * 1000;
      if (!e || e.llmLastTtftMs === null || !(e.llmLastTtftMs > limitMs)) return null;
      const evidence = [
        ev(`The agent's close-of-call event (line ${e.line}) reports an LLM time-to-first-token of ${dur(e.llmLastTtftMs)}, over the LLM timeout of ${dur(limitMs)}${e.initiator ? `; the call was ended by the ${e.initiator}` : ''}.`, e.lastRtpUs, { kind: 'event', source: 'agent events', line: e.line }),
      ];
      const end = endRequestEvidence(v);
      if (end) evidence.push(end);
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R13',
    branch: 'answered',
    question: '13. BYE with a Q.850 Reason other than 16 / 31, and no media or timer explanation?',
    outcome: { bucket: 5, cause: 'abnormal_release' },
    test(v) {
      const f = v.facts;
      if (!(f.endMethod === 'BYE' || v.isCdr)) return null;
      const q = q850Of(v);
      if (q === null || NORMAL_Q850.has(q)) return null;
      const info = q850Cause(q);
      const evidence: Evidence[] = [];
      const end = endRequestEvidence(v);
      if (end) evidence.push(end);
      else evidence.push(ev(`The record gives release cause Q.850 ${q850Label(q)}${f.endedBy ? `, released by ${sideName(v, f.endedBy)}` : ''}.`, f.endUsAt, null));
      if (info) evidence.push(ev(`Cause ${q}: ${info.meaning}${info.advice ? ` ${info.advice}` : ''}`, f.endUsAt, null));
      if (!v.isCdr && !v.signallingOnly) evidence.push(ev(`Media does not explain it: no direction was silent for rtpTimeout (${dur(v.settings.rtpTimeoutS * 1000)}) before the end${f.sessionTimer ? ', and the end is not at the session-timer expiry point' : ''}.`, null, null));
      return { confidence: 1, evidence };
    },
  },
  {
    id: 'R14',
    branch: 'answered',
    question: '14. BYE from the caller side after an answered duration ≥ successDuration?',
    outcome: { bucket: 1, cause: 'normal_clearing' },
    test(v) {
      if (!releasedBy(v, v.remoteSide) || v.facts.durationMs < v.settings.successDurationS * 1000) return null;
      return { confidence: 1, evidence: hangupEvidence(v, `≥ successDuration ${dur(v.settings.successDurationS * 1000)}: a completed call`) };
    },
  },
  {
    id: 'R14b',
    branch: 'answered',
    question: '14b. BYE from the caller side, before successDuration?',
    outcome: { bucket: 2, cause: 'caller_hangup_short' },
    test(v) {
      if (!releasedBy(v, v.remoteSide)) return null;
      return { confidence: 1, evidence: hangupEvidence(v, `< successDuration ${dur(v.settings.successDurationS * 1000)}: an early hangup`) };
    },
  },
  {
    id: 'R15',
    branch: 'answered',
    question: '15. BYE from the agent side?',
    outcome: { bucket: 3, cause: 'agent_bye' },
    test(v) {
      if (!releasedBy(v, v.agentSide)) return null;
      return { confidence: 1, evidence: hangupEvidence(v, 'the agent ended the call') };
    },
  },
  {
    id: 'R15c',
    branch: 'answered',
    question: 'Otherwise, from a CDR alone: the export does not say which side released the call',
    outcome: { bucket: null, cause: 'release_side_unknown' },
    test(v) {
      if (!v.isCdr) return null;
      const f = v.facts;
      return {
        confidence: 1,
        evidence: [ev(`The CDR says the call was answered${f.durationMs > 0 ? ` and lasted ${dur(f.durationMs)}` : ''}, but not which side released it, so the verdict is left open rather than guessed.`, f.endUsAt, null)],
      };
    },
  },
  {
    id: 'R15b',
    branch: 'answered',
    question: 'Otherwise: the side that released the call is not on record',
    outcome: { bucket: null, cause: 'capture_ended' },
    test(v) {
      const f = v.facts;
      return {
        confidence: 1,
        evidence: [ev(`The call was answered${f.endMethod !== 'none' ? ` and ended (${f.endMethod})` : ''}, but the record does not say which side released it, so the verdict is left open.`, f.endUsAt, null)],
      };
    },
  },
];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A BYE (or CANCEL) from this side; for CDR rows the side the export names (§5). */
function releasedBy(v: CallView, side: Side): boolean {
  const f = v.facts;
  return f.endedBy === side && (hasEnd(v) || v.isCdr);
}

function hangupEvidence(v: CallView, verdict: string): Evidence[] {
  const f = v.facts;
  const out: Evidence[] = [];
  const i = endIndex(v);
  const at = f.endUsAt;
  const who = sideName(v, f.endedBy!);
  const method = hasEnd(v) ? f.endMethod : 'release';
  const reason = reasonText(v);
  out.push(ev(`${method} from ${who}${at !== null ? ` at ${clock(at)}` : ''}, ${dur(f.durationMs)} after the answer (${verdict})${reason ? `; Reason ${reason}` : ''}.`, at, i >= 0 ? sipRef(v, i) : null));
  if (!v.isCdr) {
    const flowing = [v.media.caller, v.media.callee].filter((d) => d.packets > 0);
    if (flowing.length > 0) {
      const worst = maxOf(flowing, (d) => d.silenceMs ?? 0, 0);
      const parts = flowing.map((d) => `${plural(d.packets, 'RTP packet')} ${directionName(v, d.from)}`).join(', ');
      out.push(ev(`Media flowed until the end: ${parts}; at most ${dur(worst)} of silence before the ${method}.`, null, flowing[0].latest ? streamRef(flowing[0].latest) : null));
    }
  } else {
    out.push(ev('From a CDR row only: no SIP or RTP was seen for this call.', null, null));
  }
  return out;
}

function deadEndEvidence(v: CallView, conclusion: string): Evidence[] {
  const f = v.facts;
  const out: Evidence[] = [];
  const lastSip = f.messages[f.messages.length - 1];
  if (lastSip) out.push(ev(`No BYE or CANCEL: the last SIP message of the call was ${lastSip.label} at ${clock(lastSip.tsUs)}.`, lastSip.tsUs, sipRef(v, f.messages.length - 1)));
  for (const d of [v.media.caller, v.media.callee]) {
    if (d.latest && d.lastUs !== null) out.push(ev(`The last RTP ${directionName(v, d.from)} (${streamSrc(d.latest)} → ${streamDst(d.latest)}) was at ${clock(d.lastUs)}.`, d.lastUs, streamRef(d.latest)));
  }
  out.push(ev(conclusion, f.lastActivityUs, { kind: 'capture', what: 'end' }));
  return out;
}

export function branchOf(v: CallView): Branch {
  return v.facts.answered ? 'answered' : 'not_answered';
}

export function rulesOf(branch: Branch): DecisionRule[] {
  return DECISION_TREE.filter((r) => r.branch === branch);
}
