// The query worker (worker_threads): every API call of the window or of `serve`'s page is
// answered here, on this thread's own SQLite connection, so the main thread never blocks on
// a query (query_host.ts does the work; query_client.ts is the main thread's side).

import { parentPort, workerData } from 'node:worker_threads';
import { hostQueries } from './query_host.ts';
import type { QueryWorkerInit } from './query_protocol.ts';

if (!parentPort) throw new Error('query_worker.ts runs only as a worker thread');
hostQueries(parentPort, workerData as QueryWorkerInit);
