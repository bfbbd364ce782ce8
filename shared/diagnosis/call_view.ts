// What the decision rules read, derived once from CallFacts + settings: which side is the
// agent (diagnosis.md §1), media per direction with hold taken out (§3 "hold is not
// silence"), and lookups of the SIP messages evidence points at.

import type { CallFacts, CallMessageRef, CallStream, NatMismatch, Side } from '../model/call.ts';
import type { CaptureCoverage } from '../model/capture.ts';
import type { AgentEvent } from '../model/cdr.ts';
import type { DiagnosisSettings, EvidenceRef } from '../model/verdict.ts';
import { endpointKey } from '../model/packet.ts';
import { inCidrs } from './cidr.ts';

export interface DirectionMedia {
  /** The side that sends this direction. */
  from: Side;
  /**
   * Rule 7: every stream of this direction went to an address its receiver never uses (NAT):
   * those streams are here, not in `streams`, and the direction counts as never received.
   */
  unreceived: NatMismatch[];
  /** §1 "media per direction: SDP-expected" (at the end of the call, after re-INVITEs). */
  expected: boolean;
  streams: CallStream[];
  packets: number;
  lastUs: number | null;
  /** The stream that carried the direction's last packet (for refs). */
  latest: CallStream | null;
  /** end − last packet in ms, null without an end or without packets. */
  rawSilenceMs: number | null;
  /**
   * Silence counted for the RTP-timeout rules: rawSilenceMs, but when hold was seen, never
   * longer than the time since the last in-dialog media renegotiation (a resume re-INVITE
   * restarts the clock: silence during hold is not silence, §3).
   */
  silenceMs: number | null;
  /** The direction stopped before the end: a trailing gap (> the gap threshold) or no packets at all. */
  wentSilent: boolean;
}

export interface CallView {
  facts: CallFacts;
  settings: DiagnosisSettings;
  event: AgentEvent | null;
  isCdr: boolean;
  /** §1: the INVITE's recipient by default; the caller when its address is in ownAddresses. */
  agentSide: Side;
  remoteSide: Side;
  agentIsCaller: boolean;
  media: Record<Side, DirectionMedia>;
  /** Time of the last in-dialog re-INVITE / UPDATE after the answer (null when none). */
  lastRenegotiationUs: number | null;
  /** When the call ended: BYE/CANCEL time, else the final response, else null. */
  endUs: number | null;
  /** What the capture as a whole says (window, filter); null for CDR-only calls and old indexes. */
  coverage: CaptureCoverage | null;
  /** §3 rule 8: the capture holds no media, so rules 7–10 cannot be checked. */
  signallingOnly: boolean;
}

export function other(side: Side): Side {
  return side === 'caller' ? 'callee' : 'caller';
}

export function buildCallView(facts: CallFacts, settings: DiagnosisSettings, event: AgentEvent | null, coverage: CaptureCoverage | null = null): CallView {
  const agentIsCaller = settings.ownAddresses.length > 0 && inCidrs(facts.callerAddr, settings.ownAddresses);
  const agentSide: Side = agentIsCaller ? 'caller' : 'callee';
  const lastRenegotiationUs = lastRenegotiation(facts);
  const endUs = facts.endUsAt;
  const media = {
    caller: direction(facts, 'caller', endUs, lastRenegotiationUs),
    callee: direction(facts, 'callee', endUs, lastRenegotiationUs),
  };
  const isCdr = facts.origin === 'cdr';
  const signallingOnly = !isCdr && coverage?.signallingOnly === true;
  return { facts, settings, event, isCdr, agentSide, remoteSide: other(agentSide), agentIsCaller, media, lastRenegotiationUs, endUs, coverage, signallingOnly };
}

function lastRenegotiation(f: CallFacts): number | null {
  if (f.answerUs === null) return null;
  const initialCseq = f.messages.find((m) => m.label === 'INVITE')?.cseq;
  let last: number | null = null;
  for (const m of f.messages) {
    if (m.retransmission || m.tsUs <= f.answerUs) continue;
    const reinvite = m.label === 'INVITE' && m.cseq !== initialCseq;
    if (reinvite || m.label === 'UPDATE') last = Math.max(last ?? 0, m.tsUs);
  }
  return last;
}

function direction(f: CallFacts, from: Side, endUs: number | null, renegUs: number | null): DirectionMedia {
  let streams = f.streams.filter((s) => s.direction === from && s.packets > 0);
  // "Never received" only when all of the direction's packets went to the wrong address.
  const nat = (f.natMismatch ?? []).filter((n) => n.receiver !== from);
  const lost = (s: CallStream) => nat.some((n) => n.ssrc === s.ssrc && n.sdpAddr === endpointKey(s.dst, s.dstPort));
  const unreceived = streams.length > 0 && streams.every(lost) ? nat : [];
  if (unreceived.length > 0) streams = [];
  const packets = streams.reduce((n, s) => n + s.packets, 0);
  const latest = streams.reduce<CallStream | null>((a, s) => (a === null || s.lastUs > a.lastUs ? s : a), null);
  const lastUs = latest?.lastUs ?? null;
  const rawSilenceMs = latest && endUs !== null ? (latest.silenceBeforeEndMs ?? Math.max(0, (endUs - latest.lastUs) / 1000)) : null;
  let silenceMs = rawSilenceMs;
  if (silenceMs !== null && f.media.holdSeen && renegUs !== null && endUs !== null) {
    silenceMs = Math.min(silenceMs, Math.max(0, (endUs - renegUs) / 1000));
  }
  const expected = from === 'caller' ? f.media.callerSends : f.media.calleeSends;
  const wentSilent = packets === 0 || (latest !== null && latest.trailingGap !== null);
  return { from, unreceived, expected, streams, packets, lastUs, latest, rawSilenceMs, silenceMs, wentSilent };
}

// ─── Naming sides in sentences ───────────────────────────────────────────────────────────

/** 'the caller (10.0.0.1:5060)', 'the agent side (10.0.0.2:5060)', 'the called party (…)'. */
export function sideName(v: CallView, side: Side, withAddress = true): string {
  let name: string;
  if (side === v.agentSide) name = v.agentIsCaller ? 'the agent side (caller of this outbound call)' : 'the agent side';
  else name = side === 'caller' ? 'the caller' : 'the called party';
  if (!withAddress) return name;
  const addr = side === 'caller' ? v.facts.callerAddr : v.facts.calleeAddr;
  return addr ? `${name} (${addr})` : name;
}

/** 'from the caller to the agent side'. */
export function directionName(v: CallView, from: Side): string {
  return `from ${sideName(v, from, false)} to ${sideName(v, other(from), false)}`;
}

// ─── SIP message lookups ─────────────────────────────────────────────────────────────────

export function sipRef(v: CallView, index: number): EvidenceRef | null {
  const m = v.facts.messages[index];
  return m ? { kind: 'sip', frame: m.frame, messageIndex: index } : null;
}

export function messageSide(v: CallView, m: CallMessageRef): Side | null {
  if (m.src === v.facts.callerAddr) return 'caller';
  if (m.src === v.facts.calleeAddr) return 'callee';
  return null;
}

function statusOf(m: CallMessageRef): number | null {
  const n = /^(\d{3})\b/.exec(m.label);
  return n ? Number(n[1]) : null;
}

/** The final response with this status to the last INVITE transaction that got one. */
export function finalResponseIndex(v: CallView, status: number): number {
  const ms = v.facts.messages;
  for (let i = ms.length - 1; i >= 0; i--) {
    // The first copy of the last transaction's response (retransmissions are skipped).
    if (!ms[i].retransmission && ms[i].cseqMethod === 'INVITE' && statusOf(ms[i]) === status) return i;
  }
  return -1;
}

/** The ending request (BYE / CANCEL) or final response: by frame first, else by label. */
export function endIndex(v: CallView): number {
  const f = v.facts;
  const ms = f.messages;
  const want = f.endMethod === 'BYE' || f.endMethod === 'CANCEL' ? f.endMethod : null;
  const byFrame = ms.findIndex((m) => m.frame === f.endFrame && (want === null || m.label === want));
  if (byFrame >= 0) return byFrame;
  if (want) return ms.findIndex((m) => m.label === want && !m.retransmission);
  return -1;
}

/** Every copy of the message at `index` (same label and CSeq). */
export function copiesOf(v: CallView, index: number): number[] {
  const ms = v.facts.messages;
  const m = ms[index];
  if (!m) return [];
  const out: number[] = [];
  ms.forEach((x, i) => {
    if (x.label === m.label && x.cseq === m.cseq && x.cseqMethod === m.cseqMethod && x.src === m.src) out.push(i);
  });
  return out;
}

export function indexOfFrame(v: CallView, frame: number, label?: string): number {
  return v.facts.messages.findIndex((m) => m.frame === frame && (label === undefined || m.label === label));
}

/** The first copy of the initial INVITE. */
export function initialInviteIndex(v: CallView): number {
  return v.facts.messages.findIndex((m) => m.label === 'INVITE');
}
