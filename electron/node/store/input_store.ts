// SQL for the inputs beyond captures (CDR rows, agent events, malformed input rows) and for
// verdicts. Kept beside index_store.ts, which hands it its connection: all SQL of the index
// lives in electron/node/store.

import type BetterSqlite3 from 'better-sqlite3';
import type { AgentEvent, CdrFormat, CdrRecord, RowProblem } from '../../../shared/model/cdr.ts';
import type { CallFacts } from '../../../shared/model/call.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import { CDR_ONLY_CALL_INSERT, cdrOnlyCallValues } from './call_row.ts';
import { encodeVerdict } from './verdict_codec.ts';
import { callById, callsByIds, callsOfSource, type KeptCounts } from './kept_counts.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

export type JoinMethod = 'call_id' | 'numbers_time' | 'cdr_only';

export interface StoredCdrRecord extends CdrRecord {
  id: number;
  sourceId: number;
  callRowId: number | null;
  joinMethod: JoinMethod | null;
  joinDeltaMs: number | null;
}

export interface JoinCandidate {
  id: number;
  callId: string;
  fromUser: string;
  toUser: string;
  startUs: number;
}

/**
 * The numbers-and-time join: captured calls starting in a window. It must be served by the
 * partial covering index calls_capture_join (captured calls only), so its cost follows the
 * captured calls in the window, never the CDR-only calls an import adds (a test checks the plan).
 * INDEXED BY, because without statistics (no ANALYZE) SQLite prefers any index that starts
 * with an equality on `kind`: one on (kind, column, id) for sorting the call list (migration 9)
 * made every search scan all calls of kind 'call', CDR-only ones included (100 000 rows: 10× the time).
 */
export const CAPTURED_IN_WINDOW_SQL = `SELECT id, call_id, from_user, to_user, start_us FROM calls INDEXED BY calls_capture_join
  WHERE start_us BETWEEN ? AND ? AND origin = 'capture' AND kind = 'call'`;

/**
 * The same search over a half-open slot [from, to), in the index's order, at most `limit`
 * rows: a CDR import reads the captured calls a minute at a time (captured_window_cache.ts).
 */
export const CAPTURED_IN_SLOT_SQL = `SELECT id, call_id, from_user, to_user, start_us FROM calls INDEXED BY calls_capture_join
  WHERE start_us >= ? AND start_us < ? AND origin = 'capture' AND kind = 'call'
  ORDER BY start_us, from_user, to_user, call_id, id LIMIT ?`;

/** The Call-ID join, through calls_call_id whatever other indexes start with `kind` (see above). */
export const CAPTURED_BY_CALL_ID_SQL = `SELECT id, call_id, from_user, to_user, start_us FROM calls INDEXED BY calls_call_id
  WHERE call_id = ? AND origin = 'capture' AND kind = 'call'`;

/** At most this many malformed rows are kept line by line per source; the rest are counted. */
export const MAX_ROW_PROBLEMS = 1000;

export interface CdrRow {
  id: number;
  source_id: number;
  line: number;
  format: string;
  call_id: string | null;
  vendor_id: string | null;
  from_user: string;
  to_user: string;
  start_us: number;
  answer_us: number | null;
  end_us: number | null;
  duration_s: number | null;
  billsec_s: number | null;
  answered: number | null;
  disposition: string;
  q850_cause: number | null;
  sip_code: number | null;
  ended_by: 'caller' | 'callee' | null;
  peer: string;
  quality_json: string | null;
  raw_json: string;
  call_row_id: number | null;
  join_method: JoinMethod | null;
  join_delta_ms: number | null;
}

interface EventRow {
  line: number;
  call_id: string;
  initiator: AgentEvent['initiator'];
  sip_final_code: number | null;
  last_rtp_us: number | null;
  llm_last_ttft_ms: number | null;
  stt_last_confidence: number | null;
  last_mos: number | null;
  raw_json: string;
}

export function toCdr(r: CdrRow): StoredCdrRecord {
  return {
    id: r.id,
    sourceId: r.source_id,
    format: r.format as CdrFormat,
    line: r.line,
    callId: r.call_id,
    vendorId: r.vendor_id,
    from: r.from_user,
    to: r.to_user,
    startUs: r.start_us,
    answerUs: r.answer_us,
    endUs: r.end_us,
    durationS: r.duration_s,
    billsecS: r.billsec_s,
    answered: r.answered === null ? null : r.answered === 1,
    disposition: r.disposition,
    q850Cause: r.q850_cause,
    sipCode: r.sip_code,
    endedBy: r.ended_by,
    peer: r.peer,
    ...(r.quality_json ? { quality: JSON.parse(r.quality_json) as CdrRecord['quality'] } : {}),
    raw: JSON.parse(r.raw_json) as Record<string, string>,
    callRowId: r.call_row_id,
    joinMethod: r.join_method,
    joinDeltaMs: r.join_delta_ms,
  };
}

function toEvent(r: EventRow): AgentEvent {
  return {
    line: r.line,
    callId: r.call_id,
    initiator: r.initiator,
    sipFinalCode: r.sip_final_code,
    lastRtpUs: r.last_rtp_us,
    llmLastTtftMs: r.llm_last_ttft_ms,
    sttLastConfidence: r.stt_last_confidence,
    lastMos: r.last_mos,
    raw: JSON.parse(r.raw_json) as Record<string, string>,
  };
}

const finite = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** A CDR row as it reads back from the index (a non-finite number is stored as NULL). */
export function storedCdr(r: CdrRecord): CdrRecord {
  const same = r.answerUs === finite(r.answerUs) && r.endUs === finite(r.endUs) && r.durationS === finite(r.durationS) && r.billsecS === finite(r.billsecS);
  return same ? r : { ...r, answerUs: finite(r.answerUs), endUs: finite(r.endUs), durationS: finite(r.durationS), billsecS: finite(r.billsecS) };
}

/**
 * The values of a cdr_records row but its link to a call (call_row_id, join_method,
 * join_delta_ms), in the order of insertCdrValues(). Plain values (structured-clonable), so
 * the CDR row worker makes them while this thread writes.
 */
export function cdrRecordValues(sourceId: number, r: CdrRecord): unknown[] {
  return [
    sourceId, r.line, r.format, r.callId, r.vendorId, r.from, r.to, r.startUs, finite(r.answerUs), finite(r.endUs),
    finite(r.durationS), finite(r.billsecS), r.answered === null ? null : r.answered ? 1 : 0, r.disposition,
    r.q850Cause, r.sipCode, r.endedBy, r.peer, r.quality ? JSON.stringify(r.quality) : null, JSON.stringify(r.raw),
  ];
}

/** Where cdrRecordValues() puts what the join reads. */
export const CDR_VALUE = { callId: 3, from: 5, to: 6, startUs: 7 } as const;

export class InputStore {
  private readonly s: Record<string, Stmt>;

  constructor(
    private readonly db: Db,
    private readonly kept: KeptCounts,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      insertCdr: p(`INSERT INTO cdr_records (source_id, line, format, call_id, vendor_id, from_user, to_user, start_us,
        answer_us, end_us, duration_s, billsec_s, answered, disposition, q850_cause, sip_code, ended_by, peer,
        quality_json, raw_json) VALUES (${new Array<string>(20).fill('?').join(', ')})`),
      insertCdrLinked: p(`INSERT INTO cdr_records (source_id, line, format, call_id, vendor_id, from_user, to_user, start_us,
        answer_us, end_us, duration_s, billsec_s, answered, disposition, q850_cause, sip_code, ended_by, peer,
        quality_json, raw_json, call_row_id, join_method, join_delta_ms) VALUES (${new Array<string>(23).fill('?').join(', ')})`),
      // CDR-only rows a capture's calls may join: by Call-ID, or starting within the window
      // around the capture's calls (cdr_records_unjoined keeps this to the rows in range).
      unjoinedByCallIdOf: p(`SELECT r.id FROM calls c JOIN cdr_records r ON r.call_id = c.call_id
        WHERE c.source_id = ? AND r.join_method = 'cdr_only'`),
      unjoinedBetween: p("SELECT id FROM cdr_records WHERE join_method = 'cdr_only' AND start_us BETWEEN ? AND ?"),
      joinKeyOf: p('SELECT id, call_id, from_user, to_user, start_us, call_row_id, join_method FROM cdr_records WHERE id = ?'),
      callSpanOf: p("SELECT min(start_us) AS lo, max(start_us) AS hi FROM calls WHERE source_id = ? AND origin = 'capture'"),
      linkCdr: p('UPDATE cdr_records SET call_row_id = ?, join_method = ?, join_delta_ms = ? WHERE id = ?'),
      cdrOfSource: p('SELECT * FROM cdr_records WHERE source_id = ? ORDER BY line'),
      cdrOfCall: p('SELECT * FROM cdr_records WHERE call_row_id = ? ORDER BY source_id, line'),
      cdrOnly: p("SELECT * FROM cdr_records WHERE join_method = 'cdr_only' ORDER BY id"),
      // Rows whose call went (ON DELETE SET NULL, or reset by the cleanup of a killed import):
      // read through cdr_records_call, never by scanning the CDR history.
      orphaned: p('SELECT r.*, s.name AS source_name FROM cdr_records r JOIN sources s ON s.id = r.source_id WHERE r.call_row_id IS NULL ORDER BY r.id LIMIT ?'),
      insertEvent: p(`INSERT INTO agent_events (source_id, line, call_id, initiator, sip_final_code, last_rtp_us,
        llm_last_ttft_ms, stt_last_confidence, last_mos, raw_json) VALUES (${new Array<string>(10).fill('?').join(', ')})`),
      // The latest event for a Call-ID wins (a platform may log a call twice).
      eventOf: p(`SELECT line, call_id, initiator, sip_final_code, last_rtp_us, llm_last_ttft_ms, stt_last_confidence,
        last_mos, raw_json FROM agent_events WHERE call_id = ? ORDER BY source_id DESC, line DESC LIMIT 1`),
      eventCallIds: p('SELECT DISTINCT call_id FROM agent_events WHERE source_id = ?'),
      anyEvent: p('SELECT EXISTS (SELECT 1 FROM agent_events)').pluck(),
      insertProblem: p('INSERT INTO source_row_problems (source_id, line, message) VALUES (?, ?, ?)'),
      problemsOf: p('SELECT line, message FROM source_row_problems WHERE source_id = ? ORDER BY line'),
      setVerdict: p('UPDATE calls SET bucket = ?, cause = ?, confidence = ?, verdict_json = ? WHERE id = ?'),
      insertCdrOnlyCall: p(CDR_ONLY_CALL_INSERT),
      setOrigin: p('UPDATE calls SET origin = ? WHERE id = ?'),
      deleteCall: p('DELETE FROM calls WHERE id = ?'),
      capturedByCallId: p(CAPTURED_BY_CALL_ID_SQL),
      capturedInWindow: p(CAPTURED_IN_WINDOW_SQL),
      capturedInSlot: p(CAPTURED_IN_SLOT_SQL),
      callsByCallId: p('SELECT id FROM calls WHERE call_id = ?'),
      allCallIds: p('SELECT id FROM calls ORDER BY id'),
      sourceCallIds: p('SELECT id FROM calls WHERE source_id = ? ORDER BY id'),
    };
  }

  insertCdrRecords(sourceId: number, records: readonly CdrRecord[]): number[] {
    return records.map((r) => {
      const res = this.s.insertCdr.run(
        sourceId, r.line, r.format, r.callId, r.vendorId, r.from, r.to, r.startUs, finite(r.answerUs), finite(r.endUs),
        finite(r.durationS), finite(r.billsecS), r.answered === null ? null : r.answered ? 1 : 0, r.disposition,
        r.q850Cause, r.sipCode, r.endedBy, r.peer, r.quality ? JSON.stringify(r.quality) : null, JSON.stringify(r.raw),
      );
      return Number(res.lastInsertRowid);
    });
  }

  /** Inserts one CDR row already joined to its call (a captured call, or its own CDR-only call). */
  insertCdrRecord(sourceId: number, r: CdrRecord, callRowId: number, method: JoinMethod, deltaMs: number | null): number {
    return this.insertCdrValues(cdrRecordValues(sourceId, r), callRowId, method, deltaMs);
  }

  /** insertCdrRecord with the row's values already made by cdrRecordValues() (on another thread, say). */
  insertCdrValues(values: readonly unknown[], callRowId: number, method: JoinMethod, deltaMs: number | null): number {
    // Spread, not one array argument: better-sqlite3 binds arguments faster than the elements
    // of an array (about 1 µs a row of 20-odd values, measured in cdr_insert_floor.ts).
    return Number(this.s.insertCdrLinked.run(...values, callRowId, method, finite(deltaMs)).lastInsertRowid);
  }

  /**
   * A CDR row that joined no captured call, standing as a call of its own. `facts` must be
   * cdrToFacts(storedCdr(r), name of the source): they are not written, but rebuilt from the
   * row when the call is read (cdr_call_facts.ts). Returns the call's row id.
   */
  insertCdrOnlyCall(sourceId: number, r: CdrRecord, facts: CallFacts, verdict: Verdict | null): number {
    return this.insertCdrOnlyCallValues(cdrOnlyCallValues(sourceId, facts, verdict), cdrRecordValues(sourceId, r));
  }

  /** insertCdrOnlyCall with its values already made (cdrOnlyCallValues(), cdrRecordValues()). */
  insertCdrOnlyCallValues(callValues: readonly unknown[], cdrValues: readonly unknown[]): number {
    // Counted when its transaction ends (the import's); alone, it is its own transaction.
    if (!this.kept.active) return this.kept.transaction(() => this.insertCdrOnlyCallValues(callValues, cdrValues));
    const callRowId = Number(this.s.insertCdrOnlyCall.run(...callValues).lastInsertRowid);
    this.insertCdrValues(cdrValues, callRowId, 'cdr_only', null);
    return callRowId;
  }

  /**
   * CDR rows that describe no call any more (the captured call they joined was removed with
   * its source), with their source's name; at most `limit`.
   */
  orphanedCdrRecords(limit: number): Array<StoredCdrRecord & { sourceName: string }> {
    return (this.s.orphaned.all(limit) as Array<CdrRow & { source_name: string }>).map((r) => ({ ...toCdr(r), sourceName: r.source_name }));
  }

  /**
   * An orphaned CDR row stands as a call of its own again, as if it had never joined: a
   * CDR-only call row (facts as insertCdrOnlyCall's) that the row points at.
   */
  standAlone(r: StoredCdrRecord, facts: CallFacts, verdict: Verdict | null): number {
    // Counted when its transaction ends (the removal's); alone, it is its own transaction.
    if (!this.kept.active) return this.kept.transaction(() => this.standAlone(r, facts, verdict));
    const callRowId = Number(this.s.insertCdrOnlyCall.run(cdrOnlyCallValues(r.sourceId, facts, verdict)).lastInsertRowid);
    this.s.linkCdr.run(callRowId, 'cdr_only', null, r.id);
    return callRowId;
  }

  /**
   * Ids of the CDR-only rows that may describe a call of this capture source: the same
   * Call-ID, or a start within `windowUs` of the source's calls. Rows are found through
   * indexes, never by reading every CDR-only row of the library.
   */
  unjoinedCandidates(sourceId: number, windowUs: number): number[] {
    const ids = new Set<number>();
    for (const { id } of this.s.unjoinedByCallIdOf.all(sourceId) as Array<{ id: number }>) ids.add(id);
    const span = this.s.callSpanOf.get(sourceId) as { lo: number | null; hi: number | null };
    if (span.lo !== null && span.hi !== null) {
      for (const { id } of this.s.unjoinedBetween.all(span.lo - windowUs, span.hi + windowUs) as Array<{ id: number }>) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** What the join needs of one CDR row (null when it is gone). */
  joinKey(recordId: number): (Pick<CdrRecord, 'callId' | 'from' | 'to' | 'startUs'> & { id: number; callRowId: number | null; joinMethod: JoinMethod | null }) | null {
    const r = this.s.joinKeyOf.get(recordId) as { id: number; call_id: string | null; from_user: string; to_user: string; start_us: number; call_row_id: number | null; join_method: JoinMethod | null } | undefined;
    return r ? { id: r.id, callId: r.call_id, from: r.from_user, to: r.to_user, startUs: r.start_us, callRowId: r.call_row_id, joinMethod: r.join_method } : null;
  }

  linkCdr(recordId: number, callRowId: number, method: JoinMethod, deltaMs: number | null): void {
    this.s.linkCdr.run(callRowId, method, deltaMs, recordId);
  }

  cdrRecordsOfSource(sourceId: number): StoredCdrRecord[] {
    return (this.s.cdrOfSource.all(sourceId) as CdrRow[]).map(toCdr);
  }

  cdrRecordsOfCall(callRowId: number): StoredCdrRecord[] {
    return (this.s.cdrOfCall.all(callRowId) as CdrRow[]).map(toCdr);
  }

  /** CDR rows that found no captured call yet (they stand as calls of their own). */
  cdrOnlyRecords(): StoredCdrRecord[] {
    return (this.s.cdrOnly.all() as CdrRow[]).map(toCdr);
  }

  insertAgentEvents(sourceId: number, events: readonly AgentEvent[]): void {
    for (const e of events) {
      this.s.insertEvent.run(sourceId, e.line, e.callId, e.initiator, e.sipFinalCode, finite(e.lastRtpUs),
        finite(e.llmLastTtftMs), finite(e.sttLastConfidence), finite(e.lastMos), JSON.stringify(e.raw));
    }
  }

  /** Whether any agent event is indexed (a CDR import skips the per-call lookup when none is). */
  hasAgentEvents(): boolean {
    return this.s.anyEvent.get() === 1;
  }

  eventForCallId(callId: string): AgentEvent | null {
    const r = this.s.eventOf.get(callId) as EventRow | undefined;
    return r ? toEvent(r) : null;
  }

  /** Call rows whose Call-ID an agent-events source mentions (to re-classify after its import). */
  callRowsWithEventsFrom(sourceId: number): number[] {
    const ids: number[] = [];
    for (const { call_id } of this.s.eventCallIds.all(sourceId) as Array<{ call_id: string }>) {
      for (const { id } of this.s.callsByCallId.all(call_id) as Array<{ id: number }>) ids.push(id);
    }
    return ids;
  }

  insertRowProblems(sourceId: number, problems: readonly RowProblem[]): void {
    for (const pr of problems.slice(0, MAX_ROW_PROBLEMS)) this.s.insertProblem.run(sourceId, pr.line, pr.message);
  }

  rowProblems(sourceId: number): RowProblem[] {
    return this.s.problemsOf.all(sourceId) as RowProblem[];
  }

  setVerdict(callRowId: number, v: Verdict | null): void {
    this.kept.verdict(callRowId, () => this.s.setVerdict.run(v ? v.bucket : null, v ? v.cause : null, v ? v.confidence : null, v ? encodeVerdict(v) : null, callRowId));
  }

  /** Re-classifies the calls `ids` (fn writes their verdicts): their counts go out once and back once. */
  reclassifying<T>(ids: readonly number[], fn: () => T): T {
    return this.kept.reclassify(callsByIds(ids), fn);
  }

  /** Re-classifies one source's calls (fn writes their verdicts), counted as a set. */
  reclassifyingSource<T>(sourceId: number, fn: () => T): T {
    return this.kept.reclassify(callsOfSource(sourceId), fn);
  }

  /** Re-classifies every call (fn writes their verdicts): the counts are rebuilt once at the end. */
  reclassifyingAll<T>(fn: () => T): T {
    return this.kept.reclassifyAll(fn);
  }

  setOrigin(callRowId: number, origin: 'capture' | 'cdr'): void {
    this.s.setOrigin.run(origin, callRowId);
  }

  deleteCall(callRowId: number): void {
    this.kept.write(() => {
      this.kept.beforeDelete(callById(callRowId));
      this.s.deleteCall.run(callRowId);
      this.kept.afterDelete();
    });
  }

  capturedCallsByCallId(callId: string): JoinCandidate[] {
    return (this.s.capturedByCallId.all(callId) as Array<{ id: number; call_id: string; from_user: string; to_user: string; start_us: number }>).map(
      (r) => ({ id: r.id, callId: r.call_id, fromUser: r.from_user, toUser: r.to_user, startUs: r.start_us }),
    );
  }

  capturedCallsBetween(fromUs: number, toUs: number): JoinCandidate[] {
    return (this.s.capturedInWindow.all(fromUs, toUs) as Array<{ id: number; call_id: string; from_user: string; to_user: string; start_us: number }>).map(
      (r) => ({ id: r.id, callId: r.call_id, fromUser: r.from_user, toUser: r.to_user, startUs: r.start_us }),
    );
  }

  capturedCallsInSlot(fromUs: number, toUs: number, limit: number): JoinCandidate[] {
    return (this.s.capturedInSlot.all(fromUs, toUs, limit) as Array<{ id: number; call_id: string; from_user: string; to_user: string; start_us: number }>).map(
      (r) => ({ id: r.id, callId: r.call_id, fromUser: r.from_user, toUser: r.to_user, startUs: r.start_us }),
    );
  }

  allCallRowIds(): number[] {
    return (this.s.allCallIds.all() as Array<{ id: number }>).map((r) => r.id);
  }

  callRowIdsOfSource(sourceId: number): number[] {
    return (this.s.sourceCallIds.all(sourceId) as Array<{ id: number }>).map((r) => r.id);
  }

  transaction<T>(fn: () => T): T {
    return this.kept.transaction(fn);
  }
}
