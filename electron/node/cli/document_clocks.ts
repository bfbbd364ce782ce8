// The clock offsets between the captures of a run (issue 12), by the rule of ingest/
// source_clocks.ts (clocksBetween: same reference, same shared calls, same cap, same
// alignment) from what the document already read: each capture's Call-IDs come from the
// document's own walk of its calls instead of listing them again, and the messages of the
// shared calls are read in one query per capture pair instead of each call whole.
// capture_alignment.test.ts pins the two readers equal.

import type { AlignmentObservation } from '../../../shared/merge/capture_alignment.ts';
import { clocksBetween, type CaptureCalls, type SourceClock } from '../ingest/source_clocks.ts';
import type { IndexStore } from '../store/index_store.ts';

export type { CaptureCalls };

function observations(store: IndexStore, rowIds: readonly number[]): AlignmentObservation[] {
  const byRow = store.documentRows.transmittedOf(rowIds);
  return rowIds.flatMap((id) => byRow.get(id) ?? []);
}

/** The offset of each capture that shares calls with the reference capture (the first that shares any). */
export function documentClocks(store: IndexStore, captures: readonly CaptureCalls[]): SourceClock[] {
  return clocksBetween(captures, (rowIds) => observations(store, rowIds));
}
