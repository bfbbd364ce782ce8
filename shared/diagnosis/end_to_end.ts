// The verdict of an end-to-end call (legs linked by leg_links.ts). Each leg keeps its own
// verdict; the end-to-end one is taken from the leg that failed first, because a B2BUA maps
// a downstream failure onto the upstream leg after it happened: the outbound 503 comes
// before, and explains, the inbound 480 or the caller's short hang-up. When no leg has a
// problem verdict (buckets 4–7), the first leg's verdict stands: the caller's experience.
// The evidence names every leg.

import type { CallFacts, CallStream } from '../model/call.ts';
import type { Evidence, Verdict } from '../model/verdict.ts';
import { clock } from './evidence_text.ts';
import { maxOf, minOf } from '../util/array_math.ts';

export interface LegVerdictInput {
  callId: string;
  /** Of the streams, only whether and until when each carried packets counts here. */
  facts: Pick<CallFacts, 'inviteUs' | 'startUs' | 'answerUs' | 'endUsAt' | 'endUs'> & { streams: ReadonlyArray<Pick<CallStream, 'packets' | 'lastUs'>> };
  /** null for a leg not classified (not a call). */
  verdict: Verdict | null;
}

/** An evidence item of the end-to-end verdict names the leg (Call-ID) it comes from. */
export interface LegEvidence extends Evidence {
  leg: string;
}

export interface EndToEndVerdict extends Omit<Verdict, 'evidence'> {
  /** The Call-ID of the leg whose verdict this is. */
  fromLeg: string;
  evidence: LegEvidence[];
}

/**
 * When a leg's failure began: the unanswered INVITE's first transmission, the last packet
 * before a media silence, the start of a media problem, else the end of the call.
 */
export function failureTimeUs(f: LegVerdictInput['facts'], v: Verdict): number {
  if (v.cause === 'invite_no_response') return f.inviteUs ?? f.startUs;
  if (v.bucket === 4) {
    if (v.cause === 'rtp_timeout_both' || v.cause === 'rtp_timeout_oneway') {
      const flowing = f.streams.filter((s) => s.packets > 0);
      if (flowing.length > 0) return v.cause === 'rtp_timeout_both' ? maxOf(flowing, (s) => s.lastUs, 0) : minOf(flowing, (s) => s.lastUs, 0);
    }
    return f.answerUs ?? f.endUsAt ?? f.endUs;
  }
  return f.endUsAt ?? f.endUs;
}

/**
 * legs: in leg order (first INVITE first), two or more. linkConfidence: the weakest link of
 * the call; a verdict taken from another leg than the first is never more certain than the
 * link that brought it. null when no leg was classified.
 */
export function endToEndVerdict(legs: readonly LegVerdictInput[], linkConfidence = 1): EndToEndVerdict | null {
  const classified = legs.filter((l): l is LegVerdictInput & { verdict: Verdict } => l.verdict !== null);
  if (classified.length === 0) return null;
  const failed = classified
    .filter((l) => l.verdict.problem)
    .map((l) => ({ l, at: failureTimeUs(l.facts, l.verdict) }))
    .sort((a, b) => a.at - b.at);
  const chosen = failed[0]?.l ?? classified[0];
  const v = chosen.verdict;
  const n = legs.length;
  const lead: LegEvidence = failed.length > 0
    ? {
        text: `End-to-end call of ${n} legs: leg ${chosen.callId} failed first (${v.cause} at ${clock(failed[0].at)})${failed.length > 1 ? `, before ${failed.slice(1).map((x) => `leg ${x.l.callId} (${x.l.verdict.cause} at ${clock(x.at)})`).join(', ')}` : ''}: its failure explains the call.`,
        tsUs: failed[0].at,
        ref: null,
        leg: chosen.callId,
      }
    : { text: `End-to-end call of ${n} legs: no leg failed; the verdict is the first leg's (${chosen.callId}), the caller's experience.`, tsUs: null, ref: null, leg: chosen.callId };
  const evidence: LegEvidence[] = [lead, ...v.evidence.map((e) => ({ ...e, leg: chosen.callId }))];
  for (const l of legs) {
    if (l === chosen) continue;
    const first = l.verdict?.evidence[0];
    evidence.push({
      text: l.verdict ? `Leg ${l.callId}: ${l.verdict.cause} (its own verdict)${first ? ` — ${first.text}` : ''}` : `Leg ${l.callId}: not classified`,
      tsUs: first?.tsUs ?? null,
      ref: first?.ref ?? null,
      leg: l.callId,
    });
  }
  const { evidence: _e, ...rest } = v;
  const confidence = chosen === legs[0] ? v.confidence : Math.min(v.confidence, linkConfidence);
  return { ...rest, confidence, fromLeg: chosen.callId, evidence };
}
