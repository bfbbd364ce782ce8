// What the CDR import's writes cost on their own: the floor under `npm run bench:cdr`.
//
//   npx tsx test/bench/cdr_insert_floor.ts [--rows 100k] [--runs 3]
//
// Imports a generated FreeSWITCH export (the bench's rows, a day of them, no captured calls)
// into a scratch index, reads back the rows it wrote, then replays only the INSERTs into a
// fresh index of the same schema and connection settings: one transaction, prepared
// statements, every value computed beforehand, no parsing, joining, classifying or JSON
// encoding. Whatever the importer does in JavaScript, it cannot go faster than this.
// Prints µs per CDR row (wall and CPU, commit included), median of the runs, for:
//   - both rows (the CDR-only call and its CDR row: what the importer writes per row),
//   - the call row alone, the CDR row alone.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { writeFreeswitchCsv } from './cdr_bench.ts';

type Row = unknown[];

function dbOf(store: unknown): BetterSqlite3.Database {
  return (store as { db: BetterSqlite3.Database }).db;
}

function replay(dir: string, run: number, sources: Row[], calls: Row[], cdr: Row[], what: 'both' | 'calls' | 'cdr'): { wallUs: number; cpuUs: number } {
  const path = join(dir, `floor_${what}_${run}.db`);
  const store = openIndex(path);
  const db = dbOf(store);
  const ph = (n: number): string => new Array<string>(n).fill('?').join(', ');
  for (const s of sources) db.prepare(`INSERT INTO sources VALUES (${ph(s.length)})`).run(s);
  const insCall = db.prepare(`INSERT INTO calls VALUES (${ph(calls[0].length)})`);
  const insCdr = db.prepare(`INSERT INTO cdr_records VALUES (${ph(cdr[0].length)})`);
  // Without its call row, a CDR row may not point at it (foreign key): it points nowhere.
  const cdrRows = what === 'cdr' ? cdr.map((r) => r.map((v, i) => (i === 21 ? null : v))) : cdr;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  store.transaction(() => {
    for (let i = 0; i < calls.length; i++) {
      if (what !== 'cdr') insCall.run(calls[i]);
      if (what !== 'calls') insCdr.run(cdrRows[i]);
    }
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  store.close();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  return { wallUs: (wall * 1000) / calls.length, cpuUs: (cpu.user + cpu.system) / calls.length };
}

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, def: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
  };
  const rows = Math.round(Number(opt('--rows', '100k').replace(/k$/i, 'e3')));
  const runs = Number(opt('--runs', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-cdr-floor-'));
  try {
    const csv = join(dir, 'fs.csv');
    await writeFreeswitchCsv(csv, rows, 86_400, 1);
    const src = openIndex(join(dir, 'source.db'));
    const out = await importFile(src, csv);
    if (out.status !== 'ok') throw new Error(`import ${out.status}: ${out.error}`);
    const db = dbOf(src);
    const sources = db.prepare('SELECT * FROM sources ORDER BY id').raw().all() as Row[];
    const calls = db.prepare("SELECT * FROM calls WHERE origin = 'cdr' ORDER BY id").raw().all() as Row[];
    const cdr = db.prepare("SELECT * FROM cdr_records WHERE join_method = 'cdr_only' ORDER BY id").raw().all() as Row[];
    src.close();
    if (calls.length !== cdr.length) throw new Error('expected one CDR row per CDR-only call');
    console.log(`${calls.length} CDR-only rows (FreeSWITCH, a day), replayed ${runs}× into a fresh index; µs per row, commit included, median`);
    for (const what of ['both', 'calls', 'cdr'] as const) {
      const r = Array.from({ length: runs }, (_, k) => replay(dir, k, sources, calls, cdr, what));
      const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const wall = med(r.map((x) => x.wallUs));
      const cpu = med(r.map((x) => x.cpuUs));
      console.log(`${what === 'both' ? 'call row + CDR row' : what === 'calls' ? 'call row alone' : 'CDR row alone'}`.padEnd(20) + `${wall.toFixed(1).padStart(6)} µs wall  ${cpu.toFixed(1).padStart(6)} µs CPU  → at most ${Math.round(1e6 / wall).toLocaleString('en')} rows/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`cdr_insert_floor: ${e.message}`);
  process.exitCode = 1;
});
