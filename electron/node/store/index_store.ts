// The local index: the SQL of sources, calls, messages, streams and statistics, behind two
// typed interfaces — IndexReader for the UI's queries (safe on a read-only connection in a
// worker) and IndexWriter for the ingest. Callers see plain camelCase objects built from the
// shared model (index_model.ts, call_summary_row.ts), never rows. SQL stays in store/
// (Signal Desktop's rule), one module per part: input_store.ts (CDR rows, agent events,
// verdicts), call_query.ts and call_list_query.ts (the call list), kept_counts.ts and
// summary_aggregates.ts (the kept summary counts), leg_link_store.ts, settings_store.ts.
//
// Write path assumptions: one connection has one writer (the ingest worker); a file's
// import runs in ONE transaction (transaction / transactionAsync) so a failed import leaves
// nothing behind; statements are prepared once per connection, and the many small child
// rows (messages, gaps, RTCP, stats) go in multi-row INSERTs to cut the per-row cost of
// crossing from JS into SQLite; a stream's per-second bins are one BLOB (bin_codec.ts).

import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { CallFacts, CallMessageRef, Side } from '../../../shared/model/call.ts';
import type { MediaGap, RtcpReport, RtpStreamStats } from '../../../shared/model/media.ts';
import type { SipTransport } from '../../../shared/model/sip.ts';
import type { Severity, Stat } from '../../../shared/model/stats.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import { decodeBins, encodeBins } from './bin_codec.ts';
import { bool, CALL_INSERT, callRowValues, FACTS_FROM_CDR_ROW, real } from './call_row.ts';
import { CdrCallFacts } from './cdr_call_facts.ts';
import { decodeVerdict } from './verdict_codec.ts';
import { CallQueryStore } from './call_query.ts';
import { InputStore } from './input_store.ts';
import { callsOfSource, KeptCounts } from './kept_counts.ts';
import { SettingsStore } from './settings_store.ts';
import { LegLinkStore } from './leg_link_store.ts';
import { DocumentRows } from './document_rows.ts';
import { ownerState, thisProcess } from './import_owner.ts';
import { checkIndexFile, checkSchemaMatchesVersion, configureConnection, LATEST_VERSION, migrate, MIGRATIONS, NotAnIndexError } from './migrations.ts';
import { connectionClosed, connectionOpened } from './connection_count.ts';
import { beginImmediate, retryWhileBusy, writeTransaction } from './write_lock.ts';

import { CALL_SUMMARY_COLS, toCallSummary, type CallRow, type CallSummary } from './call_summary_row.ts';
// The call-list row lives in call_summary_row.ts; re-exported for the modules that import it from here.
export { CALL_SUMMARY_COLS, toCallSummary, type CallRow, type CallSummary };

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

import { DuplicateSourceError, type SourceFormat, type SourceStatus, type NewSource, type SourceResult, type SourceRecord, type SipMessageDetail, type SipDetailLookup, type CallOrder, type CallListOptions, type StoredSipMessage, type StoredCallStream, type UnassociatedStream, type StoredRtcpReport, type CallDetail, type IndexReader, type RecoveredSource, type IndexStore } from './index_model.ts';
// The public model lives in index_model.ts; re-exported for the modules that import it from here.
export * from './index_model.ts';

// ─── Opening ───────────────────────────────────────────────────────────────────────────

let nativeBinding: string | undefined;

/**
 * The better-sqlite3 addon to load instead of the one npm built (Electron's ABI differs from
 * Node's; see native_binding.ts). Set once per thread, before the first open.
 */
export function useNativeBinding(path: string | undefined): void {
  nativeBinding = path;
}

/** Opens (creating and migrating as needed) an index for reading and writing. ':memory:' works. */
/** An empty in-memory database with the same driver (addon) as the index connections. */
const scratchDatabase = (): Db => new Database(':memory:', nativeBinding ? { nativeBinding } : {});

export function openIndex(path: string): IndexStore {
  const db = new Database(path, nativeBinding ? { nativeBinding } : {});
  try {
    configureConnection(db);
    migrate(db, path, MIGRATIONS, scratchDatabase);
    const recovered = removeUnfinishedImports(db);
    const store = new SqliteIndexStore(db, path, recovered);
    connectionOpened();
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** A read-only connection for query workers; the index must exist at the current version. */
export function openIndexReader(path: string): IndexReader & { readonly path: string; close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    const version = checkIndexFile(db, path);
    if (version < LATEST_VERSION) {
      throw new NotAnIndexError(path, `schema version ${version} is older than ${LATEST_VERSION}; open it for writing once to migrate it`);
    }
    checkSchemaMatchesVersion(db, path, version, MIGRATIONS, scratchDatabase);
    db.pragma('busy_timeout = 5000');
    const reader = new SqliteIndexReader(db, path);
    connectionOpened();
    return reader;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Removes the sources whose import died in an earlier run (see import_owner.ts), with
 * everything derived from them. An import running now, in this process or another, is left
 * alone. CDR rows of other sources that had joined a removed call go back to 'cdr_only', so
 * the next import of the capture joins them again. Each removal re-checks the row inside
 * an IMMEDIATE transaction: two processes opening the index at once remove it once.
 */
function removeUnfinishedImports(db: Db): RecoveredSource[] {
  const rows = db.prepare(`SELECT s.id, s.name, s.path, s.import_pid AS pid, s.import_host AS host, s.import_start AS start,
    (SELECT count(*) FROM calls c WHERE c.source_id = s.id) AS calls FROM sources s WHERE s.import_pid IS NOT NULL ORDER BY s.id`)
    .all() as Array<RecoveredSource & { host: string | null; start: string | null }>;
  const out: RecoveredSource[] = [];
  for (const r of rows) {
    if (ownerState(r) !== 'dead') continue;
    const removed = writeTransaction(db, () => {
      const still = db.prepare('SELECT import_pid, import_start FROM sources WHERE id = ?').get(r.id) as { import_pid: number | null; import_start: string | null } | undefined;
      if (!still || still.import_pid !== r.pid || still.import_start !== r.start) return false;
      db.prepare(`UPDATE cdr_records SET call_row_id = NULL, join_method = 'cdr_only', join_delta_ms = NULL
        WHERE source_id != ? AND call_row_id IN (SELECT id FROM calls WHERE source_id = ?)`).run(r.id, r.id);
      // Its committed slices were counted: their counts and text entries go before the rows.
      new KeptCounts(db).beforeDelete(callsOfSource(r.id));
      db.prepare('DELETE FROM sources WHERE id = ?').run(r.id);
      return true;
    }, { what: 'the removal of an unfinished import' });
    if (removed) out.push({ id: r.id, name: r.name, path: r.path, calls: r.calls, pid: r.pid });
  }
  return out;
}

// ─── SQL helpers ───────────────────────────────────────────────────────────────────────

/**
 * A multi-row INSERT: rows go in chunks of up to `maxRows` per statement execution. One
 * prepared statement per chunk size, created on first use and kept for the connection.
 */
class ChunkedInsert {
  private readonly byRows = new Map<number, Stmt>();
  private readonly maxRows: number;
  private readonly tuple: string;

  constructor(
    private readonly db: Db,
    private readonly head: string, // 'INSERT INTO t (a, b, c)'
    private readonly width: number,
  ) {
    // 999 is the lowest host-parameter limit SQLite has ever shipped with.
    this.maxRows = Math.max(1, Math.min(64, Math.floor(999 / width)));
    this.tuple = `(${new Array<string>(width).fill('?').join(', ')})`;
  }

  private stmt(rows: number): Stmt {
    let s = this.byRows.get(rows);
    if (!s) {
      s = this.db.prepare(`${this.head} VALUES ${new Array<string>(rows).fill(this.tuple).join(', ')}`);
      this.byRows.set(rows, s);
    }
    return s;
  }

  /** `flat` holds rows × width values, row after row. */
  run(flat: unknown[]): void {
    const rows = flat.length / this.width;
    if (!Number.isInteger(rows)) throw new Error(`${this.head}: ${flat.length} values is not a whole number of rows`);
    if (rows === 0) return;
    if (rows <= this.maxRows) {
      this.stmt(rows).run(flat);
      return;
    }
    const chunk = this.maxRows * this.width;
    for (let i = 0; i < flat.length; i += chunk) this.stmt(Math.min(this.maxRows, (flat.length - i) / this.width)).run(flat.slice(i, i + chunk));
  }
}

/** Reading back a NULL for a model field typed `number` restores the NaN it stood for. */
function realBack(v: number | null): number {
  return v ?? NaN;
}
function id(v: number | bigint): number {
  return Number(v);
}

function methodAndStatus(ref: CallMessageRef, d: SipMessageDetail | undefined): [string | null, number | null] {
  if (d?.statusCode) return [null, d.statusCode];
  if (d?.method) return [d.method, null];
  const m = /^(\d{3})(?:\s|$)/.exec(ref.label);
  if (m) return [null, Number(m[1])];
  return [ref.label.split(' ', 1)[0] || null, null];
}

// ─── Rows ──────────────────────────────────────────────────────────────────────────────

interface SourceRow {
  id: number;
  path: string;
  name: string;
  content_hash: string;
  size_bytes: number;
  format: string;
  link_types: string;
  packets: number;
  first_us: number | null;
  last_us: number | null;
  imported_at: number;
  status: string;
  error: string | null;
  capture_drops: number | null;
  window_start_us: number | null;
  window_end_us: number | null;
  window_from: string | null;
  capture_filter: string | null;
  signalling_only: number;
  signalling_only_why: string | null;
  calls: number;
}

interface CallDetailRow extends CallRow {
  facts_json: string;
  verdict_json: string | null;
}

interface MessageRow {
  id: number;
  frame: number;
  ts_us: number;
  src: string;
  dst: string;
  transport: string | null;
  label: string;
  method: string | null;
  status_code: number | null;
  cseq: number;
  cseq_method: string;
  retransmission: number;
  quoted: number;
  raw: string | null;
}

interface StreamRow {
  id: number;
  call_row_id: number | null;
  source_id: number;
  ssrc: number;
  src: string;
  src_port: number;
  dst: string;
  dst_port: number;
  payload_type: number;
  payload_types: string;
  encoding: string;
  clock_rate: number;
  direction: string | null;
  first_frame: number;
  last_frame: number;
  first_us: number;
  last_us: number;
  packets: number;
  lost: number;
  expected: number;
  seq_errors: number;
  min_delta_ms: number | null;
  mean_delta_ms: number | null;
  max_delta_ms: number | null;
  min_jitter_ms: number | null;
  mean_jitter_ms: number | null;
  max_jitter_ms: number | null;
  mos: number | null;
  min_window_mos: number | null;
  longest_gap_ms: number;
  bins: Uint8Array | null;
  silence_before_end_ms: number | null;
}

interface GapRow {
  stream_id: number;
  start_us: number;
  duration_ms: number;
  trailing: number;
}

interface RtcpRow {
  id: number;
  source_id: number;
  call_row_id: number | null;
  report_json: string;
}

interface StatRow {
  key: string;
  severity: string;
  description: string;
  count: number;
  first_frame: number | null;
}

function toSource(r: SourceRow): SourceRecord {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    contentHash: r.content_hash,
    sizeBytes: r.size_bytes,
    format: r.format as SourceFormat,
    linkTypes: JSON.parse(r.link_types) as number[],
    packets: r.packets,
    firstUs: r.first_us,
    lastUs: r.last_us,
    importedAt: r.imported_at,
    status: r.status as SourceStatus,
    error: r.error,
    captureDrops: r.capture_drops,
    coverage: r.format.startsWith('cdr:') || r.format === 'agent_events' ? null : {
      window: r.window_start_us !== null && r.window_end_us !== null
        ? { startUs: r.window_start_us, endUs: r.window_end_us, from: r.window_from === 'isb' ? 'isb' : 'packets' }
        : null,
      filter: r.capture_filter,
      signallingOnly: r.signalling_only === 1,
      signallingOnlyWhy: r.signalling_only_why === 'filter' || r.signalling_only_why === 'no_rtp' ? r.signalling_only_why : null,
    },
    calls: r.calls,
  };
}

function toRef(r: MessageRow): CallMessageRef {
  return {
    frame: r.frame,
    tsUs: r.ts_us,
    src: r.src,
    dst: r.dst,
    label: r.label,
    cseq: r.cseq,
    cseqMethod: r.cseq_method,
    retransmission: r.retransmission === 1,
    // Only when set, as the engine writes it: a stored call's facts equal the engine's.
    ...(r.quoted === 1 ? { quoted: true } : {}),
  };
}

function toStats(r: StreamRow, gaps: MediaGap[]): RtpStreamStats {
  return {
    ssrc: r.ssrc,
    src: r.src,
    srcPort: r.src_port,
    dst: r.dst,
    dstPort: r.dst_port,
    payloadType: r.payload_type,
    encoding: r.encoding,
    clockRate: r.clock_rate,
    firstFrame: r.first_frame,
    lastFrame: r.last_frame,
    firstUs: r.first_us,
    lastUs: r.last_us,
    packets: r.packets,
    lost: r.lost,
    expected: r.expected,
    sequenceErrors: r.seq_errors,
    minDeltaMs: realBack(r.min_delta_ms),
    meanDeltaMs: realBack(r.mean_delta_ms),
    maxDeltaMs: realBack(r.max_delta_ms),
    minJitterMs: realBack(r.min_jitter_ms),
    meanJitterMs: realBack(r.mean_jitter_ms),
    maxJitterMs: realBack(r.max_jitter_ms),
    gaps,
    bins: decodeBins(r.bins),
    mos: r.mos,
    minWindowMos: r.min_window_mos,
    payloadTypes: JSON.parse(r.payload_types) as number[],
  };
}

function toGap(r: GapRow): MediaGap {
  return { startUs: r.start_us, durationMs: r.duration_ms, trailing: r.trailing === 1 };
}

function toRtcp(r: RtcpRow): StoredRtcpReport {
  return { ...(JSON.parse(r.report_json) as RtcpReport), id: r.id, sourceId: r.source_id, callRowId: r.call_row_id };
}

function toStat(r: StatRow): Stat {
  return {
    key: r.key,
    severity: r.severity as Severity,
    description: r.description,
    count: r.count,
    ...(r.first_frame !== null ? { firstFrame: r.first_frame } : {}),
  };
}

function groupBy<R extends { stream_id: number }, T>(rows: R[], map: (r: R) => T): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.stream_id);
    if (list) list.push(map(r));
    else out.set(r.stream_id, [map(r)]);
  }
  return out;
}

// ─── SQL ───────────────────────────────────────────────────────────────────────────────

const SOURCE_COLS = `s.id, s.path, s.name, s.content_hash, s.size_bytes, s.format, s.link_types, s.packets, s.first_us,
  s.last_us, s.imported_at, s.status, s.error, s.capture_drops, s.window_start_us, s.window_end_us, s.window_from,
  s.capture_filter, s.signalling_only, s.signalling_only_why,
  (SELECT coalesce(sum(k.calls), 0) FROM summary_sources k WHERE k.source_id = s.id) AS calls`;

const ORDER_COLUMN: Record<CallOrder, string> = {
  startUs: 'start_us',
  durationMs: 'duration_ms',
  pddMs: 'pdd_ms',
  minMos: 'min_mos',
  worstLossPct: 'worst_loss_pct',
  longestGapMs: 'longest_gap_ms',
};

/** The call-list query (exported so tests can check its plan). Parameters: [sourceId,] limit, offset. */
export function callListSql(orderBy: CallOrder = 'startUs', descending = false, bySource = false): string {
  const col = ORDER_COLUMN[orderBy];
  if (!col) throw new Error(`unknown call order ${String(orderBy)}`);
  const dir = descending ? 'DESC' : 'ASC';
  // start_us is NOT NULL and indexed: `ORDER BY start_us, id` walks calls_start (whose
  // entries end in the rowid) with no sort. The nullable metrics keep unknowns at the end.
  const nulls = col === 'start_us' ? '' : ' NULLS LAST';
  const where = bySource ? 'WHERE source_id = ?' : '';
  return `SELECT ${CALL_SUMMARY_COLS} FROM calls ${where} ORDER BY ${col} ${dir}${nulls}, id ${dir} LIMIT ? OFFSET ?`;
}

/** The Call-ID lookup (exported so tests can check its plan). */
export const CALL_ID_LOOKUP_SQL = `SELECT ${CALL_SUMMARY_COLS} FROM calls WHERE call_id = ? ORDER BY start_us, id`;

const STREAM_COLS = `id, call_row_id, source_id, ssrc, src, src_port, dst, dst_port, payload_type, payload_types,
  encoding, clock_rate, direction, first_frame, last_frame, first_us, last_us, packets, lost, expected, seq_errors,
  min_delta_ms, mean_delta_ms, max_delta_ms, min_jitter_ms, mean_jitter_ms, max_jitter_ms, mos, min_window_mos,
  longest_gap_ms, silence_before_end_ms, bins`;

const STREAM_INSERT_COLS = STREAM_COLS.replace(/^id, /, '');
const STREAM_INSERT_WIDTH = STREAM_INSERT_COLS.split(',').length;

// ─── Reader ────────────────────────────────────────────────────────────────────────────

class SqliteIndexReader implements IndexReader {
  private readonly q: {
    listSources: Stmt;
    getSource: Stmt;
    sourceByHash: Stmt;
    sourceStats: Stmt;
    countCalls: Stmt;
    countCallsBySource: Stmt;
    callById: Stmt;
    factsById: Stmt;
    callsByCallId: Stmt;
    messagesOfCall: Stmt;
    streamsOfCall: Stmt;
    gapsOfCall: Stmt;
    rtcpOfCall: Stmt;
    rtcpOfSource: Stmt;
    unassociated: Stmt;
    unassociatedBySource: Stmt;
    gapsUnassociated: Stmt;
    gapsUnassociatedBySource: Stmt;
  };
  private readonly callLists = new Map<string, Stmt>();
  private readonly cdrFacts: CdrCallFacts;

  constructor(
    protected readonly db: Db,
    readonly path: string,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    const ofCallStreams = 'stream_id IN (SELECT id FROM streams WHERE call_row_id = ?)';
    const ofLoose = 'stream_id IN (SELECT id FROM streams WHERE call_row_id IS NULL)';
    const ofLooseBySource = 'stream_id IN (SELECT id FROM streams WHERE source_id = ? AND call_row_id IS NULL)';
    this.cdrFacts = new CdrCallFacts(db);
    const gapsWhere = (w: string): Stmt => p(`SELECT stream_id, start_us, duration_ms, trailing FROM gaps WHERE ${w} ORDER BY stream_id, id`);
    this.q = {
      listSources: p(`SELECT ${SOURCE_COLS} FROM sources s ORDER BY s.imported_at, s.id`),
      getSource: p(`SELECT ${SOURCE_COLS} FROM sources s WHERE s.id = ?`),
      sourceByHash: p(`SELECT ${SOURCE_COLS} FROM sources s WHERE s.content_hash = ?`),
      sourceStats: p(`SELECT key, severity, description, count, first_frame FROM source_stats WHERE source_id = ?
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, count DESC, key`),
      countCalls: p('SELECT count(*) FROM calls').pluck(),
      countCallsBySource: p('SELECT count(*) FROM calls WHERE source_id = ?').pluck(),
      callById: p(`SELECT ${CALL_SUMMARY_COLS}, facts_json, verdict_json FROM calls WHERE id = ?`),
      factsById: p('SELECT facts_json FROM calls WHERE id = ?').pluck(),
      callsByCallId: p(CALL_ID_LOOKUP_SQL),
      messagesOfCall: p(`SELECT id, frame, ts_us, src, dst, transport, label, method, status_code, cseq, cseq_method,
        retransmission, quoted, raw FROM sip_messages WHERE call_row_id = ? ORDER BY id`),
      streamsOfCall: p(`SELECT ${STREAM_COLS} FROM streams WHERE call_row_id = ? ORDER BY id`),
      gapsOfCall: gapsWhere(ofCallStreams),
      rtcpOfCall: p('SELECT id, source_id, call_row_id, report_json FROM rtcp_reports WHERE call_row_id = ? ORDER BY id'),
      rtcpOfSource: p('SELECT id, source_id, call_row_id, report_json FROM rtcp_reports WHERE source_id = ? ORDER BY id'),
      unassociated: p(`SELECT ${STREAM_COLS} FROM streams WHERE call_row_id IS NULL ORDER BY id`),
      unassociatedBySource: p(`SELECT ${STREAM_COLS} FROM streams WHERE source_id = ? AND call_row_id IS NULL ORDER BY id`),
      gapsUnassociated: gapsWhere(ofLoose),
      gapsUnassociatedBySource: gapsWhere(ofLooseBySource),
    };
  }

  listSources(): SourceRecord[] {
    return (this.q.listSources.all() as SourceRow[]).map(toSource);
  }

  getSource(sourceId: number): SourceRecord | null {
    const r = this.q.getSource.get(sourceId) as SourceRow | undefined;
    return r ? toSource(r) : null;
  }

  findSourceByHash(contentHash: string): SourceRecord | null {
    const r = this.q.sourceByHash.get(contentHash.toLowerCase()) as SourceRow | undefined;
    return r ? toSource(r) : null;
  }

  sourceStats(sourceId: number): Stat[] {
    return (this.q.sourceStats.all(sourceId) as StatRow[]).map(toStat);
  }

  listCalls(options: CallListOptions = {}): CallSummary[] {
    const { orderBy = 'startUs', descending = false, sourceId } = options;
    const limit = Math.max(0, Math.floor(options.limit ?? 100));
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    const bySource = sourceId !== undefined;
    const key = `${orderBy}|${descending}|${bySource}`;
    let stmt = this.callLists.get(key);
    if (!stmt) {
      stmt = this.db.prepare(callListSql(orderBy, descending, bySource));
      this.callLists.set(key, stmt);
    }
    const rows = (bySource ? stmt.all(sourceId, limit, offset) : stmt.all(limit, offset)) as CallRow[];
    return rows.map(toCallSummary);
  }

  countCalls(filter: { sourceId?: number } = {}): number {
    return (filter.sourceId === undefined ? this.q.countCalls.get() : this.q.countCallsBySource.get(filter.sourceId)) as number;
  }

  findCallsByCallId(callId: string): CallSummary[] {
    return (this.q.callsByCallId.all(callId) as CallRow[]).map(toCallSummary);
  }

  storedFacts(callRowId: number): Omit<CallFacts, 'messages' | 'streams'> | null {
    const json = this.q.factsById.get(callRowId) as string | undefined;
    if (json === undefined || json === FACTS_FROM_CDR_ROW) return null;
    return JSON.parse(json) as Omit<CallFacts, 'messages' | 'streams'>;
  }

  getCall(callRowId: number): CallDetail | null {
    const row = this.q.callById.get(callRowId) as CallDetailRow | undefined;
    if (!row) return null;
    const messageRows = this.q.messagesOfCall.all(callRowId) as MessageRow[];
    const streamRows = this.q.streamsOfCall.all(callRowId) as StreamRow[];
    const gaps = groupBy(this.q.gapsOfCall.all(callRowId) as GapRow[], (r) => r);

    const messages: StoredSipMessage[] = messageRows.map((r) => ({
      ...toRef(r),
      id: r.id,
      transport: r.transport as SipTransport | null,
      method: r.method,
      statusCode: r.status_code,
      raw: r.raw,
    }));
    const streams: StoredCallStream[] = streamRows.map((r) => {
      const all = gaps.get(r.id) ?? [];
      const trailing = all.find((g) => g.trailing === 1);
      return {
        ...toStats(r, all.filter((g) => g.trailing === 0).map(toGap)),
        direction: r.direction as Side,
        silenceBeforeEndMs: r.silence_before_end_ms,
        longestGapMs: r.longest_gap_ms,
        trailingGap: trailing ? toGap(trailing) : null,
        id: r.id,
        sourceId: r.source_id,
        callRowId,
      };
    });
    // The facts are rebuilt exactly as the engine produced them (no index ids mixed in), so
    // the classifier sees the same input whether it runs at ingest or later from the index.
    const stored = row.facts_json === FACTS_FROM_CDR_ROW ? this.cdrFacts.factsOf(callRowId) : (JSON.parse(row.facts_json) as Omit<CallFacts, 'messages' | 'streams'>);
    if (stored === null) return null;
    const facts: CallFacts = {
      ...stored,
      // Calls indexed before ICMP-quoted SIP was decoded have no such field: none were seen.
      icmpErrors: stored.icmpErrors ?? [],
      messages: messageRows.map(toRef),
      streams: streams.map(({ id: _id, sourceId: _s, callRowId: _c, ...s }) => s),
    };
    return {
      ...toCallSummary(row),
      facts,
      messages,
      streams,
      rtcp: (this.q.rtcpOfCall.all(callRowId) as RtcpRow[]).map(toRtcp),
      verdict: row.verdict_json === null ? null : decodeVerdict(row.verdict_json, row.bucket, row.cause),
    };
  }

  listUnassociatedStreams(sourceId?: number): UnassociatedStream[] {
    const all = sourceId === undefined;
    const q = this.q;
    const rows = (all ? q.unassociated.all() : q.unassociatedBySource.all(sourceId)) as StreamRow[];
    const gaps = groupBy((all ? q.gapsUnassociated.all() : q.gapsUnassociatedBySource.all(sourceId)) as GapRow[], toGap);
    return rows.map((r) => ({ ...toStats(r, gaps.get(r.id) ?? []), id: r.id, sourceId: r.source_id }));
  }

  listRtcp(filter: { sourceId?: number; callRowId?: number }): StoredRtcpReport[] {
    let rows: RtcpRow[];
    if (filter.callRowId !== undefined) rows = this.q.rtcpOfCall.all(filter.callRowId) as RtcpRow[];
    else if (filter.sourceId !== undefined) rows = this.q.rtcpOfSource.all(filter.sourceId) as RtcpRow[];
    else throw new Error('listRtcp needs a sourceId or a callRowId');
    if (filter.callRowId !== undefined && filter.sourceId !== undefined) rows = rows.filter((r) => r.source_id === filter.sourceId);
    return rows.map(toRtcp);
  }

  close(): void {
    if (!this.db.open) return;
    this.db.close();
    connectionClosed();
  }
}

// ─── Writer ────────────────────────────────────────────────────────────────────────────

function streamValues(
  sourceId: number,
  callRowId: number | null,
  s: RtpStreamStats,
  direction: Side | null,
  longestGapMs: number,
  silenceBeforeEndMs: number | null,
): unknown[] {
  return [
    callRowId, sourceId, s.ssrc, s.src, s.srcPort, s.dst, s.dstPort, s.payloadType, JSON.stringify(s.payloadTypes),
    s.encoding, s.clockRate, direction, s.firstFrame, s.lastFrame, s.firstUs, s.lastUs, s.packets, s.lost, s.expected,
    s.sequenceErrors, real(s.minDeltaMs), real(s.meanDeltaMs), real(s.maxDeltaMs), real(s.minJitterMs),
    real(s.meanJitterMs), real(s.maxJitterMs), real(s.mos), real(s.minWindowMos), real(longestGapMs) ?? 0,
    real(silenceBeforeEndMs), s.bins.length > 0 ? encodeBins(s.bins) : null,
  ];
}

class SqliteIndexStore extends SqliteIndexReader implements IndexStore {
  private readonly w: {
    insertSource: Stmt;
    finishSource: Stmt;
    deleteStats: Stmt;
    setHash: Stmt;
    deleteSource: Stmt;
    insertCall: Stmt;
    insertStream: Stmt;
  };
  private readonly messages: ChunkedInsert;
  private readonly gaps: ChunkedInsert;
  private readonly rtcp: ChunkedInsert;
  private readonly stats: ChunkedInsert;
  private asyncTxOpen = false;
  /** Keeps the summary counts and calls_text equal to the calls (every write goes through it). */
  private readonly kept: KeptCounts;
  readonly inputs: InputStore;
  readonly callQuery: CallQueryStore;
  readonly settings: SettingsStore;
  readonly legLinks: LegLinkStore;
  private docRows: DocumentRows | undefined;
  /** Prepared on first use: only analyze and report read calls this way. */
  get documentRows(): DocumentRows {
    return (this.docRows ??= new DocumentRows(this.db));
  }

  constructor(
    db: Db,
    path: string,
    readonly recovered: readonly RecoveredSource[] = [],
  ) {
    super(db, path);
    this.kept = new KeptCounts(db);
    this.inputs = new InputStore(db, this.kept);
    this.callQuery = new CallQueryStore(db);
    this.settings = new SettingsStore(db);
    this.legLinks = new LegLinkStore(db);
    const p = (sql: string): Stmt => db.prepare(sql);
    this.w = {
      // Pessimistic until finishSource: a caller that commits without finishing leaves an honest row.
      // The importing process is on the row until finishSource: see import_owner.ts.
      insertSource: p(`INSERT INTO sources (path, name, content_hash, size_bytes, format, imported_at, status, error,
        import_pid, import_host, import_start) VALUES (?, ?, ?, ?, ?, ?, 'failed', 'import did not finish', ?, ?, ?)`),
      finishSource: p(`UPDATE sources SET status = ?, packets = ?, first_us = ?, last_us = ?, error = ?,
        link_types = coalesce(?, link_types), capture_drops = ?, window_start_us = ?, window_end_us = ?, window_from = ?,
        capture_filter = ?, signalling_only = ?, signalling_only_why = ?,
        import_pid = NULL, import_host = NULL, import_start = NULL WHERE id = ?`),
      deleteStats: p('DELETE FROM source_stats WHERE source_id = ?'),
      setHash: p('UPDATE sources SET content_hash = ? WHERE id = ?'),
      deleteSource: p('DELETE FROM sources WHERE id = ?'),
      insertCall: p(CALL_INSERT),
      insertStream: p(`INSERT INTO streams (${STREAM_INSERT_COLS}) VALUES (${new Array<string>(STREAM_INSERT_WIDTH).fill('?').join(', ')})`),
    };
    this.messages = new ChunkedInsert(
      db,
      `INSERT INTO sip_messages (call_row_id, frame, ts_us, src, dst, transport, label, method, status_code, cseq,
        cseq_method, retransmission, quoted, raw)`,
      14,
    );
    this.gaps = new ChunkedInsert(db, 'INSERT INTO gaps (stream_id, start_us, duration_ms, trailing)', 4);
    this.rtcp = new ChunkedInsert(
      db,
      `INSERT INTO rtcp_reports (source_id, call_row_id, frame, ts_us, src, src_port, dst, dst_port, packet_type,
        sender_ssrc, report_json)`,
      11,
    );
    this.stats = new ChunkedInsert(db, 'INSERT INTO source_stats (source_id, key, severity, description, count, first_frame)', 6);
  }

  beginSource(meta: NewSource): number {
    const hash = meta.contentHash.toLowerCase();
    const existing = this.findSourceByHash(hash);
    if (existing) throw new DuplicateSourceError(existing);
    const owner = thisProcess();
    const r = this.w.insertSource.run(meta.path, meta.name, hash, meta.sizeBytes, meta.format, meta.importedAt ?? Date.now(), owner.pid, owner.host, owner.start);
    return id(r.lastInsertRowid);
  }

  insertCall(sourceId: number, facts: CallFacts, sip?: SipDetailLookup, verdict?: Verdict | null): number {
    // Counted when its transaction ends; alone, it is its own transaction.
    if (!this.kept.active) return this.kept.transaction(() => this.insertCall(sourceId, facts, sip, verdict));
    const { messages, streams, ...rest } = facts;
    const callRowId = id(this.w.insertCall.run(callRowValues(sourceId, facts, JSON.stringify(rest), verdict ?? null)).lastInsertRowid);

    const flat: unknown[] = [];
    messages.forEach((m, i) => {
      const d = sip?.(m, i);
      const [method, status] = methodAndStatus(m, d);
      flat.push(callRowId, m.frame, m.tsUs, m.src, m.dst, d?.transport ?? null, m.label, method, status, m.cseq,
        m.cseqMethod, bool(m.retransmission), bool(m.quoted === true), d?.raw ?? null);
    });
    this.messages.run(flat);

    for (const s of streams) {
      const streamId = this.insertStreamRow(sourceId, callRowId, s, s.direction, s.longestGapMs, s.silenceBeforeEndMs);
      this.insertGaps(streamId, s.trailingGap ? [...s.gaps, s.trailingGap] : s.gaps);
    }
    return callRowId;
  }

  insertUnassociatedStream(sourceId: number, stats: RtpStreamStats): number {
    const longest = stats.gaps.reduce((m, g) => Math.max(m, g.durationMs), 0);
    const streamId = this.insertStreamRow(sourceId, null, stats, null, longest, null);
    this.insertGaps(streamId, stats.gaps);
    return streamId;
  }

  insertRtcp(sourceId: number, reports: readonly RtcpReport[], callRowId: number | null = null): void {
    const flat: unknown[] = [];
    for (const r of reports) {
      flat.push(sourceId, callRowId, r.frame, r.tsUs, r.src, r.srcPort, r.dst, r.dstPort, r.packetType, r.senderSsrc,
        JSON.stringify(r));
    }
    this.rtcp.run(flat);
  }

  finishSource(sourceId: number, result: SourceResult): void {
    // A savepoint inside the import's transaction; on its own (marking a failed import's source)
    // a transaction that waits for the lock like any other write (write_lock.ts).
    writeTransaction(this.db, () => this.finishSourceRows(sourceId, result), { what: 'finishing an import' });
  }

  private finishSourceRows(sourceId: number, result: SourceResult): void {
    if (result.contentHash !== undefined) {
      const hash = result.contentHash.toLowerCase();
      const existing = this.findSourceByHash(hash);
      if (existing && existing.id !== sourceId) throw new DuplicateSourceError(existing);
      this.w.setHash.run(hash, sourceId);
    }
    const cov = result.coverage ?? null;
    const r = this.w.finishSource.run(
      result.status, result.packets, real(result.firstUs), real(result.lastUs), result.error,
      result.linkTypes ? JSON.stringify([...result.linkTypes]) : null, result.captureDrops ?? null,
      real(cov?.window?.startUs ?? null), real(cov?.window?.endUs ?? null), cov?.window?.from ?? null,
      cov?.filter ?? null, cov?.signallingOnly ? 1 : 0, cov?.signallingOnlyWhy ?? null, sourceId,
    );
    if (r.changes !== 1) throw new Error(`finishSource: no source #${sourceId}`);
    // Replace, not merge: finishing twice (a retried finish) must not double the counters.
    this.w.deleteStats.run(sourceId);
    const flat: unknown[] = [];
    for (const s of result.stats) flat.push(sourceId, s.key, s.severity, s.description, s.count, s.firstFrame ?? null);
    this.stats.run(flat);
  }

  deleteSource(sourceId: number): void {
    // The counts and text entries of its calls go first: the cascade deletes the rows they are read from.
    this.kept.write(() => {
      this.kept.beforeDelete(callsOfSource(sourceId));
      this.w.deleteSource.run(sourceId);
      this.kept.afterDelete();
    });
  }

  renameSource(sourceId: number, path: string, name: string): void {
    const rename = this.db.prepare('UPDATE sources SET path = ?, name = ? WHERE id = ?');
    retryWhileBusy(this.db, () => rename.run(path, name, sourceId), { what: 'renaming a source' });
  }

  transaction<T>(fn: () => T): T {
    // IMMEDIATE (kept_counts.ts): the write lock is taken at BEGIN, waiting (write_lock.ts) while
    // another connection writes. A deferred transaction that read first would instead fail at its
    // first write with SQLITE_BUSY, which no timeout retries, whenever another writer committed in
    // between (parallel imports: import_pool.ts). Nested calls are savepoints.
    return this.kept.transaction(fn);
  }

  async transactionAsync<T>(fn: () => Promise<T>): Promise<T> {
    // While fn awaits, any other write on this connection would silently join this
    // transaction, so a second async import on the same connection is refused outright.
    if (this.asyncTxOpen || this.db.inTransaction) throw new Error('transactionAsync: a transaction is already open on this connection');
    this.asyncTxOpen = true;
    beginImmediate(this.db);
    this.kept.begin();
    try {
      const result = await fn();
      this.kept.end(true);
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      this.kept.end(false);
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.asyncTxOpen = false;
    }
  }

  private insertStreamRow(
    sourceId: number,
    callRowId: number | null,
    s: RtpStreamStats,
    direction: Side | null,
    longestGapMs: number,
    silenceBeforeEndMs: number | null,
  ): number {
    return id(this.w.insertStream.run(streamValues(sourceId, callRowId, s, direction, longestGapMs, silenceBeforeEndMs)).lastInsertRowid);
  }

  private insertGaps(streamId: number, gaps: readonly MediaGap[]): void {
    const g: unknown[] = [];
    for (const x of gaps) g.push(streamId, x.startUs, x.durationMs, bool(x.trailing));
    this.gaps.run(g);
  }
}
