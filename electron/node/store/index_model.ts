// The index's public model: what callers of the index store see (sources, calls, messages,
// streams, the reader and writer interfaces), apart from the SQL that produces it
// (index_store.ts), so modules that only need the shapes do not load the store.

import type { CallFacts, CallMessageRef, CallStream } from '../../../shared/model/call.ts';
import type { CaptureCoverage } from '../../../shared/model/capture.ts';
import type { RtcpReport, RtpStreamStats } from '../../../shared/model/media.ts';
import type { SipMessage, SipTransport } from '../../../shared/model/sip.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import type { CallQueryStore } from './call_query.ts';
import type { InputStore } from './input_store.ts';
import type { SettingsStore } from './settings_store.ts';
import type { LegLinkStore } from './leg_link_store.ts';
import type { DocumentRows } from './document_rows.ts';
import type { CallSummary } from './call_summary_row.ts';

export type SourceFormat = 'pcap' | 'pcapng' | 'netmon' | 'pcap.gz' | 'pcapng.gz' | 'netmon.gz' | `cdr:${string}` | 'agent_events';
export type SourceStatus = 'ok' | 'partial' | 'failed';

export interface NewSource {
  path: string;
  name: string;
  /** sha256 of the file's bytes, lower-case hex (computed by the caller while reading). */
  contentHash: string;
  sizeBytes: number;
  format: SourceFormat;
  /** ms since the epoch; defaults to now. */
  importedAt?: number;
}

export interface SourceResult {
  status: SourceStatus;
  packets: number;
  firstUs: number | null;
  lastUs: number | null;
  stats: readonly Stat[];
  /** First fatal problem, null when none. */
  error: string | null;
  /** LINKTYPE_* values seen (known only once the file has been read). */
  linkTypes?: readonly number[];
  /** Sum of pcapng if_drop, null when the capture does not say. */
  captureDrops?: number | null;
  /** Window, recorded filter and signalling-only (captures only). */
  coverage?: CaptureCoverage | null;
  /**
   * The file's real sha256, when the source was begun with a provisional one (the importer
   * hashes on another thread while decoding, so calls can be committed before the hash is
   * known). Throws DuplicateSourceError when another source already has these bytes.
   */
  contentHash?: string;
}

export interface SourceRecord {
  id: number;
  path: string;
  name: string;
  contentHash: string;
  sizeBytes: number;
  format: SourceFormat;
  linkTypes: number[];
  packets: number;
  firstUs: number | null;
  lastUs: number | null;
  importedAt: number;
  status: SourceStatus;
  error: string | null;
  captureDrops: number | null;
  /** Window, recorded filter and signalling-only; null for CDR and event sources. */
  coverage: CaptureCoverage | null;
  /** Calls indexed from this source. */
  calls: number;
}

/**
 * What the index needs from the parsed SIP message behind a CallMessageRef (CallFacts keeps
 * only refs). A SipMessage satisfies it as is. Missing method/status are derived from the label.
 */
export type SipMessageDetail = Pick<SipMessage, 'raw'> & Partial<Pick<SipMessage, 'transport' | 'method' | 'statusCode'>>;
/**
 * Finds the detail for facts.messages[index]. An index-based lookup (`(_, i) => parsed[i]`)
 * is unambiguous even when one frame carries several SIP messages; undefined stores no raw text.
 */
export type SipDetailLookup = (ref: CallMessageRef, index: number) => SipMessageDetail | undefined;

export type CallOrder = 'startUs' | 'durationMs' | 'pddMs' | 'minMos' | 'worstLossPct' | 'longestGapMs';

export interface CallListOptions {
  limit?: number;
  offset?: number;
  /** Default 'startUs' — the only order backed by an index; the others sort. */
  orderBy?: CallOrder;
  descending?: boolean;
  sourceId?: number;
}

export interface StoredSipMessage extends CallMessageRef {
  id: number;
  transport: SipTransport | null;
  method: string | null;
  statusCode: number | null;
  raw: string | null;
}

export interface StoredCallStream extends CallStream {
  id: number;
  sourceId: number;
  callRowId: number;
}

export interface UnassociatedStream extends RtpStreamStats {
  id: number;
  sourceId: number;
}

export interface StoredRtcpReport extends RtcpReport {
  id: number;
  sourceId: number;
  callRowId: number | null;
}

export interface CallDetail extends CallSummary {
  /** The CallFacts as the engine produced them, messages and streams included: the classifier's input. */
  facts: CallFacts;
  /** The ladder: refs plus transport and raw text. */
  messages: StoredSipMessage[];
  streams: StoredCallStream[];
  rtcp: StoredRtcpReport[];
  verdict: unknown;
}

export interface IndexReader {
  listSources(): SourceRecord[];
  getSource(sourceId: number): SourceRecord | null;
  findSourceByHash(contentHash: string): SourceRecord | null;
  sourceStats(sourceId: number): Stat[];
  listCalls(options?: CallListOptions): CallSummary[];
  countCalls(filter?: { sourceId?: number }): number;
  /** Call rows with this SIP Call-ID (one per source that saw it). */
  findCallsByCallId(callId: string): CallSummary[];
  getCall(callRowId: number): CallDetail | null;
  /**
   * The stored facts of a captured call without its messages and streams (one JSON column,
   * no joins): enough to correlate legs. null for a CDR-only call or an unknown row.
   */
  storedFacts(callRowId: number): Omit<CallFacts, 'messages' | 'streams'> | null;
  listUnassociatedStreams(sourceId?: number): UnassociatedStream[];
  listRtcp(filter: { sourceId?: number; callRowId?: number }): StoredRtcpReport[];
}

export interface IndexWriter {
  /** Creates the source row, marked failed until finishSource says otherwise. Throws DuplicateSourceError. */
  beginSource(meta: NewSource): number;
  findSourceByHash(contentHash: string): SourceRecord | null;
  /** Returns the call's row id. origin comes from facts.origin; the verdict, when given, is stored with the row. */
  insertCall(sourceId: number, facts: CallFacts, sip?: SipDetailLookup, verdict?: Verdict | null): number;
  insertUnassociatedStream(sourceId: number, stats: RtpStreamStats): number;
  insertRtcp(sourceId: number, reports: readonly RtcpReport[], callRowId?: number | null): void;
  finishSource(sourceId: number, result: SourceResult): void;
  /** Removes a source and everything derived from it (re-import, or the user removing a file). */
  deleteSource(sourceId: number): void;
  /** Shows a source under another file of the same bytes (ingest/duplicate_order.ts). */
  renameSource(sourceId: number, path: string, name: string): void;
  /** Runs fn in one transaction (nested calls become savepoints); fn must be synchronous. */
  transaction<T>(fn: () => T): T;
  /** One transaction around an async import (streamed file reads). Not re-entrant. */
  transactionAsync<T>(fn: () => Promise<T>): Promise<T>;
}

/** An unfinished source from an earlier run, removed when the index was opened. */
export interface RecoveredSource {
  id: number;
  name: string;
  path: string;
  /** Calls its committed slices held (removed with it). */
  calls: number;
  /** The process that had been importing it. */
  pid: number;
}

export interface IndexStore extends IndexReader, IndexWriter {
  readonly path: string;
  /**
   * Sources an earlier run left unfinished (its process was killed or crashed mid-import),
   * removed with their calls when this connection opened the index, so the same bytes are
   * imported again whole instead of beside a partial copy. Callers tell the user.
   */
  readonly recovered: readonly RecoveredSource[];
  /** CDR rows, agent events, malformed input rows and verdicts (input_store.ts). */
  readonly inputs: InputStore;
  /** The UI's filtered, sorted, paged call list with its total (call_query.ts). */
  readonly callQuery: CallQueryStore;
  /** App settings as key → JSON (settings_store.ts). */
  readonly settings: SettingsStore;
  /** Links between the legs of end-to-end calls (migration 10). */
  readonly legLinks: LegLinkStore;
  /** Calls read a batch at a time, as analyze and report print them (document_rows.ts). */
  readonly documentRows: DocumentRows;
  close(): void;
}

/** The same bytes were already imported; `existing` is that source. */
export class DuplicateSourceError extends Error {
  readonly code = 'DUPLICATE_SOURCE';
  constructor(readonly existing: SourceRecord) {
    super(`${existing.name} has the same content as source #${existing.id} (${existing.path}), already imported`);
    this.name = 'DuplicateSourceError';
  }
}
