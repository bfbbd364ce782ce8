// A CDR-only call is inserted with CDR_ONLY_CALL_INSERT, which writes its constant columns in
// the statement instead of binding them for every row (a daily export has up to a million
// such rows). The row must be exactly what the general CALL_INSERT with callRowValues() writes
// for the same facts and verdict: checked column by column on the fixture exports of every
// CSV and JSON format we have, and on the benchmark's generated FreeSWITCH and Asterisk rows.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { CALL_INSERT, callRowValues, FACTS_FROM_CDR_ROW } from '../../electron/node/store/call_row.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import type { Verdict } from '../../shared/model/verdict.ts';
import { writeAsteriskCsv, writeFreeswitchCsv } from '../bench/cdr_bench.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/cdr');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cdr-row-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let store: IndexStore | null = null;
afterEach(() => {
  store?.close();
  store = null;
});

async function inputs(): Promise<Array<{ path: string; mapping?: string }>> {
  const fs = join(tmp, 'fs.csv');
  const ast = join(tmp, 'ast.csv');
  await writeFreeswitchCsv(fs, 300, 3600, 9);
  await writeAsteriskCsv(ast, 300, 3600, 9);
  return [
    { path: fs },
    { path: ast },
    { path: join(FIX, 'twilio_calls.csv') },
    { path: join(FIX, 'twilio_insights_call_summary.json') },
    { path: join(FIX, 'vos3000_cdr.csv') },
    { path: join(FIX, 'vos3000_cdr_pipe.txt') },
    { path: join(FIX, 'asterisk_cel_call.csv') },
  ];
}

describe('CDR_ONLY_CALL_INSERT', () => {
  it('writes the same calls row as CALL_INSERT with callRowValues(), column by column', async () => {
    store = openIndex(':memory:');
    const db = (store as unknown as { db: Database.Database }).db;
    let compared = 0;
    for (const input of await inputs()) {
      const out = await importFile(store, input.path);
      expect(out.status, input.path).not.toBe('failed');
    }
    const generic = db.prepare(CALL_INSERT);
    const rowOf = db.prepare('SELECT * FROM calls WHERE id = ?');
    for (const summary of store.listCalls({ limit: 10_000 })) {
      if (summary.origin !== 'cdr') continue;
      const detail = store.getCall(summary.id)!;
      const written = rowOf.get(summary.id) as Record<string, unknown>;
      const id = Number(generic.run(callRowValues(summary.sourceId, detail.facts, FACTS_FROM_CDR_ROW, detail.verdict as Verdict | null)).lastInsertRowid);
      const reference = rowOf.get(id) as Record<string, unknown>;
      db.prepare('DELETE FROM calls WHERE id = ?').run(id);
      expect({ ...written, id: 0 }).toEqual({ ...reference, id: 0 });
      compared++;
    }
    expect(compared).toBeGreaterThan(600);
  });
});
