// A query worker for tests: the app's own host (query_host.ts, same handlers, same
// connection handling) with one handler wrapped so a test controls how long a query takes,
// by count and not by clock. getDecisionTree({ gate }) with a SharedArrayBuffer of two Int32:
// the worker sets [1] = 1 on entering, then blocks — synchronously, like a heavy SQLite query
// — until the test sets [0] to non-zero. getDecisionTree({ crash: true }) throws outside any
// handler, the way a bug in a native callback would take the thread down.

import { parentPort, workerData } from 'node:worker_threads';
import { hostQueries } from '../../electron/node/api/query_host.ts';
import type { QueryWorkerInit } from '../../electron/node/api/query_protocol.ts';

if (!parentPort) throw new Error('gated_query_worker.ts runs only as a worker thread');
hostQueries(parentPort, workerData as QueryWorkerInit, {
  wrap: (h) => ({
    ...h,
    async getDecisionTree(args?: unknown) {
      const a = (args ?? {}) as { gate?: SharedArrayBuffer; crash?: boolean };
      if (a.crash) setImmediate(() => {
        throw new Error('the gated worker was told to crash');
      });
      if (a.gate) {
        const flag = new Int32Array(a.gate);
        Atomics.store(flag, 1, 1);
        Atomics.wait(flag, 0, 0);
      }
      return h.getDecisionTree(undefined);
    },
  }),
});
