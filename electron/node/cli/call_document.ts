// The JSON document `analyze --json` prints (schema in README "Command line"). Built from
// the index, not from the engine, so the CLI shows exactly what the app will show.

import type { CallDetail, IndexReader, SourceRecord, StoredCallStream, UnassociatedStream } from '../store/index_store.ts';
import type { MediaGap, RtpStreamStats } from '../../../shared/model/media.ts';
import { endpointKey } from '../../../shared/model/packet.ts';

export interface StreamDoc {
  ssrc: string;
  src: string;
  dst: string;
  payloadType: number;
  encoding: string;
  direction?: 'caller' | 'callee';
  startTime: string;
  endTime: string;
  packets: number;
  lost: number;
  lostPct: number;
  sequenceErrors: number;
  maxDeltaMs: number;
  meanDeltaMs: number;
  maxJitterMs: number;
  meanJitterMs: number;
  mos: number | null;
  minWindowMos: number | null;
  longestGapMs: number;
  silenceBeforeEndMs?: number | null;
  gaps: Array<{ start: string; durationMs: number; trailing: boolean }>;
}

export interface CallDoc {
  callId: string;
  kind: 'call' | 'other';
  source: string;
  from: string;
  to: string;
  callerAddr: string;
  calleeAddr: string;
  startTime: string;
  answered: boolean;
  durationMs: number;
  pddMs: number | null;
  finalStatus: number | null;
  finalReason: string;
  endMethod: string;
  endedBy: 'caller' | 'callee' | null;
  q850Cause: number | null;
  sipMessages: number;
  sipRetransmissions: number;
  streams: StreamDoc[];
}

export interface SourceDoc {
  name: string;
  path: string;
  format: string;
  status: string;
  error: string | null;
  packets: number;
  calls: number;
  sha256: string;
  captureDrops: number | null;
  warnings: Array<{ key: string; severity: string; count: number; description: string }>;
}

export interface AnalyzeDocument {
  calls: CallDoc[];
  unassociatedStreams: StreamDoc[];
  sources: SourceDoc[];
}

export const iso = (us: number): string => new Date(Math.round(us / 1000)).toISOString();
const r3 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

function gapDoc(g: MediaGap) {
  return { start: iso(g.startUs), durationMs: r3(g.durationMs), trailing: g.trailing };
}

export function streamDoc(s: RtpStreamStats & Partial<Pick<StoredCallStream, 'direction' | 'trailingGap' | 'longestGapMs' | 'silenceBeforeEndMs'>>): StreamDoc {
  const gaps = [...s.gaps, ...(s.trailingGap ? [s.trailingGap] : [])];
  return {
    ssrc: '0x' + s.ssrc.toString(16).toUpperCase().padStart(8, '0'),
    src: endpointKey(s.src, s.srcPort),
    dst: endpointKey(s.dst, s.dstPort),
    payloadType: s.payloadType,
    encoding: s.encoding,
    ...(s.direction ? { direction: s.direction } : {}),
    startTime: iso(s.firstUs),
    endTime: iso(s.lastUs),
    packets: s.packets,
    lost: s.lost,
    lostPct: s.expected > 0 ? r3((100 * s.lost) / s.expected) : 0,
    sequenceErrors: s.sequenceErrors,
    maxDeltaMs: r3(s.maxDeltaMs),
    meanDeltaMs: r3(s.meanDeltaMs),
    maxJitterMs: r3(s.maxJitterMs),
    meanJitterMs: r3(s.meanJitterMs),
    mos: s.mos === null ? null : Math.round(s.mos * 100) / 100,
    minWindowMos: s.minWindowMos === null ? null : Math.round(s.minWindowMos * 100) / 100,
    longestGapMs: r3(s.longestGapMs ?? Math.max(0, ...s.gaps.map((g) => g.durationMs))),
    ...(s.silenceBeforeEndMs !== undefined ? { silenceBeforeEndMs: s.silenceBeforeEndMs === null ? null : r3(s.silenceBeforeEndMs) } : {}),
    gaps: gaps.map(gapDoc),
  };
}

export function callDoc(c: CallDetail, sourceName: string): CallDoc {
  const f = c.facts;
  return {
    callId: f.callId,
    kind: f.kind,
    source: sourceName,
    from: f.from,
    to: f.to,
    callerAddr: f.callerAddr,
    calleeAddr: f.calleeAddr,
    startTime: iso(f.startUs),
    answered: f.answered,
    durationMs: Math.round(f.durationMs),
    pddMs: f.postDialDelayMs === null ? null : r3(f.postDialDelayMs),
    finalStatus: f.finalStatus,
    finalReason: f.finalReason,
    endMethod: f.endMethod,
    endedBy: f.endedBy,
    q850Cause: f.q850Cause,
    sipMessages: f.sipMessages,
    sipRetransmissions: f.sipRetransmissions,
    streams: c.streams.map(streamDoc),
  };
}

export function sourceDoc(s: SourceRecord, reader: IndexReader): SourceDoc {
  return {
    name: s.name,
    path: s.path,
    format: s.format,
    status: s.status,
    error: s.error,
    packets: s.packets,
    calls: s.calls,
    sha256: s.contentHash,
    captureDrops: s.captureDrops,
    warnings: reader.sourceStats(s.id).filter((w) => w.severity !== 'info').map((w) => ({ key: w.key, severity: w.severity, count: w.count, description: w.description })),
  };
}

/** Everything the index holds for these sources, as one document. */
export function buildAnalyzeDocument(reader: IndexReader, sourceIds: number[]): AnalyzeDocument {
  const doc: AnalyzeDocument = { calls: [], unassociatedStreams: [], sources: [] };
  for (const id of sourceIds) {
    const src = reader.getSource(id);
    if (!src) continue;
    doc.sources.push(sourceDoc(src, reader));
    const total = reader.countCalls({ sourceId: id });
    for (let off = 0; off < total; off += 1000) {
      for (const summary of reader.listCalls({ sourceId: id, limit: 1000, offset: off })) {
        const detail = reader.getCall(summary.id);
        if (detail) doc.calls.push(callDoc(detail, src.name));
      }
    }
    doc.unassociatedStreams.push(...reader.listUnassociatedStreams(id).map((s: UnassociatedStream) => streamDoc(s)));
  }
  return doc;
}
