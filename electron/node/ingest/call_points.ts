// A call as seen from every capture point that recorded it (issue 12): the rows of the same
// call in other captures (same Call-ID, From and To users, a start within SAME_CALL_WINDOW_US,
// another source — the rule oncePerCallId counts calls by), merged by
// shared/merge/capture_points.ts onto the clock of the first-imported capture.
//
// The clock offset is estimated per call from the call's own messages, not once per pair of
// captures: two unsynchronised clocks drift apart over a day-long capture, and a call's own
// messages (a dozen, seconds apart) put its points together more closely than a run-wide
// median would; it also keeps opening one call to reading that call's rows only.
//
// The verdict of a merged call is the classifier run on the reference row's facts with the
// streams replaced by the measurements kept — the same rules, one measurement per stream.

import { classify } from '../../../shared/diagnosis/classifier.ts';
import { mergeCapturePoints, type MergedCall } from '../../../shared/merge/capture_points.ts';
import type { CallFacts, CallStream } from '../../../shared/model/call.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings, type Verdict } from '../../../shared/model/verdict.ts';
import type { CallDetail, CallSummary, IndexStore, StoredCallStream, StoredSipMessage } from '../store/index_store.ts';
import { SAME_CALL_WINDOW_US } from './diagnose.ts';

/** Capture points merged into one call at most (bounded work for a Call-ID every probe saw). */
export const MAX_CAPTURE_POINTS = 8;

export interface CallPoints {
  /** The rows merged, reference first (one per source). */
  rows: CallDetail[];
  names: string[];
  merged: MergedCall<StoredSipMessage, StoredCallStream>;
  /** The verdict on the measurements kept (the reference row's own when they are all its own). */
  verdict: Verdict | null;
}

/**
 * The rows of the same call captured at other points, the given row among them, one per
 * source (the closest start when a source has several). `sources`: only these captures (the
 * CLI merges the files it was given, not the library), in the order given — the first is the
 * reference clock, so parallel imports (which commit in any order) merge as sequential ones
 * do; without it, by source id (import order).
 */
export function sameCallRows(store: Pick<IndexStore, 'findCallsByCallId'>, row: CallSummary, sources: ReadonlySet<number> | null = null): CallSummary[] {
  if (row.origin !== 'capture') return [row];
  const bySource = new Map<number, CallSummary>([[row.sourceId, row]]);
  for (const c of store.findCallsByCallId(row.callId)) {
    if (c.origin !== 'capture' || c.sourceId === row.sourceId || c.fromUser !== row.fromUser || c.toUser !== row.toUser) continue;
    if (sources && !sources.has(c.sourceId)) continue;
    const d = Math.abs(c.startUs - row.startUs);
    if (d > SAME_CALL_WINDOW_US) continue;
    const had = bySource.get(c.sourceId);
    if (!had || d < Math.abs(had.startUs - row.startUs)) bySource.set(c.sourceId, c);
  }
  const rank = sources ? new Map([...sources].map((id, i) => [id, i])) : null;
  const order = (c: CallSummary): number => rank?.get(c.sourceId) ?? c.sourceId;
  return [...bySource.values()].sort((a, b) => order(a) - order(b) || a.sourceId - b.sourceId).slice(0, MAX_CAPTURE_POINTS);
}

/**
 * The call `opened` (read by the caller, not again here) merged across capture points; null
 * when only one capture saw it.
 */
export function callPointsOf(
  store: Pick<IndexStore, 'findCallsByCallId' | 'getCall' | 'getSource' | 'inputs'>,
  opened: CallDetail,
  settings: DiagnosisSettings = DEFAULT_SETTINGS,
  sources: ReadonlySet<number> | null = null,
): CallPoints | null {
  const group = sameCallRows(store, opened, sources);
  if (group.length < 2) return null;
  const rows = group.map((c) => (c.id === opened.id ? opened : store.getCall(c.id))).filter((d): d is CallDetail => d !== null);
  if (rows.length < 2) return null;
  const names = rows.map((r) => store.getSource(r.sourceId)?.name ?? `source #${r.sourceId}`);
  // Two captures with one file name (probe/trace.pcap, phone/trace.pcap) must stay apart.
  const unique = names.map((n, i) => (names.indexOf(n) === i ? n : `${n} (#${rows[i].sourceId})`));
  const ref = rows[0];
  const merged = mergeCapturePoints(
    rows.map((r, i) => ({ point: unique[i], messages: r.messages, streams: r.streams })),
    ref.facts.callerAddr,
  );
  return { rows, names: unique, merged, verdict: mergedVerdict(store, ref, merged, settings) };
}

function mergedVerdict(store: Pick<IndexStore, 'getSource' | 'inputs'>, ref: CallDetail, merged: MergedCall<StoredSipMessage, StoredCallStream>, settings: DiagnosisSettings): Verdict | null {
  if (ref.facts.kind !== 'call') return null;
  const own = merged.streams.every((m) => m.measuredAt === merged.reference);
  if (own && merged.streams.length === ref.facts.streams.length) return (ref.verdict as Verdict | null) ?? null;
  const facts: CallFacts = { ...ref.facts, streams: merged.streams.map((m) => factStream(m.stream)) };
  return classify(facts, settings, store.inputs.eventForCallId(facts.callId), store.getSource(ref.sourceId)?.coverage ?? null);
}

/** A stored stream as the facts hold it (without the index's keys). */
function factStream(s: StoredCallStream): CallStream {
  const { id: _i, sourceId: _s, callRowId: _c, ...rest } = s;
  return rest;
}
