// The query worker's body: the API handlers (handlers.ts, unchanged) over this thread's own
// SQLite connection, answering the calls the main thread's QueryClient posts. A query of
// seconds (the summary over 100 000 calls, an export) then runs here while the main thread —
// Electron's, which paints the window and routes IPC, or serve's, which streams events and
// uploads — keeps answering.
//
// What the handlers need from the main thread goes back as messages: the ingest queue (the
// ImportController owns the ingest worker and its job order) and the export target (a save
// dialog exists only in Electron's main process; serve's downloads are handed out by the
// bridge there). Events reach this thread's own EventHub, so the summary cache is dropped on
// libraryChanged exactly as in-thread.
//
// Kept apart from query_worker.ts (the entry) so a test can host the same code with one
// handler wrapped (a query made slow on purpose) — the path the app uses, not a copy.

import { randomUUID } from 'node:crypto';
import type { MessagePort } from 'node:worker_threads';
import type { ApiHandlers, ExportedFile, ImportJob } from '../../../shared/api/contract.ts';
import type { ExportNames, ExportTarget } from '../export/export_target.ts';
import { openIndex, useNativeBinding } from '../store/index_store.ts';
import type { StoredLegLink } from '../store/leg_link_store.ts';
import { EventHub } from './event_hub.ts';
import { createHandlers, type ImportQueue } from './handlers.ts';
import { fromWireError, toWireError, type FromQueryWorker, type HostRequest, type QueryWorkerInit, type ToQueryWorker } from './query_protocol.ts';

export interface QueryHostOptions {
  /** Tests only: replace or wrap handlers (a deliberately slow query). */
  wrap?: (h: ApiHandlers) => ApiHandlers;
}

/** The port a worker talks on: parentPort in a worker thread. */
export type HostPort = Pick<MessagePort, 'postMessage' | 'on'>;

export function hostQueries(port: HostPort, init: QueryWorkerInit, o: QueryHostOptions = {}): void {
  useNativeBinding(init.nativeBinding);
  // The main thread migrated the file before starting this worker: this open only connects.
  const store = openIndex(init.dbPath);
  const events = new EventHub();
  const post = (m: FromQueryWorker): void => port.postMessage(m);

  let nextRequest = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ask = <T>(request: HostRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextRequest;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ type: 'request', id, request });
    });

  const imports: ImportQueue = {
    importFiles(files, settings, opts = {}) {
      // The job id is chosen here so the page gets it at once; the main thread queues the job
      // under it. Messages keep their order, so a cancelImport sent next finds it queued.
      const job: ImportJob = { jobId: randomUUID(), files: files.map((f) => f.name) };
      post({ type: 'importFiles', files, settings, temp: opts.temp ?? [], recordRecent: opts.recordRecent ?? false, job });
      return job;
    },
    cancelImport: (jobId) => ask<boolean>({ op: 'cancelImport', jobId }),
    reclassify: (settings) => ask<{ reclassified: number }>({ op: 'reclassify', settings }),
    removeSource: (sourceId, settings) => ask<{ removed: boolean }>({ op: 'removeSource', sourceId, settings }),
    setLegLinkUndone: (linkId, undone) => ask<{ link: StoredLegLink | null }>({ op: 'setLegLinkUndone', linkId, undone }),
  };

  const exports: ExportTarget | undefined = init.canExport
    ? {
        async choose(names: ExportNames) {
          const chosen = await ask<{ destId: number; paths: ExportNames } | null>({ op: 'exportChoose', names });
          if (chosen === null) return null;
          return {
            paths: chosen.paths,
            deliver: (files) => ask<ExportedFile[]>({ op: 'exportDeliver', destId: chosen.destId, files: [...files] }),
            abandon: () => post({ type: 'exportAbandon', destId: chosen.destId }),
          };
        },
      }
    : undefined;

  const direct = createHandlers({ store, imports, events, tempDir: init.tempDir, exports });
  const handlers = o.wrap ? o.wrap(direct) : direct;

  async function answer(id: number, method: keyof ApiHandlers, args: unknown): Promise<void> {
    let value: unknown;
    try {
      value = await (handlers[method] as (a: unknown) => Promise<unknown>)(args);
    } catch (e) {
      post({ type: 'result', id, ok: false, error: toWireError(e) });
      return;
    }
    try {
      post({ type: 'result', id, ok: true, value });
    } catch (e) {
      // A result that cannot be cloned is a bug in a handler: said, not a hung call.
      post({ type: 'result', id, ok: false, error: toWireError(new Error(`${method}: its result cannot leave the query worker (${(e as Error).message})`)) });
    }
  }

  port.on('message', (m: ToQueryWorker) => {
    switch (m.type) {
      case 'call':
        void answer(m.id, m.method, m.args);
        return;
      case 'event':
        events.emit(m.event.name, m.event.payload);
        return;
      case 'reply': {
        const w = waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        if (m.ok) w.resolve(m.value);
        else w.reject(fromWireError(m.error));
        return;
      }
    }
  });
  port.on('close', () => store.close());
  post({ type: 'ready' });
}
