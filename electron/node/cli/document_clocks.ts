// The clock offsets between the captures of a run (issue 12), worked out as ingest/
// source_clocks.ts sourceClocks() does (same reference, same shared calls, same cap of
// MAX_CALLS_PER_PAIR, same alignment) from what the document already read: each capture's
// Call-IDs come from the document's own walk of its calls instead of listing them again, and
// the messages of the shared calls are read in one query per capture pair instead of each
// call whole. capture_alignment.test.ts pins the two equal.

import { alignClocks, type AlignmentObservation } from '../../../shared/merge/capture_alignment.ts';
import { MAX_CALLS_PER_PAIR, type SourceClock } from '../ingest/source_clocks.ts';
import type { IndexStore } from '../store/index_store.ts';

/** A capture of the run: its Call-IDs of kind 'call', each to its first row in list order. */
export interface CaptureCalls {
  id: number;
  calls: Map<string, number>;
}

function observations(store: IndexStore, rowIds: readonly number[]): AlignmentObservation[] {
  const byRow = store.documentRows.transmittedOf(rowIds);
  return rowIds.flatMap((id) => byRow.get(id) ?? []);
}

/** The offset of each capture that shares calls with the reference capture (the first that shares any). */
export function documentClocks(store: IndexStore, captures: readonly CaptureCalls[]): SourceClock[] {
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
    const alignment = alignClocks(observations(store, used.map((c) => ref.calls.get(c)!)), observations(store, used.map((c) => other.calls.get(c)!)));
    out.push({
      sourceId: other.id, referenceId: ref.id, sharedCalls: common.length, alignment,
      reason: alignment ? null : 'the captures share Call-IDs but no identical SIP message (a hop between them rewrites the messages)',
    });
  }
  return out;
}
