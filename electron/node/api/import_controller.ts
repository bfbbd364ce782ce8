// Owns the ingest worker: queues write jobs (imports, removals, re-classification) and runs
// them one at a time, relays import progress as events, cancels, and announces
// libraryChanged after each job. Queries never come here: they run in the query worker, on
// its own connection, while this worker writes (WAL).
//
// Under tsx (running from .ts sources) the worker starts through tsx's loader
// (ingest/worker_entry.ts).

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ApiEvents, ImportJob, ImportProgress } from '../../../shared/api/contract.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { ApiFailure } from './api_error.ts';
import type { EventHub } from './event_hub.ts';
import type { StoredLegLink } from '../store/leg_link_store.ts';
import { workerEntry } from '../ingest/worker_entry.ts';
// The query worker's client starts its worker the same way (query_client.ts imports it from here).
export { tsxBootstrap } from '../ingest/worker_entry.ts';
import type { ImportFileSpec, WorkerJob, WorkerMessage } from './worker_protocol.ts';

export interface ImportControllerOptions {
  dbPath: string;
  events: EventHub;
  /** The worker's module; defaults to defaultWorkerUrl(). */
  workerUrl?: URL;
  /** better-sqlite3 addon for the worker's runtime (Electron), when not npm's own build. */
  nativeBinding?: string;
  /** Files of one job imported at once (default: the cores); 1 imports them one after another. */
  jobs?: number;
}

interface Pending {
  job: WorkerJob;
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** Temp files (uploads) to delete once the job is over. */
  temp: string[];
  /** Which libraryChanged reason to announce afterwards. */
  reason: ApiEvents['libraryChanged']['reason'];
}

const fromSources = import.meta.url.endsWith('.ts');

/**
 * From the sources, ingest/ingest_worker.ts. From a bundle (the command line's dist/cli/, the
 * app's out/electron/), the worker is bundled as an entry of its own, ingest_worker.mjs, in
 * the same directory as the bundle's code (build/build_cli.ts, build/build_electron.ts).
 */
export function defaultWorkerUrl(): URL {
  return fromSources ? new URL('../ingest/ingest_worker.ts', import.meta.url) : new URL('./ingest_worker.mjs', import.meta.url);
}

export class ImportController {
  private worker: Worker | null = null;
  private readonly cancel = new SharedArrayBuffer(4);
  private readonly cancelFlag = new Int32Array(this.cancel);
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: ImportControllerOptions) {}

  /** Queues an import; progress arrives as importProgress events carrying the returned jobId. */
  importFiles(files: ImportFileSpec[], settings: DiagnosisSettings, o: { temp?: string[]; recordRecent?: boolean; jobId?: string } = {}): ImportJob {
    // The query worker names the job itself (it answers importPaths without a round trip).
    const jobId = o.jobId ?? randomUUID();
    const job: WorkerJob = { type: 'import', seq: ++this.seq, jobId, files, settings, recordRecent: o.recordRecent ?? false };
    // The caller gets the job id at once; the outcome is in the progress events.
    this.enqueue(job, 'import', o.temp ?? []).catch(() => undefined);
    return { jobId, files: files.map((f) => f.name) };
  }

  reclassify(settings: DiagnosisSettings): Promise<{ reclassified: number }> {
    return this.enqueue({ type: 'reclassify', seq: ++this.seq, jobId: randomUUID(), settings }, 'settings', []) as Promise<{ reclassified: number }>;
  }

  /** `settings` classify the CDR rows of other sources that had joined its calls and stand alone again. */
  removeSource(sourceId: number, settings: DiagnosisSettings): Promise<{ removed: boolean }> {
    return this.enqueue({ type: 'remove', seq: ++this.seq, jobId: randomUUID(), sourceId, settings }, 'remove', []) as Promise<{ removed: boolean }>;
  }

  /** Undoes or redoes a heuristic leg link; null when there is no such heuristic link. */
  setLegLinkUndone(linkId: number, undone: boolean): Promise<{ link: StoredLegLink | null }> {
    return this.enqueue({ type: 'legLink', seq: ++this.seq, jobId: randomUUID(), linkId, undone }, 'links', []) as Promise<{ link: StoredLegLink | null }>;
  }

  /** Links the calls indexed before leg links were stored (migration 10 marks such an index). */
  relinkPending(): Promise<{ sources: number }> {
    return this.enqueue({ type: 'relinkPending', seq: ++this.seq, jobId: randomUUID() }, 'links', []) as Promise<{ sources: number }>;
  }

  /** Cancels a queued or running import; false when no such job is pending. */
  cancelImport(jobId: string): boolean {
    const i = this.queue.findIndex((p) => p.job.jobId === jobId);
    if (i >= 0) {
      const [p] = this.queue.splice(i, 1);
      if (p.job.type === 'import') {
        const files = p.job.files;
        files.forEach((f, fileIndex) => this.opts.events.emit('importProgress', cancelledProgress(jobId, f.name, fileIndex, files.length)));
      }
      this.cleanup(p);
      p.resolve({ cancelled: true });
      return true;
    }
    if (this.current?.job.jobId === jobId && this.current.job.type === 'import') {
      Atomics.store(this.cancelFlag, 0, this.current.job.seq);
      return true;
    }
    return false;
  }

  /** Jobs waiting or running (for tests and the window title). */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** Resolves once every job queued so far is over. */
  async idle(): Promise<void> {
    while (this.current || this.queue.length) await new Promise((r) => setTimeout(r, 20));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) {
      this.cleanup(p);
      p.reject(new ApiFailure('closed', 'calltrace is shutting down'));
    }
    if (this.current) Atomics.store(this.cancelFlag, 0, this.current.job.seq);
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private enqueue(job: WorkerJob, reason: Pending['reason'], temp: string[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new ApiFailure('closed', 'calltrace is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject, temp, reason });
      this.pump();
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const url = this.opts.workerUrl ?? defaultWorkerUrl();
    const entry = workerEntry(url);
    const w = new Worker(entry, { workerData: { dbPath: this.opts.dbPath, cancel: this.cancel, nativeBinding: this.opts.nativeBinding, jobs: this.opts.jobs } });
    w.on('message', (m: WorkerMessage) => this.onMessage(m));
    w.on('error', (e) => this.onWorkerGone(`the import worker failed: ${e.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) this.onWorkerGone(`the import worker stopped (exit code ${code})`);
    });
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    Atomics.store(this.cancelFlag, 0, 0);
    this.ensureWorker().postMessage(next.job);
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'progress') {
      this.opts.events.emit('importProgress', m.progress);
      return;
    }
    if (m.type === 'ready') return;
    const p = this.current;
    if (!p || p.job.jobId !== m.jobId) return;
    this.current = null;
    this.cleanup(p);
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(new ApiFailure(m.code, m.message));
    this.opts.events.emit('libraryChanged', { reason: p.reason });
    this.pump();
  }

  /** The worker crashed: fail the running job and start a fresh worker for the rest. */
  private onWorkerGone(message: string): void {
    this.worker?.removeAllListeners();
    this.worker = null;
    const p = this.current;
    this.current = null;
    if (p) {
      this.cleanup(p);
      if (p.job.type === 'import') {
        const files = p.job.files;
        const jobId = p.job.jobId;
        files.forEach((f, fileIndex) =>
          this.opts.events.emit('importProgress', { ...cancelledProgress(jobId, f.name, fileIndex, files.length), state: 'failed', message: `${f.name}: ${message}` }),
        );
      }
      p.reject(new ApiFailure('import_failed', message));
      this.opts.events.emit('libraryChanged', { reason: p.reason });
    }
    if (!this.closed) this.pump();
  }

  private cleanup(p: Pending): void {
    // Uploads live in a directory of their own (so the file keeps its name): remove it whole.
    for (const t of p.temp) rmSync(dirname(t), { recursive: true, force: true });
  }
}

function cancelledProgress(jobId: string, file: string, fileIndex: number, fileCount: number): ImportProgress {
  return { jobId, file, fileIndex, fileCount, bytesRead: 0, totalBytes: 0, packets: 0, callsFound: 0, rate: 0, state: 'cancelled', message: null, sourceId: null };
}
