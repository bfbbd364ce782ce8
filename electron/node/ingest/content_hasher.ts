// SHA-256 of a gzip-compressed capture's own bytes on another thread, while the import
// inflates and decodes it on this one. (An uncompressed capture is read and hashed in one pass
// by read_ahead.ts instead.) The index recognises a re-import by this hash; the source row
// starts under a provisional hash and finishSource sets the real one, so nothing waits for it.
//
// The result is published through a SharedArrayBuffer, not a message: the import loop is
// synchronous between chunks and never yields to the event loop, so it checks a flag instead.
// The worker is plain JavaScript evaluated from a string, so it runs the same under tsx,
// vitest and a packaged app (no TypeScript loader needed in the thread).

import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const state = new Int32Array(workerData.shared, 0, 4);
const out = new Uint8Array(workerData.shared, 16);
let fd = -1;
try {
  fd = openSync(workerData.path, 'r');
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let size = 0;
  for (;;) {
    if (Atomics.load(state, 1) !== 0) break; // cancelled
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n <= 0) break;
    h.update(buf.subarray(0, n));
    size += n;
  }
  out.set(Buffer.from(h.digest('hex'), 'latin1'));
  // Size as two 32-bit halves: files above 4 GB exist.
  state[2] = size % 4294967296;
  state[3] = Math.floor(size / 4294967296);
  Atomics.store(state, 0, 1);
} catch (e) {
  out.set(Buffer.from(String(e && e.code || e && e.message || e).slice(0, 64), 'latin1'));
  Atomics.store(state, 0, 2);
} finally {
  if (fd >= 0) closeSync(fd);
  Atomics.notify(state, 0);
}
`;

export interface ContentHash {
  contentHash: string;
  sizeBytes: number;
}

export class HashJob {
  private readonly state: Int32Array;
  private readonly out: Uint8Array;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private workerError: string | null = null;

  constructor(path: string) {
    const shared = new SharedArrayBuffer(16 + 64);
    this.state = new Int32Array(shared, 0, 4);
    this.out = new Uint8Array(shared, 16);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, shared } });
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('error', (e) => {
        this.workerError = e.message;
        resolve();
      });
      this.worker.once('exit', () => resolve());
    });
    // The worker must not keep a finished or abandoned import's process alive.
    this.worker.unref();
  }

  /** Waits for the hash; rejects with the worker's read error (e.g. ENOENT). */
  async done(): Promise<ContentHash> {
    if (Atomics.load(this.state, 0) === 0) {
      // Unref'd so far; while someone waits for it, it must keep the process alive.
      this.worker.ref();
      await this.exited;
    }
    const s = Atomics.load(this.state, 0);
    if (s === 1) return this.result();
    const why = s === 2 ? new TextDecoder('latin1').decode(this.out).replace(/\0+$/, '') : (this.workerError ?? 'hash worker stopped');
    throw Object.assign(new Error(`cannot hash the file (${why})`), { code: why });
  }

  /** Stops the worker early (a failed or cancelled import). */
  cancel(): void {
    Atomics.store(this.state, 1, 1);
    void this.worker.terminate();
  }

  private result(): ContentHash {
    return {
      contentHash: new TextDecoder('latin1').decode(this.out),
      sizeBytes: this.state[2] + this.state[3] * 4294967296,
    };
  }
}
