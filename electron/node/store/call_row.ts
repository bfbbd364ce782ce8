// The calls row as it is written: its columns, the values drawn from a call's facts, and how
// the facts and verdict are kept in it. Shared by the capture writer (index_store.ts) and
// the CDR writer (input_store.ts), which inserts CDR-only calls without their facts.

import type { CallFacts } from '../../../shared/model/call.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import { encodeVerdict } from './verdict_codec.ts';

/**
 * facts_json of a CDR-only call written from schema v8 on: its facts are cdrToFacts() of its
 * CDR row (the one linked to it with join_method 'cdr_only') and the source's name, rebuilt
 * when the call is read (cdr_call_facts.ts) rather than stored a second time as JSON.
 */
export const FACTS_FROM_CDR_ROW = '';

/** Non-finite floats (NaN delta of a one-packet stream) become NULL instead of failing the import. */
export function real(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}
/** A PDD or duration is never stored negative (timestamps going backwards): NULL instead. */
export function nonNegative(v: number | null | undefined): number | null {
  const r = real(v);
  return r !== null && r < 0 ? null : r;
}
export function bool(v: boolean): number {
  return v ? 1 : 0;
}

export const CALL_INSERT = `INSERT INTO calls (source_id, call_id, kind, from_user, to_user, from_uri, to_uri, caller_addr,
  callee_addr, start_us, end_us, invite_us, answer_us, answered, pdd_ms, final_status, final_reason, end_method,
  ended_by, q850_cause, duration_ms, sip_messages, sip_retransmissions, stream_count, worst_loss_pct,
  worst_jitter_ms, min_mos, longest_gap_ms, facts_json, origin, bucket, cause, confidence, verdict_json)
  VALUES (${new Array<string>(34).fill('?').join(', ')})`;

/**
 * CALL_INSERT for a CDR-only call (origin 'cdr'; facts from cdrToFacts, not stored): the
 * columns that are the same for every such call are written by the statement instead of
 * being bound, row after row, from JavaScript (no caller address, PDD, SIP messages or
 * streams; facts rebuilt from the CDR row). cdrOnlyCallValues() gives the rest.
 * A test checks the rows equal those of CALL_INSERT with callRowValues().
 */
export const CDR_ONLY_CALL_INSERT = `INSERT INTO calls (source_id, call_id, kind, from_user, to_user, from_uri, to_uri, caller_addr,
  callee_addr, start_us, end_us, invite_us, answer_us, answered, pdd_ms, final_status, final_reason, end_method,
  ended_by, q850_cause, duration_ms, sip_messages, sip_retransmissions, stream_count, worst_loss_pct,
  worst_jitter_ms, min_mos, longest_gap_ms, facts_json, origin, bucket, cause, confidence, verdict_json)
  VALUES (?, ?, 'call', ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL,
  NULL, NULL, NULL, '${FACTS_FROM_CDR_ROW}', 'cdr', ?, ?, ?, ?)`;

/**
 * The values of CDR_ONLY_CALL_INSERT. `f` must be cdrToFacts() of a CDR row: kind 'call',
 * callerAddr '', no PDD, messages or streams (the statement writes those).
 */
export function cdrOnlyCallValues(sourceId: number, f: CallFacts, verdict: Verdict | null): unknown[] {
  const v = verdict;
  return [
    sourceId, f.callId, f.from, f.to, f.fromUri, f.toUri, f.calleeAddr, f.startUs, f.endUs, f.inviteUs, f.answerUs, bool(f.answered), f.finalStatus, f.finalReason,
    f.endMethod, f.endedBy, f.q850Cause, nonNegative(f.durationMs) ?? 0,
    v ? v.bucket : null, v ? v.cause : null, v ? v.confidence : null, v ? encodeVerdict(v) : null,
  ];
}

/** The values of CALL_INSERT: `factsJson` is the facts without messages and streams, or FACTS_FROM_CDR_ROW. */
export function callRowValues(sourceId: number, f: CallFacts, factsJson: string, verdict: Verdict | null): unknown[] {
  let worstLoss: number | null = null;
  let worstJitter: number | null = null;
  let minMos: number | null = null;
  let longestGap: number | null = null;
  for (const s of f.streams) {
    // Duplicates make tshark's "lost" negative; for "worst loss" they count as no loss.
    const loss = s.expected > 0 ? (Math.max(0, s.lost) / s.expected) * 100 : 0;
    worstLoss = worstLoss === null ? loss : Math.max(worstLoss, loss);
    if (Number.isFinite(s.maxJitterMs)) worstJitter = worstJitter === null ? s.maxJitterMs : Math.max(worstJitter, s.maxJitterMs);
    if (s.mos !== null && Number.isFinite(s.mos)) minMos = minMos === null ? s.mos : Math.min(minMos, s.mos);
    longestGap = longestGap === null ? s.longestGapMs : Math.max(longestGap, s.longestGapMs);
  }
  const v = verdict;
  return [
    sourceId, f.callId, f.kind, f.from, f.to, f.fromUri, f.toUri, f.callerAddr, f.calleeAddr,
    f.startUs, f.endUs, f.inviteUs, f.answerUs, bool(f.answered), nonNegative(f.postDialDelayMs), f.finalStatus, f.finalReason,
    f.endMethod, f.endedBy, f.q850Cause, nonNegative(f.durationMs) ?? 0, f.sipMessages, f.sipRetransmissions, f.streams.length,
    real(worstLoss), real(worstJitter), real(minMos), real(longestGap),
    factsJson, f.origin ?? 'capture', v ? v.bucket : null, v ? v.cause : null, v ? v.confidence : null, v ? encodeVerdict(v) : null,
  ];
}
