// The rows `analyze` / `report` print, read for a batch of calls at a time: a handful of
// set-based queries per batch (calls, SIP message counts, streams, gaps, CDR rows) instead of
// getCall() per call, which reads every message's raw text and decodes every stream's
// per-second bins — neither of which the document prints. Kept out of index_store.ts so that
// module does not grow; the conversions mirror its getCall() (a test pins the two equal).

import type BetterSqlite3 from 'better-sqlite3';
import type { CallFacts, Side } from '../../../shared/model/call.ts';
import type { MediaGap } from '../../../shared/model/media.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import { FACTS_FROM_CDR_ROW } from './call_row.ts';
import { decodeVerdict } from './verdict_codec.ts';
import { toCdr, type CdrRow, type StoredCdrRecord } from './input_store.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

/** The stored facts without messages and streams (what facts_json holds). */
export type DocumentFacts = Omit<CallFacts, 'messages' | 'streams'>;

/** What the document prints of a call's stream (no bins, payload-type list or frames). */
export interface DocumentStream {
  ssrc: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payloadType: number;
  encoding: string;
  direction: Side;
  firstUs: number;
  lastUs: number;
  packets: number;
  lost: number;
  expected: number;
  sequenceErrors: number;
  maxDeltaMs: number;
  meanDeltaMs: number;
  maxJitterMs: number;
  meanJitterMs: number;
  mos: number | null;
  minWindowMos: number | null;
  longestGapMs: number;
  silenceBeforeEndMs: number | null;
  gaps: MediaGap[];
  trailingGap: MediaGap | null;
}

/** One call as the document reads it. */
export interface DocumentCall {
  id: number;
  sourceId: number;
  callId: string;
  origin: 'capture' | 'cdr';
  facts: DocumentFacts;
  /** Of the call's SIP messages, those seen only quoted inside an ICMP error. */
  quotedMessages: number;
  streams: DocumentStream[];
  verdict: Verdict | null;
  /** The CDR rows joined to the call (or standing as it), by source and line. */
  cdr: StoredCdrRecord[];
}

/** A call of a source, in list order. */
export interface ListedCall {
  id: number;
  callId: string;
  origin: 'capture' | 'cdr';
  kind: CallFacts['kind'];
  startUs: number;
}

interface CallRow {
  id: number;
  source_id: number;
  call_id: string;
  origin: 'capture' | 'cdr';
  facts_json: string;
  verdict_json: string | null;
  bucket: number | null;
  cause: string | null;
}

interface StreamRow {
  id: number;
  call_row_id: number;
  ssrc: number;
  src: string;
  src_port: number;
  dst: string;
  dst_port: number;
  payload_type: number;
  encoding: string;
  direction: string | null;
  first_us: number;
  last_us: number;
  packets: number;
  lost: number;
  expected: number;
  seq_errors: number;
  mean_delta_ms: number | null;
  max_delta_ms: number | null;
  mean_jitter_ms: number | null;
  max_jitter_ms: number | null;
  mos: number | null;
  min_window_mos: number | null;
  longest_gap_ms: number;
  silence_before_end_ms: number | null;
}

interface GapRow {
  stream_id: number;
  start_us: number;
  duration_ms: number;
  trailing: number;
}

/** Rows per set-based read: a bound on what one query (and one batch of documents) holds, not on what it costs. */
export const DOCUMENT_BATCH = 1000;

/** `fn` on the ids `DOCUMENT_BATCH` at a time. */
export function inBatches(ids: readonly number[], fn: (batch: number[]) => void): void {
  for (let i = 0; i < ids.length; i += DOCUMENT_BATCH) fn(ids.slice(i, i + DOCUMENT_BATCH));
}

/** The ids of a batch, bound as one JSON array parameter (no statement per batch size). */
const IN_BATCH = 'IN (SELECT value FROM json_each(?))';

/** Reading back a NULL for a model field typed `number` restores the NaN it stood for (as getCall does). */
const realBack = (v: number | null): number => v ?? NaN;

function groupBy<R, K>(rows: Iterable<R>, key: (r: R) => K): Map<K, R[]> {
  const out = new Map<K, R[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

const toGap = (r: GapRow): MediaGap => ({ startUs: r.start_us, durationMs: r.duration_ms, trailing: r.trailing === 1 });

function toStream(r: StreamRow, gaps: GapRow[]): DocumentStream {
  const trailing = gaps.find((g) => g.trailing === 1);
  return {
    ssrc: r.ssrc, src: r.src, srcPort: r.src_port, dst: r.dst, dstPort: r.dst_port,
    payloadType: r.payload_type, encoding: r.encoding, direction: r.direction as Side,
    firstUs: r.first_us, lastUs: r.last_us, packets: r.packets, lost: r.lost, expected: r.expected,
    sequenceErrors: r.seq_errors,
    maxDeltaMs: realBack(r.max_delta_ms), meanDeltaMs: realBack(r.mean_delta_ms),
    maxJitterMs: realBack(r.max_jitter_ms), meanJitterMs: realBack(r.mean_jitter_ms),
    mos: r.mos, minWindowMos: r.min_window_mos,
    longestGapMs: r.longest_gap_ms, silenceBeforeEndMs: r.silence_before_end_ms,
    gaps: gaps.filter((g) => g.trailing === 0).map(toGap),
    trailingGap: trailing ? toGap(trailing) : null,
  };
}

export class DocumentRows {
  private readonly s: Record<'listOfSource' | 'starts' | 'ladders' | 'calls' | 'facts' | 'quoted' | 'streams' | 'gaps' | 'cdr' | 'cdrStanding' | 'undone', Stmt>;

  constructor(db: Db) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      // The order of listCalls({ sourceId }): start time, then row id (walks calls_source).
      listOfSource: p('SELECT id, call_id AS callId, origin, kind, start_us AS startUs FROM calls WHERE source_id = ? ORDER BY start_us, id'),
      starts: p(`SELECT id, start_us FROM calls WHERE id ${IN_BATCH}`),
      // A message seen only quoted in an ICMP error was not seen where it was going (source_clocks.ts).
      ladders: p(`SELECT call_row_id, raw, ts_us, src, dst FROM sip_messages WHERE call_row_id ${IN_BATCH} AND raw IS NOT NULL AND quoted = 0 ORDER BY id`),
      calls: p(`SELECT id, source_id, call_id, origin, facts_json, verdict_json, bucket, cause FROM calls WHERE id ${IN_BATCH}`),
      facts: p(`SELECT id, facts_json FROM calls WHERE id ${IN_BATCH}`),
      quoted: p(`SELECT call_row_id, count(*) AS n FROM sip_messages WHERE call_row_id ${IN_BATCH} AND quoted = 1 GROUP BY call_row_id`),
      streams: p(`SELECT id, call_row_id, ssrc, src, src_port, dst, dst_port, payload_type, encoding, direction, first_us, last_us,
        packets, lost, expected, seq_errors, mean_delta_ms, max_delta_ms, mean_jitter_ms, max_jitter_ms, mos, min_window_mos,
        longest_gap_ms, silence_before_end_ms FROM streams WHERE call_row_id ${IN_BATCH} ORDER BY id`),
      gaps: p(`SELECT stream_id, start_us, duration_ms, trailing FROM gaps
        WHERE stream_id IN (SELECT id FROM streams WHERE call_row_id ${IN_BATCH}) ORDER BY stream_id, id`),
      cdr: p(`SELECT * FROM cdr_records WHERE call_row_id ${IN_BATCH} ORDER BY source_id, line`),
      // The row a CDR-only call stands for (cdr_call_facts.ts): its first 'cdr_only' row.
      cdrStanding: p(`SELECT r.*, s.name AS source_name FROM cdr_records r JOIN sources s ON s.id = r.source_id
        WHERE r.call_row_id ${IN_BATCH} AND r.join_method = 'cdr_only' ORDER BY r.id`),
      undone: p('SELECT call_id_a, call_id_b FROM leg_link_undo'),
    };
  }

  /** Every call of a source, in list order, read as the statement walks (one query). */
  *listOfSource(sourceId: number): Generator<ListedCall> {
    yield* this.s.listOfSource.iterate(sourceId) as IterableIterator<ListedCall>;
  }

  /** The start (calls.start_us: the facts' startUs) of these rows. */
  startsOf(ids: readonly number[]): Map<number, number> {
    return new Map((this.s.starts.all(JSON.stringify(ids)) as Array<{ id: number; start_us: number }>).map((r) => [r.id, r.start_us]));
  }

  /** The SIP messages these calls transmitted, raw text and all, per call in ladder order (for aligning clocks). */
  transmittedOf(ids: readonly number[]): Map<number, Array<{ content: string; tsUs: number; src: string; dst: string }>> {
    const out = new Map<number, Array<{ content: string; tsUs: number; src: string; dst: string }>>();
    for (const r of this.s.ladders.iterate(JSON.stringify(ids)) as IterableIterator<{ call_row_id: number; raw: string; ts_us: number; src: string; dst: string }>) {
      let list = out.get(r.call_row_id);
      if (!list) out.set(r.call_row_id, (list = []));
      list.push({ content: r.raw, tsUs: r.ts_us, src: r.src, dst: r.dst });
    }
    return out;
  }

  /** The stored facts of these rows; CDR-only rows (no facts of their own) are left out. */
  factsOf(ids: readonly number[]): Map<number, DocumentFacts> {
    const out = new Map<number, DocumentFacts>();
    for (const r of this.s.facts.all(JSON.stringify(ids)) as Array<{ id: number; facts_json: string }>) {
      if (r.facts_json !== FACTS_FROM_CDR_ROW) out.set(r.id, JSON.parse(r.facts_json) as DocumentFacts);
    }
    return out;
  }

  /**
   * These calls, in the order given (rows gone, or CDR-only calls whose row is gone, left
   * out), in six queries whatever their number. `facts` holds facts already parsed (the leg
   * linking read them), so facts_json is not parsed twice.
   */
  calls(ids: readonly number[], facts: ReadonlyMap<number, DocumentFacts> = new Map()): DocumentCall[] {
    if (ids.length === 0) return [];
    const batch = JSON.stringify(ids);
    const rows = new Map((this.s.calls.all(batch) as CallRow[]).map((r) => [r.id, r]));
    const quoted = new Map((this.s.quoted.all(batch) as Array<{ call_row_id: number; n: number }>).map((r) => [r.call_row_id, r.n]));
    const gaps = groupBy(this.s.gaps.all(batch) as GapRow[], (g) => g.stream_id);
    const streams = groupBy((this.s.streams.all(batch) as StreamRow[]), (r) => r.call_row_id);
    const cdr = groupBy((this.s.cdr.all(batch) as CdrRow[]).map(toCdr), (r) => r.callRowId);
    const standing = [...rows.values()].some((r) => r.facts_json === FACTS_FROM_CDR_ROW) ? this.standingFacts(ids) : new Map<number, CallFacts>();
    const out: DocumentCall[] = [];
    for (const id of ids) {
      const r = rows.get(id);
      if (!r) continue;
      const f = r.facts_json === FACTS_FROM_CDR_ROW ? standing.get(id) : (facts.get(id) ?? (JSON.parse(r.facts_json) as DocumentFacts));
      if (!f) continue;
      out.push({
        id, sourceId: r.source_id, callId: r.call_id, origin: r.origin, facts: f,
        quotedMessages: quoted.get(id) ?? 0,
        streams: (streams.get(id) ?? []).map((s) => toStream(s, gaps.get(s.id) ?? [])),
        verdict: r.verdict_json === null ? null : decodeVerdict(r.verdict_json, r.bucket, r.cause),
        cdr: cdr.get(id) ?? [],
      });
    }
    return out;
  }

  /** The facts of the CDR-only calls among these rows, rebuilt from the row each stands for. */
  private standingFacts(ids: readonly number[]): Map<number, CallFacts> {
    const out = new Map<number, CallFacts>();
    for (const r of this.s.cdrStanding.all(JSON.stringify(ids)) as Array<CdrRow & { source_name: string }>) {
      if (r.call_row_id !== null && !out.has(r.call_row_id)) out.set(r.call_row_id, cdrToFacts(toCdr(r), r.source_name));
    }
    return out;
  }

  /** The Call-ID pairs whose heuristic link the user undid, as `a\u0000b` (a < b): the whole table, read once. */
  undonePairs(): Set<string> {
    return new Set((this.s.undone.all() as Array<{ call_id_a: string; call_id_b: string }>).map((r) => `${r.call_id_a}\u0000${r.call_id_b}`));
  }
}
