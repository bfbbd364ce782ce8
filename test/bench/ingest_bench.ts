// Ingest benchmark: our full import (file → engine → SQLite index) against tshark's
// `-z rtp,streams` pass over the same generated capture.
//
//   npm run bench [-- --sizes 100M,1G --format pcap|pcapng --calls 50 --seed 1 --out DIR --keep
//                     --no-reopen --profile --runs N --gzip --no-targets | --targets-only
//                     --target-sizes 400M,1G]
//
// After the per-size table, the issue-13 targets are measured and printed beside their
// figures (targets_bench.ts): the compiled CLI on a 400 MB capture of 300 concurrent calls
// against tshark, the same at 1 GB, and two 400 MB captures at once against one.
// --targets-only skips the per-size table, --no-targets the targets.
//
// --gzip also measures each capture gzip-compressed (level 1, as a quick `gzip -1` would leave a
// ticket attachment), both tools reading the .gz; MB and MB/s are then of the decompressed bytes.
//
// Why it is built this way:
// - Each measured run is a child process, so its peak RSS is its own (the generator in this
//   process must not count) and a crash or OOM cannot take the benchmark down.
// - Generation is timed separately and is never part of the results; the capture is then in
//   the page cache for both readers, so neither pays for the disk and the comparison is fair.
// - "First call" is reported twice: when the import committed the first slice of calls
//   (opts.onCall fires after the commit) and when another connection actually saw it (a
//   watcher process polling the SQLite file every 50 ms, started and ready before the import).
// - Generated files live in a fresh temp directory and are deleted at the end (also on
//   Ctrl-C) unless --keep: a 1 GB capture plus its index must not linger on a shared machine.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WATCH_READY, type ImportReport, type ReopenReport, type WatchReport } from './bench_child.ts';
import { generateCapture, parseSize, type CaptureFormat, type GeneratorResult } from './capture_generator.ts';
import { machine } from './machine.ts';
import { runTargets, targetsTable, type MeasuredRun, type TargetRow } from './targets_bench.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
const CHILD = join(HERE, 'bench_child.ts');
/** The brief's disk budget: never more than this on disk at once (capture + index + WAL). */
const DISK_BUDGET = 4e9;
/**
 * Index + WAL measured at ~1 % of the capture (100 MB pcap → ~1 MB WAL: per-call facts and
 * per-second bins, never per-packet rows); budgeted at 20 % in case that ever changes.
 */
const INDEX_FACTOR = 0.2;

// ─── Arguments ─────────────────────────────────────────────────────────────────────────

interface Args {
  sizes: string[];
  format: CaptureFormat;
  calls: number;
  seed: number;
  out: string;
  keep: boolean;
  reopen: boolean;
  profile: boolean;
  /** Runs per measurement; the run with the median time is reported (the machine is shared). */
  runs: number;
  gzip: boolean;
  /** Measure the issue-13 targets (targets_bench.ts); the per-size table unless targetsOnly. */
  targets: boolean;
  targetsOnly: boolean;
  targetSizes: { single: number; big: number };
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    sizes: ['100M', '1G'], format: 'pcap', calls: 50, seed: 1, out: join(tmpdir(), 'calltrace-bench'),
    keep: false, reopen: true, profile: false, runs: 1, gzip: false,
    targets: true, targetsOnly: false, targetSizes: { single: 400e6, big: 1e9 },
  };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${t} needs a value`);
      return v;
    };
    if (t === '--sizes') a.sizes = val().split(',').filter(Boolean);
    else if (t === '--format') a.format = val() as CaptureFormat;
    else if (t === '--calls') a.calls = Number(val());
    else if (t === '--seed') a.seed = Number(val());
    else if (t === '--out') a.out = val();
    else if (t === '--keep') a.keep = true;
    else if (t === '--reopen') a.reopen = true;
    else if (t === '--no-reopen') a.reopen = false;
    else if (t === '--profile') a.profile = true;
    else if (t === '--runs') a.runs = Math.max(1, Math.floor(Number(val())));
    else if (t === '--gzip') a.gzip = true;
    else if (t === '--no-targets') a.targets = false;
    else if (t === '--targets-only') a.targetsOnly = true;
    else if (t === '--target-sizes') {
      const [single, big] = val().split(',').map(parseSize);
      if (!single || !big) throw new Error('--target-sizes needs two sizes, e.g. 400M,1G');
      a.targetSizes = { single, big };
    }
    else throw new Error(`unknown option ${t}`);
  }
  if (a.format !== 'pcap' && a.format !== 'pcapng') throw new Error(`--format must be pcap or pcapng`);
  for (const s of a.sizes) parseSize(s);
  return a;
}

// ─── Measured child processes ──────────────────────────────────────────────────────────

/** A child process run (wallMs: spawn → exit, as seen from here) and where its peak RSS came from. */
interface Measured extends MeasuredRun {
  rssSource: string;
}

/** CALLTRACE_BENCH_NO_GNU_TIME=1 forces the /proc fallback (to check it on a machine that has GNU time). */
const HAS_GNU_TIME = existsSync('/usr/bin/time') && !process.env.CALLTRACE_BENCH_NO_GNU_TIME;
const TIME_TAG = 'CALLTRACE_BENCH_TIME';

/**
 * Runs a command and reports its peak RSS: through GNU time (`%M`, getrusage of the child)
 * when installed, else by polling /proc/PID/status VmHWM (the kernel's own high-water mark,
 * so a missed poll loses at most the last few ms of growth). Node's spawnSync gives no rusage.
 */
function runMeasured(cmd: string, args: string[]): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = HAS_GNU_TIME
      ? spawn('/usr/bin/time', ['-f', `${TIME_TAG} %M`, cmd, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let hwm = 0;
    const poll = HAS_GNU_TIME ? null : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {
        // exited between polls
      }
    }, 25);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      let peakRssKb: number | null = hwm || null;
      if (HAS_GNU_TIME) {
        const lines = stderr.split('\n');
        const i = lines.findIndex((l) => l.startsWith(TIME_TAG));
        if (i >= 0) {
          peakRssKb = Number(lines[i].slice(TIME_TAG.length + 1));
          lines.splice(i, 1);
          stderr = lines.join('\n');
        }
      }
      resolvePromise({ code, stdout, stderr, wallMs, peakRssKb, rssSource: HAS_GNU_TIME ? '/usr/bin/time %M' : '/proc VmHWM polling' });
    });
  });
}

function lastJson<T>(stdout: string): T {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

const nodeChild = (args: string[], nodeFlags: string[] = []): [string, string[]] =>
  [process.execPath, [...nodeFlags, '--import', 'tsx', CHILD, ...args]];

interface OursResult {
  report: ImportReport;
  procWallMs: number;
  peakRssKb: number;
  visibleMs: number | null;
}

async function runOurs(file: string, db: string, nodeFlags: string[] = []): Promise<OursResult> {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  // The watcher starts first and polls the file; it is a separate process, so its reads
  // see only what the import committed.
  const [wcmd, wargs] = nodeChild(['watch', db]);
  const watcher = spawn(wcmd, wargs, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let watchOut = '';
  const watcherDone = new Promise<void>((r) => watcher.on('close', () => r()));
  // The import starts only once the watcher is up and polling: its own start-up (node + tsx,
  // ~0.5 s of CPU) must not compete with the import on a 2-core machine and skew both the
  // import's time and "1st visible".
  await new Promise<void>((ready) => {
    watcher.stdout.setEncoding('utf8').on('data', (d: string) => {
      watchOut += d;
      if (watchOut.includes(WATCH_READY)) ready();
    });
    watcher.on('close', () => ready());
  });

  const [cmd, args] = nodeChild(['import', file, db], nodeFlags);
  const m = await runMeasured(cmd, args);
  if (m.code !== 0) throw new Error(`import child failed (${m.code}): ${m.stderr}`);
  const report = lastJson<ImportReport>(m.stdout);
  // After the commit the watcher needs at most one poll interval; then stop it.
  const timer = setTimeout(() => watcher.kill('SIGTERM'), 1500);
  await watcherDone;
  clearTimeout(timer);
  let visibleMs: number | null = null;
  try {
    const w = lastJson<WatchReport>(watchOut);
    if (w.visibleEpochMs !== null) visibleMs = w.visibleEpochMs - report.t0EpochMs;
  } catch {
    // watcher printed nothing: leave "not seen"
  }
  return { report, procWallMs: m.wallMs, peakRssKb: m.peakRssKb ?? report.maxRssKb, visibleMs };
}

interface TsharkResult {
  wallMs: number;
  peakRssKb: number | null;
  streams: number;
}

async function runTshark(file: string): Promise<TsharkResult> {
  const m = await runMeasured('tshark', ['-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams', '-r', file]);
  if (m.code !== 0) throw new Error(`tshark failed (${m.code}): ${m.stderr}`);
  // Rows of the table: start with two floats (start/end time).
  const streams = m.stdout.split('\n').filter((l) => /^\s*\d+\.\d+\s+\d+\.\d+\s/.test(l)).length;
  return { wallMs: m.wallMs, peakRssKb: m.peakRssKb, streams };
}

async function runReopen(db: string): Promise<{ report: ReopenReport; procWallMs: number }> {
  const [cmd, args] = nodeChild(['reopen', db]);
  const m = await runMeasured(cmd, args);
  if (m.code !== 0) throw new Error(`reopen child failed (${m.code}): ${m.stderr}`);
  return { report: lastJson<ReopenReport>(m.stdout), procWallMs: m.wallMs };
}

// ─── CPU profile summary ───────────────────────────────────────────────────────────────

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per file from a V8 .cpuprofile (sample i gets timeDeltas[i]). */
function summarizeProfile(path: string, top = 15): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    // Idle samples (waiting on nothing) are not work: keep them out of the percentages.
    if (byId.get(p.samples[i])?.callFrame.functionName === '(idle)') continue;
    const d = Math.max(0, p.timeDeltas[i] ?? 0);
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + d);
    total += d;
  }
  const short = (url: string) => url.replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '').replace(/^.*node_modules\//, 'node_modules/');
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const f = n.callFrame;
    const file = f.url ? short(f.url) : '(native/VM)';
    // Line numbers of tsx-transformed .ts files point into esbuild's output, not the source.
    const line = f.url && !f.url.endsWith('.ts') ? `:${f.lineNumber + 1}` : '';
    const fn = `${f.functionName || '(anonymous)'}  ${file}${line}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return `CPU profile ${path} (${(total / 1e6).toFixed(1)} s busy, whole child process: start-up included)\n top self time by function:\n${fmt(byFn, top)}\n top self time by file:\n${fmt(byFile, 10)}`;
}

async function tsharkVersion(): Promise<string | null> {
  return new Promise((r) => {
    const c = spawn('tshark', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('error', () => r(null));
    c.on('close', (code) => r(code === 0 ? out.split('\n')[0] ?? null : null));
  });
}

// ─── Table ─────────────────────────────────────────────────────────────────────────────

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const mb = (bytes: number) => bytes / 1e6;
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

// ─── Main ──────────────────────────────────────────────────────────────────────────────

interface Row {
  label: string;
  gen: GeneratorResult;
  genS: number;
  ours: OursResult;
  tshark: TsharkResult | null;
  reopen: { report: ReopenReport; procWallMs: number } | null;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const bytes = args.sizes.map(parseSize);
  const peak = args.keep ? bytes.reduce((s, b) => s + b, 0) : Math.max(...bytes);
  // A gzip -1 copy is at most about half the size of a generated capture (it is a fifth).
  const tablePeak = args.targetsOnly ? 0 : peak * (1 + INDEX_FACTOR + (args.gzip ? 0.5 : 0));
  // The targets hold two single-size captures at once, or the big one, each with an index.
  const targetsPeak = args.targets ? Math.max(2 * args.targetSizes.single, args.targetSizes.big) * (1 + INDEX_FACTOR) : 0;
  const onDisk = Math.max(tablePeak, targetsPeak);
  if (onDisk > DISK_BUDGET) {
    throw new Error(`sizes ${args.sizes.join(',')} would put ~${f1(onDisk / 1e9)} GB on disk (budget ${DISK_BUDGET / 1e9} GB)${args.keep ? '; drop --keep' : ''}`);
  }
  mkdirSync(args.out, { recursive: true });
  const work = mkdtempSync(join(args.out, 'run-'));
  const cleanup = () => {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  const m = machine();
  const tsv = await tsharkVersion();
  process.stdout.write(`calltrace ingest benchmark\n${m}\ntshark: ${tsv ?? 'NOT INSTALLED (only our figures are measured)'}\n` +
    `peak RSS via ${HAS_GNU_TIME ? '/usr/bin/time' : '/proc VmHWM polling'}; work dir ${work}${args.keep ? ' (kept)' : ''}\n\n`);

  const rows: Row[] = [];
  const profiles: string[] = [];
  let failures = 0;
  let targets: TargetRow[] = [];
  try {
    for (let i = 0; i < (args.targetsOnly ? 0 : args.sizes.length); i++) {
      const label = args.sizes[i];
      const file = join(work, `bench-${label}.${args.format}`);
      const db = join(work, `bench-${label}.sqlite`);
      process.stdout.write(`[${label}] generating ${args.format} (seed ${args.seed}, ${args.calls} concurrent calls)… `);
      const tg = performance.now();
      const gen = generateCapture({ out: file, targetBytes: bytes[i], format: args.format, seed: args.seed, concurrentCalls: args.calls });
      // Flush the freshly written file: otherwise our import (which runs first) competes with
      // the kernel's write-back of gigabytes of dirty pages, and tshark (later) does not.
      spawnSync('sync');
      const genS = (performance.now() - tg) / 1000;
      process.stdout.write(`${f1(mb(gen.bytes))} MB, ${gen.packets} packets, ${gen.calls} calls, ${gen.rtpStreams} RTP streams, ` +
        `${f1((gen.lastUs - gen.firstUs) / 1e6)} s of traffic, ≤${gen.maxLiveCalls} live; ${f1(genS)} s\n`);

      const variants: { label: string; file: string }[] = [{ label, file }];
      if (args.gzip) {
        process.stdout.write(`[${label}] gzip -1… `);
        const tz = performance.now();
        const gz = `${file}.gz`;
        gzipFile(file, gz);
        spawnSync('sync');
        process.stdout.write(`${f1(mb(statSync(gz).size))} MB; ${f1((performance.now() - tz) / 1000)} s\n`);
        variants.push({ label: `${label}.gz`, file: gz });
      }
      for (const v of variants) {
        process.stdout.write(`[${v.label}] our import… `);
        const oursRuns: OursResult[] = [];
        for (let k = 0; k < args.runs; k++) oursRuns.push(await runOurs(v.file, db));
        const ours = median(oursRuns, (o) => o.report.importMs);
        const complete = (o: OursResult) => o.report.packets === gen.packets && o.report.error === null;
        process.stdout.write(`${f1(o2s(ours))} s, ${ours.report.status}, ${ours.report.packets}/${gen.packets} packets\n`);
        if (!complete(ours)) {
          process.stdout.write(`[${v.label}] !!! our import did not read the whole capture (${ours.report.error ?? 'no error reported'}; ` +
            `${ours.report.packets} of ${gen.packets} packets)\n`);
          failures++;
        }

        let tshark: TsharkResult | null = null;
        if (tsv) {
          process.stdout.write(`[${v.label}] tshark -z rtp,streams… `);
          const tsharkRuns: TsharkResult[] = [];
          for (let k = 0; k < args.runs; k++) tsharkRuns.push(await runTshark(v.file));
          tshark = median(tsharkRuns, (t) => t.wallMs);
          process.stdout.write(`${f1(tshark.wallMs / 1000)} s\n`);
        }
        const reopen = args.reopen ? await runReopen(db) : null;
        rows.push({ label: v.label, gen, genS, ours, tshark, reopen });
      }

      if (args.profile && i === 0) {
        const profDir = join(work, 'cpuprof');
        mkdirSync(profDir, { recursive: true });
        process.stdout.write(`[${label}] profiling our import (node --cpu-prof)…\n`);
        await runOurs(file, db, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
        // The watcher child writes no profile (no flag); the import child writes exactly one.
        const prof = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f))
          .sort((x, y) => statSync(y).size - statSync(x).size)[0];
        if (prof) profiles.push(summarizeProfile(prof));
      }

      if (!args.keep) for (const f of [file, `${file}.gz`, db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    }
    if (args.targets) {
      process.stdout.write(`\nissue-13 targets (compiled CLI, one run each; load average = 1 min, before→after)\n`);
      targets = await runTargets({
        work, repoRoot: REPO_ROOT, seed: args.seed, hasTshark: tsv !== null, runMeasured, cores: availableParallelism(),
        sizes: args.targetSizes, say: (t) => void process.stdout.write(t),
      });
    }
  } finally {
    cleanup();
  }

  // ---- report ------------------------------------------------------------------------------
  if (rows.length > 0) {
    process.stdout.write(`\n${m}\ntshark: ${tsv ?? 'NOT INSTALLED'}\n\n`);
    const head = ['size', 'MB', 'packets', 'calls', 'ours s', '(proc s)', 'MB/s', 'pkt/s', 'RSS MB', '1st onCall ms', '1st visible ms',
      'streams', ...(tsv ? ['tshark s', 'MB/s', 'RSS MB', 'streams', 'ours/tshark'] : [])];
    const body = rows.map((r) => {
      const o = r.ours;
      const s = o.report.importMs / 1000;
      const oursMbS = mb(r.gen.bytes) / s;
      const cells = [
        r.label + (complete2(r) ? '' : ' INCOMPLETE'), f1(mb(r.gen.bytes)), String(r.gen.packets), String(o.report.calls),
        f2(s), f2(o.procWallMs / 1000), f1(oursMbS), String(Math.round(o.report.packets / s)), f1(o.peakRssKb / 1024),
        o.report.firstCallMs === null ? '-' : o.report.firstCallMs.toFixed(0), o.visibleMs === null ? 'never' : o.visibleMs.toFixed(0),
        String(o.report.streams),
      ];
      if (tsv) {
        const t = r.tshark!;
        const ts = t.wallMs / 1000;
        cells.push(f2(ts), f1(mb(r.gen.bytes) / ts), t.peakRssKb === null ? '?' : f1(t.peakRssKb / 1024), String(t.streams), `${f2(oursMbS / (mb(r.gen.bytes) / ts))}×`);
      }
      return cells;
    });
    process.stdout.write(table(head, body) + '\n');
    process.stdout.write(
      '\nours s = importCapture() inside the child (read + engine + SQLite slices + final commit; SHA-256 on a worker\n' +
      'thread meanwhile); (proc s) = the whole child\n' +
      'process (node + tsx start-up included). MB/s, pkt/s and ours/tshark use "ours s"; tshark is its whole process.\n' +
      '1st onCall = the first call was committed (onCall fires after the commit); 1st visible = another connection saw it.\n' +
      `${args.gzip ? '.gz rows: both tools read the gzip -1 file; MB, MB/s and the ratio count its decompressed bytes.\n' : ''}` +
      `${args.runs > 1 ? `Median of ${args.runs} runs (ours and tshark each).\n` : ''}`,
    );
    for (const r of rows) {
      const gens = `  ${r.label}: generated in ${f1(r.genS)} s (${f1(mb(r.gen.bytes) / r.genS)} MB/s, not part of the results); ` +
        `generated RTP streams ${r.gen.rtpStreams}`;
      const ro = r.reopen ? `; reopen: open ${f1(r.reopen.report.openMs)} ms + first 100 of ${r.reopen.report.calls} calls ${f1(r.reopen.report.listMs)} ms (process ${f2(r.reopen.procWallMs / 1000)} s)` : '';
      process.stdout.write(gens + ro + '\n');
    }
  }
  for (const p of profiles) process.stdout.write(`\n${p}\n`);
  if (targets.length > 0) {
    process.stdout.write(`\nissue-13 targets (${m}; tshark: ${tsv ?? 'NOT INSTALLED'})\n${targetsTable(targets)}\n`);
  }
  if (failures > 0) {
    process.stderr.write(`ingest_bench: ${failures} import(s) did not read the whole capture\n`);
    process.exitCode = 1;
  }
}

/** `gzip -1 -k` (Debian's gzip is always there): FILE stays, FILE.gz is written beside it. */
function gzipFile(file: string, gz: string): void {
  const r = spawnSync('gzip', ['-1', '-k', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error || r.status !== 0 || !existsSync(gz)) throw new Error(`gzip -1 ${file} failed: ${r.error?.message ?? r.stderr}`);
}

/** The element with the median key (the lower middle one for an even count). */
function median<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[Math.floor((xs.length - 1) / 2)];
}

const o2s = (o: OursResult) => o.report.importMs / 1000;
const complete2 = (r: Row) => r.ours.report.packets === r.gen.packets && r.ours.report.error === null;

main().catch((e: Error) => {
  process.stderr.write(`ingest_bench: ${e.message}\n`);
  process.exitCode = 1;
});
