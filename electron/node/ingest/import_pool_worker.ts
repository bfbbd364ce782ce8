// One worker of the parallel import (import_pool.ts): a worker thread with its own SQLite
// connection to the index file, importing the paths it is handed one at a time. Several of
// these write the same WAL file at once: SQLite lets one writer in at a time and the others
// wait (busy_timeout), and a capture import commits in short slices (call_slices.ts), so the
// writers take turns while each decodes its own file on its own core.
//
// Opening the index here also runs the unfinished-import cleanup (index_store.ts): the other
// workers' in-flight sources carry this process's pid and start token, so they count as
// running and are left alone (import_owner.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { openIndex, useNativeBinding } from '../store/index_store.ts';
import { PROGRESS_INTERVAL_MS } from '../api/worker_protocol.ts';
import { importPath } from './import_archive.ts';
import { importTestHooks, workerExitOn } from './import_test_hooks.ts';
import type { PoolTaskMessage, PoolWorkerInit, PoolWorkerMessage } from './import_pool.ts';

const init = workerData as PoolWorkerInit;
const port = parentPort;
if (!port) throw new Error('import_pool_worker.ts runs only as a worker thread');
useNativeBinding(init.nativeBinding);
const cancelFlag = init.cancel ? new Int32Array(init.cancel) : null;
const store = openIndex(init.dbPath);
const post = (m: PoolWorkerMessage): void => port.postMessage(m);

async function run(t: PoolTaskMessage): Promise<void> {
  if (workerExitOn() !== null && basename(t.path) === workerExitOn()) process.exit(70);
  const cancelled = (): boolean => cancelFlag !== null && Atomics.load(cancelFlag, 0) === init.cancelSeq;
  const p = { bytesRead: 0, totalBytes: 0, packets: 0, callsFound: 0 };
  let last = 0;
  const maybePost = (): void => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    post({ type: 'progress', index: t.index, progress: { ...p } });
  };
  try {
    const result = await importPath(store, t.path, {
      settings: t.settings,
      mapping: t.mapping,
      shouldStop: cancelled,
      onProgress: (bytesRead, total, packets) => {
        p.bytesRead = bytesRead;
        p.totalBytes = total;
        p.packets = packets;
        maybePost();
      },
      onCall: () => {
        p.callsFound++;
        maybePost();
      },
      ...importTestHooks(),
    });
    // The last figures, unthrottled: every file ends with a progress line of its totals.
    post({ type: 'progress', index: t.index, progress: { ...p } });
    post({ type: 'done', index: t.index, result });
  } catch (e) {
    post({ type: 'failed', index: t.index, error: `could not be indexed (${(e as Error).message})` });
  }
}

// Tasks arrive one at a time (the pool waits for each answer), but chain them anyway so a
// second message can never start an import while the first awaits.
let chain: Promise<void> = Promise.resolve();
port.on('message', (m: PoolTaskMessage | { type: 'close' }) => {
  chain = chain.then(async () => {
    if (m.type === 'close') {
      store.close();
      port.close();
      return;
    }
    await run(m);
  });
});
