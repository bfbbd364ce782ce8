// One call as the page sees it (the contract's CallDetail): the indexed call with its ladder
// messages, streams, RTCP, verdict, joined CDR rows and the capture's window and coverage.
// The getCall handler and the HTML incident report both read calls through this, so the
// report shows exactly what the app shows. A call other captures saw too is shown merged
// across those capture points (ingest/call_points.ts): one ladder on the reference's clock,
// one measurement per stream, each saying where it was measured.

import type { CallDetail, CapturePoints, CdrRow, LadderMessage, MeasuredStream, StreamView } from '../../../shared/api/contract.ts';
import type { CallStream } from '../../../shared/model/call.ts';
import type { RtpStreamStats } from '../../../shared/model/media.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings, type Verdict } from '../../../shared/model/verdict.ts';
import type { StreamMeasurement } from '../../../shared/merge/capture_points.ts';
import type { IndexStore, StoredCallStream, StoredSipMessage } from '../store/index_store.ts';
import { callPointsOf, type CallPoints } from '../ingest/call_points.ts';
import { cdrRowOf } from './cdr_row.ts';
import { callRow } from './call_row.ts';

/** Strips the index's own keys so the page gets the model types and nothing else. */
export function plainStream<T extends RtpStreamStats>(s: T & { id?: number; sourceId?: number; callRowId?: number | null }): T {
  const { id: _i, sourceId: _s, callRowId: _c, ...rest } = s;
  return rest as unknown as T;
}

type DetailStore = Pick<IndexStore, 'getCall' | 'getSource' | 'inputs' | 'findCallsByCallId'>;

function ladderMessage(m: StoredSipMessage, index: number): LadderMessage {
  return {
    frame: m.frame, tsUs: m.tsUs, src: m.src, dst: m.dst, label: m.label, cseq: m.cseq, cseqMethod: m.cseqMethod,
    retransmission: m.retransmission, ...(m.quoted ? { quoted: true } : {}), index, transport: m.transport, raw: m.raw,
  };
}

/**
 * The call at `id` as the page sees it; null when the index holds no such call. `settings`
 * classify a call merged across capture points (its verdict is not stored: it depends on
 * which captures are in the library).
 */
export function callDetailOf(store: DetailStore, id: number, settings: DiagnosisSettings = DEFAULT_SETTINGS): CallDetail | null {
  const d = store.getCall(id);
  if (!d) return null;
  const src = store.getSource(d.sourceId);
  const names = new Map<number, string>();
  const nameOf = (sid: number): string => {
    if (!names.has(sid)) names.set(sid, store.getSource(sid)?.name ?? `source #${sid}`);
    return names.get(sid)!;
  };
  const cdr: CdrRow[] = store.inputs.cdrRecordsOfCall(id).map((r) => cdrRowOf(r, nameOf));
  const sourceName = src?.name ?? `source #${d.sourceId}`;
  const points = d.origin === 'capture' ? callPointsOf(store, d, settings) : null;
  const ref = points?.rows[0] ?? d;
  const refSrc = ref === d ? src : store.getSource(ref.sourceId);
  return {
    row: callRow(d),
    sourceName,
    messages: points ? mergedLadder(points) : d.messages.map(ladderMessage),
    streams: points
      ? points.merged.streams.map(measuredStream)
      : d.streams.map((s) => ({ ...plainStream<CallStream>(s), measuredAt: sourceName })),
    rtcp: ref.rtcp.map((r) => {
      const { id: _i, sourceId: _s, callRowId: _c, ...rest } = r;
      return rest;
    }),
    verdict: points ? points.verdict : ((d.verdict as Verdict | null) ?? null),
    cdr,
    capture: {
      firstUs: refSrc?.coverage?.window?.startUs ?? refSrc?.firstUs ?? null,
      lastUs: refSrc?.coverage?.window?.endUs ?? refSrc?.lastUs ?? null,
      coverage: d.origin === 'cdr' ? null : refSrc?.coverage ?? null,
    },
    natMismatch: ref.facts.natMismatch ?? [],
    media: d.origin === 'cdr' ? null : ref.facts.media,
    ...(points ? { capturePoints: capturePointsInfo(points) } : {}),
  };
}

/**
 * The merged ladder. The reference's messages keep their own index (the verdict's evidence
 * refers to them); a message only another point saw gets an index after all of those.
 */
function mergedLadder(points: CallPoints): LadderMessage[] {
  const { merged } = points;
  let next = points.rows[0].messages.length;
  return merged.messages.map((e) => {
    const index = e.point === merged.reference ? e.pointIndex : next++;
    return { ...ladderMessage(e.message, index), tsUs: e.tsUs, seenAt: e.seenAt.map((s) => ({ ...s })) };
  });
}

function view(s: StoredCallStream, measuredAt: string): StreamView {
  return {
    measuredAt, packets: s.packets, lost: s.lost, expected: s.expected, maxJitterMs: s.maxJitterMs, meanJitterMs: s.meanJitterMs,
    maxDeltaMs: s.maxDeltaMs, mos: s.mos, firstUs: s.firstUs, lastUs: s.lastUs,
  };
}

function measuredStream(m: StreamMeasurement<StoredCallStream>): MeasuredStream {
  return { ...plainStream<CallStream>(m.stream), measuredAt: m.measuredAt, measuredWhy: m.why, otherViews: m.others.map((o) => view(o.stream, o.measuredAt)) };
}

function capturePointsInfo(p: CallPoints): CapturePoints {
  const rowOf = new Map(p.names.map((n, i) => [n, p.rows[i].id]));
  return {
    reference: p.merged.reference,
    points: p.merged.clocks.map((c) => ({
      source: c.point, callRowId: rowOf.get(c.point)!, offsetUs: c.offsetUs,
      spreadUs: c.alignment?.spreadUs ?? null, maxDeviationUs: c.alignment?.maxDeviationUs ?? null, transitUs: c.alignment?.transitUs ?? null,
      matchedMessages: c.alignment?.matches ?? 0, method: c.alignment?.method ?? null,
    })),
    unaligned: p.merged.unaligned.map((n) => ({ source: n, callRowId: rowOf.get(n)! })),
  };
}
