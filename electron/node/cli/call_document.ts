// The JSON document `analyze --json` prints (schema in README "Command line"). Built from
// the index, not from the engine, so the CLI shows exactly what the app will show.

import type { SourceClock } from '../ingest/source_clocks.ts';
import type { IndexReader, IndexStore, SourceRecord, StoredCallStream } from '../store/index_store.ts';
import { DOCUMENT_BATCH, inBatches, type DocumentCall } from '../store/document_rows.ts';
import { documentLegs, legFactsOf } from './document_legs.ts';
import { documentClocks, type CaptureCalls } from './document_clocks.ts';
import type { MediaGap, RtpStreamStats } from '../../../shared/model/media.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings, type Verdict } from '../../../shared/model/verdict.ts';
import type { StoredCdrRecord } from '../store/input_store.ts';
import type { CdrRow } from '../../../shared/api/contract.ts';
import { cdrRowOf } from '../api/cdr_row.ts';
import { endpointKey } from '../../../shared/model/packet.ts';
import { isoFromUs } from '../../../shared/model/time.ts';
import { maxOf } from '../../../shared/util/array_math.ts';
import type { LegLinkMethod } from '../../../shared/diagnosis/leg_links.ts';
import type { EndToEndVerdict } from '../../../shared/diagnosis/end_to_end.ts';
import type { CallLegs, LegIndex } from '../ingest/leg_calls.ts';
import { callPointsOf, type CallPoints } from '../ingest/call_points.ts';
import type { MeasurementChoice } from '../../../shared/merge/capture_points.ts';

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
  /** The capture (source name) these figures were measured at. */
  measuredAt?: string;
  /** In capturePoints.streams: why this point's measurement is the call's. */
  measuredWhy?: MeasurementChoice;
  /** In capturePoints.streams: the same stream as the other points measured it (not counted). */
  otherViews?: Array<{ measuredAt: string; packets: number; lost: number; maxJitterMs: number; mos: number | null }>;
}

/** A call several captures saw, merged on the clock of one (issue 12; ingest/call_points.ts). */
export interface CapturePointsDoc {
  /** The capture whose clock the ladder and the stream times are on. */
  reference: string;
  points: Array<{ source: string; offsetMs: number; spreadMs: number | null; transitMs: number | null; matchedMessages: number; method: 'both_directions' | 'one_direction' | null }>;
  /** Captures of the call with no SIP message in common with the reference: not merged. */
  unaligned: string[];
  /** Every point's SIP messages on the reference clock; a message both saw is one line. */
  ladder: Array<{ time: string; label: string; src: string; dst: string; seenAt: Array<{ source: string; frame: number; time: string }> }>;
  /** One measurement per stream (direction + SSRC), with where it was measured. */
  streams: StreamDoc[];
  /** The verdict on those measurements (the reference's own when it measured every stream). */
  diagnosis: DiagnosisDoc | null;
}

export interface DiagnosisDoc {
  bucket: number | null;
  bucketName: string;
  cause: string;
  problem: boolean;
  fix: Verdict['fix'];
  confidence: number;
  evidence: Array<{ text: string; time: string | null; ref: Verdict['evidence'][number]['ref'] }>;
  /** Decision-tree rules tried, the last one matched. */
  path: string[];
}

/** The end-to-end verdict: a leg's verdict, its evidence drawn from every leg (each item names its leg). */
export interface EndToEndDoc extends Omit<DiagnosisDoc, 'evidence'> {
  /** The Call-ID of the leg the verdict comes from (the first to fail, else the first leg). */
  fromLeg: string;
  evidence: Array<DiagnosisDoc['evidence'][number] & { leg: string }>;
}

export interface LegLinkDoc {
  /** Call-IDs: the upstream leg and the downstream one. */
  from: string;
  to: string;
  method: LegLinkMethod;
  confidence: number;
  /** What matched, in one sentence. */
  why: string;
}

/** A CDR row beside its call, without its raw columns (the app shows those). */
export type CdrDoc = Omit<CdrRow, 'raw'>;

export interface CallDoc {
  callId: string;
  kind: 'call' | 'other';
  /** 'capture': seen on the wire; 'cdr': known only from a CDR row (no SIP or media facts). */
  origin: 'capture' | 'cdr';
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
  /** Every SIP message of the Call-ID, retransmissions and ICMP-quoted ones included (tshark's per-Call-ID count). */
  sipMessages: number;
  sipRetransmissions: number;
  /** RTP sent to an address its receiver never uses (SDP behind NAT): the classic cause of one-way audio. */
  natMismatch: Array<{ receiver: 'caller' | 'callee'; sdpAddr: string; usedAddr: string; ssrc: string; packets: number }>;
  /** Of sipMessages, those seen only quoted inside an ICMP/ICMPv6 error (never transmissions). */
  sipQuoted: number;
  streams: StreamDoc[];
  /** The verdict; null for dialogs that are not calls (REGISTER, OPTIONS…). */
  diagnosis: DiagnosisDoc | null;
  /** CDR rows that describe this call, with how each was joined. */
  cdr: CdrDoc[];
  /** The Call-IDs of the end-to-end call this dialog is a leg of, in order (first INVITE first), itself included. */
  legs: string[];
  /** The links between those legs, with how each was found; [] for a call of one leg. */
  legLinks: LegLinkDoc[];
  /** The end-to-end call's own verdict; null for a call of one leg (its diagnosis is the end-to-end one). */
  endToEnd: EndToEndDoc | null;
  /** Set on every row of a call other captures saw too: the call merged across them. */
  capturePoints?: CapturePointsDoc;
}

export interface SourceDoc {
  /** 'capture', 'cdr' or 'agent_events'. */
  kind: string;
  name: string;
  path: string;
  format: string;
  status: string;
  error: string | null;
  packets: number;
  calls: number;
  sha256: string;
  captureDrops: number | null;
  /** Captures: when the recording ran (pcapng ISB when present, else first → last packet); null otherwise. */
  window: { start: string; end: string; from: 'isb' | 'packets' } | null;
  /** The capture filter the file recorded (pcapng if_filter), null when none. */
  captureFilter: string | null;
  /** No media could be checked: the filter left RTP out, or no call carried RTP and no filter was recorded. */
  signallingOnly: boolean;
  signallingOnlyWhy: 'filter' | 'no_rtp' | null;
  warnings: Array<{ key: string; severity: string; count: number; description: string }>;
  /** Input rows that could not be used (CDR and event files), with their line. */
  problems: Array<{ line: number; message: string }>;
}

export interface AnalyzeDocument {
  calls: CallDoc[];
  unassociatedStreams: StreamDoc[];
  sources: SourceDoc[];
  /** Clock offsets between captures that saw the same calls (absent when none did). */
  captureClocks?: CaptureClockDoc[];
}

/** One capture's clock against the reference capture (source_clocks.ts). */
export interface CaptureClockDoc {
  source: string;
  reference: string;
  sharedCalls: number;
  /** How far `source`'s clock is ahead of `reference`'s, ms; null when no message matched. */
  offsetMs: number | null;
  /** Median absolute deviation of the matched messages from the estimate, ms. */
  spreadMs: number | null;
  maxDeviationMs: number | null;
  /** One-way transit between the two capture points, ms (null when messages went one way only). */
  transitMs: number | null;
  matchedMessages: number;
  method: 'both_directions' | 'one_direction' | null;
  reason: string | null;
}

export function clockDoc(c: SourceClock, nameOf: (id: number) => string): CaptureClockDoc {
  const a = c.alignment;
  const ms = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : r3(us / 1000));
  return {
    source: nameOf(c.sourceId), reference: nameOf(c.referenceId), sharedCalls: c.sharedCalls,
    offsetMs: ms(a?.offsetUs), spreadMs: ms(a?.spreadUs), maxDeviationMs: ms(a?.maxDeviationUs), transitMs: ms(a?.transitUs),
    matchedMessages: a?.matches ?? 0, method: a?.method ?? null, reason: c.reason,
  };
}

/** ISO 8601 UTC; 'invalid time' for a value no date can hold (never throws). */
export const iso = (us: number): string => isoFromUs(us);
const r3 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

const ssrcText = (ssrc: number): string => '0x' + ssrc.toString(16).toUpperCase().padStart(8, '0');

function gapDoc(g: MediaGap) {
  return { start: iso(g.startUs), durationMs: r3(g.durationMs), trailing: g.trailing };
}

/** The figures of a stream the document prints (a batch read holds only these: no bins). */
export type StreamDocInput = Pick<RtpStreamStats, 'ssrc' | 'src' | 'srcPort' | 'dst' | 'dstPort' | 'payloadType' | 'encoding' | 'firstUs' | 'lastUs'
  | 'packets' | 'lost' | 'expected' | 'sequenceErrors' | 'maxDeltaMs' | 'meanDeltaMs' | 'maxJitterMs' | 'meanJitterMs' | 'mos' | 'minWindowMos' | 'gaps'>
  & Partial<Pick<StoredCallStream, 'direction' | 'trailingGap' | 'longestGapMs' | 'silenceBeforeEndMs'>>;

export function streamDoc(s: StreamDocInput, measuredAt?: string): StreamDoc {
  const gaps = [...s.gaps, ...(s.trailingGap ? [s.trailingGap] : [])];
  return {
    ssrc: ssrcText(s.ssrc),
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
    longestGapMs: r3(s.longestGapMs ?? Math.max(0, maxOf(s.gaps, (g) => g.durationMs, 0))),
    ...(s.silenceBeforeEndMs !== undefined ? { silenceBeforeEndMs: s.silenceBeforeEndMs === null ? null : r3(s.silenceBeforeEndMs) } : {}),
    gaps: gaps.map(gapDoc),
    ...(measuredAt !== undefined ? { measuredAt } : {}),
  };
}

export function capturePointsDoc(p: CallPoints): CapturePointsDoc {
  const m = p.merged;
  const ms = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : r3(us / 1000));
  return {
    reference: m.reference,
    points: m.clocks.map((c) => ({
      source: c.point, offsetMs: r3(c.offsetUs / 1000), spreadMs: ms(c.alignment?.spreadUs), transitMs: ms(c.alignment?.transitUs),
      matchedMessages: c.alignment?.matches ?? 0, method: c.alignment?.method ?? null,
    })),
    unaligned: m.unaligned,
    ladder: m.messages.map((e) => ({
      time: iso(e.tsUs), label: e.message.label, src: e.message.src, dst: e.message.dst,
      seenAt: e.seenAt.map((x) => ({ source: x.point, frame: x.frame, time: iso(x.tsUs) })),
    })),
    streams: m.streams.map((x) => ({
      ...streamDoc(x.stream, x.measuredAt), measuredWhy: x.why,
      otherViews: x.others.map((o) => ({ measuredAt: o.measuredAt, packets: o.stream.packets, lost: o.stream.lost, maxJitterMs: r3(o.stream.maxJitterMs), mos: o.stream.mos === null ? null : Math.round(o.stream.mos * 100) / 100 })),
    })),
    diagnosis: p.verdict ? diagnosisDoc(p.verdict) : null,
  };
}

export function diagnosisDoc(v: Verdict): DiagnosisDoc {
  return {
    bucket: v.bucket,
    bucketName: v.bucketName,
    cause: v.cause,
    problem: v.problem,
    fix: v.fix,
    confidence: v.confidence,
    evidence: v.evidence.map((e) => ({ text: e.text, time: e.tsUs === null ? null : iso(e.tsUs), ref: e.ref })),
    path: v.path,
  };
}

function cdrDoc(r: StoredCdrRecord, sourceName: (id: number) => string): CdrDoc {
  const { raw: _raw, ...row } = cdrRowOf(r, sourceName);
  return row;
}

export function endToEndDoc(v: EndToEndVerdict): EndToEndDoc {
  const { evidence, ...rest } = diagnosisDoc({ ...v, evidence: [] });
  void evidence;
  return { ...rest, fromLeg: v.fromLeg, evidence: v.evidence.map((e) => ({ text: e.text, time: e.tsUs === null ? null : iso(e.tsUs), ref: e.ref, leg: e.leg })) };
}

/** legs / legLinks / endToEnd of a call, from the leg index (a call of one leg when it is in none). */
export function legsDoc(callId: string, legs: CallLegs | undefined, callIdOf: (rowId: number) => string): Pick<CallDoc, 'legs' | 'legLinks' | 'endToEnd'> {
  if (!legs) return { legs: [callId], legLinks: [], endToEnd: null };
  return {
    legs: [...new Set(legs.legs.map(callIdOf))],
    legLinks: legs.links.map((l) => ({ from: callIdOf(l.from), to: callIdOf(l.to), method: l.method, confidence: l.confidence, why: l.why })),
    endToEnd: legs.endToEnd ? endToEndDoc(legs.endToEnd) : null,
  };
}

/** What callDoc prints of a call: a batch read of the index (document_rows.ts). */
export type CallDocInput = Pick<DocumentCall, 'facts' | 'origin' | 'sourceId' | 'streams' | 'verdict' | 'quotedMessages'>;

export function callDoc(
  c: CallDocInput,
  sourceName: (id: number) => string,
  cdr: StoredCdrRecord[] = [],
  legs: Pick<CallDoc, 'legs' | 'legLinks' | 'endToEnd'> | null = null,
  points: CapturePointsDoc | null = null,
): CallDoc {
  const f = c.facts;
  return {
    callId: f.callId,
    kind: f.kind,
    origin: c.origin,
    source: sourceName(c.sourceId),
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
    natMismatch: (f.natMismatch ?? []).map((n) => ({ ...n, ssrc: ssrcText(n.ssrc) })),
    sipQuoted: c.quotedMessages,
    streams: c.streams.map((s) => streamDoc(s, sourceName(c.sourceId))),
    diagnosis: c.verdict ? diagnosisDoc(c.verdict) : null,
    cdr: cdr.map((r) => cdrDoc(r, sourceName)),
    ...(legs ?? { legs: [f.callId], legLinks: [], endToEnd: null }),
    ...(points ? { capturePoints: points } : {}),
  };
}

export function sourceDoc(s: SourceRecord, reader: IndexReader, problems: Array<{ line: number; message: string }> = []): SourceDoc {
  return {
    kind: s.format.startsWith('cdr:') ? 'cdr' : s.format === 'agent_events' ? 'agent_events' : 'capture',
    name: s.name,
    path: s.path,
    format: s.format,
    status: s.status,
    error: s.error,
    packets: s.packets,
    calls: s.calls,
    sha256: s.contentHash,
    captureDrops: s.captureDrops,
    window: s.coverage?.window ? { start: iso(s.coverage.window.startUs), end: iso(s.coverage.window.endUs), from: s.coverage.window.from } : null,
    captureFilter: s.coverage?.filter ?? null,
    signallingOnly: s.coverage?.signallingOnly ?? false,
    signallingOnlyWhy: s.coverage?.signallingOnlyWhy ?? null,
    warnings: reader.sourceStats(s.id).filter((w) => w.severity !== 'info').map((w) => ({ key: w.key, severity: w.severity, count: w.count, description: w.description })),
    problems,
  };
}

/** Everything the index holds for these sources, as one document. */
export function buildAnalyzeDocument(store: IndexStore, sourceIds: number[], settings: DiagnosisSettings = DEFAULT_SETTINGS): AnalyzeDocument {
  return collectAnalyzeDocument(store, sourceIds, settings).doc;
}

/** The sources of a run and the calls they hold (each once), before any call is read whole. */
interface DocumentScope {
  sources: SourceDoc[];
  unassociatedStreams: StreamDoc[];
  /** As listed: each source's calls (start, row id), then the calls its CDR rows joined. */
  rowIds: number[];
  /** Call-ID → the given captures that listed it (a call several saw is merged). */
  sourcesOfCallId: Map<string, Set<number>>;
  /** The given captures with their calls' Call-IDs, for their clocks (only when two or more were given). */
  captures: CaptureCalls[];
  /** Row id → its start, as the document prints it (the order of the calls). */
  startTimes: Map<number, string>;
}

const isCaptureFormat = (format: string): boolean => !format.startsWith('cdr:') && format !== 'agent_events';

function documentScope(store: IndexStore, sourceIds: number[]): DocumentScope {
  const scope: DocumentScope = { sources: [], unassociatedStreams: [], rowIds: [], sourcesOfCallId: new Map(), captures: [], startTimes: new Map() };
  const seen = new Set<number>();
  const addCall = (rowId: number): void => {
    if (seen.has(rowId)) return;
    seen.add(rowId);
    scope.rowIds.push(rowId);
  };
  const unique = [...new Set(sourceIds)];
  const clocks = unique.filter((id) => isCaptureFormat(store.getSource(id)?.format ?? '')).length >= 2;
  const walked = new Set<number>();
  for (const id of sourceIds) {
    const src = store.getSource(id);
    if (!src) continue;
    scope.sources.push(sourceDoc(src, store, store.inputs.rowProblems(id)));
    // One statement walks the source's calls (listCalls' order), not a page of 1000 at a time.
    const callIds = clocks && !walked.has(id) && isCaptureFormat(src.format) ? new Map<string, number>() : null;
    walked.add(id);
    for (const c of store.documentRows.listOfSource(id)) {
      addCall(c.id);
      scope.startTimes.set(c.id, iso(c.startUs));
      if (c.origin === 'capture') scope.sourcesOfCallId.set(c.callId, (scope.sourcesOfCallId.get(c.callId) ?? new Set()).add(id));
      if (callIds && c.kind === 'call' && !callIds.has(c.callId)) callIds.set(c.callId, c.id);
    }
    if (callIds) scope.captures.push({ id, calls: callIds });
    // A CDR file's rows that joined captured calls bring those calls along.
    for (const r of store.inputs.cdrRecordsOfSource(id)) if (r.callRowId !== null) addCall(r.callRowId);
    for (const s of store.listUnassociatedStreams(id)) scope.unassociatedStreams.push(streamDoc(s, src.name));
  }
  // Calls of other sources (joined by a CDR row) were not walked: their starts, a batch at a time.
  inBatches(scope.rowIds.filter((id) => !scope.startTimes.has(id)), (batch) => {
    for (const [id, us] of store.documentRows.startsOf(batch)) scope.startTimes.set(id, iso(us));
  });
  return scope;
}

/**
 * The order of `a.localeCompare(b)` over the start times, which the document has always been
 * sorted by. When every start is a plain ISO time (one format, digits in the same places) it
 * is the code-point order, which costs a fraction of a collation (and needs no ICU start-up).
 */
export function startOrder(times: Iterable<string>): (a: string, b: string) => number {
  const plain = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  for (const t of times) if (!plain.test(t)) return (a, b) => a.localeCompare(b);
  return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * What `report` prints besides the calls' summaries: the sources and the end-to-end calls,
 * linked exactly as for the document, without reading any call whole.
 */
export function collectReportInputs(store: IndexStore, sourceIds: number[]): { sources: SourceDoc[]; legs: LegIndex } {
  const scope = documentScope(store, sourceIds);
  return { sources: scope.sources, legs: documentLegs(store, legFactsOf(store, scope.rowIds)) };
}

/** The document with its calls still to be read: `calls` reads and builds them a batch at a time, in document order, as it is iterated. */
export interface AnalyzeDocumentParts {
  calls: Iterable<CallDoc>;
  /** The rest of the document, in its key order. */
  rest: Omit<AnalyzeDocument, 'calls'>;
  legs: LegIndex;
  /** The row ids of the calls `calls` gave (complete once it has been iterated). */
  rowIds: number[];
}

/**
 * The document, its calls read DOCUMENT_BATCH at a time in a fixed number of queries per batch
 * (document_rows.ts) and built as they are printed, so a run of 100 000 calls never holds them
 * all at once (only their facts, for linking legs, which go as their calls are printed). No
 * call's raw SIP or stream bins are read, except for a call several of the given captures saw,
 * which is merged from its points' ladders (call_points.ts). `settings` classify those merged
 * calls (their verdict is not stored).
 */
export function analyzeDocumentParts(store: IndexStore, sourceIds: number[], settings: DiagnosisSettings = DEFAULT_SETTINGS): AnalyzeDocumentParts {
  const scope = documentScope(store, sourceIds);
  const names = new Map<number, string>();
  const nameOf = (id: number): string => {
    if (!names.has(id)) names.set(id, store.getSource(id)?.name ?? `source #${id}`);
    return names.get(id)!;
  };
  // The facts are parsed once: for the links first, then handed to the batch that prints them.
  const facts = legFactsOf(store, scope.rowIds);
  const legs = documentLegs(store, facts);
  const callIdOf = (id: number): string => legs.callIdOf.get(id) ?? `#${id}`;
  // A call captured at several points is merged once and the document shared by its rows.
  // Only Call-IDs that more than one given capture listed are looked for elsewhere: a run of
  // single captures reads no call whole.
  const merged = new Map<number, CapturePointsDoc | null>();
  const given = new Set(sourceIds);
  const pointsOf = (c: DocumentCall): CapturePointsDoc | null => {
    if (c.origin !== 'capture' || (scope.sourcesOfCallId.get(c.callId)?.size ?? 0) < 2) return null;
    if (!merged.has(c.id)) {
      const detail = store.getCall(c.id);
      // Only the captures given are merged, not others the library holds.
      const p = detail ? callPointsOf(store, detail, settings, given) : null;
      const d = p ? capturePointsDoc(p) : null;
      for (const r of p?.rows ?? [c]) merged.set(r.id, d);
    }
    return merged.get(c.id) ?? null;
  };
  // Sorted by start as printed (a stable sort: equal starts keep the listed order), so the
  // calls can be printed as they are read instead of all read, then sorted.
  const starts = scope.startTimes;
  const byStart = startOrder(starts.values());
  const ordered = scope.rowIds.filter((id) => starts.has(id)).sort((a, b) => byStart(starts.get(a)!, starts.get(b)!));
  const kept: number[] = [];
  function* calls(): Generator<CallDoc> {
    for (let i = 0; i < ordered.length; i += DOCUMENT_BATCH) {
      const batch = ordered.slice(i, i + DOCUMENT_BATCH);
      for (const c of store.documentRows.calls(batch, facts)) {
        kept.push(c.id);
        yield callDoc(c, nameOf, c.cdr, legsDoc(c.callId, legs.byRow.get(c.id), callIdOf), pointsOf(c));
      }
      // Printed: their facts are not needed again.
      for (const id of batch) facts.delete(id);
    }
  }
  const rest: Omit<AnalyzeDocument, 'calls'> = { unassociatedStreams: scope.unassociatedStreams, sources: scope.sources };
  const clocks = documentClocks(store, scope.captures);
  if (clocks.length > 0) rest.captureClocks = clocks.map((c) => clockDoc(c, nameOf));
  return { calls: calls(), rest, legs, rowIds: kept };
}

/** The whole document (every call in memory), and the leg index it was built with. */
export function collectAnalyzeDocument(store: IndexStore, sourceIds: number[], settings: DiagnosisSettings = DEFAULT_SETTINGS): { doc: AnalyzeDocument; legs: LegIndex; rowIds: number[] } {
  const parts = analyzeDocumentParts(store, sourceIds, settings);
  return { doc: { calls: [...parts.calls], ...parts.rest }, legs: parts.legs, rowIds: parts.rowIds };
}
