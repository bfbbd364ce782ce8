// The ingest worker (worker_threads): runs every write to the index — imports, removals,
// re-classification — off the thread that answers the UI, with its own SQLite connection to
// the same file (WAL lets the query worker's reads proceed while this one writes).
//
// Cancellation is a shared Int32 the main thread sets to the job's sequence number: the
// import loop is mostly synchronous (readSync + decode), so a posted "cancel" message would
// only be read after the file was done. The parallel import's workers (a job of several
// captures, import_pool.ts) read the same flag.

import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { ImportProgress } from '../../../shared/api/contract.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { MAX_RECENT_FILES, PROGRESS_INTERVAL_MS, RECENT_FILES_KEY, SETTINGS_KEY, type ImportFileSpec, type WorkerInit, type WorkerJob, type WorkerMessage } from '../api/worker_protocol.ts';
import { openIndex, useNativeBinding } from '../store/index_store.ts';
import { reclassifyAll } from './diagnose.ts';
import { relinkPendingLibrary, removeSourceRelinked, setLegLinkUndone } from './stored_legs.ts';
import type { AnyOutcome } from './import_file.ts';
import { importPath, type PathResult } from './import_archive.ts';
import { importWithPool } from './import_pool.ts';
import { isCaptureOrArchive } from './input_paths.ts';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('ingest_worker.ts runs only as a worker thread');
const cancelFlag = new Int32Array(init.cancel);
useNativeBinding(init.nativeBinding);
const store = openIndex(init.dbPath);

const post = (m: WorkerMessage): void => port.postMessage(m);

/** Bytes per second over the last second, from (time, bytes) samples. */
class RateMeter {
  private samples: Array<[number, number]> = [];
  rate(now: number, bytes: number): number {
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[1][0] >= 1000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    return now - t0 > 0 ? ((bytes - b0) * 1000) / (now - t0) : 0;
  }
}

function recordRecent(paths: string[]): void {
  const prev = store.settings.get(RECENT_FILES_KEY);
  const old = Array.isArray(prev) ? prev.filter((p): p is string => typeof p === 'string') : [];
  const next = [...paths, ...old.filter((p) => !paths.includes(p))].slice(0, MAX_RECENT_FILES);
  store.settings.set(RECENT_FILES_KEY, next);
}

/**
 * An archive is one file of the job: its members' outcomes become one progress line (sources
 * imported, duplicates, members skipped, the first problem) so the queue keeps one entry per
 * file the user chose.
 */
function archiveOutcome(f: { path: string; name: string }, r: PathResult): AnyOutcome {
  const read = r.outcomes.filter((o) => o.sourceId !== null && o.status !== 'duplicate');
  const dup = r.outcomes.filter((o) => o.status === 'duplicate').length;
  const failed = r.outcomes.filter((o) => o.status === 'failed');
  const parts = [`${read.length} source(s) imported`];
  if (dup > 0) parts.push(`${dup} already indexed`);
  if (r.skipped.length > 0) parts.push(`${r.skipped.length} member(s) skipped (first: ${r.skipped[0].name}: ${r.skipped[0].reason})`);
  const firstProblem = r.problems[0] ?? failed.map((o) => ({ name: o.name, error: o.error ?? 'could not be read' }))[0];
  if (firstProblem) parts.push(`${firstProblem.name}: ${firstProblem.error}`);
  const any = read.length > 0 || dup > 0;
  return {
    path: f.path, name: f.name, kind: 'capture', warnings: [],
    status: !any ? 'failed' : read.length === 0 ? 'duplicate' : firstProblem || failed.length > 0 ? 'partial' : 'ok',
    sourceId: (read[read.length - 1] ?? r.outcomes.find((o) => o.sourceId !== null))?.sourceId ?? null,
    error: any && !firstProblem && r.skipped.length === 0 ? null : parts.join('; '),
    calls: read.reduce((n, o) => n + o.calls, 0),
    packets: read.reduce((n, o) => n + o.packets, 0),
  };
}

type FileResult = { file: string; state: ImportProgress['state']; sourceId: number | null; message: string | null };

/** The worker's own progress line of one file, updated from the import's callbacks. */
class FileProgress {
  readonly p: ImportProgress;
  private readonly meter = new RateMeter();
  private last = Date.now();

  constructor(job: Extract<WorkerJob, { type: 'import' }>, i: number) {
    this.p = {
      jobId: job.jobId, file: job.files[i].name, fileIndex: i, fileCount: job.files.length, bytesRead: 0, totalBytes: 0,
      packets: 0, callsFound: 0, rate: 0, state: 'running', message: null, sourceId: null,
    };
  }

  update(u: Partial<Pick<ImportProgress, 'bytesRead' | 'totalBytes' | 'packets' | 'callsFound'>>): void {
    Object.assign(this.p, u);
    const now = Date.now();
    this.p.rate = this.meter.rate(now, this.p.bytesRead);
    if (now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    post({ type: 'progress', progress: { ...this.p } });
  }
}

/**
 * A file's import is over: its final progress line and result. Cancel means "I did not want
 * this file": what was read so far is removed again.
 */
function endFile(f: ImportFileSpec, fp: FileProgress, r: { result: PathResult; error: null } | { result: null; error: string }, cancelled: boolean, settings: DiagnosisSettings): FileResult {
  let outcome: AnyOutcome;
  let all: AnyOutcome[];
  if (r.result) {
    all = r.result.outcomes;
    outcome = all.length === 1 && r.result.skipped.length === 0 && r.result.problems.length === 0 ? all[0] : archiveOutcome(f, r.result);
  } else {
    outcome = { path: f.path, name: f.name, status: 'failed', sourceId: null, error: r.error, calls: 0, packets: 0, warnings: [], kind: 'capture' };
    all = [outcome];
  }
  const p = fp.p;
  let state: ImportProgress['state'];
  let message = outcome.error;
  let sourceId = outcome.sourceId;
  if (cancelled && outcome.status !== 'duplicate') {
    for (const o of all) if (o.sourceId !== null && o.status !== 'duplicate') removeSourceRelinked(store, o.sourceId, settings);
    state = 'cancelled';
    message = null;
    sourceId = null;
  } else if (outcome.status === 'duplicate') {
    state = 'duplicate';
    message = `${f.name} was already indexed (same content)`;
  } else if (outcome.status === 'failed') {
    state = 'failed';
    message = `${f.name}: ${outcome.error ?? 'could not be read'}`;
  } else {
    state = 'done';
    if (outcome.error) message = `${f.name}: ${outcome.error}`;
    p.packets = outcome.packets;
    p.callsFound = outcome.calls;
    p.bytesRead = p.totalBytes || p.bytesRead;
  }
  post({ type: 'progress', progress: { ...p, state, message, sourceId } });
  return { file: f.name, state, sourceId, message };
}

/**
 * Captures and archives of a job of several files go to parallel workers (import_pool.ts),
 * each with its own connection to the index; the rest (CDR and agent-event files) is
 * imported here afterwards, so their join onto captured calls sees every capture. An
 * in-memory index cannot be shared: it imports everything here, one file after another.
 */
function parallelIndexes(job: Extract<WorkerJob, { type: 'import' }>): number[] {
  const jobs = Math.min(init.jobs ?? availableParallelism(), job.files.length);
  if (jobs <= 1 || store.path === ':memory:') return [];
  const picked = job.files.flatMap((f, i) => (isCaptureOrArchive(f.path) ? [i] : []));
  return picked.length >= 2 ? picked : [];
}

async function runImport(job: Extract<WorkerJob, { type: 'import' }>): Promise<unknown> {
  const cancelled = (): boolean => Atomics.load(cancelFlag, 0) === job.seq;
  const results: FileResult[] = new Array(job.files.length);
  const progress = job.files.map((_, i) => new FileProgress(job, i));

  const pooled = parallelIndexes(job);
  if (pooled.length > 0) {
    await importWithPool(pooled.map((i) => job.files[i].path), {
      dbPath: store.path, jobs: init.jobs ?? availableParallelism(), settings: job.settings, nativeBinding: init.nativeBinding,
      cancel: init.cancel, cancelSeq: job.seq, workerUrl: init.poolWorkerUrl ? new URL(init.poolWorkerUrl) : undefined,
      // This thread imports too, on its own connection (one worker fewer to start).
      here: (path, onProgress) => {
        const u = { bytesRead: 0, totalBytes: 0, packets: 0, callsFound: 0 };
        return importPath(store, path, {
          settings: job.settings,
          shouldStop: cancelled,
          onProgress: (bytesRead, totalBytes, packets) => onProgress(Object.assign(u, { bytesRead, totalBytes, packets })),
          onCall: () => onProgress(Object.assign(u, { callsFound: u.callsFound + 1 })),
        });
      },
      onStart: (k) => post({ type: 'progress', progress: { ...progress[pooled[k]].p } }),
      onProgress: (k, u) => progress[pooled[k]].update(u),
      // Each file's line ends as soon as that file is over, whatever the others are doing.
      onResult: (k, r) => {
        const i = pooled[k];
        results[i] = endFile(job.files[i], progress[i], r, cancelled(), job.settings);
      },
    });
  }
  for (let i = 0; i < job.files.length; i++) {
    if (results[i] !== undefined) continue;
    const f = job.files[i];
    const fp = progress[i];
    if (cancelled()) {
      post({ type: 'progress', progress: { ...fp.p, state: 'cancelled' } });
      results[i] = { file: f.name, state: 'cancelled', sourceId: null, message: null };
      continue;
    }
    post({ type: 'progress', progress: { ...fp.p } });
    let r: Parameters<typeof endFile>[2];
    try {
      r = {
        result: await importPath(store, f.path, {
          settings: job.settings,
          shouldStop: cancelled,
          onProgress: (bytesRead, totalBytes, packets) => fp.update({ bytesRead, totalBytes, packets }),
          onCall: () => fp.update({ callsFound: fp.p.callsFound + 1 }),
        }),
        error: null,
      };
    } catch (e) {
      r = { result: null, error: `could not be indexed (${(e as Error).message})` };
    }
    results[i] = endFile(f, fp, r, cancelled(), job.settings);
  }
  if (job.recordRecent) {
    const kept = job.files.filter((_, i) => results[i].state === 'done' || results[i].state === 'duplicate').map((f) => f.path);
    if (kept.length > 0) recordRecent(kept);
  }
  return results;
}

async function run(job: WorkerJob): Promise<unknown> {
  switch (job.type) {
    case 'import':
      return runImport(job);
    case 'reclassify':
      // One transaction: the new settings and the verdicts they produce land together.
      return {
        reclassified: store.transaction(() => {
          store.settings.set(SETTINGS_KEY, job.settings);
          return reclassifyAll(store, job.settings);
        }),
      };
    case 'remove':
      // Its CDR rows find a call again (cdr_orphans.ts), and the legs its calls were linked to
      // are linked again among themselves.
      return { removed: removeSourceRelinked(store, job.sourceId, job.settings) };
    case 'legLink':
      return { link: setLegLinkUndone(store, job.linkId, job.undone) };
    case 'relinkPending':
      return { sources: relinkPendingLibrary(store) };
  }
}

// Jobs arrive one at a time (the controller queues), but chain them anyway so a second
// message can never start a write while the first awaits.
let chain: Promise<void> = Promise.resolve();
port.on('message', (job: WorkerJob) => {
  chain = chain.then(async () => {
    try {
      post({ type: 'done', jobId: job.jobId, result: await run(job) });
    } catch (e) {
      post({ type: 'failed', jobId: job.jobId, code: 'internal', message: (e as Error).message });
    }
  });
});
port.on('close', () => store.close());
post({ type: 'ready' });
