// The importing thread's end of the CDR row worker (cdr_row_worker.ts): starts the worker on
// a CSV export and hands its batches of checked, classified rows over one at a time.
//
// Synchronous on purpose: the import is one SQLite transaction, and better-sqlite3's
// transactions are synchronous. The thread blocks (Atomics.wait) while the worker has no
// batch ready and reads the next one with receiveMessageOnPort; the worker blocks when
// MAX_IN_FLIGHT batches wait, so memory stays bounded whatever the file's size.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { workerEntry } from './worker_entry.ts';
import { SYNC_ABORT, SYNC_CONSUMED, SYNC_POSTED, SYNC_SLOTS, type CdrRowWorkerData, type PipeItem, type PipeMessage } from './cdr_row_protocol.ts';

const fromSources = import.meta.url.endsWith('.ts');

/**
 * From the sources, cdr_row_worker.ts (through tsx). From a bundle (dist/cli/, out/electron/),
 * the worker is an entry of its own, cdr_row_worker.mjs, beside the bundle's code
 * (build/build_cli.ts, build/build_electron.ts).
 */
function workerUrl(): URL {
  return workerEntry(fromSources ? new URL('./cdr_row_worker.ts', import.meta.url) : new URL('./cdr_row_worker.mjs', import.meta.url));
}

/**
 * How long the importing thread waits for one batch before deciding the worker is gone (it
 * cannot see the worker's 'exit' event while it blocks). A batch is at most 512 rows or 1 MB
 * of text: even a slow disk delivers one far sooner.
 */
const STALL_MS = 120_000;

export interface PipelineEnd {
  rowsIn: number;
  rowsUsed: number;
  error: string | null;
}

export class CdrRowPipeline {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly sync = new Int32Array(new SharedArrayBuffer(SYNC_SLOTS * 4));
  private consumed = 0;
  /** Set once the worker has read the whole file. */
  end: PipelineEnd | null = null;

  constructor(data: Omit<CdrRowWorkerData, 'sync' | 'port'>) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const workerData: CdrRowWorkerData = { ...data, sync: this.sync.buffer as SharedArrayBuffer, port: port2 };
    this.worker = new Worker(workerUrl(), { workerData, transferList: [port2] });
    // Its failures come back as 'failed' messages; the event would only arrive after the import.
    this.worker.on('error', () => undefined);
  }

  /** The next batch of rows and problems, in file order; null once the file is read (then `end` is set). */
  next(): PipeItem[] | null {
    if (this.end) return null;
    for (;;) {
      const seen = Atomics.load(this.sync, SYNC_POSTED);
      const got = receiveMessageOnPort(this.port) as { message: PipeMessage } | undefined;
      if (got) {
        const m = got.message;
        this.consumed++;
        Atomics.store(this.sync, SYNC_CONSUMED, this.consumed);
        Atomics.notify(this.sync, SYNC_CONSUMED);
        if (m.type === 'batch') return m.items;
        if (m.type === 'failed') throw new Error(`the CDR row worker failed: ${m.error}`);
        this.end = { rowsIn: m.rowsIn, rowsUsed: m.rowsUsed, error: m.error };
        return null;
      }
      if (Atomics.wait(this.sync, SYNC_POSTED, seen, STALL_MS) === 'timed-out' && Atomics.load(this.sync, SYNC_POSTED) === seen) {
        throw new Error(`the CDR row worker sent nothing for ${STALL_MS / 1000} s`);
      }
    }
  }

  /** Batches the worker has posted that this thread has not read yet (never above MAX_IN_FLIGHT). */
  inFlight(): number {
    return Atomics.load(this.sync, SYNC_POSTED) - this.consumed;
  }

  /** Stops the worker (done, or the import failed half-way). */
  close(): void {
    Atomics.store(this.sync, SYNC_ABORT, 1);
    Atomics.notify(this.sync, SYNC_CONSUMED);
    this.port.close();
    void this.worker.terminate();
  }
}
