// The CDR row worker (issue 10, defect 6): a CSV export of WORKER_MIN_BYTES or more is read,
// checked and classified on a worker thread while the importing thread joins and writes its
// rows. What lands in the index must not depend on which thread read the rows, memory must
// stay bounded when writing is the slower side, and a worker that fails must fail the import.
// Bounded by counts (rows, batches), never by the clock.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CdrRowPipeline } from '../../electron/node/ingest/cdr_row_pipeline.ts';
import { countBatches } from '../support/cdr_batches.ts';
import { BATCH_ITEMS, MAX_IN_FLIGHT, type PipeItem } from '../../electron/node/ingest/cdr_row_protocol.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { capturedFacts, writeAsteriskCsv, writeFreeswitchCsv } from '../bench/cdr_bench.ts';
import { CORPUS_DIR, REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cdr-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const OWN = join(REPO_ROOT, 'test/fixtures/cdr');
const corpusCdr = join(CORPUS_DIR, 'cdr');
const haveCorpus = existsSync(corpusCdr);
if (!haveCorpus) console.warn(`\n*** ${corpusCdr} is absent: the corpus CDR exports (Asterisk with bad rows, CEL, CUCM) are NOT compared here. ***\n`);

const ROWS = 3000;
const SPAN_S = 3600;

/** Everything an import writes, in insertion order (ids included: the order must be the same too). */
function dump(store: IndexStore): Record<string, unknown[]> {
  const db = (store as unknown as { db: Database.Database }).db;
  const all = (sql: string): unknown[] => db.prepare(sql).raw().all();
  return {
    calls: all('SELECT * FROM calls ORDER BY id'),
    cdr: all('SELECT * FROM cdr_records ORDER BY id'),
    problems: all('SELECT * FROM source_row_problems ORDER BY rowid'),
    sources: all('SELECT id, name, format, status, packets, first_us, last_us, error FROM sources ORDER BY id'),
    stats: all('SELECT * FROM source_stats ORDER BY source_id, key'),
  };
}

/** Imports `file` into a fresh index (a capture's calls indexed first when `captured`), read by the worker or not. */
async function importInto(file: string, worker: boolean, opts: { captured?: (store: IndexStore) => void; mapping?: string } = {}) {
  const store = openIndex(':memory:');
  opts.captured?.(store);
  const mapping = opts.mapping ? JSON.parse(readFileSync(opts.mapping, 'utf8')) : undefined;
  const { result, batches } = await countBatches(() => importFile(store, file, { mapping, workerMinBytes: worker ? 0 : Infinity, settings: DEFAULT_SETTINGS }));
  const d = dump(store);
  store.close();
  return { out: result, batches, dump: d };
}

/** Every 7th generated row has its captured call (same numbers, 1.5 s later): the numbers-and-time join. */
function capturedEvery7th(store: IndexStore): void {
  store.transaction(() => {
    const sid = store.beginSource({ path: '/t/capture.pcap', name: 'capture.pcap', contentHash: 'c'.repeat(64), sizeBytes: 1, format: 'pcap' });
    for (let i = 0; i < ROWS; i += 7) store.insertCall(sid, capturedFacts(i, ROWS, SPAN_S));
    store.finishSource(sid, { status: 'ok', packets: 0, firstUs: null, lastUs: null, stats: [], error: null });
  });
}

describe('the worker stores exactly what the importing thread stores', () => {
  const cases: Array<{ name: string; file: () => Promise<string>; captured?: (s: IndexStore) => void; mapping?: string; bad?: number }> = [
    {
      name: `FreeSWITCH, ${ROWS} rows, every 7th joining a captured call`,
      file: async () => {
        const f = join(tmp, 'fs.csv');
        await writeFreeswitchCsv(f, ROWS, SPAN_S, 3);
        return f;
      },
      captured: capturedEvery7th,
    },
    {
      name: `Asterisk Master.csv, ${ROWS} rows, every 7th joining a captured call`,
      file: async () => {
        const f = join(tmp, 'ast.csv');
        await writeAsteriskCsv(f, ROWS, SPAN_S, 4);
        return f;
      },
      captured: capturedEvery7th,
    },
    {
      // Bad rows between good ones: problems and rows keep their file order and lines.
      name: 'FreeSWITCH with a bad row every 50 (impossible dates, short rows)',
      file: async () => {
        const f = join(tmp, 'fs_bad_src.csv');
        await writeFreeswitchCsv(f, ROWS, SPAN_S, 5);
        const lines = readFileSync(f, 'utf8').split('\n');
        for (let i = 10; i < lines.length - 1; i += 50) lines[i] = i % 100 === 10 ? lines[i].replace(/"2024-01-01 /g, '"2024-13-01 ') : '"short","row"';
        const out = join(tmp, 'fs_bad.csv');
        writeFileSync(out, lines.join('\n'));
        return out;
      },
      bad: Math.ceil((ROWS - 10) / 50),
    },
    { name: 'a mapped CSV (acme_pbx_calls.csv)', file: async () => join(OWN, 'acme_pbx_calls.csv'), mapping: join(OWN, 'acme_pbx_calls.mapping.json') },
    { name: 'VOS3000, pipe-delimited', file: async () => join(OWN, 'vos3000_cdr_pipe.txt') },
    { name: 'Asterisk CEL (events grouped per call)', file: async () => join(OWN, 'asterisk_cel_call.csv') },
    ...(haveCorpus
      ? ['asterisk_ts_cdrlib_buggy.csv', 'asterisk_ts_selftest_CELMaster1.csv', 'cucm_cdr_sample_hleguern.csv', 'freeswitch_cdr_csv_Master.csv'].map((n) => ({ name: `corpus ${n}`, file: async () => join(corpusCdr, n) }))
      : []),
  ];

  it.each(cases)('$name', async ({ file, captured, mapping, bad }) => {
    const path = await file();
    const own = await importInto(path, false, { captured, mapping });
    const worker = await importInto(path, true, { captured, mapping });
    // The worker was used (and the importing thread's reader was not).
    expect(own.batches).toBe(0);
    expect(worker.batches).toBeGreaterThan(0);
    expect(worker.out).toEqual(own.out);
    expect(worker.dump).toEqual(own.dump);
    // Rows in = rows stored + rows reported.
    const o = own.out as { rowsIn: number; rowsUsed: number; rowsBad: number; records: number; joined: number; calls: number };
    expect(o.rowsIn).toBe(o.rowsUsed + o.rowsBad);
    expect(own.dump.cdr.length).toBe(o.records);
    expect(o.records).toBe(o.joined + o.calls);
    if (bad !== undefined) expect(o.rowsBad).toBe(bad);
    if (captured) expect(o.joined).toBe(Math.ceil(ROWS / 7));
  });
});

describe('memory stays bounded when writing is slower than reading', () => {
  it(`the worker waits with ${MAX_IN_FLIGHT} batches unread, never more, and each batch holds at most ${BATCH_ITEMS} rows`, async () => {
    const f = join(tmp, 'slow_writer.csv');
    const rows = 20 * BATCH_ITEMS;
    await writeFreeswitchCsv(f, rows, 86_400, 6);
    const pipe = new CdrRowPipeline({ path: f, format: 'freeswitch_csv', mapping: undefined, headText: '', sourceName: 'slow_writer.csv', sourceId: 1, settings: DEFAULT_SETTINGS });
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const messages = rows / BATCH_ITEMS + 1;
    let maxInFlight = 0;
    let items = 0;
    let batches = 0;
    try {
      for (let b: PipeItem[] | null = pipe.next(); b !== null; b = pipe.next()) {
        batches++;
        items += b.length;
        expect(b.length).toBeLessThanOrEqual(BATCH_ITEMS);
        // A slow writer: before taking the next batch, let the worker run ahead until it has
        // MAX_IN_FLIGHT unread or has posted everything (20 batches and its end), then give it
        // a little more time to (wrongly) post another.
        while (pipe.inFlight() < MAX_IN_FLIGHT && batches + pipe.inFlight() < messages) Atomics.wait(pause, 0, 0, 1);
        Atomics.wait(pause, 0, 0, 2);
        maxInFlight = Math.max(maxInFlight, pipe.inFlight());
      }
    } finally {
      pipe.close();
    }
    expect(items).toBe(rows);
    expect(batches).toBe(rows / BATCH_ITEMS);
    expect(pipe.end).toEqual({ rowsIn: rows, rowsUsed: rows, error: null });
    // Reached (the worker did run ahead) and never passed.
    expect(maxInFlight).toBe(MAX_IN_FLIGHT);
  });
});

describe('a worker that fails fails the import', () => {
  it('an unreadable file: the failure comes back to the importing thread with its reason', () => {
    const pipe = new CdrRowPipeline({ path: join(tmp, 'gone.csv'), format: 'freeswitch_csv', mapping: undefined, headText: '', sourceName: 'gone.csv', sourceId: 1, settings: DEFAULT_SETTINGS });
    try {
      expect(() => pipe.next()).toThrow(/CDR row worker failed: .*ENOENT/);
    } finally {
      pipe.close();
    }
  });

  it('a row of 3 MB among ordinary ones is imported whole (a batch is cut by size, not only by rows)', async () => {
    const f = join(tmp, 'huge_row.csv');
    await writeFreeswitchCsv(f, 1000, 3600, 7);
    const lines = readFileSync(f, 'utf8').split('\n');
    // The caller name (first column) of row 500 made 3 MB long: a legal, if absurd, row.
    lines[500] = lines[500].replace(/^"Caller 500"/, `"${'x'.repeat(3 << 20)}"`);
    writeFileSync(f, lines.join('\n'));
    const own = await importInto(f, false);
    const worker = await importInto(f, true);
    expect(worker.batches).toBeGreaterThan(1);
    expect(worker.out).toEqual(own.out);
    expect(worker.dump).toEqual(own.dump);
    const o = worker.out as { rowsIn: number; rowsUsed: number; rowsBad: number };
    expect(o.rowsIn).toBe(1000);
    expect(o.rowsIn).toBe(o.rowsUsed + o.rowsBad);
  });
});
