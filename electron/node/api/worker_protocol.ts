// Messages between the import controller (main thread) and the ingest worker. Every write to
// the index goes through the worker, one job at a time: SQLite allows one writer, and a
// write from the main thread while an import holds the lock would stall the UI's queries
// (busy_timeout) instead of queueing behind it.

import type { ImportProgress } from '../../../shared/api/contract.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';

export interface WorkerInit {
  dbPath: string;
  /** Int32Array over it: [0] = sequence number of the job to cancel (0 = none). */
  cancel: SharedArrayBuffer;
  /** better-sqlite3 addon for this runtime (Electron's ABI), when not npm's own build. */
  nativeBinding?: string;
  /** Files of one job imported at once (default: the cores); 1 imports them one after another. */
  jobs?: number;
  /** The parallel import's worker module, as a URL string (default: beside the ingest worker). */
  poolWorkerUrl?: string;
}

export interface ImportFileSpec {
  path: string;
  /** Shown name (an upload keeps the browser's file name, not the temp file's). */
  name: string;
}

export type WorkerJob =
  | { type: 'import'; seq: number; jobId: string; files: ImportFileSpec[]; settings: DiagnosisSettings; recordRecent: boolean }
  | { type: 'reclassify'; seq: number; jobId: string; settings: DiagnosisSettings }
  | { type: 'remove'; seq: number; jobId: string; sourceId: number; settings: DiagnosisSettings }
  /** Undo (or redo) a heuristic leg link: a write, so it queues like the others. */
  | { type: 'legLink'; seq: number; jobId: string; linkId: number; undone: boolean }
  /** Link the calls of an index written before leg links were stored (once, after migration 10). */
  | { type: 'relinkPending'; seq: number; jobId: string };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; jobId: string; result: unknown }
  | { type: 'failed'; jobId: string; code: string; message: string };

/** Settings keys in the index's settings table. */
export const SETTINGS_KEY = 'diagnosis';
export const RECENT_FILES_KEY = 'recentFiles';
export const MAX_RECENT_FILES = 10;

/** Progress events per second at most (the UI redraws on each). */
export const PROGRESS_INTERVAL_MS = 100;
