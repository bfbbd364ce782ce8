// A second writer for the write-lock tests (write_lock.test.ts), on its own thread so that it
// can let go of the lock while the test's thread is blocked waiting for it. It takes the index's
// write lock, writes one row, and commits only once the waiting thread has reported `releaseAfter`
// busy tries — by count, not by clock. Shared Int32Array: [0] state (1 = lock held, 2 = committed,
// 3 = gave up waiting for the tries), [1] tries reported by the waiter.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

if (!parentPort) throw new Error('lock_holder_worker.ts runs only as a worker thread');
const { path, shared, releaseAfter } = workerData as { path: string; shared: SharedArrayBuffer; releaseAfter: number };
const state = new Int32Array(shared);

const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO t (who) VALUES ('holder')").run();
Atomics.store(state, 0, 1);
Atomics.notify(state, 0);
let gaveUp = false;
for (let seen = Atomics.load(state, 1); seen < releaseAfter; seen = Atomics.load(state, 1)) {
  // Only a guard against a waiter that never retries (the bug under test): the test then fails
  // on state 3 instead of hanging.
  if (Atomics.wait(state, 1, seen, 20_000) === 'timed-out') {
    gaveUp = true;
    break;
  }
}
db.exec('COMMIT');
db.close();
Atomics.store(state, 0, gaveUp ? 3 : 2);
Atomics.notify(state, 0);
parentPort.postMessage('done');
