// Clock offsets between the captures of one run (issue 12, "several captures of one call"):
// when two captures given together saw the same calls (the same Call-ID in both), the SIP
// messages both saw put their clocks side by side (shared/merge/capture_alignment.ts).
//
// The reference is the first capture (in the order given) that shares calls with another;
// every other capture sharing calls with it gets its offset against it. A capture that shares
// Call-IDs but no identical message (a hop rewrote every message) is listed with a null
// offset and the reason, so the user knows the ladders are not on one clock.
//
// Bounded work: at most MAX_CALLS_PER_PAIR shared calls are read per capture pair (a median
// needs dozens of messages, not a carrier's day), and a capture's Call-IDs are read once.

import { alignClocks, type AlignmentObservation, type ClockAlignment } from '../../../shared/merge/capture_alignment.ts';
import type { IndexReader } from '../store/index_store.ts';

export const MAX_CALLS_PER_PAIR = 200;

export interface SourceClock {
  sourceId: number;
  referenceId: number;
  /** Call-IDs both captures saw. */
  sharedCalls: number;
  alignment: ClockAlignment | null;
  /** Why there is no offset (alignment null). */
  reason: string | null;
}

function isCapture(store: IndexReader, id: number): boolean {
  const f = store.getSource(id)?.format ?? '';
  return !f.startsWith('cdr:') && f !== 'agent_events';
}

/** Call-ID → call row id, for the calls of one capture. */
function callIdsOf(store: IndexReader, sourceId: number): Map<string, number> {
  const out = new Map<string, number>();
  const total = store.countCalls({ sourceId });
  for (let off = 0; off < total; off += 1000) {
    for (const c of store.listCalls({ sourceId, limit: 1000, offset: off })) if (c.kind === 'call' && !out.has(c.callId)) out.set(c.callId, c.id);
  }
  return out;
}

function observations(store: IndexReader, rowIds: readonly number[]): AlignmentObservation[] {
  const out: AlignmentObservation[] = [];
  for (const id of rowIds) {
    const d = store.getCall(id);
    if (!d) continue;
    // A message seen only quoted in an ICMP error was not seen where it was going.
    for (const m of d.messages) if (m.raw !== null && !m.quoted) out.push({ content: m.raw, tsUs: m.tsUs, src: m.src, dst: m.dst });
  }
  return out;
}

/** A capture of the run: its Call-IDs of kind 'call', each to its first row in list order. */
export interface CaptureCalls {
  id: number;
  calls: Map<string, number>;
}

/**
 * The offset of each capture that shares calls with the reference capture (the first, in the
 * order given, that shares any), from the SIP messages `observe` reads of the shared calls'
 * rows. One rule for both readers: sourceClocks below, and the analyze document, which reads
 * the messages of many calls in one query (cli/document_clocks.ts).
 */
export function clocksBetween(captures: readonly CaptureCalls[], observe: (rowIds: readonly number[]) => AlignmentObservation[]): SourceClock[] {
  if (captures.length < 2) return [];
  const shared = (a: Map<string, number>, b: Map<string, number>): string[] => [...a.keys()].filter((k) => b.has(k));
  const ref = captures.find((x) => captures.some((y) => y !== x && shared(x.calls, y.calls).length > 0));
  if (!ref) return [];
  const out: SourceClock[] = [];
  for (const other of captures) {
    if (other === ref) continue;
    const common = shared(ref.calls, other.calls);
    if (common.length === 0) continue;
    const used = common.slice(0, MAX_CALLS_PER_PAIR);
    const alignment = alignClocks(observe(used.map((c) => ref.calls.get(c)!)), observe(used.map((c) => other.calls.get(c)!)));
    out.push({
      sourceId: other.id, referenceId: ref.id, sharedCalls: common.length, alignment,
      reason: alignment ? null : 'the captures share Call-IDs but no identical SIP message (a hop between them rewrites the messages)',
    });
  }
  return out;
}

/** The offset of each capture of `sourceIds` that shares calls with the reference capture. */
export function sourceClocks(store: IndexReader, sourceIds: readonly number[]): SourceClock[] {
  const captures = [...new Set(sourceIds)].filter((id) => isCapture(store, id));
  if (captures.length < 2) return [];
  return clocksBetween(captures.map((id) => ({ id, calls: callIdsOf(store, id) })), (rowIds) => observations(store, rowIds));
}
