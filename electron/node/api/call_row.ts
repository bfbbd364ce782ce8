// One row of the call list as the page sees it (the contract's CallRow), from the index's summary.

import type { CallRow } from '../../../shared/api/contract.ts';
import type { CallSummary } from '../store/index_store.ts';

export function callRow(c: CallSummary): CallRow {
  return {
    id: c.id, sourceId: c.sourceId, origin: c.origin, kind: c.kind, callId: c.callId, from: c.fromUser, to: c.toUser,
    callerAddr: c.callerAddr, calleeAddr: c.calleeAddr, startUs: c.startUs, durationMs: c.durationMs, answered: c.answered,
    finalStatus: c.finalStatus, endMethod: c.endMethod, endedBy: c.endedBy, q850Cause: c.q850Cause, pddMs: c.pddMs,
    bucket: c.bucket, cause: c.cause, confidence: c.confidence, worstLossPct: c.worstLossPct, worstJitterMs: c.worstJitterMs,
    minMos: c.minMos, longestGapMs: c.longestGapMs, sipMessages: c.sipMessages, streamCount: c.streamCount,
  };
}
