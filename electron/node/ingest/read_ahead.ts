// Reads (and hashes) a file on another thread into a small ring of shared chunks, so the
// decoding thread never waits on read(2) and the file is read once, not twice (before, the
// hash worker read it a second time while the decoding thread read it for itself).
//
// The ring lives in one SharedArrayBuffer: the reader publishes chunk k into slot k % SLOTS
// and waits while all slots are full; the consumer takes chunks in order and frees each slot
// as soon as its chunk has been pushed into the engine (the capture reader copies the few
// bytes it carries over, so nothing keeps a view into a freed slot). Both sides block with
// Atomics.wait: the import loop is synchronous between chunks anyway.
//
// The worker is plain JavaScript evaluated from a string, as in content_hasher.ts, so it runs
// the same under tsx, vitest and a packaged app.

import { Worker } from 'node:worker_threads';
import { CHUNK_SIZE, type FileReadResult } from './file_source.ts';

const SLOTS = 4;
// Control words (Int32): published, consumed, state (0 reading, 1 done, 2 failed), cancel,
// size low, size high; then one length per slot.
const C_PUBLISHED = 0;
const C_CONSUMED = 1;
const C_STATE = 2;
const C_CANCEL = 3;
const C_SIZE_LO = 4;
const C_SIZE_HI = 5;
const C_LENS = 8;
const CONTROL_BYTES = (C_LENS + SLOTS) * 4;
const TEXT_BYTES = 256; // the hex hash, or the error text

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { shared, path, slots, chunk, control, text } = workerData;
const c = new Int32Array(shared, 0, control / 4);
const out = new Uint8Array(shared, control, text);
const data = (k) => new Uint8Array(shared, control + text + (k % slots) * chunk, chunk);
let fd = -1;
try {
  fd = openSync(path, 'r');
  const h = createHash('sha256');
  let size = 0;
  for (let k = 0; ; k++) {
    // Wait for a free slot (the consumer frees them in order).
    for (;;) {
      if (Atomics.load(c, ${C_CANCEL}) !== 0) throw new Error('cancelled');
      const consumed = Atomics.load(c, ${C_CONSUMED});
      if (k - consumed < slots) break;
      Atomics.wait(c, ${C_CONSUMED}, consumed, 1000);
    }
    const view = data(k);
    const n = readSync(fd, view, 0, chunk, null);
    if (n <= 0) break;
    h.update(view.subarray(0, n));
    size += n;
    c[${C_LENS} + (k % slots)] = n;
    Atomics.store(c, ${C_PUBLISHED}, k + 1);
    Atomics.notify(c, ${C_PUBLISHED});
  }
  out.set(Buffer.from(h.digest('hex'), 'latin1'));
  c[${C_SIZE_LO}] = size % 4294967296;
  c[${C_SIZE_HI}] = Math.floor(size / 4294967296);
  Atomics.store(c, ${C_STATE}, 1);
} catch (e) {
  out.set(Buffer.from(String(e && e.code ? e.code : e && e.message).slice(0, ${TEXT_BYTES - 1}), 'latin1'));
  Atomics.store(c, ${C_STATE}, 2);
} finally {
  if (fd >= 0) closeSync(fd);
  Atomics.notify(c, ${C_PUBLISHED});
}
`;

/**
 * Like readFileChunks for an uncompressed file, but read and hashed on another thread. The
 * chunk passed to onChunk is a view into shared memory, valid only during the call.
 */
export async function readFileChunksAhead(
  path: string,
  totalBytes: number,
  onChunk: (chunk: Uint8Array) => void,
  opts: { shouldStop?: () => boolean; onProgress?: (bytesRead: number, total: number) => void } = {},
): Promise<FileReadResult> {
  const shared = new SharedArrayBuffer(CONTROL_BYTES + TEXT_BYTES + SLOTS * CHUNK_SIZE);
  const c = new Int32Array(shared, 0, CONTROL_BYTES / 4);
  const text = new Uint8Array(shared, CONTROL_BYTES, TEXT_BYTES);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, path, slots: SLOTS, chunk: CHUNK_SIZE, control: CONTROL_BYTES, text: TEXT_BYTES } });
  let workerError: string | null = null;
  const exited = new Promise<void>((resolve) => {
    worker.once('error', (e) => {
      workerError = e.message;
      Atomics.store(c, C_STATE, 2);
      resolve();
    });
    worker.once('exit', () => resolve());
  });
  const readText = (): string => new TextDecoder('latin1').decode(text).replace(/\0+$/, '');

  let delivered = 0;
  let error: string | null = null;
  try {
    for (let k = 0; ; k++) {
      if (opts.shouldStop?.()) {
        error = 'cancelled';
        break;
      }
      // Wait until chunk k is published, or the reader is done with the file.
      let state = 0;
      for (;;) {
        if (Atomics.load(c, C_PUBLISHED) > k) break;
        state = Atomics.load(c, C_STATE);
        if (state !== 0) break;
        Atomics.wait(c, C_PUBLISHED, k, 1000);
        // The worker's 'error' event needs the event loop; a dead worker is noticed on exit.
        if (Atomics.load(c, C_PUBLISHED) <= k && Atomics.load(c, C_STATE) === 0) await new Promise((r) => setImmediate(r));
      }
      if (Atomics.load(c, C_PUBLISHED) <= k) {
        if (state === 2) error = `read error: ${workerError ?? readText()}`;
        break;
      }
      const slot = k % SLOTS;
      const n = c[C_LENS + slot];
      onChunk(new Uint8Array(shared, CONTROL_BYTES + TEXT_BYTES + slot * CHUNK_SIZE, n));
      delivered += n;
      Atomics.store(c, C_CONSUMED, k + 1);
      Atomics.notify(c, C_CONSUMED);
      opts.onProgress?.(delivered, totalBytes);
    }
  } catch (e) {
    // The consumer threw (the index failed): stop the reader, which may be waiting for a free
    // slot, before passing the error on; otherwise it would wait for ever.
    Atomics.store(c, C_CANCEL, 1);
    Atomics.notify(c, C_CONSUMED);
    await exited;
    throw e;
  }
  if (error) Atomics.store(c, C_CANCEL, 1);
  Atomics.notify(c, C_CONSUMED);
  await exited;
  const done = Atomics.load(c, C_STATE) === 1;
  return {
    contentHash: done && !error ? readText() : '',
    sizeBytes: done ? c[C_SIZE_LO] + c[C_SIZE_HI] * 4294967296 : delivered,
    gzip: false,
    bytesDelivered: delivered,
    error,
  };
}
