// End-to-end calls in the index: the legs of calls that crossed a B2BUA, linked from the
// facts already stored (no capture is read again, no schema change: the keys are in
// facts_json), and the end-to-end verdict of each. Links are computed when asked, for a set of
// calls plus the captured calls of the library that started near them, so two captures of the
// two sides of a PBX, imported at different times, still link.

import { linkLegs, type LegLink } from '../../../shared/diagnosis/leg_links.ts';
import { endToEndVerdict, type EndToEndVerdict } from '../../../shared/diagnosis/end_to_end.ts';
import { minOf } from '../../../shared/util/array_math.ts';
import type { DiagnosisSettings, Verdict } from '../../../shared/model/verdict.ts';
import type { SummaryInput } from '../../../shared/diagnosis/call_summary.ts';
import type { CallDetail, CallSummary, IndexStore } from '../store/index_store.ts';
import { oncePerCallId, summaryInput } from './diagnose.ts';

/** Library calls whose start is this close to a call of the set are candidates for its legs. */
export const LEG_NEIGHBOUR_WINDOW_US = 60_000_000;
/** Past this many extra library calls, the set is linked on its own (a bound on the work). */
export const MAX_LEG_NEIGHBOURS = 20_000;

export interface CallLegs {
  /** Row ids of the legs, in leg order (first INVITE first); this call included. */
  legs: number[];
  /** The links of the end-to-end call, between row ids. */
  links: LegLink[];
  endToEnd: EndToEndVerdict | null;
}

export interface LegIndex {
  /** Only rows that are legs of an end-to-end call of two or more legs. */
  byRow: Map<number, CallLegs>;
  /** Call-ID of every row that is a leg. */
  callIdOf: Map<number, string>;
}

export type StoredFacts = NonNullable<ReturnType<IndexStore['storedFacts']>>;

/** The library's captured calls starting near the given times, merged into few range queries. */
export function neighbourRows(store: IndexStore, times: number[]): number[] {
  const starts = [...times].sort((a, b) => a - b);
  const out: number[] = [];
  let lo = NaN;
  let hi = NaN;
  const flush = (): void => {
    if (Number.isNaN(lo)) return;
    for (const c of store.inputs.capturedCallsBetween(lo, hi)) out.push(c.id);
  };
  for (const t of starts) {
    if (!Number.isNaN(hi) && t - LEG_NEIGHBOUR_WINDOW_US <= hi) hi = t + LEG_NEIGHBOUR_WINDOW_US;
    else {
      flush();
      lo = t - LEG_NEIGHBOUR_WINDOW_US;
      hi = t + LEG_NEIGHBOUR_WINDOW_US;
    }
  }
  flush();
  return out;
}

/**
 * The stored facts of these captured call rows and of the library's captured calls that
 * started near them (unless there are more than MAX_LEG_NEIGHBOURS: then the rows alone).
 */
export function legFactsNear(store: IndexStore, rowIds: Iterable<number>, known: ReadonlyMap<number, CallDetail> = new Map()): Map<number, StoredFacts> {
  const facts = new Map<number, StoredFacts>();
  for (const id of rowIds) {
    const f = known.get(id)?.facts ?? store.storedFacts(id);
    if (f && f.origin !== 'cdr') facts.set(id, f);
  }
  const extra = neighbourRows(store, [...facts.values()].map((f) => f.inviteUs ?? f.startUs)).filter((id) => !facts.has(id));
  if (extra.length <= MAX_LEG_NEIGHBOURS) {
    for (const id of extra) {
      const f = store.storedFacts(id);
      if (f) facts.set(id, f);
    }
  }
  return facts;
}

/**
 * Links the legs among these call rows and the library's captured calls near them. `known`
 * holds details already read (the caller's), so no call is read twice.
 */
export function correlateLegs(store: IndexStore, rowIds: Iterable<number>, known: ReadonlyMap<number, CallDetail> = new Map()): LegIndex {
  const facts = legFactsNear(store, rowIds, known);
  // A heuristic link the user undid in the app stays undone in analyze and report too.
  const { groups } = linkLegs([...facts].map(([key, f]) => ({ key, facts: f })), { undone: (a, b) => store.legLinks.undoneAt(a, b) !== null });
  const byRow = new Map<number, CallLegs>();
  const callIdOf = new Map<number, string>();
  for (const g of groups) {
    const legs = g.keys.map((k) => known.get(k) ?? store.getCall(k)).filter((d): d is CallDetail => d !== null);
    const endToEnd = endToEndVerdict(
      legs.map((d) => ({ callId: d.callId, facts: d.facts, verdict: d.verdict as Verdict | null })),
      minOf(g.links, (l) => l.confidence, 1),
    );
    const entry: CallLegs = { legs: g.keys, links: g.links, endToEnd };
    for (const k of g.keys) {
      byRow.set(k, entry);
      callIdOf.set(k, facts.get(k)!.callId);
    }
  }
  return { byRow, callIdOf };
}

/**
 * One summary input per end-to-end call (report counts it once): when, whether and how long
 * from its first leg in the set (the caller's), the verdict from the end-to-end verdict, and
 * the peer, Q.850 cause and final status from the leg that verdict comes from (the trunk that
 * failed, not the caller). Calls of one leg are as before.
 */
export function endToEndSummaryInputs(calls: readonly CallSummary[], legs: LegIndex, settings: DiagnosisSettings): SummaryInput[] {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const done = new Set<CallLegs>();
  const out: SummaryInput[] = [];
  for (const c of oncePerCallId(calls)) {
    const g = legs.byRow.get(c.id);
    if (!g) {
      out.push(summaryInput(c, settings));
      continue;
    }
    if (done.has(g)) continue;
    done.add(g);
    out.push(endToEndInput(g, byId, c, settings));
  }
  return out;
}

/**
 * The summary input of one end-to-end call: `byId` holds the calls counted (its legs among
 * them), `first` the first of its legs met in list order (the stand-in when none is in `byId`).
 */
export function endToEndInput(g: CallLegs, byId: ReadonlyMap<number, CallSummary>, first: CallSummary, settings: DiagnosisSettings): SummaryInput {
  const members = g.legs.map((k) => byId.get(k)).filter((m): m is CallSummary => m !== undefined);
  const origin = members[0] ?? first;
  const e2e = g.endToEnd;
  const verdictLeg = (e2e && members.find((m) => m.callId === e2e.fromLeg)) || origin;
  const base = summaryInput(origin, settings);
  const failing = summaryInput(verdictLeg, settings);
  return {
    ...base,
    bucket: e2e ? e2e.bucket : base.bucket,
    cause: e2e ? e2e.cause : base.cause,
    q850Cause: failing.q850Cause,
    finalStatus: failing.finalStatus,
    peer: failing.peer,
    kind: 'call',
  };
}
