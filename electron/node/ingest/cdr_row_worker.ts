// The CDR row worker (worker_threads): streams a CSV export, parses and checks each row, and
// makes what the importing thread writes for it — the cdr_records values, and the calls
// values and verdict of the CDR-only call it becomes when it joins no captured call. Only
// the join (which reads the index) and the INSERTs stay on the importing thread.
//
// Every row is classified here, also the few that will join a captured call: the join reads
// the index inside the importing thread's transaction, and a wasted classification (a few µs)
// costs less than a round trip. Agent events (which change a verdict) are never looked up
// here: with events indexed, the import does not use this worker (import_inputs.ts).

import { workerData } from 'node:worker_threads';
import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import { createCdrRowParser, CsvReader, type CdrEmitter } from '../../../shared/cdr/index.ts';
import { feedItems } from '../../../shared/cdr/cdr_common.ts';
import { classify } from '../../../shared/diagnosis/classifier.ts';
import { cdrOnlyCallValues } from '../store/call_row.ts';
import { cdrRecordValues, storedCdr } from '../store/input_store.ts';
import { BATCH_CHARS, BATCH_ITEMS, MAX_IN_FLIGHT, SYNC_ABORT, SYNC_CONSUMED, SYNC_POSTED, type CdrRowWorkerData, type PipeItem, type PipeMessage } from './cdr_row_protocol.ts';
import { forEachTextChunk } from './text_chunks.ts';

const d = workerData as CdrRowWorkerData;
const sync = new Int32Array(d.sync);
let posted = 0;

function post(m: PipeMessage): void {
  d.port.postMessage(m);
  // The message is in the port's queue before the count says so: the importing thread that
  // sees the count find it with receiveMessageOnPort.
  posted = Atomics.add(sync, SYNC_POSTED, 1) + 1;
  Atomics.notify(sync, SYNC_POSTED);
}

class Aborted extends Error {}

let items: PipeItem[] = [];
let chars = 0;
function flush(): void {
  if (items.length === 0) return;
  post({ type: 'batch', items });
  items = [];
  chars = 0;
  // Backpressure: at most MAX_IN_FLIGHT batches wait for the writer.
  for (;;) {
    const consumed = Atomics.load(sync, SYNC_CONSUMED);
    if (posted - consumed < MAX_IN_FLIGHT) break;
    Atomics.wait(sync, SYNC_CONSUMED, consumed);
    // The importing thread gave up (its import failed): stop reading.
    if (Atomics.load(sync, SYNC_ABORT) !== 0) throw new Aborted();
  }
}

function run(): void {
  const sink: CdrEmitter = {
    record(rec) {
      const cdr = cdrRecordValues(d.sourceId, rec);
      const facts = cdrToFacts(storedCdr(rec), d.sourceName);
      items.push([cdr, cdrOnlyCallValues(d.sourceId, facts, classify(facts, d.settings, null)), rec.endUs]);
      chars += (cdr[19] as string).length;
      if (items.length >= BATCH_ITEMS || chars >= BATCH_CHARS) flush();
    },
    problem(p) {
      items.push([p.line, p.message]);
      chars += p.message.length;
      if (items.length >= BATCH_ITEMS || chars >= BATCH_CHARS) flush();
    },
  };
  const made = createCdrRowParser(d.format, sink, { mapping: d.mapping, headText: d.headText });
  if (!made) throw new Error(`${d.format} needs a column mapping`);
  const reader = new CsvReader(made.csv);
  forEachTextChunk(d.path, (text) => feedItems(made.parser, reader.push(text)));
  feedItems(made.parser, reader.end());
  if (made.parser.error === null) made.parser.end();
  flush();
  post({ type: 'end', rowsIn: made.parser.rowsIn, rowsUsed: made.parser.error === null ? made.parser.rowsUsed : 0, error: made.parser.error });
}

try {
  run();
} catch (e) {
  if (!(e instanceof Aborted)) post({ type: 'failed', error: (e as Error).message });
}
