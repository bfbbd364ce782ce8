// The ONE typed contract between the UI and the back end (VS Code's pattern: one service
// interface, turned into transports). Electron IPC (preload + main) and the loopback HTTP
// bridge of `calltrace serve` are both generated from API_METHODS and ApiSpec, so they
// cannot drift. Errors cross it as values, never as thrown exceptions.
//
// Pure types and constants: shared/ stays free of node, electron and DOM.

import type { Summary } from '../diagnosis/call_summary.ts';
import type { EndToEndVerdict } from '../diagnosis/end_to_end.ts';
import type { LegLinkMethod } from '../diagnosis/leg_links.ts';
import type { CallMessageRef, CallStream, EndMethod, MediaExpectation, NatMismatch, Side } from '../model/call.ts';
import type { CaptureCoverage } from '../model/capture.ts';
import type { MeasurementChoice } from '../merge/capture_points.ts';
import type { RtcpReport, RtpStreamStats } from '../model/media.ts';
import type { Stat } from '../model/stats.ts';
import type { DiagnosisSettings, Verdict } from '../model/verdict.ts';

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface ApiError {
  /** Stable code: 'bad_request', 'not_found', 'import_failed', 'busy', 'internal' … */
  code: string;
  /** A sentence for the user, naming the file and the problem where there is one. */
  message: string;
}

// ---- library ------------------------------------------------------------------------------

export type SourceKind = 'capture' | 'cdr' | 'agent_events';

export interface SourceInfo {
  id: number;
  kind: SourceKind;
  name: string;
  path: string;
  format: string;
  sizeBytes: number;
  status: 'ok' | 'partial' | 'failed';
  error: string | null;
  packets: number;
  calls: number;
  firstUs: number | null;
  lastUs: number | null;
  importedAt: number;
  captureDrops: number | null;
  /** Captures: the recording's window, the recorded filter and whether it is signalling-only (null for CDR / events). */
  coverage: CaptureCoverage | null;
  /** Warnings and errors only (info counters are in getSourceStats). */
  warnings: Stat[];
}

export interface SourceDetail extends SourceInfo {
  stats: Stat[];
  /** Input rows (CDR / events) that could not be used. */
  problems: Array<{ line: number; message: string }>;
}

/** An import started by importPaths / importUpload; progress arrives as 'importProgress' events. */
export interface ImportJob {
  jobId: string;
  files: string[];
  /**
   * Files under an opened or dropped folder that are no input (a README, labels.json, a
   * script), with the reason: the first MAX_SKIPPED_SHOWN of them; `skippedCount` counts all.
   */
  skipped?: Array<{ name: string; path: string; reason: string }>;
  skippedCount?: number;
}

/** Skipped files named in an ImportJob (a folder of 10,000 logs must not make a 10,000-line reply). */
export const MAX_SKIPPED_SHOWN = 50;

export interface ImportProgress {
  jobId: string;
  /** The file being read (name, not path). */
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  totalBytes: number;
  packets: number;
  callsFound: number;
  /** Bytes per second over the last second. */
  rate: number;
  state: 'running' | 'done' | 'failed' | 'cancelled' | 'duplicate';
  /** One line naming the problem when state is 'failed' (or a warning when 'done'). */
  message: string | null;
  sourceId: number | null;
}

// ---- calls --------------------------------------------------------------------------------

export type CallSortKey = 'startUs' | 'durationMs' | 'pddMs' | 'minMos' | 'worstLossPct' | 'longestGapMs' | 'finalStatus' | 'bucket' | 'worstJitterMs';

export interface CallFilter {
  sourceIds?: number[];
  /** Buckets to keep; 0 stands for "not classifiable" (capture_ended / in_progress). */
  buckets?: number[];
  causes?: string[];
  finalStatuses?: number[];
  /** Peer host (the side that is not ours), as shown in the dashboard. */
  peer?: string;
  fromUs?: number;
  toUs?: number;
  /** Free text: matches numbers (from/to) and the Call-ID, case-insensitive substring. */
  text?: string;
  /** Include non-call dialogs (REGISTER, OPTIONS…); default false. */
  includeOther?: boolean;
  /**
   * One row per end-to-end call (issue 12): a leg downstream of a standing link is left out,
   * so the call is its first leg's row (getLegGroups gives the legs to show under it).
   */
  groupLegs?: boolean;
}

/**
 * A row's place in the list for keyset paging: its value of the sort key (null when unknown)
 * and its id. A page after (or before) a cursor costs the same at any depth; an offset walks
 * to its row and is meant for jumps (the scrollbar dragged), not for scrolling.
 */
export interface CallCursor {
  value: number | null;
  id: number;
}

export interface CallQuery {
  filter?: CallFilter;
  sort?: { key: CallSortKey; descending?: boolean };
  /** Ignored when `after` or `before` is given (the page then starts at the cursor). */
  offset: number;
  limit: number;
  /** The page of rows right after this row (in the list's order). */
  after?: CallCursor;
  /** The page of rows right before this row, still returned in the list's order. */
  before?: CallCursor;
}

/** One row of the call list: everything the table shows, nothing more. */
export interface CallRow {
  id: number;
  sourceId: number;
  origin: 'capture' | 'cdr';
  kind: 'call' | 'other';
  callId: string;
  from: string;
  to: string;
  callerAddr: string;
  calleeAddr: string;
  startUs: number;
  durationMs: number;
  answered: boolean;
  finalStatus: number | null;
  endMethod: EndMethod;
  endedBy: Side | null;
  q850Cause: number | null;
  pddMs: number | null;
  bucket: number | null;
  cause: string | null;
  confidence: number | null;
  worstLossPct: number | null;
  worstJitterMs: number | null;
  minMos: number | null;
  longestGapMs: number | null;
  sipMessages: number;
  streamCount: number;
}

export interface CallPage {
  /** The calls of the filter; a lower bound when totalExact is false. */
  total: number;
  /**
   * False for a text search matching more calls than a page counts (about 10 000): counting a
   * million matches takes seconds, so the page comes at once and countCalls gives the count.
   */
  totalExact: boolean;
  offset: number;
  rows: CallRow[];
}

/** Where a count goes on: countCalls' `more`, given back unchanged. */
export interface CallCountResume {
  counted: number;
  afterId: number;
  version: string;
}

export interface CallCountQuery {
  filter?: CallFilter;
  /** Go on with a count that answered `more` (the same filter). */
  resume?: CallCountResume;
}

export interface CallCount {
  /** Calls counted so far; the filter's total when `more` is null. */
  counted: number;
  /** Not done: ask again with this as `resume` (a text search is counted a chunk per call). */
  more: CallCountResume | null;
}

export interface LadderMessage extends CallMessageRef {
  /** Index in the call's message list (what verdict evidence refers to). */
  index: number;
  transport: string | null;
  raw: string | null;
  /**
   * A call captured at several points (capturePoints set): every point that saw this message,
   * with its own frame number and its own clock's time (tsUs above is on the reference clock).
   * One entry: only that point saw it. Absent for a call of one capture.
   */
  seenAt?: PointSighting[];
}

export interface PointSighting {
  /** The capture's name. */
  point: string;
  frame: number;
  /** On that capture's own clock. */
  tsUs: number;
}

/** A stream with the capture its figures come from. */
export interface MeasuredStream extends CallStream {
  /** The capture (source name) that measured it. */
  measuredAt: string;
  /** Captured at several points: why this point's measurement is the one kept (README "Several capture points"). */
  measuredWhy?: MeasurementChoice;
  /** The same stream as other points measured it (not counted: the figures above are the call's). */
  otherViews?: StreamView[];
}

/** One point's figures for a stream another point's measurement stands for. */
export interface StreamView {
  measuredAt: string;
  packets: number;
  lost: number;
  expected: number;
  maxJitterMs: number;
  meanJitterMs: number;
  maxDeltaMs: number;
  mos: number | null;
  /** On the reference clock. */
  firstUs: number;
  lastUs: number;
}

/** A call seen by several captures, merged on one clock (issue 12). */
export interface CapturePoints {
  /** The capture whose clock the ladder, streams and verdict times are on. */
  reference: string;
  /** Every point merged, the reference first (offset 0). */
  points: Array<{
    source: string;
    callRowId: number;
    /** How far this capture's clock is ahead of the reference's, µs. */
    offsetUs: number;
    /** Median absolute deviation of the matched messages from the offset, µs (null for the reference). */
    spreadUs: number | null;
    maxDeviationUs: number | null;
    transitUs: number | null;
    matchedMessages: number;
    method: 'both_directions' | 'one_direction' | null;
  }>;
  /** Captures of the same call left out: no SIP message in common, so no clock to put them on. */
  unaligned: Array<{ source: string; callRowId: number }>;
}

export interface CdrRow {
  source: string;
  line: number;
  format: string;
  join: 'call_id' | 'numbers_time' | 'cdr_only' | null;
  joinDeltaMs: number | null;
  disposition: string;
  q850Cause: number | null;
  sipCode: number | null;
  endedBy: 'caller' | 'callee' | null;
  durationS: number | null;
  billsecS: number | null;
  peer: string;
  raw: Record<string, string>;
}

export interface CallDetail {
  row: CallRow;
  sourceName: string;
  messages: LadderMessage[];
  /** Streams with their gaps and per-second bins (the timeline's data), one measurement each. */
  streams: MeasuredStream[];
  rtcp: RtcpReport[];
  verdict: Verdict | null;
  cdr: CdrRow[];
  /**
   * When the call's capture recorded (the pcapng ISB window when present, else first → last
   * packet), for "the capture ended here" markers; and its coverage (signalling-only…).
   */
  capture: { firstUs: number | null; lastUs: number | null; coverage: CaptureCoverage | null };
  /** Streams sent to an address their receiver never uses (SDP behind NAT, §3 rule 7). */
  natMismatch: NatMismatch[];
  /** Who the SDP expected to send (null for a call known only from a CDR row). */
  media: MediaExpectation | null;
  /**
   * Set when other captures saw the same call: messages and streams are then those of every
   * point merged on the reference's clock, and the verdict is on the measurements kept.
   */
  capturePoints?: CapturePoints;
}

/** A link between two legs of an end-to-end call (B2BUA, PBX, SBC), as stored in the index. */
export interface LegLinkInfo {
  /** The link's id (to undo or redo it). */
  id: number;
  /** Call rows: the upstream leg (the earlier INVITE) and the downstream one. */
  fromId: number;
  toId: number;
  fromCallId: string;
  toCallId: string;
  method: LegLinkMethod;
  confidence: number;
  /** One sentence: what matched. */
  why: string;
  /** When the user undid it (ms since the epoch); null while it stands. Only heuristic links can be undone. */
  undoneAt: number | null;
}

/** A call's end-to-end call: its legs and how they were linked. */
export interface CallLegs {
  /** The legs in leg order (first INVITE first), the asked call included; one leg: a call of one leg. */
  legs: CallRow[];
  /** The links that stand between them. */
  links: LegLinkInfo[];
  /** Heuristic links the user undid from or to one of these legs (to offer "Link again"). */
  undone: LegLinkInfo[];
  /** The end-to-end verdict (from the leg that failed first); null for a call of one leg. */
  endToEnd: EndToEndVerdict | null;
}

/** The most calls getLegGroups answers for at once (a page of the list). */
export const MAX_LEG_GROUP_IDS = 1000;

export interface DecisionRuleInfo {
  id: string;
  branch: 'not_answered' | 'answered';
  question: string;
  bucket: number | null;
  cause: string;
}

export interface SummaryQuery {
  filter?: CallFilter;
}

// ---- export -------------------------------------------------------------------------------

/** What an export writes: the calls' packets as pcapng, the HTML incident report, or both. */
export type ExportOutput = 'pcapng' | 'html';

export interface ExportCallsArgs {
  /** Index row ids (CallRow.id), as the call view and the list know them. */
  ids: number[];
  outputs: ExportOutput[];
  /** Hide numbers, names and addresses in both outputs. */
  redact: boolean;
}

/** One file an export wrote. The page never names a path: the back end chose it. */
export interface ExportedFile {
  output: ExportOutput;
  /** The file's name (what the save dialog or the download proposes). */
  name: string;
  /** The desktop app: where the user saved it. `serve`: null. */
  path: string | null;
  /** `serve`: the one-time id to fetch at BRIDGE_DOWNLOAD_PREFIX + id. The desktop app: null. */
  downloadId: string | null;
  bytes: number;
  /** Packets in the pcapng (null for the report). */
  packets: number | null;
}

export interface ExportOutcome {
  /** The user closed the save dialog: nothing was written. */
  cancelled: boolean;
  calls: number;
  files: ExportedFile[];
}

/** The most calls one export may name (a report of more is not something to e-mail). */
export const MAX_EXPORT_CALLS = 1000;

// ---- the contract -------------------------------------------------------------------------

/** Every method: its argument (one object or nothing) and its result. */
export interface ApiSpec {
  listSources: { args: void; result: SourceInfo[] };
  getSource: { args: { id: number }; result: SourceDetail };
  /** Imports files by path (Electron dialog / drag and drop / command line; the bridge's own disk). */
  importPaths: { args: { paths: string[] }; result: ImportJob };
  /** Imports bytes sent by the UI (browser file input / drop on the bridge). */
  importUpload: { args: { name: string; data: Uint8Array }; result: ImportJob };
  cancelImport: { args: { jobId: string }; result: { cancelled: boolean } };
  removeSource: { args: { id: number }; result: { removed: boolean } };
  recentFiles: { args: void; result: string[] };
  queryCalls: { args: CallQuery; result: CallPage };
  /**
   * The exact number of calls of a filter, for a page whose total was a lower bound: a step per
   * call (each about 0.1 s at a million calls), so other queries are answered in between.
   */
  countCalls: { args: CallCountQuery; result: CallCount };
  getCall: { args: { id: number }; result: CallDetail };
  getSummary: { args: SummaryQuery; result: Summary };
  /** The end-to-end call this call is a leg of (itself alone when it has no linked legs). */
  getCallLegs: { args: { id: number }; result: CallLegs };
  /**
   * For the call list's grouped view: the end-to-end calls of these rows (only rows that have
   * linked legs are answered). At most MAX_LEG_GROUP_IDS ids.
   */
  getLegGroups: { args: { ids: number[] }; result: Array<{ id: number } & CallLegs> };
  /** Undoes (or redoes) a heuristic leg link; the undo is kept by the pair's Call-IDs, so it survives a re-import. */
  setLegLinkUndone: { args: { linkId: number; undone: boolean }; result: LegLinkInfo };
  getDecisionTree: { args: void; result: DecisionRuleInfo[] };
  /** The decision tree as Mermaid text with a call's path highlighted (same data as the README). */
  getDecisionTreeMermaid: { args: { path: string[] }; result: string };
  getSettings: { args: void; result: DiagnosisSettings };
  /** Saves the settings and re-classifies every call from stored facts (no capture is re-read). */
  setSettings: { args: DiagnosisSettings; result: { reclassified: number } };
  getUnassociatedStreams: { args: { sourceId?: number }; result: RtpStreamStats[] };
  /**
   * Writes the calls' pcapng and/or report. The desktop app asks where with a save dialog (in
   * the main process); `serve` writes to a private temp directory and answers with one-time
   * download ids. CDR-only calls have no packets: only the report can be exported for them.
   */
  exportCalls: { args: ExportCallsArgs; result: ExportOutcome };
}

export type ApiMethod = keyof ApiSpec;

/** The method names at run time (transports iterate this; the order is irrelevant). */
export const API_METHODS = [
  'listSources', 'getSource', 'importPaths', 'importUpload', 'cancelImport', 'removeSource', 'recentFiles',
  'queryCalls', 'countCalls', 'getCall', 'getSummary', 'getCallLegs', 'getLegGroups', 'setLegLinkUndone', 'getDecisionTree', 'getDecisionTreeMermaid', 'getSettings', 'setSettings',
  'getUnassociatedStreams', 'exportCalls',
] as const satisfies readonly ApiMethod[];

/** Methods only Electron may call: the bridge refuses them (a browser cannot name local paths safely). */
export const ELECTRON_ONLY_METHODS: readonly ApiMethod[] = ['importPaths'];

/** Events pushed from the back end (IPC 'calltrace:event', or Server-Sent Events on the bridge). */
export interface ApiEvents {
  importProgress: ImportProgress;
  /** Sources or verdicts changed: views re-query. */
  libraryChanged: { reason: 'import' | 'remove' | 'settings' | 'links' };
}

export type ApiEventName = keyof ApiEvents;
export type ApiEvent = { [K in ApiEventName]: { name: K; payload: ApiEvents[K] } }[ApiEventName];

/** The typed client the renderer uses, whatever the transport. */
export type CalltraceClient = {
  [M in ApiMethod]: ApiSpec[M]['args'] extends void ? () => Promise<ApiResult<ApiSpec[M]['result']>> : (args: ApiSpec[M]['args']) => Promise<ApiResult<ApiSpec[M]['result']>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};

/** The back end's side: one async handler per method. */
export type ApiHandlers = {
  [M in ApiMethod]: (args: ApiSpec[M]['args']) => Promise<ApiSpec[M]['result']>;
};

/** A transport: sends a call and returns its result value (or error value). */
export type ApiTransport = (method: ApiMethod, args: unknown) => Promise<ApiResult<unknown>>;

/** Builds the typed client from a transport and an event source. */
export function createClient(transport: ApiTransport, subscribe: (listener: (e: ApiEvent) => void) => () => void): CalltraceClient {
  const client: Record<string, unknown> = {};
  for (const m of API_METHODS) client[m] = (args?: unknown) => transport(m, args);
  client.on = (event: ApiEventName, listener: (payload: unknown) => void) =>
    subscribe((e) => {
      if (e.name === event) listener(e.payload);
    });
  return client as CalltraceClient;
}

/** IPC channel names, derived from the method names (main and preload both use these). */
export const IPC_INVOKE_PREFIX = 'calltrace:';
export const IPC_EVENT_CHANNEL = 'calltrace:event';

/** HTTP bridge routes: POST /api/<method> with the JSON argument; events at GET /api/events (SSE). */
export const BRIDGE_API_PREFIX = '/api/';
export const BRIDGE_EVENTS_PATH = '/api/events';
/** Uploads go as the raw body of POST /api/importUpload?name=… (not JSON: captures are binary). */
export const BRIDGE_UPLOAD_PATH = '/api/importUpload';
/** `serve`'s exported files: GET /api/download/<id>, once, with the token like every request. */
export const BRIDGE_DOWNLOAD_PREFIX = '/api/download/';
