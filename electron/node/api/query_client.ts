// The main thread's side of the query worker: `handlers` has one async method per API method
// (the same shape as createHandlers' result, so IPC, the HTTP bridge and serve use it
// unchanged) and posts each call to the worker, which answers on its own SQLite connection.
// The main thread holds no connection once the back end has started: a query of seconds
// never stops Electron's main process from painting and routing IPC, nor serve's event loop.
//
// It also answers what the worker asks for (query_host.ts): jobs for the ingest queue, the
// export target's choice and delivery; and forwards every back-end event to the worker.
//
// If the worker dies (a crash, an out-of-memory kill, terminate()), the calls it was
// answering fail with 'query_worker_failed' and a sentence saying so, the back end logs it,
// and a fresh worker is started. A worker that dies before it was ready (say the library
// cannot be opened) is not restarted in a loop: the next call starts one again.

import { Worker } from 'node:worker_threads';
import { API_METHODS, type ApiHandlers, type ApiMethod } from '../../../shared/api/contract.ts';
import type { ExportDestination, ExportTarget } from '../export/export_target.ts';
import { ApiFailure } from './api_error.ts';
import type { EventHub } from './event_hub.ts';
import type { SettingsHolder } from './handlers.ts';
import { tsxBootstrap, type ImportController } from './import_controller.ts';
import { fromWireError, toWireError, type FromQueryWorker, type HostRequest, type QueryWorkerInit, type ToQueryWorker } from './query_protocol.ts';

export const WORKER_FAILED = 'query_worker_failed';

export interface QueryClientOptions {
  dbPath: string;
  nativeBinding?: string;
  tempDir?: string;
  /** The worker's module; defaults to defaultQueryWorkerUrl(). */
  workerUrl?: URL;
  imports: ImportController;
  events: EventHub;
  /** The main thread's copy of the settings (upload staging uses it): kept current on setSettings. */
  settings: SettingsHolder;
  exports?: ExportTarget;
  /** Where a worker's death is reported; default stderr. */
  log?: (line: string) => void;
}

const fromSources = import.meta.url.endsWith('.ts');

/** From the sources, query_worker.ts; from a bundle, query_worker.mjs beside the bundle's code. */
export function defaultQueryWorkerUrl(): URL {
  return fromSources ? new URL('./query_worker.ts', import.meta.url) : new URL('./query_worker.mjs', import.meta.url);
}

interface Call {
  method: ApiMethod;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** One worker and what is in flight with it: when it dies, exactly these are failed. */
interface Generation {
  worker: Worker;
  ready: boolean;
  calls: Map<number, Call>;
  /** Export destinations chosen for it and not yet delivered or abandoned. */
  dests: Map<number, ExportDestination>;
}

export class QueryClient {
  readonly handlers: ApiHandlers;
  private gen: Generation | null = null;
  private nextCall = 0;
  private nextDest = 0;
  private closed = false;
  private deaths = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: QueryClientOptions) {
    const h: Record<string, (args?: unknown) => Promise<unknown>> = {};
    for (const m of API_METHODS) h[m] = (args?: unknown) => this.call(m, args);
    this.handlers = h as unknown as ApiHandlers;
    // Events in order with calls on the same port: a query posted after a libraryChanged is
    // answered after the worker has dropped what that change made stale.
    this.unsubscribe = o.events.subscribe((event) => this.gen?.worker.postMessage({ type: 'event', event } satisfies ToQueryWorker));
    this.start();
  }

  /** The worker answering now (tests kill it; diagnostics read its threadId). */
  get worker(): Worker | null {
    return this.gen?.worker ?? null;
  }

  /** Workers that died so far (each one replaced). */
  get failures(): number {
    return this.deaths;
  }

  /** Calls posted and not yet answered. */
  get inFlight(): number {
    return this.gen?.calls.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    const g = this.gen;
    this.gen = null;
    if (!g) return;
    this.settle(g, new ApiFailure('closed', 'calltrace is shutting down'));
    await g.worker.terminate();
  }

  private call(method: ApiMethod, args: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new ApiFailure('closed', 'calltrace is shutting down'));
    const g = this.gen ?? this.start();
    const id = ++this.nextCall;
    return new Promise((resolve, reject) => {
      try {
        g.worker.postMessage({ type: 'call', id, method, args } satisfies ToQueryWorker);
      } catch (e) {
        // Only a caller in this process can pass what cannot be cloned (IPC and HTTP give plain data).
        reject(new ApiFailure('bad_request', `the arguments of ${method} cannot be sent to the query worker (${(e as Error).message})`));
        return;
      }
      g.calls.set(id, { method, resolve, reject });
    });
  }

  private start(): Generation {
    const url = this.o.workerUrl ?? defaultQueryWorkerUrl();
    const entry = url.pathname.endsWith('.ts') ? tsxBootstrap(url) : url;
    const init: QueryWorkerInit = { dbPath: this.o.dbPath, nativeBinding: this.o.nativeBinding, tempDir: this.o.tempDir, canExport: this.o.exports !== undefined };
    const worker = new Worker(entry, { workerData: init });
    const g: Generation = { worker, ready: false, calls: new Map(), dests: new Map() };
    worker.on('message', (m: FromQueryWorker) => this.onMessage(g, m));
    worker.on('error', (e) => this.onGone(g, `it failed: ${e.message}`));
    worker.on('exit', (code) => this.onGone(g, `it stopped with exit code ${code}`));
    this.gen = g;
    return g;
  }

  private onMessage(g: Generation, m: FromQueryWorker): void {
    switch (m.type) {
      case 'ready':
        g.ready = true;
        return;
      case 'result': {
        const c = g.calls.get(m.id);
        if (!c) return;
        g.calls.delete(m.id);
        if (m.ok) c.resolve(m.value);
        else c.reject(fromWireError(m.error));
        return;
      }
      case 'importFiles':
        this.o.imports.importFiles(m.files, m.settings, { temp: m.temp, recordRecent: m.recordRecent, jobId: m.job.jobId });
        return;
      case 'exportAbandon': {
        const d = g.dests.get(m.destId);
        g.dests.delete(m.destId);
        d?.abandon();
        return;
      }
      case 'request':
        this.serve(g, m.request).then(
          (value) => this.reply(g, { type: 'reply', id: m.id, ok: true, value }),
          (e: unknown) => this.reply(g, { type: 'reply', id: m.id, ok: false, error: toWireError(e) }),
        );
        return;
    }
  }

  private reply(g: Generation, m: ToQueryWorker): void {
    // A reply to a worker that has died since is dropped (its caller was already failed).
    if (this.gen === g) g.worker.postMessage(m);
  }

  private async serve(g: Generation, r: HostRequest): Promise<unknown> {
    const { imports } = this.o;
    switch (r.op) {
      case 'cancelImport':
        return imports.cancelImport(r.jobId);
      case 'removeSource':
        return imports.removeSource(r.sourceId, r.settings);
      case 'setLegLinkUndone':
        return imports.setLegLinkUndone(r.linkId, r.undone);
      case 'reclassify': {
        const out = await imports.reclassify(r.settings);
        // Uploads staged here are imported with the settings in force.
        this.o.settings.current = r.settings;
        return out;
      }
      case 'exportChoose': {
        if (!this.o.exports) throw new ApiFailure('unavailable', 'exporting is not available in this session');
        const dest = await this.o.exports.choose(r.names);
        if (dest === null) return null;
        if (this.gen !== g) {
          // The worker that asked is gone: nothing will be written there.
          dest.abandon();
          return null;
        }
        const destId = ++this.nextDest;
        g.dests.set(destId, dest);
        return { destId, paths: dest.paths };
      }
      case 'exportDeliver': {
        const dest = g.dests.get(r.destId);
        if (!dest) throw new ApiFailure('export_failed', 'this export is no longer pending');
        g.dests.delete(r.destId);
        return dest.deliver(r.files);
      }
    }
  }

  /** Fails every call of a generation and undoes its pending exports. */
  private settle(g: Generation, error: Error | ((c: Call) => Error)): void {
    for (const c of g.calls.values()) c.reject(typeof error === 'function' ? error(c) : error);
    g.calls.clear();
    for (const d of g.dests.values()) d.abandon();
    g.dests.clear();
  }

  private onGone(g: Generation, why: string): void {
    // 'error' is followed by 'exit': the first one handles it.
    if (this.gen !== g) return;
    this.gen = null;
    g.worker.removeAllListeners('message');
    if (this.closed) return;
    this.deaths++;
    const restart = g.ready;
    const line = `the query worker stopped answering (${why}); ${restart ? 'a new one was started' : 'it will be started again on the next call'}`;
    (this.o.log ?? ((l: string) => process.stderr.write(`calltrace: ${l}\n`)))(line);
    this.settle(g, (c) => new ApiFailure(WORKER_FAILED, `${c.method} failed: ${line}; try again`));
    if (restart) this.start();
  }
}
