// Schema migrations for the local index (Signal Desktop's scheme): numbered, one function
// each, each applied in its own transaction that also sets PRAGMA user_version, so a crash
// mid-migration leaves the previous version intact. A database written by a newer build is
// refused rather than guessed at: its tables may mean something this code does not know.
//
// To change the schema, append a migration; never edit one that has shipped.

import { SUMMARY_AGGREGATES_SQL } from './summary_aggregates.ts';
import { fillKeptCounts } from './kept_counts.ts';
import { retryWhileBusy, writeTransaction } from './write_lock.ts';
import type BetterSqlite3 from 'better-sqlite3';
import type { StreamBin } from '../../../shared/model/media.ts';
import { encodeBins } from './bin_codec.ts';

type Db = BetterSqlite3.Database;

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

/** 'CTRC' — marks the file as a calltrace index so we never migrate someone else's database. */
export const APPLICATION_ID = 0x43545243;

/** The database was written by a newer calltrace: refuse it instead of misreading it. */
export class IndexTooNewError extends Error {
  readonly code = 'INDEX_TOO_NEW';
  constructor(
    readonly path: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `Index ${path} has schema version ${found}, but this calltrace only knows versions up to ${supported}. ` +
        'It was written by a newer calltrace: open it with that version, or re-import the captures into a new index.',
    );
    this.name = 'IndexTooNewError';
  }
}

/** The file is an SQLite database, but not one of ours (or not migrated far enough for read-only use). */
export class NotAnIndexError extends Error {
  readonly code = 'NOT_AN_INDEX';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path} is not a usable calltrace index: ${detail}`);
    this.name = 'NotAnIndexError';
  }
}

// Timestamps are REAL: nanosecond captures give fractional microseconds, and a double holds
// exactly the JS number the engine produced (epoch µs ≈ 1.7e15 < 2^53). Durations are REAL
// for the same reason. Booleans are INTEGER 0/1 with a CHECK. Floating metrics are nullable
// because NaN (a one-packet stream has no mean delta) is stored as NULL by SQLite.
function m001Initial(db: Db): void {
  db.exec(`
    CREATE TABLE sources (
      id            INTEGER PRIMARY KEY,
      path          TEXT    NOT NULL,
      name          TEXT    NOT NULL,
      content_hash  TEXT    NOT NULL UNIQUE
                    CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
      size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
      format        TEXT    NOT NULL
                    CHECK (format IN ('pcap', 'pcapng', 'netmon', 'pcap.gz', 'pcapng.gz', 'netmon.gz') OR format GLOB 'cdr:?*' OR format = 'agent_events'),
      link_types    TEXT    NOT NULL DEFAULT '[]',  -- JSON array of LINKTYPE_* values
      packets       INTEGER NOT NULL DEFAULT 0,
      first_us      REAL,
      last_us       REAL,
      imported_at   INTEGER NOT NULL,               -- ms since the epoch
      status        TEXT    NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
      error         TEXT,
      capture_drops INTEGER
    ) STRICT;

    CREATE TABLE source_stats (
      source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      key         TEXT    NOT NULL,
      severity    TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
      description TEXT    NOT NULL,
      count       INTEGER NOT NULL,
      first_frame INTEGER,
      PRIMARY KEY (source_id, key)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE calls (
      id                  INTEGER PRIMARY KEY,
      source_id           INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      call_id             TEXT    NOT NULL,
      kind                TEXT    NOT NULL CHECK (kind IN ('call', 'other')),
      from_user           TEXT    NOT NULL,
      to_user             TEXT    NOT NULL,
      from_uri            TEXT    NOT NULL,
      to_uri              TEXT    NOT NULL,
      caller_addr         TEXT    NOT NULL,
      callee_addr         TEXT    NOT NULL,
      start_us            REAL    NOT NULL,
      end_us              REAL    NOT NULL,
      invite_us           REAL,
      answer_us           REAL,
      answered            INTEGER NOT NULL CHECK (answered IN (0, 1)),
      pdd_ms              REAL,
      final_status        INTEGER,
      final_reason        TEXT    NOT NULL,
      end_method          TEXT    NOT NULL CHECK (end_method IN ('BYE', 'CANCEL', 'final_error', 'none')),
      ended_by            TEXT    CHECK (ended_by IN ('caller', 'callee')),
      q850_cause          INTEGER,
      duration_ms         REAL    NOT NULL,
      sip_messages        INTEGER NOT NULL,
      sip_retransmissions INTEGER NOT NULL,
      stream_count        INTEGER NOT NULL,
      worst_loss_pct      REAL,
      worst_jitter_ms     REAL,
      min_mos             REAL,
      longest_gap_ms      REAL,
      facts_json          TEXT    NOT NULL,  -- CallFacts minus messages/streams: the classifier's input
      -- Verdict (filled by the classifier): bucket NULL with a cause = not classifiable
      -- (capture_ended / in_progress); cause NULL = not classified yet.
      bucket              INTEGER CHECK (bucket BETWEEN 1 AND 7),
      cause               TEXT,
      confidence          REAL    CHECK (confidence BETWEEN 0 AND 1),
      verdict_json        TEXT
    ) STRICT;
    CREATE INDEX calls_start   ON calls(start_us);
    CREATE INDEX calls_call_id ON calls(call_id);
    CREATE INDEX calls_bucket  ON calls(bucket, start_us);
    -- Serves the per-source call list and the ON DELETE CASCADE from sources.
    CREATE INDEX calls_source  ON calls(source_id, start_us);

    CREATE TABLE sip_messages (
      id             INTEGER PRIMARY KEY,  -- insertion order = ladder order
      call_row_id    INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
      frame          INTEGER NOT NULL,
      ts_us          REAL    NOT NULL,
      src            TEXT    NOT NULL,     -- ip:port
      dst            TEXT    NOT NULL,
      transport      TEXT    CHECK (transport IN ('udp', 'tcp', 'sctp', 'ws', 'hep')),
      label          TEXT    NOT NULL,
      method         TEXT,                 -- NULL for responses
      status_code    INTEGER,              -- NULL for requests
      cseq           INTEGER NOT NULL,
      cseq_method    TEXT    NOT NULL,
      retransmission INTEGER NOT NULL CHECK (retransmission IN (0, 1)),
      raw            TEXT
    ) STRICT;
    CREATE INDEX sip_messages_call ON sip_messages(call_row_id);

    CREATE TABLE streams (
      id                    INTEGER PRIMARY KEY,
      call_row_id           INTEGER REFERENCES calls(id) ON DELETE CASCADE,  -- NULL: unassociated
      source_id             INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      ssrc                  INTEGER NOT NULL,
      src                   TEXT    NOT NULL,
      src_port              INTEGER NOT NULL,
      dst                   TEXT    NOT NULL,
      dst_port              INTEGER NOT NULL,
      payload_type          INTEGER NOT NULL,
      payload_types         TEXT    NOT NULL,  -- JSON array
      encoding              TEXT    NOT NULL,
      clock_rate            INTEGER NOT NULL,
      direction             TEXT    CHECK (direction IN ('caller', 'callee')),
      first_frame           INTEGER NOT NULL,
      last_frame            INTEGER NOT NULL,
      first_us              REAL    NOT NULL,
      last_us               REAL    NOT NULL,
      packets               INTEGER NOT NULL,
      lost                  INTEGER NOT NULL,
      expected              INTEGER NOT NULL,
      seq_errors            INTEGER NOT NULL,
      min_delta_ms          REAL,
      mean_delta_ms         REAL,
      max_delta_ms          REAL,
      min_jitter_ms         REAL,
      mean_jitter_ms        REAL,
      max_jitter_ms         REAL,
      mos                   REAL,
      min_window_mos        REAL,
      longest_gap_ms        REAL    NOT NULL,
      silence_before_end_ms REAL,
      CHECK ((call_row_id IS NULL) = (direction IS NULL))
    ) STRICT;
    CREATE INDEX streams_call   ON streams(call_row_id);
    CREATE INDEX streams_source ON streams(source_id, call_row_id);

    CREATE TABLE gaps (
      id          INTEGER PRIMARY KEY,
      stream_id   INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
      start_us    REAL    NOT NULL,
      duration_ms REAL    NOT NULL,
      trailing    INTEGER NOT NULL CHECK (trailing IN (0, 1))
    ) STRICT;
    CREATE INDEX gaps_stream ON gaps(stream_id);

    -- One row per stream-second, clustered by stream so a timeline reads one contiguous range.
    CREATE TABLE stream_bins (
      stream_id     INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
      second        INTEGER NOT NULL,
      packets       INTEGER NOT NULL,
      lost          INTEGER NOT NULL,
      max_jitter_ms REAL,
      max_delta_ms  REAL,
      PRIMARY KEY (stream_id, second)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE rtcp_reports (
      id          INTEGER PRIMARY KEY,
      source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      call_row_id INTEGER REFERENCES calls(id) ON DELETE CASCADE,
      frame       INTEGER NOT NULL,
      ts_us       REAL    NOT NULL,
      src         TEXT    NOT NULL,
      src_port    INTEGER NOT NULL,
      dst         TEXT    NOT NULL,
      dst_port    INTEGER NOT NULL,
      packet_type INTEGER NOT NULL,
      sender_ssrc INTEGER NOT NULL,
      report_json TEXT    NOT NULL  -- the whole RtcpReport (blocks, SR info, XR VoIP metrics)
    ) STRICT;
    CREATE INDEX rtcp_reports_source ON rtcp_reports(source_id);
    CREATE INDEX rtcp_reports_call   ON rtcp_reports(call_row_id);
  `);
  db.pragma(`application_id = ${APPLICATION_ID}`);
}

// Inputs beyond captures (diagnosis.md §5). A CDR row either joins a captured call (by
// Call-ID, else by numbers and start time: the method is stored, the join is never silent)
// or stands as a call of its own (origin 'cdr', lower-confidence verdict). Agent events join
// calls by Call-ID at classification time, so the order of imports does not matter.
function m002Inputs(db: Db): void {
  db.exec(`
    ALTER TABLE calls ADD COLUMN origin TEXT NOT NULL DEFAULT 'capture' CHECK (origin IN ('capture', 'cdr'));

    CREATE TABLE cdr_records (
      id            INTEGER PRIMARY KEY,
      source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      line          INTEGER NOT NULL,
      format        TEXT    NOT NULL,
      call_id       TEXT,
      vendor_id     TEXT,
      from_user     TEXT    NOT NULL,
      to_user       TEXT    NOT NULL,
      start_us      REAL    NOT NULL,
      answer_us     REAL,
      end_us        REAL,
      duration_s    REAL,
      billsec_s     REAL,
      answered      INTEGER CHECK (answered IN (0, 1)),
      disposition   TEXT    NOT NULL,
      q850_cause    INTEGER,
      sip_code      INTEGER,
      ended_by      TEXT    CHECK (ended_by IN ('caller', 'callee')),
      peer          TEXT    NOT NULL,
      quality_json  TEXT,
      raw_json      TEXT    NOT NULL,
      -- The call this row describes: a captured call it joined, or its own CDR-only call.
      call_row_id   INTEGER REFERENCES calls(id) ON DELETE SET NULL,
      join_method   TEXT    CHECK (join_method IN ('call_id', 'numbers_time', 'cdr_only')),
      join_delta_ms REAL
    ) STRICT;
    CREATE INDEX cdr_records_call    ON cdr_records(call_row_id);
    CREATE INDEX cdr_records_call_id ON cdr_records(call_id);
    CREATE INDEX cdr_records_source  ON cdr_records(source_id);

    CREATE TABLE agent_events (
      id                  INTEGER PRIMARY KEY,
      source_id           INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      line                INTEGER NOT NULL,
      call_id             TEXT    NOT NULL,
      initiator           TEXT    CHECK (initiator IN ('caller', 'agent', 'system')),
      sip_final_code      INTEGER,
      last_rtp_us         REAL,
      llm_last_ttft_ms    REAL,
      stt_last_confidence REAL,
      last_mos            REAL,
      raw_json            TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX agent_events_call_id ON agent_events(call_id);

    -- Malformed input rows, with file and line (the first 1000 per source; the rest counted in source_stats).
    CREATE TABLE source_row_problems (
      source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
      line      INTEGER NOT NULL,
      message   TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX source_row_problems_source ON source_row_problems(source_id, line);
  `);
}

// The desktop app (issue "Electron main + preload"): the user's settings (diagnosis
// thresholds, our own addresses, recent files) live in the index beside the verdicts they
// produced, so a library file carries its own configuration. The indexes serve the call
// list's filters: final status and cause are filtered alone and sorted by time within.
function m003AppSettings(db: Db): void {
  db.exec(`
    CREATE TABLE settings (
      key        TEXT    PRIMARY KEY,
      value_json TEXT    NOT NULL CHECK (json_valid(value_json)),
      updated_at INTEGER NOT NULL              -- ms since the epoch
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX calls_final_status ON calls(final_status, start_us);
    CREATE INDEX calls_cause        ON calls(cause, start_us);
  `);
}

// Per-second bins move from one row per stream-second to one BLOB per stream (bin_codec.ts):
// the rows were ~40 % of an import's index time. Existing rows are packed into their streams.
function m004StreamBinsBlob(db: Db): void {
  db.exec('ALTER TABLE streams ADD COLUMN bins BLOB');
  // One stream at a time (a statement cannot write while another iterates): memory stays
  // that of the longest stream, whatever the index's size.
  const streams = db.prepare('SELECT DISTINCT stream_id FROM stream_bins ORDER BY stream_id').pluck().all() as number[];
  const rows = db.prepare('SELECT second, packets, lost, max_jitter_ms, max_delta_ms FROM stream_bins WHERE stream_id = ? ORDER BY second');
  const set = db.prepare('UPDATE streams SET bins = ? WHERE id = ?');
  for (const id of streams) {
    const bins = (rows.all(id) as Array<{ second: number; packets: number; lost: number; max_jitter_ms: number | null; max_delta_ms: number | null }>)
      .map((r): StreamBin => ({ second: r.second, packets: r.packets, lost: r.lost, maxJitterMs: r.max_jitter_ms ?? NaN, maxDeltaMs: r.max_delta_ms ?? NaN }));
    set.run(encodeBins(bins), id);
  }
  db.exec('DROP TABLE stream_bins');
}

// Capture coverage (diagnosis.md §1): the recording's window (pcapng ISB, else first → last
// packet), the recorded capture filter, and whether the capture is signalling-only. Sources
// indexed before keep the packet span as their window; whether they were signalling-only
// is unknown (0) until they are imported again.
function m005CaptureCoverage(db: Db): void {
  db.exec(`
    ALTER TABLE sources ADD COLUMN window_start_us REAL;
    ALTER TABLE sources ADD COLUMN window_end_us REAL;
    ALTER TABLE sources ADD COLUMN window_from TEXT CHECK (window_from IN ('isb', 'packets'));
    ALTER TABLE sources ADD COLUMN capture_filter TEXT;
    ALTER TABLE sources ADD COLUMN signalling_only INTEGER NOT NULL DEFAULT 0 CHECK (signalling_only IN (0, 1));
    ALTER TABLE sources ADD COLUMN signalling_only_why TEXT CHECK (signalling_only_why IN ('filter', 'no_rtp'));
    UPDATE sources SET window_start_us = first_us, window_end_us = last_us, window_from = 'packets'
      WHERE first_us IS NOT NULL AND last_us IS NOT NULL;
  `);
}

// SIP messages seen only quoted inside an ICMP/ICMPv6 error (the bounced datagram): counted
// on their call like tshark counts them, and marked so the ladder and the diagnosis never take
// them for transmissions. Existing rows were all seen on the wire: 0.
function m006SipMessagesQuoted(db: Db): void {
  db.exec('ALTER TABLE sip_messages ADD COLUMN quoted INTEGER NOT NULL DEFAULT 0 CHECK (quoted IN (0, 1))');
}

// Issue 10 (damaged and hostile input):
// - An import that dies (kill -9, power cut) leaves its committed slices under a source that
//   says 'import did not finish', under a provisional hash, so re-importing the file added a
//   second copy of its calls. The importing process is now recorded on the row until the
//   import finishes (pid, host, and a start token that tells a reused pid apart), so opening
//   the index can tell an import running now from one that died, and remove the dead one.
//   Rows left unfinished by an older build have no owner: pid 0, i.e. dead.
// - CDR rows join captured calls by numbers within ±60 s: the join scanned every call in the
//   window, the CDR-only calls of the import itself included, so a large export was
//   quadratic. calls_capture_join holds captured calls only and covers the join's columns;
//   cdr_records_unjoined lets a capture import find the CDR-only rows its calls may join
//   without reading all of them.
function m007ImportOwnerAndJoinIndexes(db: Db): void {
  db.exec(`
    ALTER TABLE sources ADD COLUMN import_pid INTEGER;   -- set while an import runs, NULL once finished
    ALTER TABLE sources ADD COLUMN import_host TEXT;
    ALTER TABLE sources ADD COLUMN import_start TEXT;    -- the process's start token (import_owner.ts)
    UPDATE sources SET import_pid = 0 WHERE status = 'failed' AND error = 'import did not finish';
    CREATE INDEX sources_importing ON sources(import_pid) WHERE import_pid IS NOT NULL;
    CREATE INDEX calls_capture_join ON calls(start_us, from_user, to_user, call_id) WHERE origin = 'capture' AND kind = 'call';
    CREATE INDEX cdr_records_unjoined ON cdr_records(start_us) WHERE join_method = 'cdr_only';
  `);
}

// Issue 10, defect 6 (CDR import at 50 000 rows/s): a CDR-only call stored its facts (1 KB of
// JSON) and its whole verdict (0.9 KB) beside the CDR row they were computed from, so a daily
// export wrote about 4.7 KB per row. From v8 on, nothing in the tables changes but how two
// columns are filled (older builds would misread them, hence the version):
// - calls.facts_json of a CDR-only call is '' (FACTS_FROM_CDR_ROW): its facts are rebuilt from
//   its CDR row when it is read (cdr_call_facts.ts);
// - calls.verdict_json holds only confidence, evidence and path: the bucket name, problem flag
//   and fix follow from the bucket and cause columns (verdict_codec.ts).
// Rows written before keep their full JSON and are read as they are. A CDR row with no Call-ID
// (FreeSWITCH's default template, Asterisk Master.csv) is no longer an entry of the Call-ID index:
// every lookup in it is by equality, which a NULL never matches.
function m008CdrCallsDerived(db: Db): void {
  db.exec(`
    DROP INDEX cdr_records_call_id;
    CREATE INDEX cdr_records_call_id ON cdr_records(call_id) WHERE call_id IS NOT NULL;
  `);
}

// Issue 13 (a library of 1 000 000 calls). What v9 adds:
// - one index per sort key of the call list, (kind, column) — the rowid ends every index, so
//   it is (kind, column, id): the order of the list and of its keyset cursor. Bucket and final
//   status sort as (column, start_us, id) and use the filter indexes below (call_list_query.ts). The default filter
//   (kind = 'call') is an equality on the first column, so the first page, the next page after a
//   cursor and the total are each a seek plus a walk of at most one page (call_list_query.ts);
// - the filter indexes of migration 3 gain the kind in front, (kind, bucket | cause |
//   final_status, start_us), and the source filter has its own (kind, source_id, start_us)
//   (calls_source stays for removing a source): the default filter's kind = 'call' and the facet are then two
//   equalities on one index, walked in time order (without it the planner, which has no
//   statistics, takes any (kind, …) index and reads every call of that kind). With the
//   non-call dialogs included the list falls back to calls_start (start_us);
// - calls_call_id widened to (call_id, from_user, to_user, source_id): the key under which
//   oncePerCallId counts a call captured at two points once, and the source, so finding a new
//   call's twin in another source is two seeks even where many rows share a key;
// - the dashboard's counts kept in the index (summary_aggregates.ts): summary_hours,
//   summary_pairs, summary_causes, summary_q850, summary_totals and summary_twins, filled
//   from the calls here;
// - calls_text, an FTS5 trigram index over the numbers and the Call-ID, for the free-text
//   search: a substring search (LIKE '%x%') cannot use a B-tree, a trigram index can (for 3
//   characters or more; shorter text still scans). columnsize=0: no per-row size record (only
//   ranking reads it), one write fewer per call.
// No triggers: the counts and calls_text are kept by kept_counts.ts, one set-based statement
// per table for each batch of calls written, removed or re-classified — per-row triggers made
// a CDR import four times slower.
function m009CallListIndexes(db: Db): void {
  db.exec(`
    DROP INDEX calls_bucket;
    DROP INDEX calls_cause;
    DROP INDEX calls_final_status;
    DROP INDEX calls_call_id;
    CREATE INDEX calls_call_id      ON calls(call_id, from_user, to_user, source_id);
    CREATE INDEX calls_bucket       ON calls(kind, bucket, start_us);
    CREATE INDEX calls_cause        ON calls(kind, cause, start_us);
    CREATE INDEX calls_final_status ON calls(kind, final_status, start_us);
    CREATE INDEX calls_list_source       ON calls(kind, source_id, start_us);
    CREATE INDEX calls_list_start        ON calls(kind, start_us);
    CREATE INDEX calls_list_duration     ON calls(kind, duration_ms);
    CREATE INDEX calls_list_pdd          ON calls(kind, pdd_ms);
    CREATE INDEX calls_list_min_mos      ON calls(kind, min_mos);
    CREATE INDEX calls_list_worst_loss   ON calls(kind, worst_loss_pct);
    CREATE INDEX calls_list_longest_gap  ON calls(kind, longest_gap_ms);
    CREATE INDEX calls_list_worst_jitter ON calls(kind, worst_jitter_ms);
    CREATE VIRTUAL TABLE calls_text USING fts5(from_user, to_user, call_id, content='calls', content_rowid='id', tokenize='trigram', columnsize=0);
    INSERT INTO calls_text(calls_text) VALUES ('rebuild');
    ${SUMMARY_AGGREGATES_SQL}
  `);
  fillKeptCounts(db, { sources: false });
}

// Issue 12 (one call across legs): the links between the legs of an end-to-end call, kept so a
// heuristic link the user undid stays undone. Numbered 10, after the million-call library's 9.
// - leg_links: one row per link between two call rows (from = the upstream leg), its method,
//   confidence and why, and undone_at (ms) when the user undid it. Rows go with their calls
//   (ON DELETE CASCADE); links are recomputed from facts_json after each import and removal
//   (stored_legs.ts), so the table is a cache of the correlation plus the user's word.
// - leg_link_undo: the user's word itself, by the pair's Call-IDs (in sorted order), so an undo
//   survives removing and re-importing the capture (new row ids) and every relinking.
/** The leg links' migration (a renumbering at merge changes this one constant). */
export const LEG_LINKS_MIGRATION = 10;

function m010LegLinks(db: Db): void {
  db.exec(`
    CREATE TABLE leg_links (
      id          INTEGER PRIMARY KEY,
      from_row    INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
      to_row      INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
      method      TEXT    NOT NULL CHECK (method IN ('session_id', 'call_id_header', 'icid', 'referred_by', 'diversion', 'heuristic')),
      confidence  REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
      why         TEXT    NOT NULL,
      undone_at   INTEGER,                -- ms since the epoch; NULL: the link stands
      CHECK (from_row <> to_row),
      UNIQUE (from_row, to_row)
    ) STRICT;
    CREATE INDEX leg_links_to ON leg_links(to_row);
    CREATE TABLE leg_link_undo (
      call_id_a  TEXT    NOT NULL,
      call_id_b  TEXT    NOT NULL,
      undone_at  INTEGER NOT NULL,
      PRIMARY KEY (call_id_a, call_id_b),
      CHECK (call_id_a < call_id_b)
    ) STRICT, WITHOUT ROWID;
    -- The calls already indexed are linked once, by the ingest worker when it starts
    -- (stored_legs.ts relinkPendingLibrary), not here: linking reads every call's facts.
    INSERT INTO settings (key, value_json, updated_at) SELECT 'legLinksPending', 'true', 0 WHERE EXISTS (SELECT 1 FROM calls);
  `);
}

// Issue 13 (a million calls): the calls of each source, per kind, kept like the dashboard's
// counts (kept_counts.ts). The library panel shows each source's calls: counted per source
// (SELECT count(*) … WHERE source_id = ?) that was a walk of every call's index entry, 0.1–0.3 s
// at a million calls, on the one query worker before the list's first page could be read.
// They also give the list's total for a source filter.
/** The per-source counts' migration (a renumbering at merge changes this one constant). */
export const SOURCE_COUNTS_MIGRATION = 11;

function m011SourceCounts(db: Db): void {
  db.exec(`
    CREATE TABLE summary_sources (source_id INTEGER NOT NULL, kind TEXT NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (source_id, kind)) STRICT, WITHOUT ROWID;
    INSERT INTO summary_sources (source_id, kind, calls) SELECT source_id, kind, count(*) FROM calls GROUP BY source_id, kind;
  `);
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: m001Initial },
  { version: 2, name: 'CDR records, agent events, call origin', up: m002Inputs },
  { version: 3, name: 'app settings, call-list filter indexes', up: m003AppSettings },
  { version: 4, name: 'per-second bins as one BLOB per stream', up: m004StreamBinsBlob },
  { version: 5, name: 'capture coverage: window, filter, signalling-only', up: m005CaptureCoverage },
  { version: 6, name: 'sip_messages_quoted', up: m006SipMessagesQuoted },
  { version: 7, name: 'importing process on sources, CDR join indexes', up: m007ImportOwnerAndJoinIndexes },
  { version: 8, name: 'CDR-only calls read from their CDR row, verdicts without derived fields', up: m008CdrCallsDerived },
  { version: 9, name: 'call-list indexes per sort key, trigram text index, kept summary counts', up: m009CallListIndexes },
  { version: LEG_LINKS_MIGRATION, name: 'leg links and the undone heuristic links', up: m010LegLinks },
  { version: SOURCE_COUNTS_MIGRATION, name: 'calls per source kept', up: m011SourceCounts },
];

export const LATEST_VERSION = MIGRATIONS.length;
/**
 * The tables of an index are not those its user_version names (the version was changed
 * outside calltrace, or the file was assembled by hand). Migrating it would fail half-way
 * with a raw SQLite error ("table settings already exists"), and reading it would misread
 * it, so it is refused before anything is changed.
 */
export class IndexSchemaMismatchError extends Error {
  readonly code = 'INDEX_SCHEMA_MISMATCH';
  constructor(
    readonly path: string,
    readonly version: number,
    detail: string,
  ) {
    super(
      `Index ${path} says schema version ${version}, but its tables are not those of version ${version} (${detail}). ` +
        'Its version was changed outside calltrace, so it is left untouched: re-import the captures into a new index, or restore a copy of this one.',
    );
    this.name = 'IndexSchemaMismatchError';
  }
}

/**
 * The schema as objects and columns, one line each, sorted: what must be equal between an
 * index and a fresh database migrated to the same version. SQLite's own objects
 * (sqlite_autoindex_…, sqlite_stat1) follow from the rest and are left out.
 */
export function schemaShape(db: Db): string[] {
  const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'index', 'view', 'trigger')").all() as Array<{ type: string; name: string; tbl_name: string }>;
  const columns = db.prepare('SELECT name, type FROM pragma_table_info(?)');
  const out: string[] = [];
  for (const o of objects) {
    out.push(o.type === 'table' ? `table ${o.name}` : `${o.type} ${o.name} on ${o.tbl_name}`);
    if (o.type === 'table') {
      for (const c of columns.all(o.name) as Array<{ name: string; type: string }>) out.push(`column ${o.name}.${c.name} ${c.type}`);
    }
  }
  return out.sort();
}

/** Expected shape per version, per migration list (computed once per process on a scratch database). */
const expectedShapes = new WeakMap<readonly Migration[], Map<number, string[]>>();

function expectedShape(version: number, migrations: readonly Migration[], scratch: () => Db): string[] {
  let byVersion = expectedShapes.get(migrations);
  if (!byVersion) expectedShapes.set(migrations, (byVersion = new Map()));
  let shape = byVersion.get(version);
  if (!shape) {
    const db = scratch();
    try {
      for (const m of migrations) if (m.version <= version) m.up(db);
      shape = schemaShape(db);
    } finally {
      db.close();
    }
    byVersion.set(version, shape);
  }
  return shape;
}

/** An in-memory database from the same driver as `db` (the Node default addon). */
export function scratchLike(db: Db): () => Db {
  return () => new (db.constructor as new (path: string) => Db)(':memory:');
}

/**
 * Refuses an index whose tables are not those of its user_version (version 0, a new file, has
 * none to compare). `scratch` opens an empty in-memory database with the connection's driver.
 */
export function checkSchemaMatchesVersion(db: Db, path: string, version: number, migrations: readonly Migration[] = MIGRATIONS, scratch: () => Db = scratchLike(db)): void {
  if (version === 0) return;
  const want = expectedShape(version, migrations, scratch);
  const have = schemaShape(db);
  const wanted = new Set(want);
  const had = new Set(have);
  const missing = want.filter((x) => !had.has(x));
  const extra = have.filter((x) => !wanted.has(x));
  if (missing.length === 0 && extra.length === 0) return;
  // Say it in tables when tables differ, else in the first objects or columns that do.
  const tables = (xs: string[]): string[] => xs.filter((x) => x.startsWith('table ')).map((x) => x.slice(6));
  const list = (xs: string[]): string => `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ` and ${xs.length - 3} more` : ''}`;
  const [moreTables, fewerTables] = [tables(extra), tables(missing)];
  const parts: string[] = [];
  if (moreTables.length + fewerTables.length > 0) {
    if (moreTables.length > 0) parts.push(`it has table${moreTables.length > 1 ? 's' : ''} ${list(moreTables)}`);
    if (fewerTables.length > 0) parts.push(`it lacks table${fewerTables.length > 1 ? 's' : ''} ${list(fewerTables)}`);
  } else {
    if (extra.length > 0) parts.push(`it has ${list(extra)}`);
    if (missing.length > 0) parts.push(`it lacks ${list(missing)}`);
  }
  throw new IndexSchemaMismatchError(path, version, parts.join('; '));
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuse files that are not ours or are too new; shared by the writable and read-only openers. */
export function checkIndexFile(db: Db, path: string, latest = LATEST_VERSION): number {
  const version = schemaVersion(db);
  if (version > latest) throw new IndexTooNewError(path, version, latest);
  if (version > 0) {
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) throw new NotAnIndexError(path, `application_id is ${appId}, expected ${APPLICATION_ID}`);
  } else {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (tables > 0) throw new NotAnIndexError(path, 'it already holds tables but has no calltrace schema version');
  }
  return version;
}

/** Connection settings that cannot be changed inside a transaction, so they are set on open. */
export function configureConnection(db: Db): void {
  // WAL lets read-only connections (query workers) read while an import writes.
  // (An in-memory database reports 'memory'; that is fine.)
  // Switching a new file to WAL takes an exclusive lock, which a second process opening the
  // same new file at once may hold: waited for like a write (write_lock.ts).
  if (!db.memory) retryWhileBusy(db, () => db.pragma('journal_mode = WAL'), { what: 'switching the index to WAL' });
  // NORMAL is safe against corruption in WAL; a power cut may lose the last import, which
  // the user can simply repeat — the index is derived data.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/** Bring the database up to LATEST_VERSION. Idempotent: an up-to-date database is left untouched. */
export function migrate(db: Db, path = db.name, migrations: readonly Migration[] = MIGRATIONS, scratch: () => Db = scratchLike(db)): MigrationResult {
  const latest = migrations.length;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}; versions must be 1, 2, 3 … in order`);
  });
  const from = checkIndexFile(db, path, latest);
  checkSchemaMatchesVersion(db, path, from, migrations, scratch);
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    // IMMEDIATE takes the write lock before re-reading the version, so two processes opening
    // the same new file cannot both run a migration.
    // The lock is waited for against real time (write_lock.ts): another process may be
    // importing into, or migrating, the same file.
    writeTransaction(db, () => {
      const now = schemaVersion(db);
      if (now >= m.version) return;
      if (now !== m.version - 1) throw new Error(`index ${path} is at version ${now}, cannot apply migration ${m.version}`);
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      applied.push(`${m.version} ${m.name}`);
    }, { what: `migration ${m.version} (${m.name})` });
  }
  return { from, to: Math.max(from, latest), applied };
}
