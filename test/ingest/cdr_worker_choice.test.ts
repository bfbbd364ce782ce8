// When the CDR row worker reads an export (import_inputs.ts, useWorker): from WORKER_MIN_BYTES
// on, with a second core, whatever the machine's load. The load used to decide it (a 1-minute
// average of the cores less one turned the worker off); measured since, the worker is 1.4–1.5×
// faster on 2 cores even with four busy-looping processes beside it (README, CDR import speed),
// and the capture import of the same `analyze` was enough to turn it off. The cores and the
// load are set here (node:os mocked; vi.mock is hoisted above the imports), so the test does not
// depend on the machine running it.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type * as Os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { WORKER_MIN_BYTES } from '../../electron/node/ingest/import_inputs.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { writeFreeswitchCsv } from '../bench/cdr_bench.ts';
import { countBatches } from '../support/cdr_batches.ts';

const machine = vi.hoisted(() => ({ cores: 2, load: 8 }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof Os>();
  return { ...os, availableParallelism: () => machine.cores, loadavg: () => [machine.load, machine.load, machine.load] };
});

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cdr-choice-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Imports `file` with the default choice; the number of batches the worker handed over. */
async function workerBatches(file: string): Promise<number> {
  const store = openIndex(':memory:');
  try {
    const { result, batches } = await countBatches(() => importFile(store, file));
    expect(result.status).toBe('ok');
    return batches;
  } finally {
    store.close();
  }
}

describe('the CDR row worker is chosen by size and cores, not by load', async () => {
  const big = join(tmp, 'big.csv');
  await writeFreeswitchCsv(big, 25_000, 86_400, 7);
  const small = join(tmp, 'small.csv');
  await writeFreeswitchCsv(small, 2_000, 86_400, 7);

  it('the generated exports sit on both sides of WORKER_MIN_BYTES', () => {
    expect(statSync(big).size).toBeGreaterThanOrEqual(WORKER_MIN_BYTES);
    expect(statSync(small).size).toBeLessThan(WORKER_MIN_BYTES);
  });

  it('a big export on 2 cores at a load average of 8: read by the worker', async () => {
    machine.cores = 2;
    machine.load = 8;
    expect(await workerBatches(big)).toBeGreaterThan(0);
  });

  it('a small export, or a single core: read on the importing thread', async () => {
    machine.cores = 2;
    machine.load = 0;
    expect(await workerBatches(small)).toBe(0);
    machine.cores = 1;
    expect(await workerBatches(big)).toBe(0);
  });
});
