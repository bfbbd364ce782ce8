// What the CDR import's writes cost on their own: the floor under `npm run bench:cdr`.
//
//   npx tsx test/bench/cdr_insert_floor.ts [--rows 100k] [--runs 3] [--extra-indexes]
//
// Imports a generated FreeSWITCH export (the bench's rows, a day of them, no captured calls)
// into a scratch index, reads back the rows it wrote, then replays only the INSERTs into a
// fresh index of the same schema and connection settings: one transaction, prepared
// statements, every value computed beforehand, no parsing, joining, classifying or JSON
// encoding. Whatever the importer does in JavaScript, it cannot go faster than this.
// Prints µs per CDR row (wall and CPU, commit included), median of the runs, for:
//   - both rows (the CDR-only call and its CDR row: what the importer writes per row),
//   - the call row alone, the CDR row alone,
// each with one prepared .run() per row and the values passed as arguments (what the importer
// does), then both rows written by other strategies (issue 10, candidate 1: fewer crossings
// from JavaScript to SQLite per row):
//   - one .run() per row with the values in one array (better-sqlite3 binds these slower),
//   - multi-row INSERT … VALUES of 32 rows per statement,
//   - INSERT … SELECT value->>0, … FROM json_each(?) of 500 rows per statement (one bound value),
//   - INSERT … SELECT * FROM an attached copy: SQLite alone, nothing bound (a floor no importer reaches).
// --extra-indexes adds cdr_bench.ts's four (kind, column, id) indexes on calls first.

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { EXTRA_CALL_INDEXES, writeFreeswitchCsv } from './cdr_bench.ts';

type Row = unknown[];

function dbOf(store: unknown): BetterSqlite3.Database {
  return (store as { db: BetterSqlite3.Database }).db;
}

type Strategy = 'args' | 'array' | 'values32' | 'json500' | 'sql';

function replay(dir: string, run: number, sources: Row[], calls: Row[], cdr: Row[], what: 'both' | 'calls' | 'cdr', how: Strategy, extraIndexes: boolean): { wallUs: number; cpuUs: number } {
  const path = join(dir, `floor_${what}_${how}_${run}.db`);
  const store = openIndex(path);
  const db = dbOf(store);
  if (extraIndexes) for (const sql of EXTRA_CALL_INDEXES) db.exec(sql);
  const ph = (n: number): string => new Array<string>(n).fill('?').join(', ');
  for (const s of sources) db.prepare(`INSERT INTO sources VALUES (${ph(s.length)})`).run(s);
  const insCall = db.prepare(`INSERT INTO calls VALUES (${ph(calls[0].length)})`);
  const insCdr = db.prepare(`INSERT INTO cdr_records VALUES (${ph(cdr[0].length)})`);
  // Without its call row, a CDR row may not point at it (foreign key): it points nowhere.
  const cdrRows = what === 'cdr' ? cdr.map((r) => r.map((v, i) => (i === 21 ? null : v))) : cdr;
  // ATTACH cannot run inside a transaction: before the clock starts.
  if (how === 'sql') db.exec(`ATTACH '${join(dir, 'source.db')}' AS src`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  store.transaction(() => {
    if (how === 'args') {
      for (let i = 0; i < calls.length; i++) {
        if (what !== 'cdr') insCall.run(...calls[i]);
        if (what !== 'calls') insCdr.run(...cdrRows[i]);
      }
    } else if (how === 'array') {
      for (let i = 0; i < calls.length; i++) {
        insCall.run(calls[i]);
        insCdr.run(cdrRows[i]);
      }
    } else if (how === 'values32') {
      const n = 32;
      const many = (table: string, cols: number, k: number) => db.prepare(`INSERT INTO ${table} VALUES ${new Array<string>(k).fill(`(${ph(cols)})`).join(', ')}`);
      const [c32, r32] = [many('calls', calls[0].length, n), many('cdr_records', cdr[0].length, n)];
      for (let i = 0; i < calls.length; i += n) {
        const k = Math.min(n, calls.length - i);
        const [c, r] = k === n ? [c32, r32] : [many('calls', calls[0].length, k), many('cdr_records', cdr[0].length, k)];
        c.run(calls.slice(i, i + k).flat());
        r.run(cdrRows.slice(i, i + k).flat());
      }
    } else if (how === 'json500') {
      const n = 500;
      const sel = (cols: number): string => Array.from({ length: cols }, (_, i) => `value->>${i}`).join(', ');
      const c = db.prepare(`INSERT INTO calls SELECT ${sel(calls[0].length)} FROM json_each(?)`);
      const r = db.prepare(`INSERT INTO cdr_records SELECT ${sel(cdr[0].length)} FROM json_each(?)`);
      for (let i = 0; i < calls.length; i += n) {
        c.run(JSON.stringify(calls.slice(i, i + n)));
        r.run(JSON.stringify(cdrRows.slice(i, i + n)));
      }
    } else {
      db.exec("INSERT INTO calls SELECT * FROM src.calls WHERE origin = 'cdr' ORDER BY id");
      db.exec("INSERT INTO cdr_records SELECT * FROM src.cdr_records WHERE join_method = 'cdr_only' ORDER BY id");
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
  const extraIndexes = argv.includes('--extra-indexes');
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
    console.log(`${calls.length} CDR-only rows (FreeSWITCH, a day), replayed ${runs}× into a fresh index${extraIndexes ? ` with ${EXTRA_CALL_INDEXES.length} extra indexes on calls` : ''}; µs per row, commit included, median; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const cases: Array<[string, 'both' | 'calls' | 'cdr', Strategy]> = [
      ['call row + CDR row', 'both', 'args'],
      ['call row alone', 'calls', 'args'],
      ['CDR row alone', 'cdr', 'args'],
      ['both, values in one array', 'both', 'array'],
      ['both, VALUES × 32 rows', 'both', 'values32'],
      ['both, json_each × 500', 'both', 'json500'],
      ['both, SQLite alone', 'both', 'sql'],
    ];
    for (const [label, what, how] of cases) {
      const r = Array.from({ length: runs }, (_, k) => replay(dir, k, sources, calls, cdr, what, how, extraIndexes));
      const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const wall = med(r.map((x) => x.wallUs));
      const cpu = med(r.map((x) => x.cpuUs));
      console.log(label.padEnd(28) + `${wall.toFixed(1).padStart(6)} µs wall  ${cpu.toFixed(1).padStart(6)} µs CPU  → at most ${Math.round(1e6 / wall).toLocaleString('en')} rows/s (${Math.round(1e6 / cpu).toLocaleString('en')} per CPU-s)`);
    }
    console.log(`(load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`cdr_insert_floor: ${e.message}`);
  process.exitCode = 1;
});
