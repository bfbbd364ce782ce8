// End-to-end calls as the page sees them (the contract's CallLegs, LegLinkInfo), from the
// links stored in the index (ingest/stored_legs.ts), and the dashboard summary's counting of
// an end-to-end call once, through the same helper as the command line's `report`.

import type { CallLegs, LegLinkInfo } from '../../../shared/api/contract.ts';
import type { SummaryInput } from '../../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { endToEndSummaryInputs } from '../ingest/leg_calls.ts';
import { storedLegGroup, storedLegIndex } from '../ingest/stored_legs.ts';
import type { CallSummary, IndexStore } from '../store/index_store.ts';
import type { StoredLegLink } from '../store/leg_link_store.ts';
import { callRow } from './call_row.ts';

/** A stored link with the Call-IDs of its ends (read when not already known). */
export function legLinkInfo(store: IndexStore, l: StoredLegLink, callIdOf: ReadonlyMap<number, string> = new Map()): LegLinkInfo {
  const idOf = (row: number): string => callIdOf.get(row) ?? store.storedFacts(row)?.callId ?? '';
  return {
    id: l.id, fromId: l.from, toId: l.to, fromCallId: idOf(l.from), toCallId: idOf(l.to),
    method: l.method, confidence: l.confidence, why: l.why, undoneAt: l.undoneAt,
  };
}

/** The end-to-end call of a row; null when there is no such row. */
export function callLegsOf(store: IndexStore, rowId: number): CallLegs | null {
  const g = storedLegGroup(store, rowId);
  if (!g) return null;
  const callIdOf = new Map(g.details.map((d) => [d.id, d.callId]));
  return {
    legs: g.details.map(callRow),
    links: g.links.map((l) => legLinkInfo(store, l, callIdOf)),
    undone: g.undone.map((l) => legLinkInfo(store, l, callIdOf)),
    endToEnd: g.endToEnd,
  };
}

/** The end-to-end calls of these rows, for rows with a stored link (standing or undone). */
export function legGroupsOf(store: IndexStore, rowIds: readonly number[]): Array<{ id: number } & CallLegs> {
  const out: Array<{ id: number } & CallLegs> = [];
  for (const id of rowIds) {
    // Most calls have no leg: one indexed look-up says so without reading the call.
    if (store.legLinks.touching(id).length === 0) continue;
    const g = callLegsOf(store, id);
    if (g) out.push({ id, ...g });
  }
  return out;
}

/**
 * The dashboard's summary inputs with an end-to-end call counted once (as `report` counts it:
 * endToEndSummaryInputs), from the links stored in the index, so an undone heuristic link
 * counts its legs apart here too. Kept apart from getSummary so that another way of adding
 * up the summary can apply the same adjustment.
 */
export function oncePerEndToEndCall(store: IndexStore, calls: readonly CallSummary[], settings: DiagnosisSettings): SummaryInput[] {
  return endToEndSummaryInputs(calls, storedLegIndex(store, new Set(calls.map((c) => c.id))), settings);
}
