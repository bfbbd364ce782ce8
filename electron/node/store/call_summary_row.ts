// A call as the call list holds it: the row of `calls` without its facts and verdict JSON
// (CallRow), the columns that read it (CALL_SUMMARY_COLS) and its model (CallSummary). Its
// own module, so the index store and the list queries (call_query.ts, call_list_query.ts)
// both depend on it instead of on each other.

import type { CallFacts, EndMethod, Side } from '../../../shared/model/call.ts';

export interface CallSummary {
  id: number;
  sourceId: number;
  callId: string;
  kind: CallFacts['kind'];
  fromUser: string;
  toUser: string;
  fromUri: string;
  toUri: string;
  callerAddr: string;
  calleeAddr: string;
  startUs: number;
  endUs: number;
  inviteUs: number | null;
  answerUs: number | null;
  answered: boolean;
  pddMs: number | null;
  finalStatus: number | null;
  finalReason: string;
  endMethod: EndMethod;
  endedBy: Side | null;
  q850Cause: number | null;
  durationMs: number;
  sipMessages: number;
  sipRetransmissions: number;
  streamCount: number;
  /** Highest loss over the call's streams, % of expected; null without streams. */
  worstLossPct: number | null;
  /** Highest max jitter over the call's streams. */
  worstJitterMs: number | null;
  /** Lowest whole-stream MOS estimate. */
  minMos: number | null;
  /** Longest gap over the call's streams, trailing silence included. */
  longestGapMs: number | null;
  /** 'capture' for calls seen on the wire; 'cdr' for calls known only from a CDR row. */
  origin: 'capture' | 'cdr';
  /** Verdict columns; null until the classifier has run. */
  bucket: number | null;
  cause: string | null;
  confidence: number | null;
}

export interface CallRow {
  id: number;
  source_id: number;
  call_id: string;
  kind: string;
  from_user: string;
  to_user: string;
  from_uri: string;
  to_uri: string;
  caller_addr: string;
  callee_addr: string;
  start_us: number;
  end_us: number;
  invite_us: number | null;
  answer_us: number | null;
  answered: number;
  pdd_ms: number | null;
  final_status: number | null;
  final_reason: string;
  end_method: string;
  ended_by: string | null;
  q850_cause: number | null;
  duration_ms: number;
  sip_messages: number;
  sip_retransmissions: number;
  stream_count: number;
  worst_loss_pct: number | null;
  worst_jitter_ms: number | null;
  min_mos: number | null;
  longest_gap_ms: number | null;
  bucket: number | null;
  cause: string | null;
  confidence: number | null;
  origin: 'capture' | 'cdr';
}

export const CALL_SUMMARY_COLS = `id, source_id, call_id, kind, from_user, to_user, from_uri, to_uri, caller_addr, callee_addr,
  start_us, end_us, invite_us, answer_us, answered, pdd_ms, final_status, final_reason, end_method, ended_by,
  q850_cause, duration_ms, sip_messages, sip_retransmissions, stream_count, worst_loss_pct, worst_jitter_ms,
  min_mos, longest_gap_ms, bucket, cause, confidence, origin`;

export function toCallSummary(r: CallRow): CallSummary {
  return {
    id: r.id,
    sourceId: r.source_id,
    callId: r.call_id,
    kind: r.kind as CallFacts['kind'],
    fromUser: r.from_user,
    toUser: r.to_user,
    fromUri: r.from_uri,
    toUri: r.to_uri,
    callerAddr: r.caller_addr,
    calleeAddr: r.callee_addr,
    startUs: r.start_us,
    endUs: r.end_us,
    inviteUs: r.invite_us,
    answerUs: r.answer_us,
    answered: r.answered === 1,
    pddMs: r.pdd_ms,
    finalStatus: r.final_status,
    finalReason: r.final_reason,
    endMethod: r.end_method as EndMethod,
    endedBy: r.ended_by as Side | null,
    q850Cause: r.q850_cause,
    durationMs: r.duration_ms,
    sipMessages: r.sip_messages,
    sipRetransmissions: r.sip_retransmissions,
    streamCount: r.stream_count,
    worstLossPct: r.worst_loss_pct,
    worstJitterMs: r.worst_jitter_ms,
    minMos: r.min_mos,
    longestGapMs: r.longest_gap_ms,
    bucket: r.bucket,
    cause: r.cause,
    confidence: r.confidence,
    origin: r.origin,
  };
}
