// The application state the views share: which view is shown, the library, imports in
// progress, the call-list query (filter, sort, selection) and the open call. Rows of the call
// list are NOT here (they live in the table's page cache): React state stays small whatever
// the size of the capture.
//
// Every action that talks to the back end goes through the ClientHandle given to initApp, so
// the store works the same over IPC and over the bridge.

import { create } from 'zustand';
import type { CallFilter, ImportJob, ImportProgress, SourceDetail, SourceInfo } from '../../shared/api/contract.ts';
import type { ClientHandle } from '../api/client.ts';
import { DEFAULT_SORT, nextSort, normalizeFilter, type CallSort } from '../lib/call_filter.ts';
import type { CallSortKey } from '../../shared/api/contract.ts';
import type { Summary } from '../../shared/diagnosis/call_summary.ts';
import { applyProgress, dismissJob, markCancelling, pruneJobs, type JobsState } from '../lib/import_jobs.ts';
import { partitionByName } from '../lib/file_kinds.ts';
import type { ExportCall } from '../lib/export_choice.ts';

export type ViewName = 'calls' | 'dashboard' | 'settings';
export type ThemeChoice = 'system' | 'light' | 'dark';
export type CallLayout = 'below' | 'beside';

export interface Notice {
  id: number;
  tone: 'error' | 'info';
  text: string;
}

export interface AppState {
  view: ViewName;
  theme: ThemeChoice;
  callLayout: CallLayout;
  libraryOpen: boolean;

  sources: SourceInfo[];
  sourcesState: 'loading' | 'ready' | 'error';
  sourcesError: string | null;
  recent: string[];
  detail: { id: number; state: 'loading' | 'ready' | 'error'; value: SourceDetail | null; error: string | null } | null;
  jobs: JobsState;
  /** Files being sent to the back end (before their import job reports progress). */
  uploading: string[];
  /** Bumped on libraryChanged (and reconnects): the call list and dashboard re-query. */
  libraryVersion: number;
  connection: 'open' | 'reconnecting';

  filter: CallFilter;
  sort: CallSort;
  /** Position of the keyboard selection in the current result (not a call id: rows are paged). */
  selectedIndex: number | null;
  openCallId: number | null;
  /**
   * Calls ticked in the list for an export, by id (not position: they stay ticked through
   * scrolling, sorting and filtering), in the order they were ticked.
   */
  picked: ExportCall[];
  /** The calls the open Export… dialog is about (null: closed). */
  exportFor: ExportCall[] | null;
  /** Set by the dashboard when it switched to the calls view, so the list gets the focus. */
  focusListToken: number;
  focusSearchToken: number;

  /** Summary of the whole library: the dashboard, and the cause / peer choices of the filter bar. */
  summary: { state: 'idle' | 'loading' | 'ready' | 'error'; value: Summary | null; error: string | null; version: number };

  notices: Notice[];
}

const PREFS_KEY = 'calltrace.prefs';

function loadPrefs(): Partial<Pick<AppState, 'theme' | 'callLayout' | 'libraryOpen'>> {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(PREFS_KEY) ?? '{}') as Partial<AppState>;
  } catch {
    return {};
  }
}

function savePrefs(s: AppState): void {
  try {
    globalThis.localStorage?.setItem(PREFS_KEY, JSON.stringify({ theme: s.theme, callLayout: s.callLayout, libraryOpen: s.libraryOpen }));
  } catch {
    // Storage can be unavailable (file:// with strict settings): preferences just do not persist.
  }
}

const prefs = loadPrefs();

export const useApp = create<AppState>()(() => ({
  view: 'calls',
  theme: prefs.theme ?? 'system',
  callLayout: prefs.callLayout ?? 'below',
  libraryOpen: prefs.libraryOpen ?? true,
  sources: [],
  sourcesState: 'loading',
  sourcesError: null,
  recent: [],
  detail: null,
  jobs: {},
  uploading: [],
  libraryVersion: 0,
  connection: 'open',
  filter: {},
  sort: DEFAULT_SORT,
  selectedIndex: null,
  openCallId: null,
  picked: [],
  exportFor: null,
  focusListToken: 0,
  focusSearchToken: 0,
  summary: { state: 'idle', value: null, error: null, version: -1 },
  notices: [],
}));

let handle: ClientHandle | null = null;

export function api(): ClientHandle {
  if (!handle) throw new Error('initApp was not called');
  return handle;
}

const set = useApp.setState;
const get = useApp.getState;

let noticeId = 0;
export function notify(tone: Notice['tone'], text: string): void {
  const id = ++noticeId;
  set((s) => ({ notices: [...s.notices.slice(-4), { id, tone, text }] }));
  if (tone === 'info') setTimeout(() => dismissNotice(id), 6000);
}

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

// ---- start ------------------------------------------------------------------------------

export function initApp(h: ClientHandle): () => void {
  handle = h;
  let opened = false;
  const offs = [
    h.client.on('importProgress', (p: ImportProgress) => {
      set((s) => ({ jobs: applyProgress(s.jobs, p, Date.now()) }));
      // Calls appear while a long capture is still being read (they are written as they end):
      // refresh the library's counters when a file finishes.
      if (p.state !== 'running') void refreshSources();
    }),
    h.client.on('libraryChanged', () => {
      set((s) => ({ libraryVersion: s.libraryVersion + 1 }));
      void refreshSources();
      void refreshRecent();
      const d = get().detail;
      if (d) void openSourceDetail(d.id);
    }),
    h.onConnection((c) => {
      // The first 'open' is just the start; only a reconnection can have missed events, and
      // only then is everything re-queried (and a banner shown while it is down).
      if (!opened) {
        if (c === 'open') opened = true;
        return;
      }
      const was = get().connection;
      set({ connection: c });
      if (was === 'reconnecting' && c === 'open') {
        set((s) => ({ libraryVersion: s.libraryVersion + 1 }));
        void refreshSources();
      }
    }),
  ];
  const pruner = setInterval(() => {
    const s = get();
    const jobs = pruneJobs(s.jobs, Date.now(), 8000);
    if (jobs !== s.jobs) set({ jobs });
  }, 2000);
  void refreshSources();
  void refreshRecent();
  return () => {
    for (const off of offs) off();
    clearInterval(pruner);
  };
}

// ---- preferences ------------------------------------------------------------------------

export function setView(view: ViewName): void {
  set({ view });
}

export function setTheme(theme: ThemeChoice): void {
  set({ theme });
  savePrefs(get());
}

export function setCallLayout(callLayout: CallLayout): void {
  set({ callLayout });
  savePrefs(get());
}

export function toggleLibrary(): void {
  set((s) => ({ libraryOpen: !s.libraryOpen }));
  savePrefs(get());
}

// ---- library ----------------------------------------------------------------------------

export async function refreshSources(): Promise<void> {
  const r = await api().client.listSources();
  if (r.ok) set({ sources: r.value, sourcesState: 'ready', sourcesError: null });
  else set({ sourcesState: 'error', sourcesError: r.error.message });
}

export async function refreshRecent(): Promise<void> {
  const r = await api().client.recentFiles();
  if (r.ok) set({ recent: r.value });
}

export async function openSourceDetail(id: number): Promise<void> {
  set((s) => ({ detail: { id, state: s.detail?.id === id && s.detail.value ? 'ready' : 'loading', value: s.detail?.id === id ? s.detail.value : null, error: null } }));
  const r = await api().client.getSource({ id });
  if (get().detail?.id !== id) return;
  set({ detail: r.ok ? { id, state: 'ready', value: r.value, error: null } : { id, state: 'error', value: null, error: r.error.message } });
}

export function closeSourceDetail(): void {
  set({ detail: null });
}

export async function removeSource(id: number): Promise<void> {
  const r = await api().client.removeSource({ id });
  if (!r.ok) return notify('error', r.error.message);
  if (get().detail?.id === id) set({ detail: null });
  // The back end emits libraryChanged too; refreshing here keeps the UI right without it.
  // Its calls are gone from the index: they cannot stay ticked for an export.
  set((s) => ({ libraryVersion: s.libraryVersion + 1, openCallId: null, selectedIndex: null, picked: s.picked.filter((c) => c.sourceId !== id) }));
  void refreshSources();
}

/**
 * Files from the picker or a drop: unrelated names are refused here with a reason. `folders`
 * are dropped directories: the desktop app imports them by path (everything in them,
 * recursively); a browser page cannot read a directory, so there they are refused with what to do.
 */
export async function importFiles(files: readonly File[], folders: ReadonlySet<File> = new Set()): Promise<void> {
  const byPath = api().kind === 'ipc';
  if (!byPath && folders.size > 0) {
    notify('error', `Not imported: ${[...folders].map((f) => f.name).join(', ')} — a browser page cannot read a dropped folder: drop the files in it, or start \`calltrace serve FOLDER\`.`);
  }
  const { accepted, rejected } = partitionByName(files.filter((f) => byPath || !folders.has(f)), (f) => folders.has(f));
  if (rejected.length) notify('error', `Not imported: ${rejected.map((f) => f.name).join(', ')} — calltrace reads .pcap, .pcapng, .cap, .gz captures, .zip, .tar, .tgz archives of them, CDR .csv and agent-event .json/.jsonl files.`);
  if (!accepted.length) return;
  const names = accepted.map((f) => f.name);
  set((s) => ({ uploading: [...s.uploading, ...names] }));
  try {
    const results = await api().importFiles(accepted);
    for (const r of results) {
      if (!r.ok) notify('error', `${r.file}: ${r.error.message}`);
      else noteSkipped(r.value);
    }
  } finally {
    set((s) => {
      const left = [...s.uploading];
      for (const n of names) left.splice(left.indexOf(n), 1);
      return { uploading: left };
    });
  }
}

export async function importRecent(path: string): Promise<void> {
  const r = await api().client.importPaths({ paths: [path] });
  if (!r.ok) notify('error', `${path}: ${r.error.message}`);
  else noteSkipped(r.value);
}

/** A folder's files that are no input are said once, as the CLI says them on stderr. */
function noteSkipped(job: ImportJob): void {
  const n = job.skippedCount ?? 0;
  if (n === 0 || !job.skipped?.length) return;
  const shown = job.skipped.slice(0, 3).map((x) => `${x.name} (${x.reason})`).join('; ');
  notify('info', `${n} file(s) in the folder are not captures, CDRs or events and were not imported: ${shown}${n > 3 ? `; and ${n - 3} more` : ''}.`);
}

export async function cancelImport(jobId: string): Promise<void> {
  set((s) => ({ jobs: markCancelling(s.jobs, jobId) }));
  const r = await api().client.cancelImport({ jobId });
  if (!r.ok) notify('error', r.error.message);
}

export function dismissImport(jobId: string): void {
  set((s) => ({ jobs: dismissJob(s.jobs, jobId) }));
}

export function dismissFinishedImports(): void {
  set((s) => ({ jobs: Object.fromEntries(Object.entries(s.jobs).filter(([, j]) => !j.finished)) }));
}

// ---- the call list ----------------------------------------------------------------------

export function setFilter(filter: CallFilter): void {
  set({ filter: normalizeFilter(filter), selectedIndex: null });
}

export function patchFilter(patch: Partial<CallFilter>): void {
  setFilter({ ...get().filter, ...patch });
}

export function clearFilter(): void {
  // Grouping legs is how the list is shown, not a filter: it stays.
  setFilter(get().filter.groupLegs ? { groupLegs: true } : {});
}

export function sortBy(key: CallSortKey): void {
  set((s) => ({ sort: nextSort(s.sort, key), selectedIndex: null }));
}

export function select(index: number | null): void {
  set({ selectedIndex: index });
}

export function openCall(id: number | null): void {
  set({ openCallId: id });
}

/** Ticks or unticks a call of the list for an export. */
export function togglePicked(call: ExportCall): void {
  set((s) => ({ picked: s.picked.some((c) => c.id === call.id) ? s.picked.filter((c) => c.id !== call.id) : [...s.picked, { id: call.id, sourceId: call.sourceId, callId: call.callId, origin: call.origin }] }));
}

export function clearPicked(): void {
  set({ picked: [] });
}

export function openExport(calls: readonly ExportCall[]): void {
  if (calls.length > 0) set({ exportFor: calls.map((c) => ({ id: c.id, sourceId: c.sourceId, callId: c.callId, origin: c.origin })) });
}

export function closeExport(): void {
  set({ exportFor: null });
}

/** The dashboard's "one click from the evidence": the calls behind a number, in the list. */
export function showCalls(filter: CallFilter): void {
  set((s) => ({ view: 'calls', filter: normalizeFilter(filter), selectedIndex: null, openCallId: null, focusListToken: s.focusListToken + 1 }));
}

export function focusSearch(): void {
  set((s) => ({ view: 'calls', focusSearchToken: s.focusSearchToken + 1 }));
}

// ---- summary ----------------------------------------------------------------------------

/** Loads the library summary unless the one held is for the current library version. */
export async function ensureSummary(force = false): Promise<void> {
  const version = get().libraryVersion;
  const cur = get().summary;
  if (!force && cur.version === version && (cur.state === 'ready' || cur.state === 'loading')) return;
  // The previous value stays on screen while the new one loads.
  set({ summary: { ...cur, state: 'loading', version } });
  const r = await api().client.getSummary({});
  if (get().libraryVersion !== version) return; // a newer request is on its way
  set({ summary: r.ok ? { state: 'ready', value: r.value, error: null, version } : { state: 'error', value: cur.value, error: r.error.message, version } });
}
