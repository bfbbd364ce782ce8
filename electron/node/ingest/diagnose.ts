// Verdicts in the index: classify a call from its stored facts (plus the agent event for
// its Call-ID, when one was imported), and join CDR rows to captured calls. Re-classifying
// reads facts from the index, never the captures, so new settings apply in seconds.

import { classify } from '../../../shared/diagnosis/classifier.ts';
import { hostOf, inCidrs } from '../../../shared/diagnosis/cidr.ts';
import { normalizeNumber, sameNormalized } from '../../../shared/diagnosis/numbers.ts';
import type { SummaryInput } from '../../../shared/diagnosis/call_summary.ts';
import type { CallFacts } from '../../../shared/model/call.ts';
import type { CaptureCoverage } from '../../../shared/model/capture.ts';
import type { CdrRecord } from '../../../shared/model/cdr.ts';
import { DEFAULT_SETTINGS, type Bucket, type DiagnosisSettings, type Verdict } from '../../../shared/model/verdict.ts';
import type { CallSummary, IndexStore } from '../store/index_store.ts';
import type { JoinCandidate, JoinMethod } from '../store/input_store.ts';

/** A CDR row and a captured call are the same call when their starts are this close. */
export const JOIN_WINDOW_MS = 60_000;

/**
 * Classifies facts as they are being inserted (the event, if any, was imported earlier).
 * `coverage` is the capture's window / signalling-only, when known (CDR-only calls: null).
 */
export function verdictFor(store: IndexStore, facts: CallFacts, settings: DiagnosisSettings, coverage: CaptureCoverage | null = null): Verdict | null {
  // Non-INVITE dialogs (REGISTER, OPTIONS, SUBSCRIBE…) did not "end" as calls: no verdict.
  if (facts.kind !== 'call') return null;
  return classify(facts, settings, store.inputs.eventForCallId(facts.callId), coverage);
}

/** A source's coverage, read once per source for a run of re-classifications. */
export type CoverageLookup = (sourceId: number) => CaptureCoverage | null;

export function coverageLookup(store: IndexStore): CoverageLookup {
  const cache = new Map<number, CaptureCoverage | null>();
  return (id) => {
    if (!cache.has(id)) cache.set(id, store.getSource(id)?.coverage ?? null);
    return cache.get(id)!;
  };
}

export function classifyCallRow(store: IndexStore, callRowId: number, settings: DiagnosisSettings = DEFAULT_SETTINGS, coverageOf: CoverageLookup = coverageLookup(store)): Verdict | null {
  const d = store.getCall(callRowId);
  if (!d) return null;
  const v = verdictFor(store, d.facts, settings, d.facts.origin === 'cdr' ? null : coverageOf(d.sourceId));
  store.inputs.setVerdict(callRowId, v);
  return v;
}

/** Re-classifies every call of the index with these settings, in one transaction. */
export function reclassifyAll(store: IndexStore, settings: DiagnosisSettings): number {
  // Every row is rewritten: the summary counts are rebuilt once at the end, not row by row.
  return store.transaction(() =>
    store.inputs.reclassifyingAll(() => {
      const ids = store.inputs.allCallRowIds();
      const coverageOf = coverageLookup(store);
      for (const id of ids) classifyCallRow(store, id, settings, coverageOf);
      return ids.length;
    }),
  );
}

/** Re-classifies one source's calls (its coverage became known only at the end of the file). */
export function reclassifySource(store: IndexStore, sourceId: number, settings: DiagnosisSettings): number {
  // The source's counts go out once and come back once, not per row.
  return store.inputs.reclassifyingSource(sourceId, () => {
    const ids = store.inputs.callRowIdsOfSource(sourceId);
    const coverageOf = coverageLookup(store);
    for (const id of ids) classifyCallRow(store, id, settings, coverageOf);
    return ids.length;
  });
}

const normalized = new WeakMap<JoinCandidate, { from: string; to: string }>();

/** A captured call's numbers through normalizeNumber, worked out once per candidate object. */
function normalizedOf(c: JoinCandidate): { from: string; to: string } {
  let n = normalized.get(c);
  if (n === undefined) normalized.set(c, (n = { from: normalizeNumber(c.fromUser), to: normalizeNumber(c.toUser) }));
  return n;
}

/** The candidate starting closest to `startUs` (the first of equals), null when none. */
function closest(cs: readonly JoinCandidate[], startUs: number): JoinCandidate | null {
  let best: JoinCandidate | null = null;
  let bestD = Infinity;
  for (const c of cs) {
    const d = Math.abs(c.startUs - startUs);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Captured calls starting in [fromUs, toUs], in the order of the index calls_capture_join. */
export type CapturedBetween = (fromUs: number, toUs: number) => JoinCandidate[];

/**
 * Finds the captured call a CDR row describes: by Call-ID, else by numbers and start time.
 * `between` serves the time window (a CDR import passes its CapturedWindowCache).
 */
export function findCapturedCall(
  store: IndexStore,
  r: Pick<CdrRecord, 'callId' | 'from' | 'to' | 'startUs'>,
  between: CapturedBetween = (a, b) => store.inputs.capturedCallsBetween(a, b),
): { call: JoinCandidate; method: JoinMethod; deltaMs: number } | null {
  if (r.callId) {
    const c = closest(store.inputs.capturedCallsByCallId(r.callId), r.startUs);
    if (c) return { call: c, method: 'call_id', deltaMs: (c.startUs - r.startUs) / 1000 };
  }
  const w = JOIN_WINDOW_MS * 1000;
  const inWindow = between(r.startUs - w, r.startUs + w);
  if (inWindow.length === 0) return null;
  // The row's numbers are normalized once, not once per captured call of the window, and a
  // captured call's once while its window is cached (the same candidate serves many rows).
  const from = normalizeNumber(r.from);
  const to = normalizeNumber(r.to);
  const c = closest(inWindow.filter((x) => {
    const n = normalizedOf(x);
    return sameNormalized(n.from, from) && sameNormalized(n.to, to);
  }), r.startUs);
  return c ? { call: c, method: 'numbers_time', deltaMs: (c.startUs - r.startUs) / 1000 } : null;
}

/**
 * After a capture import: CDR rows that stood as calls of their own may now find their
 * captured call. The CDR-only call row then goes, and the row points at the captured call.
 * Only the rows that can match this source's calls are read (same Call-ID, or a start within
 * the join window of them), through indexes: the work follows the capture, not the size of
 * the library's CDR history.
 */
export function rejoinCdrOnlyRecords(store: IndexStore, sourceId: number): number {
  let joined = 0;
  for (const id of store.inputs.unjoinedCandidates(sourceId, JOIN_WINDOW_MS * 1000)) {
    const rec = store.inputs.joinKey(id);
    if (!rec || rec.joinMethod !== 'cdr_only') continue;
    const hit = findCapturedCall(store, rec);
    if (!hit) continue;
    if (rec.callRowId !== null) store.inputs.deleteCall(rec.callRowId);
    store.inputs.linkCdr(rec.id, hit.call.id, hit.method, hit.deltaMs);
    joined++;
  }
  return joined;
}

/** The peer (trunk, far end) of a call for per-peer statistics: the side that is not ours. */
export function peerOf(c: Pick<CallSummary, 'callerAddr' | 'calleeAddr'>, settings: DiagnosisSettings): string {
  if (c.callerAddr === '') return c.calleeAddr; // CDR-only: the export's peer/trunk name
  const ours = settings.ownAddresses.length > 0 && inCidrs(c.callerAddr, settings.ownAddresses);
  return hostOf(ours ? c.calleeAddr : c.callerAddr);
}

/** Two rows are one call seen twice when their starts are this close (clocks of two probes disagree). */
export const SAME_CALL_WINDOW_US = 10 * 60 * 1e6;

/**
 * The calls counted once each across captures: the same call captured at two points (both
 * sides of an SBC, a probe and a phone) has one Call-ID in two sources, and a summary that
 * counted both rows would double its attempts, answers and causes. A Call-ID alone is not
 * enough — test tools and some devices reuse them (SIPp's `1-<pid>@host`, counters after a
 * restart) — so the rows must also have the same From and To users and start within
 * SAME_CALL_WINDOW_US of each other; the first row (in the order given) stands for the call.
 */
export function oncePerCallId<T extends Pick<CallSummary, 'callId' | 'sourceId' | 'fromUser' | 'toUser' | 'startUs'>>(calls: readonly T[]): T[] {
  // Per key, the starts of the rows kept so far, by source: a row is looked up in the other
  // sources' starts by binary search (each list sorted when next searched, TimSort being
  // linear on what is already in order). Comparing a row with every earlier row of its key
  // was quadratic: a hostile capture of 100 000 dialogs sharing one Call-ID, From and To.
  const seen = new Map<string, Map<number, { starts: number[]; sorted: boolean }>>();
  return calls.filter((c) => {
    const key = `${c.callId}\u0000${c.fromUser}\u0000${c.toUser}`;
    let bySource = seen.get(key);
    if (!bySource) seen.set(key, (bySource = new Map()));
    for (const [sourceId, other] of bySource) {
      if (sourceId === c.sourceId) continue;
      if (!other.sorted) {
        other.starts.sort((x, y) => x - y);
        other.sorted = true;
      }
      if (anyWithin(other.starts, c.startUs, SAME_CALL_WINDOW_US)) return false;
    }
    const own = bySource.get(c.sourceId);
    if (!own) bySource.set(c.sourceId, { starts: [c.startUs], sorted: true });
    else {
      if (own.sorted && own.starts[own.starts.length - 1] > c.startUs) own.sorted = false;
      own.starts.push(c.startUs);
    }
    return true;
  });
}

/** Index of the first value of ascending `sorted` at or above `v`. */
function firstAtOrAbove(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether ascending `sorted` holds a value within `window` of `v`. */
function anyWithin(sorted: readonly number[], v: number, window: number): boolean {
  const i = firstAtOrAbove(sorted, v - window);
  return i < sorted.length && sorted[i] <= v + window;
}

export function summaryInput(c: CallSummary, settings: DiagnosisSettings): SummaryInput {
  return {
    startUs: c.startUs,
    bucket: c.bucket as Bucket | null,
    cause: c.cause,
    q850Cause: c.q850Cause,
    finalStatus: c.finalStatus,
    answered: c.answered,
    durationMs: c.durationMs,
    pddMs: c.pddMs,
    peer: peerOf(c, settings),
    kind: c.kind,
  };
}
