// Counts the batches the importing thread takes from the CDR row worker (cdr_row_pipeline.ts)
// while `fn` runs: 0 when the rows were read on the importing thread. For the tests that check
// which thread read an export (cdr_row_worker.test.ts, cdr_worker_choice.test.ts).

import { CdrRowPipeline } from '../../electron/node/ingest/cdr_row_pipeline.ts';

export async function countBatches<T>(fn: () => Promise<T>): Promise<{ result: T; batches: number }> {
  const proto = CdrRowPipeline.prototype;
  const saved = proto.next;
  let batches = 0;
  proto.next = function (this: CdrRowPipeline) {
    const b = saved.call(this);
    if (b !== null) batches++;
    return b;
  };
  try {
    return { result: await fn(), batches };
  } finally {
    proto.next = saved;
  }
}
