// End-to-end calls as the page sees them (the contract's CallLegs, LegLinkInfo), from the
// links stored in the index (ingest/stored_legs.ts), and the dashboard summary's counting of
// an end-to-end call once, through the same helper as the command line's `report`.

import type { CallLegs, LegLinkInfo } from '../../../shared/api/contract.ts';
import type { SummaryInput } from '../../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { summarize, type Summary } from '../../../shared/diagnosis/call_summary.ts';
import { oncePerCallId, summaryInput } from '../ingest/diagnose.ts';
import { endToEndInput, endToEndSummaryInputs, type CallLegs as LegGroup } from '../ingest/leg_calls.ts';
import { storedLegGroup, storedLegIndex } from '../ingest/stored_legs.ts';
import type { EndToEndCounting } from '../store/summary_aggregates.ts';
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

/**
 * The whole library's summary (the unfiltered dashboard) from the kept counts, counting an
 * end-to-end call once as oncePerEndToEndCall does: the standing links are few, so only their
 * legs are read. A leg that oncePerCallId drops (a second sighting) is taken away once, by
 * the counts; the others are taken away here, and each end-to-end call with a leg still
 * counted is added (endToEndInput, from the same legs the recount would see).
 */
export function wholeSummaryOnce(store: IndexStore, settings: DiagnosisSettings, includeOther = false): Summary {
  return store.callQuery.summary(settings, { includeOther, keep: oncePerCallId, endToEnd: endToEndCounting(store, settings, includeOther) });
}

/** wholeSummaryOnce's adjustment of the kept counts (apart, so a test can see it needs no recount). */
export function endToEndCounting(store: IndexStore, settings: DiagnosisSettings, includeOther = false): EndToEndCounting {
  return {
    recount: () => summarize(oncePerEndToEndCall(store, store.callQuery.all(includeOther ? { includeOther } : {}), settings), settings),
    adjust: (dropped) => {
      const legs = storedLegIndex(store);
      if (legs.byRow.size === 0) return { remove: [], add: [] };
      // The legs as the list of every call holds them (non-call dialogs only with includeOther).
      const members = store.callQuery.byIds([...legs.byRow.keys()], includeOther);
      const byId = new Map(members.map((c) => [c.id, c]));
      const remove: SummaryInput[] = [];
      const add: SummaryInput[] = [];
      const done = new Set<LegGroup>();
      for (const c of members) {
        if (dropped.has(c.id)) continue;
        remove.push(summaryInput(c, settings));
        const g = legs.byRow.get(c.id)!;
        if (done.has(g)) continue;
        done.add(g);
        add.push(endToEndInput(g, byId, c, settings));
      }
      return { remove, add };
    },
  };
}
