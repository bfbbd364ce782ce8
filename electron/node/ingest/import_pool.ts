// Imports several files at once: a pool of worker threads (import_pool_worker.ts), up to
// `jobs` of them, each with its own connection to the same index file (WAL). Used by the
// command line (`analyze`/`report` with several inputs) and by the app's ingest worker for a
// job of several files.
//
// What it guarantees, and how:
// - Results come back per file, in input order, whatever order the workers finish in; a
//   file that fails (or whose worker dies) is one failed result and the others go on: a
//   dead worker is replaced while files remain.
// - Files of equal size go to one worker, one after the other in input order. Equal bytes
//   have equal sizes, so two copies of one capture are never imported side by side: the
//   later one is the duplicate, as in a sequential run (otherwise whichever finished second
//   would be, and the output would depend on timing).
// - Nothing here runs the cross-file steps: the caller runs them once every file is in
//   (CDR and agent-event files after the captures, leg links and clock alignment when the
//   document is built).
// - Cancellation is the ingest worker's shared flag: each pool worker checks it between
//   reads (importCapture's shouldStop), as the single worker did.

import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ColumnMapping } from '../../../shared/cdr/index.ts';
import { pushAll } from '../../../shared/util/array_math.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { PathResult } from './import_archive.ts';
import { workerEntry } from './worker_entry.ts';

export interface PoolWorkerInit {
  dbPath: string;
  nativeBinding?: string;
  /** Int32Array over it: [0] = the job to cancel (the ingest worker's flag); absent: never cancelled. */
  cancel?: SharedArrayBuffer;
  cancelSeq?: number;
}

export interface PoolTaskMessage {
  type: 'task';
  index: number;
  path: string;
  settings?: DiagnosisSettings;
  mapping?: ColumnMapping;
}

export interface PoolProgress {
  bytesRead: number;
  totalBytes: number;
  packets: number;
  callsFound: number;
}

export type PoolWorkerMessage =
  | { type: 'progress'; index: number; progress: PoolProgress }
  | { type: 'done'; index: number; result: PathResult }
  | { type: 'failed'; index: number; error: string };

/** One file's result: what importPath returned, or why the file could not be imported at all. */
export type PoolResult = { result: PathResult; error: null } | { result: null; error: string };

export interface PoolOptions {
  /** The index file (not ':memory:': every worker opens it). Opened and migrated by the caller first. */
  dbPath: string;
  /** Most workers at once; fewer when there are fewer groups of files. */
  jobs: number;
  settings?: DiagnosisSettings;
  mapping?: ColumnMapping;
  nativeBinding?: string;
  cancel?: SharedArrayBuffer;
  cancelSeq?: number;
  /** The worker module (default: import_pool_worker beside this module or its bundle). */
  workerUrl?: URL;
  /** A file's import started (in some worker). */
  onStart?: (index: number) => void;
  onProgress?: (index: number, p: PoolProgress) => void;
  /** A file is over (before the pool as a whole is). */
  onResult?: (index: number, r: PoolResult) => void;
  /**
   * Imports a file on the calling thread, on the caller's own connection: the caller is then
   * one of the `jobs` importers, and one worker fewer is started (a worker's start-up — its
   * isolate, the engine's code compiled again, its connection — is a cost the caller has
   * already paid). It takes the first group of files; the workers take the next ones.
   */
  here?: (path: string, onProgress: (p: PoolProgress) => void) => Promise<PathResult>;
}

const fromSources = import.meta.url.endsWith('.ts');

/** From the sources, import_pool_worker.ts; from a bundle (dist/cli, out/electron), import_pool_worker.mjs beside it. */
export function defaultPoolWorkerUrl(): URL {
  return fromSources ? new URL('./import_pool_worker.ts', import.meta.url) : new URL('./import_pool_worker.mjs', import.meta.url);
}

/** Groups of file indexes: files of one size together, in input order; groups ordered by their first file. */
export function groupBySize(paths: readonly string[]): number[][] {
  const bySize = new Map<number, number[]>();
  const groups: number[][] = [];
  paths.forEach((p, i) => {
    let size: number | null = null;
    try {
      size = statSync(p).size;
    } catch {
      // unreadable: a group of its own, and the import says why
    }
    const g = size === null ? undefined : bySize.get(size);
    if (g) g.push(i);
    else {
      const fresh = [i];
      groups.push(fresh);
      if (size !== null) bySize.set(size, fresh);
    }
  });
  return groups;
}

export function importWithPool(paths: readonly string[], o: PoolOptions): Promise<PoolResult[]> {
  const results: Array<PoolResult | undefined> = new Array(paths.length);
  const queue = groupBySize(paths);
  const url = o.workerUrl ?? defaultPoolWorkerUrl();
  const init: PoolWorkerInit = { dbPath: o.dbPath, nativeBinding: o.nativeBinding, cancel: o.cancel, cancelSeq: o.cancelSeq };
  let live = 0;
  let remaining = paths.length;
  const maxWorkers = Math.max(0, o.jobs - (o.here ? 1 : 0));

  return new Promise((resolve) => {
    if (remaining === 0) return resolve([]);
    const finish = (index: number, r: PoolResult): void => {
      if (results[index] !== undefined) return;
      results[index] = r;
      remaining--;
      o.onResult?.(index, r);
      if (remaining === 0) resolve(results as PoolResult[]);
    };

    const start = (): void => {
      const group = queue.shift();
      if (!group) return;
      live++;
      const w = new Worker(workerEntry(url), { workerData: init });
      let current: number | null = null;
      let gone = false;
      const next = (): void => {
        const index = group.shift() ?? null;
        current = index;
        if (index === null) {
          // Its group is done: take the next one, or let the worker close its connection and end.
          const more = queue.shift();
          if (more) {
            pushAll(group, more);
            next();
            return;
          }
          w.postMessage({ type: 'close' });
          return;
        }
        o.onStart?.(index);
        const task: PoolTaskMessage = { type: 'task', index, path: paths[index], settings: o.settings, mapping: o.mapping };
        w.postMessage(task);
      };
      w.on('message', (m: PoolWorkerMessage) => {
        if (m.type === 'progress') o.onProgress?.(m.index, m.progress);
        else {
          finish(m.index, m.type === 'done' ? { result: m.result, error: null } : { result: null, error: m.error });
          next();
        }
      });
      const died = (why: string): void => {
        if (gone) return;
        gone = true;
        live--;
        if (current !== null) finish(current, { result: null, error: `could not be indexed (${why})` });
        current = null;
        // The rest of its group goes back first in line, still in input order, then a fresh
        // worker carries on whatever is left (never more at once than before).
        if (group.length > 0) queue.unshift(group.splice(0));
        if (queue.length > 0 && live < maxWorkers) start();
      };
      w.on('error', (e) => died(`the import worker failed: ${e.message}`));
      w.on('exit', (code) => died(`the import worker stopped (exit code ${code})`));
      // A worker that cannot even open the index fails its first file and is replaced: each
      // replacement consumes one file, so this ends.
      next();
    };

    // The calling thread takes the first group (a deterministic split: the tests can tell
    // which file a worker imports), but the workers are started BEFORE it begins: its import
    // runs synchronously until the file is read, so workers started after it would only be
    // created once it is done, and the files would be imported one after the other.
    const runHere = async (here: NonNullable<PoolOptions['here']>, first: number[]): Promise<void> => {
      for (let group: number[] | undefined = first; group; group = queue.shift()) {
        for (const index of group) {
          o.onStart?.(index);
          let r: PoolResult;
          try {
            r = { result: await here(paths[index], (p) => o.onProgress?.(index, p)), error: null };
          } catch (e) {
            r = { result: null, error: `could not be indexed (${(e as Error).message})` };
          }
          finish(index, r);
        }
      }
    };
    const groups = queue.length;
    const hereFirst = o.here ? queue.shift() : undefined;
    const n = Math.min(maxWorkers, o.here ? groups - 1 : groups);
    for (let i = 0; i < Math.max(o.here ? 0 : 1, n); i++) start();
    if (o.here && hereFirst) void runHere(o.here, hereFirst);
  });
}
