// The back end of the API contract: one async handler per method of shared/api/contract.ts,
// over one index file. In the app these run in the query worker (query_host.ts), on its own
// connection, which only reads; everything that writes — imports, removal, settings with
// their re-classification — is queued to the ingest worker through the import queue (the
// ImportController on the main thread), so a long import never makes the list wait and two
// writers never meet. Tests also run them in-thread over a store of their own.
//
// Arguments come from a page (IPC or HTTP), so each handler checks their shape and answers
// a bad one with ApiFailure('bad_request'), never a crash deep in SQL.

import { statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  MAX_EXPORT_CALLS, MAX_LEG_GROUP_IDS,
  type ApiHandlers, type CallCountResume, type CallCursor, type CallFilter, type CallQuery, type DecisionRuleInfo, type ExportOutcome, type ExportOutput, type ImportJob, type SourceDetail,
  type SourceInfo, type SourceKind,
} from '../../../shared/api/contract.ts';
import { MAX_SKIPPED_SHOWN } from '../../../shared/api/contract.ts';
import { summarize, type Summary } from '../../../shared/diagnosis/call_summary.ts';
import { invalidCidrs } from '../../../shared/diagnosis/cidr.ts';
import { DECISION_TREE } from '../../../shared/diagnosis/decision_tree.ts';
import { decisionTreeMermaid } from '../../../shared/diagnosis/decision_tree_mermaid.ts';
import type { RtpStreamStats } from '../../../shared/model/media.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { peerOf } from '../ingest/diagnose.ts';
import { expandInputs, type SkippedInput } from '../ingest/input_paths.ts';
import { makeTempDir } from '../ingest/temp_dirs.ts';
import { ExportError, findCallsByRowIds } from '../export/call_packets.ts';
import { runExportJob } from '../export/export_job.ts';
import { exportFileNames, type ExportTarget, type WrittenFile } from '../export/export_target.ts';
import { SORT_COLUMN } from '../store/call_query.ts';
import type { IndexStore, SourceRecord } from '../store/index_store.ts';
import type { StoredLegLink } from '../store/leg_link_store.ts';
import { ApiFailure } from './api_error.ts';
import { callDetailOf, plainStream } from './call_detail.ts';
import { callLegsOf, legGroupsOf, legLinkInfo, oncePerEndToEndCall, wholeSummaryOnce } from './call_legs.ts';
import { callRow } from './call_row.ts';
import type { EventHub } from './event_hub.ts';
import { RECENT_FILES_KEY, SETTINGS_KEY, type ImportFileSpec } from './worker_protocol.ts';

/**
 * The write queue the handlers use: the ImportController itself, or (in the query worker)
 * its stand-in that forwards each call to the main thread. cancelImport may answer later,
 * because from the worker the answer is the main thread's.
 */
export interface ImportQueue {
  importFiles(files: ImportFileSpec[], settings: DiagnosisSettings, o?: { temp?: string[]; recordRecent?: boolean }): ImportJob;
  reclassify(settings: DiagnosisSettings): Promise<{ reclassified: number }>;
  removeSource(sourceId: number, settings: DiagnosisSettings): Promise<{ removed: boolean }>;
  cancelImport(jobId: string): boolean | Promise<boolean>;
  /** Undo or redo a heuristic leg link (a write, queued like the others); link null when there is no such heuristic link. */
  setLegLinkUndone(linkId: number, undone: boolean): Promise<{ link: StoredLegLink | null }>;
}

export interface HandlerContext {
  /** The connection queries run on (the ingest worker has its own for writes). */
  store: IndexStore;
  imports: ImportQueue;
  events: EventHub;
  /** Where uploads are staged before their import; default the OS temp directory. */
  tempDir?: string;
  /** The settings in force, shared with the upload staging; default: read from the index. */
  settings?: SettingsHolder;
  /**
   * Where exportCalls writes: the desktop app's save dialog or `serve`'s downloads. Absent:
   * exportCalls is refused (nothing may choose a path for it).
   */
  exports?: ExportTarget;
}

/** The diagnosis settings in force (imports classify with them; the peer filter uses them). */
export interface SettingsHolder {
  current: DiagnosisSettings;
}

/** Uploads and dropped files go through the same staging, whatever the transport. */
export interface UploadStaging {
  /** A fresh path (in a directory of its own) for an upload named `name`. */
  stage(name: string): string;
  /** Queues the staged file's import; the file and its directory are deleted afterwards. */
  commit(path: string, name: string): ImportJob;
}

/** The largest page the call list may ask for (the table virtualises; a page is a screenful or a few). */
export const MAX_PAGE = 10_000;


// ─── Argument checks ─────────────────────────────────────────────────────────────────────

function bad(message: string): ApiFailure {
  return new ApiFailure('bad_request', message);
}
function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be an object`);
  return v as Record<string, unknown>;
}
function int(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`${what} must be an integer between ${min} and ${max}`);
  return v;
}
function num(v: unknown, what: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw bad(`${what} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  return v;
}
function str(v: unknown, what: string, max = 4096): string {
  if (typeof v !== 'string' || v.length > max) throw bad(`${what} must be a string of at most ${max} characters`);
  return v;
}
function list<T>(v: unknown, what: string, item: (x: unknown, what: string) => T, max = 10_000): T[] {
  if (!Array.isArray(v) || v.length > max) throw bad(`${what} must be an array of at most ${max} items`);
  return v.map((x, i) => item(x, `${what}[${i}]`));
}
const opt = <T>(v: unknown, f: (v: unknown) => T): T | undefined => (v === undefined || v === null ? undefined : f(v));

export function checkFilter(v: unknown): CallFilter {
  if (v === undefined || v === null) return {};
  const f = record(v, 'filter');
  return {
    sourceIds: opt(f.sourceIds, (x) => list(x, 'filter.sourceIds', (y, w) => int(y, w))),
    buckets: opt(f.buckets, (x) => list(x, 'filter.buckets', (y, w) => int(y, w, 0, 7))),
    causes: opt(f.causes, (x) => list(x, 'filter.causes', (y, w) => str(y, w, 100))),
    finalStatuses: opt(f.finalStatuses, (x) => list(x, 'filter.finalStatuses', (y, w) => int(y, w, 100, 699))),
    peer: opt(f.peer, (x) => str(x, 'filter.peer', 300)),
    fromUs: opt(f.fromUs, (x) => num(x, 'filter.fromUs')),
    toUs: opt(f.toUs, (x) => num(x, 'filter.toUs')),
    text: opt(f.text, (x) => str(x, 'filter.text', 300)),
    includeOther: opt(f.includeOther, (x) => {
      if (typeof x !== 'boolean') throw bad('filter.includeOther must be true or false');
      return x;
    }),
    groupLegs: opt(f.groupLegs, (x) => {
      if (typeof x !== 'boolean') throw bad('filter.groupLegs must be true or false');
      return x;
    }),
  };
}

const EXPORT_OUTPUTS: readonly ExportOutput[] = ['pcapng', 'html'];

export function checkExportArgs(v: unknown): { ids: number[]; outputs: ExportOutput[]; redact: boolean } {
  const a = record(v, 'arguments');
  if (Array.isArray(a.ids) && a.ids.length > MAX_EXPORT_CALLS) throw bad(`an export holds at most ${MAX_EXPORT_CALLS} calls (${a.ids.length} chosen)`);
  const ids = [...new Set(list(a.ids, 'ids', (x, w) => int(x, w), MAX_EXPORT_CALLS))];
  if (ids.length === 0) throw bad('choose at least one call to export');
  const outputs = [...new Set(list(a.outputs, 'outputs', (x, w) => {
    if (typeof x !== 'string' || !(EXPORT_OUTPUTS as readonly string[]).includes(x)) throw bad(`${w} must be one of ${EXPORT_OUTPUTS.join(', ')}`);
    return x as ExportOutput;
  }, 2))];
  if (outputs.length === 0) throw bad('choose what to export: the capture (pcapng), the report (HTML) or both');
  if (typeof a.redact !== 'boolean') throw bad('redact must be true or false');
  return { ids, outputs, redact: a.redact };
}

export function checkSettings(v: unknown): DiagnosisSettings {
  const s = record(v, 'settings');
  const out: DiagnosisSettings = {
    successDurationS: num(s.successDurationS, 'successDurationS', 0),
    rtpTimeoutS: num(s.rtpTimeoutS, 'rtpTimeoutS', 0),
    deadAfterS: num(s.deadAfterS, 'deadAfterS', 0),
    // Optional for clients written before it existed: the default of diagnosis.md.
    mediaGraceS: s.mediaGraceS === undefined ? DEFAULT_SETTINGS.mediaGraceS : num(s.mediaGraceS, 'mediaGraceS', 0),
    llmTimeoutS: num(s.llmTimeoutS, 'llmTimeoutS', 0),
    ownAddresses: list(s.ownAddresses, 'ownAddresses', (x, w) => str(x, w, 100).trim(), 1000).filter((x) => x !== ''),
    alertThresholdPct: num(s.alertThresholdPct, 'alertThresholdPct', 0),
  };
  const wrong = invalidCidrs(out.ownAddresses);
  if (wrong.length > 0) throw bad(`not an address range: ${wrong.join(', ')}`);
  return out;
}

/** Stored settings over the defaults: a library written before a new threshold existed still opens. */
export function storedSettings(store: IndexStore): DiagnosisSettings {
  const v = store.settings.get(SETTINGS_KEY);
  if (v === null) return { ...DEFAULT_SETTINGS, ownAddresses: [] };
  try {
    return checkSettings({ ...DEFAULT_SETTINGS, ...(v as object) });
  } catch {
    return { ...DEFAULT_SETTINGS, ownAddresses: [] };
  }
}

// ─── Shapes for the page ─────────────────────────────────────────────────────────────────

export function sourceKind(format: string): SourceKind {
  return format.startsWith('cdr:') ? 'cdr' : format === 'agent_events' ? 'agent_events' : 'capture';
}

function sourceInfo(store: IndexStore, s: SourceRecord): SourceInfo {
  return {
    id: s.id, kind: sourceKind(s.format), name: s.name, path: s.path, format: s.format, sizeBytes: s.sizeBytes,
    status: s.status, error: s.error, packets: s.packets, calls: s.calls, firstUs: s.firstUs, lastUs: s.lastUs,
    importedAt: s.importedAt, captureDrops: s.captureDrops, coverage: s.coverage,
    warnings: store.sourceStats(s.id).filter((w) => w.severity !== 'info'),
  };
}

/**
 * The files a list of paths stands for: a folder is every input under it, recursively
 * (input_paths.ts: by content, hidden entries passed over, link loops ended), so dropping or
 * opening a folder in the app imports what the CLI would. Archives stay one file here: the
 * worker imports their members.
 */
function expandPaths(paths: string[]): string[] {
  return expandInputs(paths).files;
}

/** "3 file(s) skipped (first: notes.txt: not a capture …)" */
function skippedLine(skipped: readonly SkippedInput[]): string {
  return `${skipped.length} file(s) skipped (first: ${skipped[0].name}: ${skipped[0].reason})`;
}

/** A file name safe to create in our own temp directory (the upload's name is the page's word). */
export function safeUploadName(name: string): string {
  const base = basename(name.replace(/\\/g, '/')).replace(/[^\w.\-()+@ ]/g, '_').slice(-200);
  return base === '' || /^\.+$/.test(base) ? 'upload' : base;
}

// ─── The handlers ────────────────────────────────────────────────────────────────────────

/** Staging of uploads (the bridge streams the body to `stage`'s path, IPC writes the bytes). */
export function createUploadStaging(ctx: Pick<HandlerContext, 'imports' | 'tempDir'> & { settings: SettingsHolder }): UploadStaging {
  return {
    stage(name) {
      return join(makeTempDir('upload', ctx.tempDir), safeUploadName(name));
    },
    commit(path, name) {
      return ctx.imports.importFiles([{ path, name: safeUploadName(name) }], ctx.settings.current, { temp: [path] });
    },
  };
}

export function createHandlers(ctx: HandlerContext): ApiHandlers {
  const { store, imports } = ctx;
  const held: SettingsHolder = ctx.settings ?? { current: storedSettings(store) };
  // The peer reads the holder at query time, so new own addresses apply at once.
  store.callQuery.setPeerFunction((callerAddr, calleeAddr) => peerOf({ callerAddr, calleeAddr }, held.current));
  const staging = createUploadStaging({ ...ctx, settings: held });
  // The summary reads every call: the slowest query by far (seconds at 100 000 calls), asked
  // again each time the dashboard is shown. Keep recent results until anything can have
  // changed them: an import in progress (it commits in slices), a finished job, a removal,
  // new settings — all of which the event hub announces.
  const summaries = new Map<string, Summary>();
  ctx.events.subscribe((e) => {
    if (e.name === 'importProgress' || e.name === 'libraryChanged') summaries.clear();
  });

  const getSourceRecord = (id: number): SourceRecord => {
    const s = store.getSource(id);
    if (!s) throw new ApiFailure('not_found', `there is no source #${id} in the library`);
    return s;
  };

  const handlers: ApiHandlers = {
    async listSources() {
      return store.listSources().map((s) => sourceInfo(store, s));
    },

    async getSource(args) {
      const id = int(record(args, 'arguments').id, 'id');
      const s = getSourceRecord(id);
      const detail: SourceDetail = { ...sourceInfo(store, s), stats: store.sourceStats(id), problems: store.inputs.rowProblems(id) };
      return detail;
    },

    async importPaths(args) {
      // Absolute, so the library and the recent-files list mean the same file from any directory.
      const paths = list(record(args, 'arguments').paths, 'paths', (x, w) => resolve(str(x, w)), 1000);
      // The files of a folder that are no input are said, not dropped silently (the CLI lists them too).
      const { files, skipped } = expandInputs(paths);
      if (files.length === 0) throw bad(skipped.length > 0 ? `no input to import: ${skippedLine(skipped)}` : 'no file to import');
      const job = await imports.importFiles(files.map((path) => ({ path, name: basename(path) })), held.current, { recordRecent: true });
      return skipped.length === 0 ? job : { ...job, skipped: skipped.slice(0, MAX_SKIPPED_SHOWN), skippedCount: skipped.length };
    },

    async importUpload(args) {
      const a = record(args, 'arguments');
      const name = str(a.name, 'name', 1000);
      if (!(a.data instanceof Uint8Array)) throw bad('data must be the file bytes (Uint8Array)');
      const path = staging.stage(name);
      writeFileSync(path, a.data);
      return staging.commit(path, name);
    },

    async cancelImport(args) {
      const jobId = str(record(args, 'arguments').jobId, 'jobId', 100);
      return { cancelled: await imports.cancelImport(jobId) };
    },

    async removeSource(args) {
      const id = int(record(args, 'arguments').id, 'id');
      return imports.removeSource(id, held.current);
    },

    async recentFiles() {
      const v = store.settings.get(RECENT_FILES_KEY);
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    },

    async queryCalls(args) {
      const q = record(args, 'arguments') as Partial<CallQuery>;
      const offset = int(q.offset ?? 0, 'offset');
      const limit = int(q.limit ?? 100, 'limit', 0, MAX_PAGE);
      const filter = checkFilter(q.filter);
      let sort: CallQuery['sort'];
      if (q.sort !== undefined && q.sort !== null) {
        const s = record(q.sort, 'sort');
        if (typeof s.key !== 'string' || !Object.hasOwn(SORT_COLUMN, s.key)) throw bad(`sort.key must be one of ${Object.keys(SORT_COLUMN).join(', ')}`);
        sort = { key: s.key as keyof typeof SORT_COLUMN, descending: s.descending === true };
      }
      const cursor = (v: unknown, what: string): CallCursor | undefined => {
        if (v === undefined || v === null) return undefined;
        const c = record(v, what);
        if (c.value !== null && (typeof c.value !== 'number' || !Number.isFinite(c.value))) throw bad(`${what}.value must be a number or null`);
        return { value: c.value as number | null, id: int(c.id, `${what}.id`) };
      };
      const after = cursor(q.after, 'after');
      const before = cursor(q.before, 'before');
      if (after && before) throw bad('give after or before, not both');
      const page = store.callQuery.page({ filter, sort: sort?.key, descending: sort?.descending, offset, limit, after, before });
      return { total: page.total, totalExact: page.totalExact, offset, rows: page.rows.map(callRow) };
    },

    async countCalls(args) {
      const q = args === undefined || args === null ? {} : record(args, 'arguments');
      const filter = checkFilter(q.filter);
      let resume: CallCountResume | undefined;
      if (q.resume !== undefined && q.resume !== null) {
        const r = record(q.resume, 'resume');
        resume = { counted: int(r.counted, 'resume.counted'), afterId: int(r.afterId, 'resume.afterId'), version: str(r.version, 'resume.version', 100) };
      }
      return store.callQuery.countStep(filter, resume);
    },

    async getCall(args) {
      const id = int(record(args, 'arguments').id, 'id');
      const detail = callDetailOf(store, id, held.current);
      if (!detail) throw new ApiFailure('not_found', `there is no call #${id} in the library`);
      return detail;
    },

    async getSummary(args) {
      const checked = args === undefined || args === null ? {} : checkFilter(record(args, 'arguments').filter);
      // Grouping legs is how the list shows calls; the summary counts an end-to-end call once anyway.
      const { groupLegs: _grouped, ...filter } = checked;
      const key = JSON.stringify(filter);
      let sum = summaries.get(key);
      if (!sum) {
        // A call captured at two points is one attempt (oncePerCallId), and so is an end-to-end
        // call of several legs (B2BUA), as `report` counts them. The whole library (non-call
        // dialogs never count) is read from the kept counts, its few end-to-end calls applied
        // when read; a filtered view is added up over its calls, read through the filter's
        // index — its cost follows the number of calls it matches, not the size of the library.
        const whole = Object.entries(filter).every(([k, v]) => v === undefined || k === 'includeOther');
        sum = whole
          ? wholeSummaryOnce(store, held.current, filter.includeOther === true)
          : summarize(oncePerEndToEndCall(store, store.callQuery.all(filter), held.current), held.current);
        if (summaries.size >= 32) summaries.clear();
        summaries.set(key, sum);
      }
      return sum;
    },

    async getCallLegs(args) {
      const id = int(record(args, 'arguments').id, 'id');
      const legs = callLegsOf(store, id);
      if (!legs) throw new ApiFailure('not_found', `there is no call #${id} in the library`);
      return legs;
    },

    async getLegGroups(args) {
      const ids = list(record(args, 'arguments').ids, 'ids', (x, w) => int(x, w), MAX_LEG_GROUP_IDS);
      return legGroupsOf(store, [...new Set(ids)]);
    },

    async setLegLinkUndone(args) {
      const a = record(args, 'arguments');
      const linkId = int(a.linkId, 'linkId');
      if (typeof a.undone !== 'boolean') throw bad('undone must be true or false');
      // A write: queued to the ingest worker like imports, so it never meets an import's lock.
      const { link } = await imports.setLegLinkUndone(linkId, a.undone);
      if (!link) throw new ApiFailure('not_found', `there is no heuristic leg link #${linkId} (only a heuristic link can be undone)`);
      return legLinkInfo(store, link);
    },

    async getDecisionTree() {
      return DECISION_TREE.map((r): DecisionRuleInfo => ({ id: r.id, branch: r.branch, question: r.question, bucket: r.outcome.bucket, cause: r.outcome.cause }));
    },

    async getDecisionTreeMermaid(args) {
      const path = list(record(args, 'arguments').path, 'path', (x, w) => str(x, w, 20), 100);
      return decisionTreeMermaid(path);
    },

    async getSettings() {
      return { ...held.current, ownAddresses: [...held.current.ownAddresses] };
    },

    async setSettings(args) {
      const next = checkSettings(args);
      // Saved and applied by the worker in one transaction, queued behind any running import.
      const r = await imports.reclassify(next);
      held.current = next;
      return r;
    },

    async getUnassociatedStreams(args) {
      const a = args === undefined || args === null ? {} : record(args, 'arguments');
      const sourceId = opt(a.sourceId, (x) => int(x, 'sourceId'));
      return store.listUnassociatedStreams(sourceId).map((s) => plainStream<RtpStreamStats>(s));
    },

    async exportCalls(args) {
      const { ids, outputs, redact } = checkExportArgs(args);
      const target = ctx.exports;
      if (!target) throw new ApiFailure('unavailable', 'exporting is not available in this session');
      // An export only reads the index and the capture files: it runs here like a query, not
      // in the ingest worker. Problems the user can act on (a CDR-only call asked for
      // packets, a capture moved or changed, redaction not available) come back as one line.
      const failed = (e: unknown): never => {
        if (e instanceof ExportError) throw new ApiFailure('export_failed', e.message);
        throw e;
      };
      let groups;
      try {
        groups = findCallsByRowIds(store, ids, { packets: outputs.includes('pcapng') });
      } catch (e) {
        return failed(e);
      }
      const calls = groups.reduce((n, g) => n + g.calls.length, 0);
      let dest;
      try {
        dest = await target.choose(exportFileNames(groups, outputs));
      } catch (e) {
        return failed(e);
      }
      if (dest === null) return { cancelled: true, calls, files: [] } satisfies ExportOutcome;
      try {
        const r = await runExportJob(store, groups, { pcap: dest.paths.pcapng, html: dest.paths.html, redact });
        const written: WrittenFile[] = [];
        if (r.pcap) written.push({ output: 'pcapng', path: r.pcap.path, bytes: statSync(r.pcap.path).size, packets: r.pcap.packets });
        if (r.html) written.push({ output: 'html', path: r.html.path, bytes: statSync(r.html.path).size, packets: null });
        return { cancelled: false, calls: r.calls, files: await dest.deliver(written) } satisfies ExportOutcome;
      } catch (e) {
        dest.abandon();
        return failed(e);
      }
    },
  };

  return handlers;
}

/** Files named on a command line or by the OS (file association), for importPaths. */
export { expandPaths };
