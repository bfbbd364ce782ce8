// What each index and step of the library work (issue 13, migration 9) costs a CDR import:
// the per-index price that bench:cdr shows only as a total.
//
//   npx tsx test/bench/list_index_cost.ts [--rows 100k] [--runs 3]
//
// Imports a generated FreeSWITCH export (the bench's rows, a day of them) once, reads back the
// CDR-only call rows it wrote, then replays only their INSERTs (prepared, values ready, one
// transaction: cdr_insert_floor.ts's method) into fresh indexes that differ by one thing:
//   - the schema of migration 9 as it is, and without each index it adds (one at a time),
//     and with calls_call_id as narrow as before (call_id only);
//   - every migration 9 index dropped (the call indexes of migration 8);
//   - then each step of the upkeep at the commit (kept_counts.ts): the summary counts, the
//     trigram text index, the twin search — timed one by one after the inserts.
// Prints CPU µs per call row (median of the runs) and the difference to the full schema.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { flushSql } from '../../electron/node/store/kept_counts.ts';
import { writeFreeswitchCsv } from './cdr_bench.ts';
import { machine } from './machine.ts';

type Row = unknown[];

const LIST_INDEXES = [
  'calls_list_source', 'calls_list_start', 'calls_list_duration', 'calls_list_pdd', 'calls_list_min_mos', 'calls_list_worst_loss',
  'calls_list_longest_gap', 'calls_list_worst_jitter',
];

function dbOf(store: unknown): BetterSqlite3.Database {
  return (store as { db: BetterSqlite3.Database }).db;
}

interface Result {
  insertUs: number;
  steps: Record<string, number>;
}

function replay(dir: string, tag: string, sources: Row[], calls: Row[], change: (db: BetterSqlite3.Database) => void, upkeep: boolean): Result {
  const path = join(dir, `cost_${tag}.db`);
  const store = openIndex(path);
  const db = dbOf(store);
  change(db);
  const ph = (n: number): string => new Array<string>(n).fill('?').join(', ');
  for (const s of sources) db.prepare(`INSERT INTO sources VALUES (${ph(s.length)})`).run(s);
  const insCall = db.prepare(`INSERT INTO calls VALUES (${ph(calls[0].length)})`);
  const cpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const steps: Record<string, number> = {};
  let insertUs = 0;
  // Raw transaction: the store's own would run the upkeep, which is timed step by step here.
  db.transaction(() => {
    const c0 = cpu();
    for (const r of calls) insCall.run(r);
    insertUs = (cpu() - c0) / calls.length;
    if (!upkeep) return;
    const f = flushSql('id > ?');
    for (const [name, sqls] of [['summary counts', f.counts], ['trigram text index', [f.text]], ['twin search', [f.twins]]] as const) {
      const s0 = cpu();
      for (const sql of sqls) db.prepare(sql).run(0);
      steps[name] = (cpu() - s0) / calls.length;
    }
  })();
  store.close();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  return { insertUs, steps };
}

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, def: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
  };
  const rows = Math.round(Number(opt('--rows', '100k').replace(/k$/i, 'e3')));
  const runs = Number(opt('--runs', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-index-cost-'));
  try {
    const csv = join(dir, 'fs.csv');
    await writeFreeswitchCsv(csv, rows, 86_400, 1);
    const src = openIndex(join(dir, 'source.db'));
    const out = await importFile(src, csv);
    if (out.status !== 'ok') throw new Error(`import ${out.status}: ${out.error}`);
    const db = dbOf(src);
    const sources = db.prepare('SELECT * FROM sources ORDER BY id').raw().all() as Row[];
    const calls = db.prepare("SELECT * FROM calls WHERE origin = 'cdr' ORDER BY id").raw().all() as Row[];
    src.close();
    console.log(`${calls.length} CDR-only call rows (FreeSWITCH, a day) replayed ${runs}× into fresh indexes; CPU µs per row, median; ${machine()}`);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const variants: Array<[string, (db: BetterSqlite3.Database) => void]> = [
      ['migration 9 schema (all indexes)', () => {}],
      ...LIST_INDEXES.map((ix): [string, (db: BetterSqlite3.Database) => void] => [`without ${ix}`, (d) => d.exec(`DROP INDEX ${ix}`)]),
      ['calls_call_id narrow (call_id only)', (d) => d.exec('DROP INDEX calls_call_id; CREATE INDEX calls_call_id ON calls(call_id)')],
      ['without every list index (migration 8 set)', (d) => d.exec(`${LIST_INDEXES.map((ix) => `DROP INDEX ${ix};`).join(' ')} DROP INDEX calls_call_id; CREATE INDEX calls_call_id ON calls(call_id)`)],
    ];
    let base = 0;
    for (const [label, change] of variants) {
      const r = Array.from({ length: runs }, (_, k) => replay(dir, `${label.replace(/\W+/g, '_')}_${k}`, sources, calls, change, label.startsWith('migration 9')));
      const us = med(r.map((x) => x.insertUs));
      if (label.startsWith('migration 9')) base = us;
      console.log(`${label.padEnd(46)} insert ${us.toFixed(2).padStart(6)} µs/row${base && us !== base ? `  (${(base - us).toFixed(2)} µs/row saved)` : ''}`);
      if (label.startsWith('migration 9')) {
        for (const step of Object.keys(r[0].steps)) console.log(`  + at commit: ${step.padEnd(36)} ${med(r.map((x) => x.steps[step])).toFixed(2).padStart(6)} µs/row`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
