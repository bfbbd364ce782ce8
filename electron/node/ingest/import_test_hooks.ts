// Test hooks of the command line's imports, read from the environment and never set by
// users. They live here so the sequential import (cli/commands.ts) and each parallel import
// worker (import_pool_worker.ts: a worker thread sees the process's environment) obey them
// alike:
//   CALLTRACE_TEST_SLICE_CALLS=N          commit every N calls on their own
//   CALLTRACE_TEST_KILL_AFTER_SLICES=N    SIGKILL this process once N slices of a capture are
//                                         committed: a kill -9 mid-import at a point fixed by
//                                         counts, not time (test/ingest/crash_safety.test.ts)
//   CALLTRACE_TEST_KILL_AFTER_CDR_BATCHES=N  the same once N batches of the CDR row worker are
//                                         written (uncommitted: a CDR export is one
//                                         transaction; test/ingest/cdr_crash.test.ts)
//   CALLTRACE_TEST_WORKER_EXIT_ON=NAME    a parallel import worker ends its thread abruptly
//                                         when given the file NAME (a worker crash, for the
//                                         test that one crash does not take the other files down)

import type { ImportOptions } from './import_capture.ts';
import type { InputImportOptions } from './import_inputs.ts';

export function importTestHooks(): Pick<ImportOptions, 'sliceCalls' | 'onSlice'> & Pick<InputImportOptions, 'onCdrBatch'> {
  const slice = Number(process.env.CALLTRACE_TEST_SLICE_CALLS);
  const killAfter = Number(process.env.CALLTRACE_TEST_KILL_AFTER_SLICES);
  const killAfterCdr = Number(process.env.CALLTRACE_TEST_KILL_AFTER_CDR_BATCHES);
  return {
    ...(Number.isInteger(slice) && slice > 0 ? { sliceCalls: slice } : {}),
    ...(Number.isInteger(killAfter) && killAfter > 0 ? { onSlice: (n: number) => void (n >= killAfter && process.kill(process.pid, 'SIGKILL')) } : {}),
    ...(Number.isInteger(killAfterCdr) && killAfterCdr > 0 ? { onCdrBatch: (n: number) => void (n >= killAfterCdr && process.kill(process.pid, 'SIGKILL')) } : {}),
  };
}

/** The file name a pool worker is told to crash on (CALLTRACE_TEST_WORKER_EXIT_ON), or null. */
export function workerExitOn(): string | null {
  return process.env.CALLTRACE_TEST_WORKER_EXIT_ON || null;
}
