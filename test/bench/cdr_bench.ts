// CDR import benchmark (issue 10, defect 6): a FreeSWITCH mod_cdr_csv export (or an Asterisk
// cdr_csv Master.csv) of N rows, imported into a SQLite index file the way
// `calltrace analyze FILE --db lib.db` does it,
// with a capture's worth of calls already indexed so the join to captured calls is part of
// the measure. Prints rows/s and the peak RSS of the importing process.
//
//   npm run bench:cdr [-- --rows 10k,100k[,500k] --format freeswitch,asterisk --captured 2000 --span 86400 --seed 1 --extra-indexes --worker auto|on|off --keep]
//
// - Each size runs in a child process (this file with --child), so its peak RSS is its own.
// - The rows are deterministic from the seed: 60 % answered, the rest busy / no answer /
//   cancelled, numbers drawn from a pool so some rows join a captured call by numbers and
//   start time. `--span` is the time the rows cover (a day by default: a carrier's daily
//   export); a short span packs many rows into each ±60 s join window, which is where the
//   old join went quadratic.
// - Captured calls are written straight into the index (the join reads only the calls
//   table), not decoded from a capture: the benchmark measures the CDR path.
// - An export of 4 MB or more is read by the CDR row worker while the importing thread joins
//   and writes (import_inputs.ts). "main CPU s" is the importing thread's own CPU time (Linux:
//   /proc/self/task/PID/stat), "CPU s" that of all threads: with two free cores the import
//   takes about the longer of the importing thread and the worker, so "rows/main-CPU-s" is
//   the rate the writing side allows whatever else the machine is doing.
// - --worker on / off reads every export with the CDR row worker / on the importing thread;
//   auto (the default) decides as the import does (size, cores, load average).
// - --extra-indexes adds four (kind, column, id) indexes on calls first, as a library sorted
//   by four more keys would have: each is one more B-tree written per CDR-only call.

import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallFacts } from '../../shared/model/call.ts';

const SELF = fileURLToPath(import.meta.url);
const T0_US = Date.UTC(2024, 0, 1) * 1000;
const CAUSES = ['NORMAL_CLEARING', 'NORMAL_CLEARING', 'NORMAL_CLEARING', 'USER_BUSY', 'NO_ANSWER', 'ORIGINATOR_CANCEL', 'NORMAL_CLEARING', 'NO_USER_RESPONSE', 'NORMAL_CLEARING', 'NORMAL_CLEARING'];

/** xorshift32: the same rows for the same seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const stamp = (us: number): string => new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ');
const caller = (i: number): string => `+1555${String(i % 1_000_000).padStart(7, '0')}`;
const callee = (i: number): string => `1800${String(i % 100_000).padStart(6, '0')}`;

/** Writes `rows` lines made by `line(i)` to `path`, in 1 MB writes (a 500k-row export never sits in memory whole). */
async function writeLines(path: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (let i = 0; i < rows; i++) {
    buf += line(i);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((res, rej) => {
    out.on('finish', () => res());
    out.on('error', rej);
  });
}

/** Writes N FreeSWITCH default-template rows (15 columns, quoted, no header). */
export async function writeFreeswitchCsv(path: string, rows: number, spanS: number, seed: number): Promise<void> {
  const r = rng(seed);
  await writeLines(path, rows, (i) => {
    const start = T0_US + Math.floor((i * spanS * 1e6) / rows);
    const cause = CAUSES[Math.floor(r() * CAUSES.length)];
    const answered = cause === 'NORMAL_CLEARING';
    const talk = answered ? 5 + Math.floor(r() * 600) : 0;
    const ring = 1 + Math.floor(r() * 20);
    const end = start + (ring + talk) * 1e6;
    const uuid = `${(i >>> 0).toString(16).padStart(8, '0')}-4c15-11ea-97a0-${Math.floor(r() * 0xffffffffffff).toString(16).padStart(12, '0')}`;
    return `"Caller ${i}","${caller(i)}","${callee(i)}","default","${stamp(start)}","${answered ? stamp(start + ring * 1e6) : ''}","${stamp(end)}","${ring + talk}","${talk}","${cause}","${uuid}","","acct","PCMU","PCMU"\n`;
  });
}

const ASTERISK_DISPOSITION: Record<string, string> = { NORMAL_CLEARING: 'ANSWERED', USER_BUSY: 'BUSY', NO_ANSWER: 'NO ANSWER', ORIGINATOR_CANCEL: 'NO ANSWER', NO_USER_RESPONSE: 'FAILED' };

/** Writes N Asterisk cdr_csv Master.csv rows (no header; 16 columns + uniqueid, userfield, peeraccount, linkedid, sequence: 21). */
export async function writeAsteriskCsv(path: string, rows: number, spanS: number, seed: number): Promise<void> {
  const r = rng(seed);
  await writeLines(path, rows, (i) => {
    const start = T0_US + Math.floor((i * spanS * 1e6) / rows);
    const disp = ASTERISK_DISPOSITION[CAUSES[Math.floor(r() * CAUSES.length)]];
    const answered = disp === 'ANSWERED';
    const talk = answered ? 5 + Math.floor(r() * 600) : 0;
    const ring = 1 + Math.floor(r() * 20);
    const end = start + (ring + talk) * 1e6;
    const uid = `${Math.floor(start / 1e6)}.${i}`;
    const chan = i.toString(16).padStart(8, '0');
    return `"","${caller(i)}","${callee(i)}","from-trunk","""Caller ${i}"" <${caller(i)}>","SIP/trunk-${chan}","SIP/agent-${chan}","Dial","SIP/agent,30",` +
      `"${stamp(start)}","${answered ? stamp(start + ring * 1e6) : ''}","${stamp(end)}",${ring + talk},${talk},"${disp}","DOCUMENTATION","${uid}","","","${uid}",${i}\n`;
  });
}

const WRITERS = { freeswitch: writeFreeswitchCsv, asterisk: writeAsteriskCsv } as const;
type BenchFormat = keyof typeof WRITERS;

/** A captured call (as the engine would give it) for the join: the same numbers as CDR row `i`, 1.5 s later. */
export function capturedFacts(i: number, rows: number, spanS: number): CallFacts {
  const startUs = T0_US + Math.floor((i * spanS * 1e6) / rows) + 1_500_000;
  return {
    origin: 'capture', callId: `captured-${i}@10.0.0.1`, from: caller(i), to: callee(i), fromUri: `sip:${caller(i)}@10.0.0.1`, toUri: `sip:${callee(i)}@10.0.0.2`,
    callerAddr: '10.0.0.1:5060', calleeAddr: '10.0.0.2:5060', kind: 'call', firstMethod: 'INVITE', startUs, endUs: startUs + 30e6, inviteUs: startUs,
    firstProvisionalUs: null, answerUs: null, answered: false, postDialDelayMs: null, finalStatus: 486, finalReason: 'Busy Here', authChallenges: 0,
    inviteTransmissions: 1, inviteUnanswered: false, endMethod: 'final_error', endedBy: 'callee', endUsAt: startUs + 1e6, endFrame: null, endAnswered: false,
    endTransmissions: 1, endReasons: [], q850Cause: null, warnings: [], retryAfter: null, durationMs: 0, sessionTimer: null,
    media: { callerSends: false, calleeSends: false, holdSeen: false, onHoldAtEnd: false }, sipMessages: 0, sipRetransmissions: 0, messages: [], streams: [],
    captureTailMs: 0, lastActivityUs: startUs + 1e6, userAgents: [], icmpErrors: [],
  } as CallFacts;
}

interface ChildReport {
  rows: number;
  importMs: number;
  rowsPerS: number;
  /** CPU time of the import (user + system, all threads): on a shared machine, steadier than the wall clock. */
  cpuMs: number;
  /** CPU time of the importing thread alone (null where /proc is not there). */
  mainCpuMs: number | null;
  peakRssMb: number;
  calls: number;
  joined: number;
  rowsBad: number;
}

/** CPU ms of this process's main thread so far (Linux; null elsewhere): utime + stime of /proc/self/task/PID/stat. */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

/** Sort keys a larger call list may index (branch lib2): four more (kind, column, id) indexes on calls. */
export const EXTRA_CALL_INDEXES = ['duration_ms', 'from_user', 'to_user', 'pdd_ms'].map((c) => `CREATE INDEX bench_calls_${c} ON calls(kind, ${c}, id)`);

async function child(csv: string, db: string, rows: number, captured: number, spanS: number, extraIndexes: boolean, worker: string): Promise<void> {
  const { openIndex } = await import('../../electron/node/store/index_store.ts');
  const { importFile } = await import('../../electron/node/ingest/import_file.ts');
  const store = openIndex(db);
  if (extraIndexes) for (const sql of EXTRA_CALL_INDEXES) (store as unknown as { db: { exec(s: string): void } }).db.exec(sql);
  // A capture's calls, spread over the same span (every k-th CDR row has its captured call).
  store.transaction(() => {
    const sid = store.beginSource({ path: '/bench/capture.pcap', name: 'capture.pcap', contentHash: 'c'.repeat(64), sizeBytes: 1, format: 'pcap' });
    const step = Math.max(1, Math.floor(rows / Math.max(1, captured)));
    for (let i = 0, n = 0; i < rows && n < captured; i += step, n++) store.insertCall(sid, capturedFacts(i, rows, spanS));
    store.finishSource(sid, { status: 'ok', packets: 0, firstUs: null, lastUs: null, stats: [], error: null });
  });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const out = await importFile(store, csv, worker === 'on' ? { workerMinBytes: 0 } : worker === 'off' ? { workerMinBytes: Infinity } : {});
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuMs();
  clearInterval(timer);
  // resourceUsage().maxRSS is the process's high-water mark (kB), sampled or not.
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  store.close();
  if (out.status !== 'ok') throw new Error(`import ${out.status}: ${out.error}`);
  const r: ChildReport = { rows, importMs: ms, rowsPerS: rows / (ms / 1000), cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: main0 === null || main1 === null ? null : main1 - main0, peakRssMb: peak / 1048576, calls: out.calls, joined: 'joined' in out ? out.joined : 0, rowsBad: 'rowsBad' in out ? out.rowsBad : 0 };
  process.stdout.write(JSON.stringify(r) + '\n');
}

function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`not a row count: ${s}`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1));
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    await child(argv[1], argv[2], Number(argv[3]), Number(argv[4]), Number(argv[5]), argv[6] === 'extra', argv[7]);
    return;
  }
  const opt = (name: string, def: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
  };
  const sizes = opt('--rows', '10k,100k').split(',').map(parseCount);
  const formats = opt('--format', 'freeswitch').split(',').map((f) => f.trim()) as BenchFormat[];
  for (const f of formats) if (!(f in WRITERS)) throw new Error(`unknown format ${f} (freeswitch, asterisk)`);
  const captured = parseCount(opt('--captured', '2000'));
  const spanS = Number(opt('--span', '86400'));
  const seed = Number(opt('--seed', '1'));
  const keep = argv.includes('--keep');
  const extraIndexes = argv.includes('--extra-indexes');
  const worker = opt('--worker', 'auto');
  if (!['auto', 'on', 'off'].includes(worker)) throw new Error(`--worker is auto, on or off, not ${worker}`);
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-cdr-bench-'));
  try {
    console.log(`CDR import: ${captured} captured calls indexed first, rows over ${spanS} s, seed ${seed}${extraIndexes ? `, ${EXTRA_CALL_INDEXES.length} extra indexes on calls` : ''}, CDR row worker ${worker}, index file in ${dir}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('format       rows        file MB   import s   rows/s    CPU s   rows/CPU-s   main CPU s   rows/main-CPU-s   peak RSS MB   CDR-only calls   joined');
    for (const format of formats) {
      for (const rows of sizes) {
        const csv = join(dir, `${format}_${rows}.csv`);
        await WRITERS[format](csv, rows, spanS, seed);
        const db = join(dir, `lib_${format}_${rows}.db`);
        const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', csv, db, String(rows), String(captured), String(spanS), extraIndexes ? 'extra' : '', worker], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (r.status !== 0) throw new Error(`child for ${rows} ${format} rows failed (${r.status ?? r.signal}): ${r.stderr}`);
        const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
        console.log(
          `${format.padEnd(12)} ${String(rows).padEnd(11)} ${(statSync(csv).size / 1048576).toFixed(1).padStart(7)}   ${(rep.importMs / 1000).toFixed(2).padStart(8)}   ${Math.round(rep.rowsPerS).toString().padStart(7)}   ${(rep.cpuMs / 1000).toFixed(2).padStart(6)}   ${Math.round(rows / (rep.cpuMs / 1000)).toString().padStart(10)}   ${rep.mainCpuMs === null ? '    n/a' : (rep.mainCpuMs / 1000).toFixed(2).padStart(10)}   ${rep.mainCpuMs === null ? 'n/a'.padStart(15) : Math.round(rows / (rep.mainCpuMs / 1000)).toString().padStart(15)}   ${rep.peakRssMb.toFixed(0).padStart(11)}   ${String(rep.calls).padStart(14)}   ${String(rep.joined).padStart(6)}`,
        );
        console.log(`  (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
        if (!keep) for (const f of [db, `${db}-wal`, `${db}-shm`, csv]) rmSync(f, { force: true });
      }
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === SELF) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`cdr_bench: ${e.message}`);
    process.exitCode = 1;
  });
}
