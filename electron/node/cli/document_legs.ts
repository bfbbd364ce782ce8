// The end-to-end calls of the document's calls, linked as ingest/leg_calls.ts correlateLegs()
// links them (the same neighbours, the same rules, the same verdicts) but read a batch at a
// time: correlateLegs reads each call's facts with a query of its own and each leg whole
// (raw SIP included) to build the end-to-end verdict, which at a few hundred thousand calls
// is most of the document's time. A test pins the two equal (test/cli/document_queries.test.ts).

import { linkLegs } from '../../../shared/diagnosis/leg_links.ts';
import { endToEndVerdict } from '../../../shared/diagnosis/end_to_end.ts';
import { minOf } from '../../../shared/util/array_math.ts';
import { MAX_LEG_NEIGHBOURS, neighbourRows, type CallLegs, type LegIndex } from '../ingest/leg_calls.ts';
import type { IndexStore } from '../store/index_store.ts';
import { inBatches, type DocumentFacts } from '../store/document_rows.ts';
import { undoPair } from '../store/leg_link_store.ts';

/** The facts of these rows that can be legs (captured calls; CDR-only rows never are). */
export function legFactsOf(store: IndexStore, rowIds: readonly number[]): Map<number, DocumentFacts> {
  const out = new Map<number, DocumentFacts>();
  inBatches(rowIds, (batch) => {
    const got = store.documentRows.factsOf(batch);
    // In row order, as legFactsNear inserts them: linkLegs breaks ties by key, not by insertion.
    for (const id of batch) {
      const f = got.get(id);
      if (f && f.origin !== 'cdr') out.set(id, f);
    }
  });
  return out;
}

/**
 * Links the legs among the calls whose facts are given (the set's captured calls) and the
 * library's captured calls near them (unless more than MAX_LEG_NEIGHBOURS: then the set alone).
 */
export function documentLegs(store: IndexStore, setFacts: ReadonlyMap<number, DocumentFacts>): LegIndex {
  const facts = new Map(setFacts);
  const extra = neighbourRows(store, [...facts.values()].map((f) => f.inviteUs ?? f.startUs)).filter((id) => !facts.has(id));
  if (extra.length <= MAX_LEG_NEIGHBOURS) {
    // capturedCallsBetween lists only captured calls: none is left out by legFactsOf.
    for (const [id, f] of legFactsOf(store, extra)) facts.set(id, f);
  }
  // The undone pairs are the user's own (a few): read whole once, not asked pair by pair.
  const undone = store.documentRows.undonePairs();
  const { groups } = linkLegs([...facts].map(([key, f]) => ({ key, facts: f })), {
    undone: (a, b) => undone.has(undoPair(a, b).join('\u0000')),
  });
  const byRow = new Map<number, CallLegs>();
  const callIdOf = new Map<number, string>();
  // Every leg's verdict inputs in one read (streams' packets and end only, no messages).
  const legRows = new Map<number, ReturnType<IndexStore['legLinks']['legVerdictRows']>[number]>();
  inBatches([...new Set(groups.flatMap((g) => g.keys))], (batch) => {
    for (const r of store.legLinks.legVerdictRows(batch)) legRows.set(r.id, r);
  });
  for (const g of groups) {
    const legs = g.keys.flatMap((k) => {
      const r = legRows.get(k);
      return r ? [r] : [];
    });
    const endToEnd = endToEndVerdict(legs, minOf(g.links, (l) => l.confidence, 1));
    const entry: CallLegs = { legs: g.keys, links: g.links, endToEnd };
    for (const k of g.keys) {
      byRow.set(k, entry);
      callIdOf.set(k, facts.get(k)!.callId);
    }
  }
  return { byRow, callIdOf };
}
